"""Shapiro–Wilk W with Royston's (1995) approximation, vectorised over equal-size columns.

Royston's algorithm AS R94 (the one behind R's ``shapiro.test`` and ``scipy.stats.shapiro``)
approximates the Shapiro–Wilk coefficients from the expected normal order statistics and maps
``log(1 - W)`` to a normal deviate. The coefficients depend only on ``n``, so one coefficient
vector serves every column of an ``n x P`` matrix and the statistic is a single matrix-vector
product; nothing loops over columns.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import special

__all__ = ["shapiro_coefficients", "shapiro_w", "shapiro_pvalue", "SHAPIRO_MAX_N",
           "SHAPIRO_SMALL_N_FLOOR"]

#: Royston's approximation is calibrated for 3 <= n <= 5000.
SHAPIRO_MAX_N = 5000
#: For 4 <= n <= 11 Royston's transform is undefined when log(1 - W) >= gamma(n); AS R94 (and
#: R, scipy) then return this value. We keep it and flag it as a floor.
SHAPIRO_SMALL_N_FLOOR = 1e-99

# Polynomial coefficients of AS R94 (Royston 1995, Table 1), lowest order first.
_C1 = (0.0, 0.221157, -0.147981, -2.07119, 4.434685, -2.706056)
_C2 = (0.0, 0.042981, -0.293762, -1.752461, 5.682633, -3.582633)
_G = (-2.273, 0.459)
_C3 = (0.5440, -0.39978, 0.025054, -6.714e-4)
_C4 = (1.3822, -0.77857, 0.062767, -0.0020322)
_C5 = (-1.5861, -0.31082, -0.083751, 0.0038915)
_C6 = (-0.4803, -0.082676, 0.0030302)


def _poly(coef: tuple[float, ...], x: float) -> float:
    return float(np.polynomial.polynomial.polyval(x, coef))


@lru_cache(maxsize=64)
def _coefficients(n: int) -> np.ndarray:
    if n == 3:
        a = np.array([-np.sqrt(0.5), 0.0, np.sqrt(0.5)])
        a.setflags(write=False)
        return a
    i = np.arange(1, n + 1, dtype=np.float64)
    m = special.ndtri((i - 0.375) / (n + 0.25))
    summ2 = float(m @ m)
    c = m / np.sqrt(summ2)
    u = 1.0 / np.sqrt(n)
    a = np.empty(n)
    an = c[-1] + _poly(_C1, u)
    if n > 5:
        an1 = c[-2] + _poly(_C2, u)
        phi = (summ2 - 2 * m[-1] ** 2 - 2 * m[-2] ** 2) / (1 - 2 * an ** 2 - 2 * an1 ** 2)
        a[:] = m / np.sqrt(phi)
        a[-1], a[-2], a[0], a[1] = an, an1, -an, -an1
    else:
        phi = (summ2 - 2 * m[-1] ** 2) / (1 - 2 * an ** 2)
        a[:] = m / np.sqrt(phi)
        a[-1], a[0] = an, -an
    a.setflags(write=False)
    return a


def shapiro_coefficients(n: int) -> np.ndarray:
    """Royston's approximate Shapiro–Wilk coefficients ``a_1..a_n`` (antisymmetric), n >= 3."""
    return _coefficients(int(n))


def shapiro_w(xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """W and 1 - W for each column of the column-sorted matrix ``xs`` (n x P, n >= 3).

    ``1 - W`` is computed as ``(sqrt(SSa SSx) - Sax)(sqrt(SSa SSx) + Sax) / (SSa SSx)`` so it
    keeps its relative accuracy when W is close to 1 (large samples), as AS R94 does.
    """
    n = xs.shape[0]
    a = _coefficients(n)
    xc = xs - xs.mean(axis=0)
    ssx = np.einsum("ij,ij->j", xc, xc)
    sax = a @ xc
    ssa = float(a @ a)
    root = np.sqrt(ssa * ssx)
    with np.errstate(invalid="ignore", divide="ignore"):
        w1 = (root - sax) * (root + sax) / (ssa * ssx)
    w1 = np.clip(w1, 0.0, 1.0)
    return 1.0 - w1, w1


def shapiro_pvalue(w: np.ndarray, w1: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Royston's p-value for W (lower tail: small W rejects); returns ``(p, at_floor)``.

    ``w1`` is ``1 - W`` (see :func:`shapiro_w`). n = 3 uses the exact distribution
    ``p = 6/pi (asin(sqrt(W)) - asin(sqrt(3/4)))``.
    """
    w = np.asarray(w, dtype=np.float64)
    w1 = np.asarray(w1, dtype=np.float64)
    at_floor = np.zeros(w.shape, dtype=bool)
    if n == 3:
        p = 6.0 / np.pi * (np.arcsin(np.sqrt(w)) - np.arcsin(np.sqrt(0.75)))
        return np.clip(p, 0.0, 1.0), at_floor
    with np.errstate(divide="ignore"):
        y = np.log(w1)  # -inf when W == 1 exactly -> p = 1 below
    if n <= 11:
        gamma = _poly(_G, n)
        at_floor = y >= gamma
        with np.errstate(invalid="ignore", divide="ignore"):
            y = -np.log(np.where(at_floor, 1.0, gamma - y))
        mu, sigma = _poly(_C3, n), np.exp(_poly(_C4, n))
    else:
        ln = np.log(n)
        mu, sigma = _poly(_C5, ln), np.exp(_poly(_C6, ln))
    p = special.ndtr(-(y - mu) / sigma)
    p = np.where(at_floor, SHAPIRO_SMALL_N_FLOOR, p)
    return p, at_floor
