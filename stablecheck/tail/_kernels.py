"""Pure tail-index kernels on a sorted top tail.

Every kernel takes ``logs`` — the natural logarithms of the largest positive values sorted in
*decreasing* order, ``logs[0] = log X_(1) >= logs[1] >= ...`` — and returns its estimate of
the extreme-value index ``xi`` (= 1/alpha for heavy tails) for every ``k = 1..k_max`` at
once (a "path"), so k selection, plots and bootstrap replicates reuse one cumulative sum.
The ``*_se`` functions give the asymptotic standard error of ``xi`` at ``k``.

Paths are float64 arrays whose entry ``k - 1`` belongs to ``k`` (the number of exceedances
above the threshold ``X_(k+1)``). Kernels are vectorised over a leading replicate axis:
``logs`` of shape ``(B, K)`` gives paths of shape ``(B, k_max)``.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "hill_path",
    "hill_moments",
    "moment_path",
    "pickands_path",
    "smooth_hill_path",
    "hill_se",
    "moment_se",
    "pickands_se",
    "smooth_hill_se",
    "KERNELS",
]


def hill_moments(logs: np.ndarray, k_max: int) -> tuple[np.ndarray, np.ndarray]:
    """First and second moments of the log-excesses over ``X_(k+1)``, ``k = 1..k_max``.

    ``M1(k) = (1/k) sum_{i<=k} (L_i - L_{k+1})`` (the Hill estimator of xi) and
    ``M2(k) = (1/k) sum_{i<=k} (L_i - L_{k+1})**2``. Needs ``logs.shape[-1] >= k_max + 1``.
    """
    L = np.asarray(logs, dtype=np.float64)
    # Centre on the largest value so the cumulative sums stay small (log X up to ~700).
    L = L[..., : k_max + 1] - L[..., :1]
    k = np.arange(1, k_max + 1, dtype=np.float64)
    s1 = np.cumsum(L[..., :k_max], axis=-1)
    s2 = np.cumsum(L[..., :k_max] ** 2, axis=-1)
    thr = L[..., 1: k_max + 1]
    m1 = s1 / k - thr
    m2 = s2 / k - 2.0 * thr * (s1 / k) + thr * thr
    # Rounding can leave tiny negatives when many values tie.
    np.maximum(m1, 0.0, out=m1)
    np.maximum(m2, 0.0, out=m2)
    return m1, m2


def hill_path(logs: np.ndarray, k_max: int) -> np.ndarray:
    """Hill (1975) estimates of xi for ``k = 1..k_max``."""
    return hill_moments(logs, k_max)[0]


def moment_path(logs: np.ndarray, k_max: int) -> np.ndarray:
    """Dekkers–Einmahl–de Haan (1989) moment estimates of xi (any real xi), ``k = 1..k_max``.

    ``xi = M1 + 1 - 1 / (2 (1 - M1**2 / M2))``.
    """
    m1, m2 = hill_moments(logs, k_max)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(m2 > 0, m1 * m1 / m2, np.nan)
        return m1 + 1.0 - 0.5 / (1.0 - ratio)


def pickands_path(logs: np.ndarray, k_max: int) -> np.ndarray:
    """Pickands (1975) estimates of xi for ``k = 1..k_max`` (needs ``4 k <= K``; else NaN).

    ``xi = log((X_(k) - X_(2k)) / (X_(2k) - X_(4k))) / log 2`` (order statistics decreasing).
    """
    L = np.asarray(logs, dtype=np.float64)
    K = L.shape[-1]
    k = np.arange(1, k_max + 1)
    ok = 4 * k <= K
    out_shape = L.shape[:-1] + (k_max,)
    out = np.full(out_shape, np.nan)
    kk = k[ok]
    if kk.size:
        top = L[..., :1]
        # Work with X / X_(1) to avoid overflow of exp(L) for huge values.
        x1 = np.exp(L[..., kk - 1] - top)
        x2 = np.exp(L[..., 2 * kk - 1] - top)
        x4 = np.exp(L[..., 4 * kk - 1] - top)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[..., ok] = np.log((x1 - x2) / (x2 - x4)) / np.log(2.0)
    out[~np.isfinite(out)] = np.nan
    return out


def smooth_hill_path(logs: np.ndarray, k_max: int, u: int = 2) -> np.ndarray:
    """Resnick–Stărică (1997) smoothed Hill: mean of Hill(j) over ``k < j <= u k``.

    Entries whose window would pass ``k_max`` of the available Hill path are NaN.
    """
    L = np.asarray(logs, dtype=np.float64)
    j_max = min(L.shape[-1] - 1, u * k_max)
    h = hill_path(L, j_max)
    c = np.concatenate([np.zeros(h.shape[:-1] + (1,)), np.cumsum(h, axis=-1)], axis=-1)
    k = np.arange(1, k_max + 1)
    ok = u * k <= j_max
    out = np.full(h.shape[:-1] + (k_max,), np.nan)
    kk = k[ok]
    out[..., ok] = (c[..., u * kk] - c[..., kk]) / ((u - 1) * kk)
    return out


# ---- asymptotic standard errors of xi at k ------------------------------------------

def hill_se(xi: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Hill: ``sd(xi_hat) = xi / sqrt(k)`` (Hall 1982)."""
    return np.abs(xi) / np.sqrt(k)


def moment_se(xi: np.ndarray, k: np.ndarray) -> np.ndarray:
    """DEdH moment estimator: variance ``1 + xi**2`` for ``xi >= 0`` (Dekkers et al. 1989),
    ``(1 - xi)**2 (1 - 2 xi)(1 - xi + 6 xi**2) / ((1 - 3 xi)(1 - 4 xi))`` for ``xi < 0``."""
    xi = np.asarray(xi, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        neg = ((1 - xi) ** 2 * (1 - 2 * xi) * (1 - xi + 6 * xi ** 2)
               / ((1 - 3 * xi) * (1 - 4 * xi)))
    var = np.where(xi >= 0, 1.0 + xi * xi, neg)
    return np.sqrt(var / k)


def pickands_se(xi: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Pickands: variance ``xi² (2^(2xi+1) + 1) / (2 (2^xi - 1) log 2)²`` / k (Dekkers & de
    Haan 1989); the xi → 0 limit ``3 / (4 log(2)**4)`` is used near 0."""
    xi = np.asarray(xi, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        v = xi ** 2 * (2 ** (2 * xi + 1) + 1) / (2 * (2 ** xi - 1) * np.log(2)) ** 2
    v = np.where(np.abs(xi) < 1e-6, 3.0 / (4 * np.log(2) ** 4), v)
    return np.sqrt(v / k)


def smooth_hill_se(xi: np.ndarray, k: np.ndarray, u: int = 2) -> np.ndarray:
    """Smoothed Hill: variance ``xi² · 2 (u - 1 - log u) / ((u - 1)² k)`` (from the Rényi
    representation of the Hill path as a Brownian motion)."""
    f = 2.0 * (u - 1 - np.log(u)) / (u - 1) ** 2
    return np.abs(xi) * np.sqrt(f / k)


#: name -> (path function, se function, needs positive xi)
KERNELS = {
    "hill": (hill_path, hill_se),
    "moment": (moment_path, moment_se),
    "pickands": (pickands_path, pickands_se),
    "smooth_hill": (smooth_hill_path, smooth_hill_se),
}
