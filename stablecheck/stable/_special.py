"""Closed forms of the standard S0 law: Gaussian (alpha = 2), Cauchy (alpha = 1, beta = 0) and
Levy (alpha = 1/2, beta = +-1).  All return (logpdf, logcdf, logsf) accurate to a few ulp,
including the far tails (no ``1 - F`` cancellation).

* alpha = 2: S0(2, beta, 1, 0) = N(0, 2) for every beta.
* alpha = 1, beta = 0: standard Cauchy.
* alpha = 1/2, beta = 1: zeta = -tan(pi/4) = -1, so Z + 1 is Levy with c = 1:
  f(y) = (2 pi)^(-1/2) y^(-3/2) exp(-1/(2y)), F(y) = erfc((2y)^(-1/2)), y = z + 1 > 0.
  beta = -1 by reflection.
"""

from __future__ import annotations

import numpy as np
from scipy import special as sc

__all__ = ["closed_form_mask", "closed_form"]

_LOG_2SQRTPI = np.log(2.0 * np.sqrt(np.pi))
_LOG_SQRT2PI = 0.5 * np.log(2.0 * np.pi)


def closed_form_mask(a, b):
    """Boolean mask of points with a closed form."""
    return (a == 2.0) | ((a == 1.0) & (b == 0.0)) | ((a == 0.5) & (np.abs(b) == 1.0))


def _gauss(z):
    lp = -0.25 * z * z - _LOG_2SQRTPI
    u = z / np.sqrt(2.0)
    return lp, sc.log_ndtr(u), sc.log_ndtr(-u)


def _cauchy(z):
    lp = -np.log(np.pi) - np.log1p(z * z)
    with np.errstate(divide="ignore"):
        # F(z) = arctan2(1, -z)/pi exactly represents the left tail; sf by symmetry
        lc = np.log(np.arctan2(1.0, -z) / np.pi)
        ls = np.log(np.arctan2(1.0, z) / np.pi)
    return lp, lc, ls


def _levy_pos(z, y=None):
    """Levy at beta = 1; ``y`` = z + 1 = z - zeta when known unrounded (the S1 variable)."""
    if y is None:
        y = z + 1.0
    with np.errstate(all="ignore"):
        pos = y > 0
        ys = np.where(pos, y, 1.0)
        lp = np.where(pos, -_LOG_SQRT2PI - 1.5 * np.log(ys) - 0.5 / ys, -np.inf)
        r = np.sqrt(0.5 / ys)
        lc = np.where(pos, np.log(sc.erfc(r)), -np.inf)
        # erf(r) for small r: log directly; log1p(-erfc) near 1 is exact enough
        ls = np.where(pos, np.log(sc.erf(r)), 0.0)
        big = pos & (r > 5.0)
        lc = np.where(big, np.log(sc.erfcx(np.where(big, r, 1.0))) - r * r, lc)
    return lp, lc, ls


def closed_form(z, a, b, x0=None):
    """(logpdf, logcdf, logsf) for points where ``closed_form_mask`` holds (flat arrays).

    ``x0`` (optional): z - zeta without rounding zeta (the S1 variable), used by Levy, whose
    density exp(-1/(2 y)) near the support end y = z - zeta -> 0 magnifies any rounding of y.
    """
    lp = np.empty(z.size)
    lc = np.empty(z.size)
    ls = np.empty(z.size)
    g = a == 2.0
    c = (a == 1.0) & (b == 0.0)
    lpos = (a == 0.5) & (b == 1.0)
    lneg = (a == 0.5) & (b == -1.0)
    for m, fn, refl in ((g, _gauss, False), (c, _cauchy, False), (lpos, _levy_pos, False),
                        (lneg, _levy_pos, True)):
        if np.any(m):
            zz = -z[m] if refl else z[m]
            if fn is _levy_pos and x0 is not None:
                p, cc, ss = fn(zz, -x0[m] if refl else x0[m])
            else:
                p, cc, ss = fn(zz)
            lp[m] = p
            lc[m], ls[m] = (ss, cc) if refl else (cc, ss)
    return lp, lc, ls
