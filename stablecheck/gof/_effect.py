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
  1 for a Gaussian, > 1 for heavier tails (9.3 for the Cauchy law, 1.7 for t₃).

W1 is computed exactly through the quantile form ∫₀¹ |F_n⁻¹(u) − Φ⁻¹(u)| du (see
:func:`_w1_sorted`).
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


def _phi(t: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * t * t) / _SQRT_2PI


def _quantiles(xs: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Linear-interpolation quantiles (numpy's default) of column-sorted ``xs``."""
    n = xs.shape[0]
    pos = q * (n - 1)
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, n - 1)
    frac = (pos - lo)[:, None]
    return xs[lo] * (1 - frac) + xs[hi] * frac


def _w1_sorted(z: np.ndarray) -> np.ndarray:
    """Exact W1 between the empirical law of sorted columns ``z`` and N(0, 1).

    W1 = ∫₀¹ |F_n⁻¹(u) − Φ⁻¹(u)| du = Σ_i ∫_{t_{i−1}}^{t_i} |z_(i) − t| φ(t) dt with
    t_i = Φ⁻¹(i/n). Off its own interval [t_{i−1}, t_i] the integrand has one sign and the
    term is |z_(i)/n − (φ(t_{i−1}) − φ(t_i))|; only the few z_(i) inside their interval need
    the split at t = z_(i). No transcendental function touches the full n x P array.
    """
    n = z.shape[0]
    t = special.ndtri(np.arange(n + 1) / n)  # t_0 = -inf, t_n = +inf
    ph = _phi(t)  # 0 at ±inf
    a, b = t[:-1, None], t[1:, None]
    dphi = (ph[:-1] - ph[1:])[:, None]
    signed = z / n - dphi
    total = np.abs(signed).sum(axis=0)
    inside = (z > a) & (z < b)
    if inside.any():
        r, c = np.nonzero(inside)
        zi = z[r, c]
        fa, fb, fz = ph[r], ph[r + 1], _phi(zi)
        ca, cb, cz = special.ndtr(t[r]), special.ndtr(t[r + 1]), special.ndtr(zi)
        split = (zi * (cz - ca) - (fa - fz)) + ((fz - fb) - zi * (cb - cz))
        np.add.at(total, c, split - np.abs(signed[r, c]))
    return total


def effect_sizes(xs: np.ndarray, moments: tuple[np.ndarray, np.ndarray] | None = None
                 ) -> dict[str, np.ndarray]:
    """Effect sizes for each column of the column-sorted finite matrix ``xs`` (n x P).

    ``moments`` may pass precomputed central moments ``(m2, m4)`` of the same columns.
    Returns a dict of arrays of shape (P,): ``ks_distance``, ``w1_distance``,
    ``excess_kurtosis``, ``tail_ratio`` and the bool ``iqr_zero`` (columns whose IQR is 0:
    more than half the values tie; their robust scale is the sd instead).
    """
    n = xs.shape[0]
    q01, q25, med, q75, q99 = _quantiles(xs, np.array([0.01, 0.25, 0.5, 0.75, 0.99]))
    iqr = q75 - q25
    iqr_zero = ~(iqr > 0)
    scale = iqr / IQR_TO_SD
    if iqr_zero.any():
        scale = np.where(iqr_zero, xs.std(axis=0), scale)
    scale = np.where(scale > 0, scale, 1.0)  # constant columns: the caller flags them
    z = xs - med
    z *= 1.0 / scale

    d = special.ndtr(z)
    d -= np.arange(1, n + 1, dtype=np.float64)[:, None] / n
    ks = np.maximum(-d.min(axis=0), d.max(axis=0) + 1.0 / n)
    w1 = _w1_sorted(z)

    if moments is None:
        xc = xs - xs.mean(axis=0)
        xc = xc / np.where(np.abs(xc).max(axis=0) > 0, np.abs(xc).max(axis=0), 1.0)
        moments = ((xc * xc).mean(axis=0), ((xc * xc) ** 2).mean(axis=0))
    m2, m4 = moments
    with np.errstate(invalid="ignore", divide="ignore"):
        kurt = m4 / (m2 * m2) - 3.0
    # IQR = 0 (over half the values tie, e.g. exact zeros): the sd-based IQR stands in,
    # as for the distances above; the column is flagged ``iqr_zero``.
    tail = (q99 - q01) / (scale * IQR_TO_SD) / GAUSS_TAIL_RATIO
    return {"ks_distance": ks, "w1_distance": w1, "excess_kurtosis": kurt,
            "tail_ratio": tail, "iqr_zero": iqr_zero}
