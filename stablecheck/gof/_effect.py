"""Effect sizes: how far from Gaussian, on a scale that does not grow with n.

With 1e5 minibatches every test rejects a t₅₀ sample while the distribution is, for any
practical purpose, Gaussian. The quantities here measure the *size* of the departure:

* ``ks_distance`` and ``w1_distance``: Kolmogorov and Wasserstein-1 distances between the
  empirical law of the robustly standardised sample ``z = (x - median) / (IQR / 1.349)`` and
  N(0, 1). The median and IQR are Gaussian-consistent estimates of location and scale that a
  few huge values cannot move, so for Gaussian data both distances shrink like 1/sqrt(n) while
  heavy tails keep them away from 0 (a sd-standardised sample would shrink the bulk instead).
* ``excess_kurtosis``: m4/m2² - 3 (biased, as ``scipy.stats.kurtosis``); grows with n without
  bound under infinite variance.
* ``tail_ratio``: (q.99 - q.01) / (q.75 - q.25) divided by the Gaussian value 3.449;
  1 for a Gaussian, > 1 for heavier tails (~1.9 for Cauchy... see docs/gaussianity.md).

W1 is computed exactly: between consecutive order statistics the empirical cdf is the constant
i/n and ∫|i/n - Φ(t)| dt has a closed form through G(t) = tΦ(t) + φ(t), the antiderivative
of Φ.
"""

from __future__ import annotations

import numpy as np
from scipy import special

__all__ = ["effect_sizes", "IQR_TO_SD", "GAUSS_TAIL_RATIO"]

#: IQR of N(0, 1): 2 Φ⁻¹(3/4).
IQR_TO_SD = 2.0 * special.ndtri(0.75)
#: (q.99 - q.01) / (q.75 - q.25) for a Gaussian: Φ⁻¹(.99) / Φ⁻¹(.75).
GAUSS_TAIL_RATIO = special.ndtri(0.99) / special.ndtri(0.75)

_SQRT_2PI = np.sqrt(2.0 * np.pi)


def _G(t: np.ndarray) -> np.ndarray:
    """Antiderivative of Φ: G(t) = t Φ(t) + φ(t) (G(-inf) = 0)."""
    return t * special.ndtr(t) + np.exp(-0.5 * t * t) / _SQRT_2PI


def _quantiles(xs: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Linear-interpolation quantiles (numpy's default) of column-sorted ``xs``."""
    n = xs.shape[0]
    pos = q * (n - 1)
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, n - 1)
    frac = (pos - lo)[:, None]
    return xs[lo] * (1 - frac) + xs[hi] * frac


def effect_sizes(xs: np.ndarray) -> dict[str, np.ndarray]:
    """Effect sizes for each column of the column-sorted finite matrix ``xs`` (n x P).

    Returns a dict of arrays of shape (P,): ``ks_distance``, ``w1_distance``,
    ``excess_kurtosis``, ``tail_ratio`` and the bool ``iqr_zero`` (columns whose IQR is 0:
    more than half the values tie; their robust distances use the sd instead).
    """
    n = xs.shape[0]
    q = _quantiles(xs, np.array([0.01, 0.25, 0.5, 0.75, 0.99]))
    q01, q25, med, q75, q99 = q
    iqr = q75 - q25
    iqr_zero = ~(iqr > 0)
    sd = xs.std(axis=0)
    scale = np.where(iqr_zero, sd, iqr / IQR_TO_SD)
    scale = np.where(scale > 0, scale, 1.0)  # constant columns: the caller flags them
    z = (xs - med) / scale

    i = np.arange(1, n + 1, dtype=np.float64)[:, None]
    cdf = special.ndtr(z)
    ks = np.maximum((i / n - cdf).max(axis=0), (cdf - (i - 1) / n).max(axis=0))

    # W1 = ∫ |F_n - Φ|: tails plus n - 1 interior intervals [z_i, z_{i+1}) where F_n = i/n.
    g = _G(z)
    a, bnd = z[:-1], z[1:]
    c = i[:-1] / n
    tstar = special.ndtri(c)
    u = np.clip(tstar, a, bnd)
    ga, gb, gu = g[:-1], g[1:], _G(u)
    # ∫_a^b |Φ - c| = ∫_a^b (Φ - c) + 2 ∫_a^u (c - Φ)
    inner = (gb - ga) - c * (bnd - a) + 2.0 * (c * (u - a) - (gu - ga))
    w1 = g[0] + _G(-z[-1]) + np.maximum(inner, 0.0).sum(axis=0)

    xc = xs - xs.mean(axis=0)
    scale_m = np.abs(xc).max(axis=0)
    scale_m = np.where(scale_m > 0, scale_m, 1.0)
    xc = xc / scale_m
    m2 = (xc * xc).mean(axis=0)
    m4 = ((xc * xc) ** 2).mean(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        kurt = m4 / (m2 * m2) - 3.0
        tail = (q99 - q01) / iqr / GAUSS_TAIL_RATIO
    tail = np.where(iqr_zero, np.inf, tail)
    return {"ks_distance": ks, "w1_distance": w1, "excess_kurtosis": kurt,
            "tail_ratio": tail, "iqr_zero": iqr_zero}
