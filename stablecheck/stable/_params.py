"""Nolan's S0 <-> S1 parameterisations (location shift only; alpha, beta, scale are shared).

S0 (Nolan 2020, Def. 1.7) is jointly continuous in all four parameters and is what the engine
uses; S1 (Samorodnitsky & Taqqu) is the classical form.  With gamma the scale:

* alpha != 1: delta0 = delta1 + beta gamma tan(pi alpha / 2)
* alpha == 1: delta0 = delta1 + (2/pi) beta gamma log(gamma)
"""

from __future__ import annotations

import numpy as np

__all__ = ["s1_to_s0_loc", "s0_to_s1_loc", "loc_shift"]


def loc_shift(alpha, beta, scale):
    """Return delta0 - delta1 (broadcast arrays)."""
    alpha, beta, scale = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64)
                                               for v in (alpha, beta, scale)))
    with np.errstate(all="ignore"):
        # tan(pi alpha/2) = 1/tan(pi (1-alpha)/2): exact sign on both sides of alpha = 1
        t = 1.0 / np.tan(0.5 * np.pi * (1.0 - alpha))
        s = np.where(alpha == 1.0, (2.0 / np.pi) * beta * scale * np.log(scale),
                     beta * scale * np.where(beta == 0.0, 0.0, t))
    return s


def s1_to_s0_loc(alpha, beta, scale, loc):
    """S0 location of the law given in S1 by (alpha, beta, scale, loc)."""
    return np.asarray(loc, dtype=np.float64) + loc_shift(alpha, beta, scale)


def s0_to_s1_loc(alpha, beta, scale, loc):
    """S1 location of the law given in S0 by (alpha, beta, scale, loc)."""
    return np.asarray(loc, dtype=np.float64) - loc_shift(alpha, beta, scale)
