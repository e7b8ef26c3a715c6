"""Tables of the standard S0 stable law on a fixed grid, for fast repeated goodness-of-fit work.

Both :func:`~stablecheck.gof.gaussian_vs_stable` and :func:`~stablecheck.gof.stable_gof` need
the standard S0 law ``S0(alpha, beta, 1, 0)`` at thousands of points for hundreds of
bootstrap replicates. The exact engine (:mod:`stablecheck.stable`) evaluates a numerical
integral per point (about 0.4 ms); the likelihood code of the stable fit
(:mod:`stablecheck.stable._fit_fft`) inverts the characteristic function once per
``(alpha, beta)`` by FFT. This module tabulates that FFT density once per ``(alpha, beta)``:

* ``log f`` and ``(log f)'`` at the nodes ``z_j = -Z + j h`` (``h = 0.1``, ``Z = 286``, inside
  the region where the FFT density is trusted, see ``_fit_fft``); between nodes log f is the
  cubic Hermite interpolant, beyond ``+-Z`` the power tail ``|z|^-(alpha+1)`` matched at
  ``+-Z``;
* the distribution function by integrating the cubic Hermite interpolant of ``f`` cell by
  cell (exact for the interpolant: ``h (f0 + f1) / 2 + h^2 (f0' - f1') / 12``), from the left
  for ``F`` and from the right for ``S = 1 - F`` so both tails keep their relative accuracy;
  the mass beyond ``+-Z`` is ``1 - integral``, split between the sides in the ratio of the
  leading power tails ``(1 - beta) : (1 + beta)`` (the only approximation beyond the FFT
  density itself; its error is of the order of the second tail term, ``Z^-alpha`` relative),
  and continued beyond ``+-Z`` by the leading power law matched at ``+-Z``;
* ``alpha = 2`` in closed form (``N(0, 2)``).

Known limit: where the FFT density is below ~1e-13 (the light tail of laws with
``|beta|`` = 1) it is floored there, which overstates the density; callers keep ``|beta|``
<= 0.95, where the density stays far above that floor on ``[-Z, Z]``. The tests compare
everything with the exact engine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import special

from ..stable._fit_fft import logpdf_std_dz

__all__ = ["LikTable", "CdfTable", "lik_table", "cdf_table", "std_logpdf_dz",
           "std_logcdf_logsf", "GAUSS_ALPHA", "H", "Z_MAX"]

H = 0.1
Z_MAX = 286.0
_Z = np.linspace(-Z_MAX, Z_MAX, int(round(2 * Z_MAX / H)) + 1)
GAUSS_ALPHA = 2.0 - 1e-12
_TINY = 1e-300
_LOG_TINY = math.log(_TINY)


@dataclass(frozen=True)
class LikTable:
    """Likelihood kernel of ``S0(alpha, beta, 1, 0)``: Hermite coefficients of log f per cell
    (``coef[j] = (c0, c1, c2, c3)`` in ``s = (z - z_j) / h``), quartiles ``q25, q50, q75`` and
    ``info``, the per-observation Fisher information of ``(loc / scale, log scale)``."""

    alpha: float
    beta: float
    coef: tuple
    q25: float
    q50: float
    q75: float
    info: np.ndarray


@dataclass(frozen=True)
class CdfTable:
    """Distribution function of ``S0(alpha, beta, 1, 0)`` at the nodes: ``logF``, ``logS``
    and their z-derivatives, the masses beyond ``-Z`` / ``+Z``."""

    alpha: float
    beta: float
    logF: np.ndarray
    logS: np.ndarray
    dlogF: np.ndarray
    dlogS: np.ndarray
    mass_left: float
    mass_right: float


def _density(alpha: float, beta: float):
    lf, dlf = logpdf_std_dz(_Z, alpha, beta)
    f = np.exp(lf)
    df = f * dlf
    cell = np.maximum(H * 0.5 * (f[:-1] + f[1:]) + H * H * (df[:-1] - df[1:]) / 12.0, 0.0)
    outside = max(1.0 - float(np.sum(cell)), 0.0)
    mass_left = outside * (1.0 - beta) / 2.0
    mass_right = outside - mass_left
    cum_left = mass_left + np.concatenate(([0.0], np.cumsum(cell)))
    cum_right = mass_right + np.concatenate((np.cumsum(cell[::-1])[::-1], [0.0]))
    return lf, dlf, f, cum_left, cum_right, mass_left, mass_right


def _frozen(*arrays):
    for a in arrays:
        a.setflags(write=False)


@lru_cache(maxsize=512)
def lik_table(alpha: float, beta: float) -> LikTable:
    """Build (and cache) the likelihood table of ``S0(alpha, beta, 1, 0)``; ``alpha < 2``."""
    lf, dlf, f, cum_left, cum_right, _, _ = _density(alpha, beta)
    cdf = np.minimum(cum_left, 1.0 - cum_right)
    q25, q50, q75 = np.interp([0.25, 0.5, 0.75], cdf, _Z)
    # Fisher information of (d / c, log c) per observation at c = 1, trapezoid on the grid:
    # score_d = -psi(Z), score_l = -(1 + Z psi(Z)), psi = (log f)'
    w = f * H
    s_l = 1.0 + _Z * dlf
    info = np.array([[np.sum(w * dlf * dlf), np.sum(w * dlf * s_l)],
                     [np.sum(w * dlf * s_l), np.sum(w * s_l * s_l)]])
    y0, y1, m0, m1 = lf[:-1], lf[1:], H * dlf[:-1], H * dlf[1:]
    coef = tuple(np.ascontiguousarray(c) for c in
                 (y0, m0, -3 * y0 - 2 * m0 + 3 * y1 - m1, 2 * y0 + m0 - 2 * y1 + m1))
    _frozen(*coef, info)
    return LikTable(float(alpha), float(beta), coef, float(q25), float(q50), float(q75), info)


@lru_cache(maxsize=16)
def cdf_table(alpha: float, beta: float) -> CdfTable:
    """Build (and cache) the distribution-function table; ``alpha < 2``."""
    _, _, f, cum_left, cum_right, mass_left, mass_right = _density(alpha, beta)
    logF = np.log(np.maximum(cum_left, _TINY))
    logS = np.log(np.maximum(cum_right, _TINY))
    dlogF = f / np.maximum(cum_left, _TINY)
    dlogS = -f / np.maximum(cum_right, _TINY)
    _frozen(logF, logS, dlogF, dlogS)
    return CdfTable(float(alpha), float(beta), logF, logS, dlogF, dlogS, mass_left, mass_right)


def _cell(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pos = (np.clip(z, -Z_MAX, Z_MAX) + Z_MAX) * (1.0 / H)
    i = np.minimum(pos.astype(np.intp), _Z.size - 2)
    return i, pos - i


def std_logpdf_dz(z: np.ndarray, alpha: float, beta: float
                  ) -> tuple[np.ndarray, np.ndarray]:
    """log f(z) and d log f / dz of ``S0(alpha, beta, 1, 0)`` (the likelihood kernel).

    Inside ``[-Z, Z]``: the cubic Hermite interpolant of log f; outside: the power tail
    ``log f(+-Z) - (alpha + 1) log(|z| / Z)``. ``alpha >= 2 - 1e-12``: ``N(0, 2)``.
    """
    z = np.asarray(z, dtype=np.float64)
    if alpha >= GAUSS_ALPHA:
        return -0.25 * z * z - 0.5 * math.log(4.0 * math.pi), -0.5 * z
    t = lik_table(float(alpha), float(beta))
    s = np.clip(z, -Z_MAX, Z_MAX)
    s += Z_MAX
    s *= 1.0 / H
    i = s.astype(np.intp)
    np.minimum(i, _Z.size - 2, out=i)
    s -= i
    c0, c1, c2, c3 = (a.take(i) for a in t.coef)
    lf = c3 * s
    lf += c2
    dlf = c3 * (3.0 * s)
    dlf += 2.0 * c2
    dlf *= s
    dlf += c1
    dlf *= 1.0 / H
    lf *= s
    lf += c1
    lf *= s
    lf += c0
    far = np.flatnonzero(np.abs(z.ravel()) > Z_MAX)
    if far.size:
        zf = z.ravel()[far]
        edge = np.where(zf > 0, float(sum(c[-1] for c in t.coef)), float(t.coef[0][0]))
        lf.ravel()[far] = edge - (alpha + 1.0) * np.log(np.abs(zf) / Z_MAX)
        dlf.ravel()[far] = -(alpha + 1.0) / zf
    return lf, dlf


def _hermite(s, i, y, dy):
    s2 = s * s
    s3 = s2 * s
    return ((2 * s3 - 3 * s2 + 1) * y[i] + (s3 - 2 * s2 + s) * H * dy[i]
            + (3 * s2 - 2 * s3) * y[i + 1] + (s3 - s2) * H * dy[i + 1])


def std_logcdf_logsf(z: np.ndarray, alpha: float, beta: float
                     ) -> tuple[np.ndarray, np.ndarray]:
    """log F(z) and log(1 - F(z)) of ``S0(alpha, beta, 1, 0)`` (any shape of ``z``).

    Inside ``[-Z, Z]``: cubic Hermite interpolation of log F and log S between the nodes
    (derivatives ``f / F`` and ``-f / S``); outside: the matched power tail. Both are floored
    at log(1e-300). ``alpha >= 2 - 1e-12``: the Gaussian ``N(0, 2)`` in closed form.
    """
    z = np.asarray(z, dtype=np.float64)
    if alpha >= GAUSS_ALPHA:
        r = np.sqrt(0.5)
        return (np.maximum(special.log_ndtr(z * r), _LOG_TINY),
                np.maximum(special.log_ndtr(-z * r), _LOG_TINY))
    t = cdf_table(float(alpha), float(beta))
    i, s = _cell(z)
    lF = _hermite(s, i, t.logF, t.dlogF)
    lS = _hermite(s, i, t.logS, t.dlogS)
    with np.errstate(divide="ignore", invalid="ignore"):
        far_left = z < -Z_MAX
        if np.any(far_left):
            zl = np.where(far_left, z, -Z_MAX)
            lF = np.where(far_left, math.log(max(t.mass_left, _TINY))
                          - alpha * np.log(-zl / Z_MAX), lF)
            lS = np.where(far_left, np.log1p(-np.exp(np.minimum(lF, -1e-300))), lS)
        far_right = z > Z_MAX
        if np.any(far_right):
            zr = np.where(far_right, z, Z_MAX)
            lS = np.where(far_right, math.log(max(t.mass_right, _TINY))
                          - alpha * np.log(zr / Z_MAX), lS)
            lF = np.where(far_right, np.log1p(-np.exp(np.minimum(lS, -1e-300))), lF)
    return np.maximum(lF, _LOG_TINY), np.maximum(lS, _LOG_TINY)
