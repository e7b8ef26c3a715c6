"""Stable-model estimators read from a :class:`LogMomentSketch`.

* SαS log-moment estimator (Ma & Nikias 1995; Kuruoglu 2001):
  ``Var log|X| = (π²/6)(1/α² + 1/2)`` ⇒ ``α̂ = (6 V̂/π² − 1/2)^(−1/2)``.
* Mohammadi, Mohammadpour & Ogata (2015), Corollary 2.4, on block sums ``Y_i`` of ``K1``
  consecutive values: ``1/α̂ = [mean log|Y| − mean log|X|] / log K1``.

Both are honest about the boundary: values above 2 (or negative) are returned as computed
and flagged, never clipped.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from .._results import ConfidenceInterval
from ._sketches import LogMomentSketch

__all__ = ["logmoment_estimate", "mohammadi_estimate", "logmoment_variance", "seed_k1",
           "DEFAULT_K1_GRID"]

PI2 = math.pi ** 2
#: the grid of later code of the seed's group (median over these K1)
DEFAULT_K1_GRID = (2, 5, 10, 20, 50, 100, 500, 1000)


def logmoment_variance(alpha: float, n: int) -> float:
    """Delta-method variance of the log-moment ``α̂`` at ``α``:
    ``(9 α⁶ / π⁴)(κ4 + 2 κ2²) / n`` with the cumulants of ``log|X|`` for SαS,
    ``κ2 = π²/12 + π²/(6α²)``, ``κ4 = 7π⁴/120 + π⁴/(15 α⁴)``."""
    k2, k4 = _cumulants(alpha)
    return 9.0 * alpha ** 6 / PI2 ** 2 * (k4 + 2.0 * k2 * k2) / n


def _cumulants(alpha: float) -> tuple[float, float]:
    k2 = PI2 / 12.0 + PI2 / (6.0 * alpha ** 2)
    k4 = 7.0 * PI2 ** 2 / 120.0 + PI2 ** 2 / (15.0 * alpha ** 4)
    return k2, k4


def _alpha_of_var(v: float) -> float:
    d = 6.0 * v / PI2 - 0.5
    return 1.0 / math.sqrt(d) if d > 0 else math.inf


def logmoment_estimate(sk: LogMomentSketch, *, confidence_level: float | None
                       ) -> tuple[float, float, ConfidenceInterval | None, list[str]]:
    """``(alpha, se, ci, notes)`` from the log-moments in ``sk``.

    The interval is the delta-method normal interval for ``V = Var log|X|`` mapped through
    the monotone map ``V ↦ α``, so it is never clipped and may reach ``inf`` when the data
    are compatible with α = 2 and lighter tails.
    """
    n = sk.n_used
    v = sk.log_var(ddof=1)
    alpha = _alpha_of_var(v)
    notes: list[str] = []
    if not math.isfinite(alpha):
        notes.append(f"Var log|x| = {v:.4g} is at or below π²/8 = {PI2 / 8:.4g}, the smallest "
                     "value an SαS law can have (α = inf in the formula); the data are "
                     "lighter-tailed than any SαS law or not SαS at all (α̂ reported as inf).")
        a_for_se = 2.0
    elif alpha > 2.0:
        notes.append(f"log-moment α̂ = {alpha:.4g} exceeds 2 (outside the stable range); "
                     "reported as computed, not clipped — the data look lighter-tailed than SαS "
                     "or are not SαS.")
        a_for_se = 2.0
    else:
        a_for_se = alpha
    se = math.sqrt(logmoment_variance(a_for_se, n))
    ci = None
    if confidence_level is not None:
        k2, k4 = _cumulants(a_for_se)
        se_v = math.sqrt((k4 + 2 * k2 * k2) / n)
        z = float(special.ndtri(0.5 + confidence_level / 2))
        lo, hi = _alpha_of_var(v + z * se_v), _alpha_of_var(v - z * se_v)
        ci = ConfidenceInterval(lo, hi, confidence_level, "delta (log-variance scale)")
    return alpha, se, ci, notes


def seed_k1(n: int) -> int:
    """The seed's block length: the largest divisor of ``n`` that is at most ``sqrt(n)``."""
    r = math.isqrt(n)
    for d in range(r, 0, -1):
        if n % d == 0:
            return d
    return 1


def mohammadi_estimate(sk: LogMomentSketch, *, confidence_level: float | None
                       ) -> dict[str, np.ndarray]:
    """Per-``K1`` arrays: ``k1, alpha, inv_alpha, se, low, high, k2, n_used``.

    Standard error of ``1/α̂``: ``sqrt(s²_logY / K2 + s²_logX / K) / log K1`` (the two
    means are positively correlated, so dropping their covariance errs on the wide side);
    on the α scale ``se(α̂) = α̂² se(1/α̂)``. The interval is normal on the ``1/α`` scale and
    mapped back (an upper end at ``1/α ≤ 0`` becomes ``inf``).
    """
    k1 = sk.k1.astype(np.int64)
    cnt, mean_y, m2_y = sk.blk_log[:, 0], sk.blk_log[:, 1], sk.blk_log[:, 2]
    K = cnt * k1
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_x = sk.blk_sumlogx / K
        inv = (mean_y - mean_x) / np.log(k1)
        alpha = 1.0 / inv
        var_y = m2_y / (cnt - 1)
        var_x = sk.log_var(ddof=1)
        se_inv = np.sqrt(var_y / cnt + var_x / K) / np.log(k1)
        se = alpha * alpha * se_inv
    low = np.full(k1.size, np.nan)
    high = np.full(k1.size, np.nan)
    if confidence_level is not None:
        z = float(special.ndtri(0.5 + confidence_level / 2))
        lo_inv, hi_inv = inv - z * se_inv, inv + z * se_inv
        with np.errstate(divide="ignore", invalid="ignore"):
            # a 1/α interval reaching 0 or below has no finite lower end on the α scale:
            # report -inf (the α̂ itself is then flagged as outside (0, 2])
            low = np.where(hi_inv > 0, 1.0 / hi_inv, -np.inf)
            high = np.where(lo_inv > 0, 1.0 / lo_inv, np.inf)
    return {"k1": k1, "alpha": alpha, "inv_alpha": inv, "se": se, "low": low, "high": high,
            "k2": cnt.astype(np.int64), "n_used": K.astype(np.int64)}
