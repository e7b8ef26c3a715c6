"""Bootstrap confidence intervals: percentile, basic and BCa (grouped jackknife).

The functions work on a bootstrap distribution that is already computed, so a result can be
re-levelled without resampling again.
"""

from __future__ import annotations

import numpy as np
from scipy import special

__all__ = ["percentile_ci", "basic_ci", "bca_ci", "grouped_jackknife", "CI_METHODS"]


def _finite(theta_star: np.ndarray) -> np.ndarray:
    t = np.asarray(theta_star, dtype=np.float64).reshape(-1)
    return t[np.isfinite(t)]


def percentile_ci(theta_hat: float, theta_star: np.ndarray, level: float) -> tuple[float, float]:
    """Efron's percentile interval: the ``(1∓level)/2`` quantiles of the replicates."""
    t = _finite(theta_star)
    a = (1.0 - level) / 2.0
    lo, hi = np.quantile(t, [a, 1.0 - a])
    return float(lo), float(hi)


def basic_ci(theta_hat: float, theta_star: np.ndarray, level: float) -> tuple[float, float]:
    """Basic (reverse percentile) interval ``2 θ̂ − q_{1−a}, 2 θ̂ − q_a``."""
    lo, hi = percentile_ci(theta_hat, theta_star, level)
    return 2.0 * theta_hat - hi, 2.0 * theta_hat - lo


def bca_ci(theta_hat: float, theta_star: np.ndarray, level: float,
           jackknife: np.ndarray | None) -> tuple[float, float]:
    """Efron's (1987) bias-corrected and accelerated interval.

    ``jackknife`` holds leave-one-(group-)out estimates for the acceleration; ``None`` gives
    the bias-corrected (BC) interval with zero acceleration.
    """
    t = _finite(theta_star)
    prop = (np.count_nonzero(t < theta_hat) + 0.5 * np.count_nonzero(t == theta_hat)) / t.size
    prop = min(max(prop, 0.5 / t.size), 1.0 - 0.5 / t.size)
    z0 = special.ndtri(prop)
    acc = 0.0
    if jackknife is not None:
        j = _finite(jackknife)
        d = j.mean() - j
        den = 6.0 * np.sum(d * d) ** 1.5
        acc = float(np.sum(d ** 3) / den) if den > 0 else 0.0
    a = (1.0 - level) / 2.0
    z = special.ndtri(np.array([a, 1.0 - a]))
    adj = special.ndtr(z0 + (z0 + z) / (1.0 - acc * (z0 + z)))
    lo, hi = np.quantile(t, adj)
    return float(lo), float(hi)


def grouped_jackknife(n: int, groups: int, rng: np.random.Generator) -> np.ndarray:
    """Random assignment of ``n`` observations to ``groups`` nearly equal groups.

    Returns the group label of each observation. Leaving out one group at a time gives the
    grouped (delete-``n/groups``) jackknife, which costs ``groups`` evaluations instead of
    ``n`` and stays consistent for non-smooth statistics such as tail estimators.
    """
    labels = np.arange(n) % groups
    rng.shuffle(labels)
    return labels


CI_METHODS = {"percentile": percentile_ci, "basic": basic_ci, "bca": bca_ci}
