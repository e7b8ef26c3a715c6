"""Maximum likelihood for the alpha-stable law in S0 (Nolan 2001), with observed-Fisher errors.

The optimiser works on data standardised by a preliminary estimate, u = (x - m) / s, with the
parameter vector ``p = (alpha, beta, log c, d)`` of ``u``; then x has scale ``s c`` and S0
location ``m + s d`` (S0 is a location-scale family). Bounds: alpha in [0.5, 2], beta in
[-1, 1] (narrowed to the density's range, see :class:`StdDensity`).

The log-likelihood is pluggable. A *source* is any callable ``source(p) -> (loglik, grad)``
with ``grad`` over all four coordinates of ``p``, plus ``source.value(p)``, ``source.n`` and
``source.bounds`` (:class:`LogLikSource`). :class:`Likelihood` builds one from an approximate
standard S0 log-density (:class:`StdDensity`):

* :class:`FFTDensity` -- :mod:`._fit_fft` (FFT inversion + Hermite interpolation); the
  derivatives in z are exact derivatives of the interpolant, those in (alpha, beta) one-sided
  differences with step 1e-6;
* :class:`TableDensity` -- the engine's spline table ``stablecheck.stable._table`` with its
  analytic gradient, used by :func:`default_density` when that module exists and covers the
  start; otherwise the FFT density.

:mod:`._fit_polish` then corrects the approximate likelihood with the exact engine.
"""

from __future__ import annotations

import contextlib
from typing import Protocol

import numpy as np
from scipy.optimize import minimize

try:  # L-BFGS-B's few BLAS calls on 4 x 20 arrays only lose time to BLAS threads
    from threadpoolctl import threadpool_limits as _limits
except ImportError:  # pragma: no cover - optional
    def _limits(*_a, **_k):
        return contextlib.nullcontext()

from ._fit_fft import _Z_TRUST, logpdf_std, logpdf_std_dz

__all__ = ["LogLikSource", "StdDensity", "FFTDensity", "TableDensity", "default_density",
           "Likelihood", "mle_fit", "observed_information", "ALPHA_LO", "NAMES"]

ALPHA_LO = 0.5
NAMES = ("alpha", "beta", "scale", "loc")
_FD = 1e-6


class LogLikSource(Protocol):
    """What :func:`mle_fit` and :func:`observed_information` need from a log-likelihood."""

    n: int
    bounds: tuple[tuple[float, float], tuple[float, float]]  # (alpha_lo, hi), (beta_lo, hi)

    def __call__(self, p: np.ndarray) -> tuple[float, np.ndarray]:
        """Log-likelihood and its gradient over ``p = (alpha, beta, log c, d)``."""

    def value(self, p: np.ndarray) -> float:
        """Log-likelihood only."""


class StdDensity(Protocol):
    """An approximate log-density of the standard S0(alpha, beta, 1, 0) law."""

    name: str
    seams: tuple[float, ...]  # |z| where the approximation changes form (not smooth across)
    bounds: tuple[tuple[float, float], tuple[float, float]]

    def logpdf(self, z: np.ndarray, a: float, b: float) -> np.ndarray: ...

    def logpdf_grad(self, z: np.ndarray, a: float, b: float
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(log f, d/dalpha, d/dbeta, d/dz)``."""

    def untrusted(self, z: np.ndarray, a: float, b: float) -> np.ndarray:
        """Points where the approximation is not smooth in (z, alpha, beta) (the exact
        polish evaluates those individually)."""


class FFTDensity:
    """:mod:`._fit_fft`: accurate to ~1e-10 near the centre, 1e-4..1e-2 in log f beyond
    |z| ~ 10 for alpha < 1 (measured against the exact engine); the polish corrects it."""

    name = "fft"
    seams = (_Z_TRUST,)
    bounds = ((ALPHA_LO, 2.0), (-1.0, 1.0))

    def logpdf(self, z, a, b):
        return logpdf_std(z, a, b)

    def logpdf_grad(self, z, a, b):
        lf, dz = logpdf_std_dz(z, a, b)
        out = [lf]
        for k, hi in ((0, 2.0), (1, 1.0)):
            q = [a, b]
            step = _FD if q[k] + _FD <= hi else -_FD
            q[k] += step
            out.append((logpdf_std(z, q[0], q[1]) - lf) / step)
        out.append(dz)
        return tuple(out)

    def untrusted(self, z, a, b):
        # where the FFT value is near its round-off floor the density switches to
        # max(FFT, power tail): not smooth in the parameters
        inside = np.abs(z) <= _Z_TRUST
        lf = logpdf_std(np.where(inside, z, 0.0), a, b)
        return inside & (lf < np.log(1e-11))


class TableDensity:
    """The engine's spline table (``stablecheck.stable._table.load()``), S0, with its
    analytic gradient ``logpdf_grad(x, alpha, beta, scale, loc) -> (lp, d_alpha, d_beta,
    d_scale, d_loc)``."""

    name = "table"

    def __init__(self, table) -> None:
        self.table = table
        # |z| where the table changes form (e.g. spline -> analytic tail), if it says so
        self.seams = tuple(float(t) for t in getattr(table, "seams", ()))
        a_lo, a_hi = (float(t) for t in table.alpha_range)
        b_lo, b_hi = (float(t) for t in table.beta_range)
        self.bounds = ((max(a_lo, ALPHA_LO), min(a_hi, 2.0)), (max(b_lo, -1.0), min(b_hi, 1.0)))

    def logpdf(self, z, a, b):
        return np.asarray(self.table.logpdf(z, a, b, 1.0, 0.0), dtype=np.float64)

    def logpdf_grad(self, z, a, b):
        lp, da, db, _ds, dl = self.table.logpdf_grad(z, a, b, 1.0, 0.0)
        return (np.asarray(lp, dtype=np.float64), np.asarray(da, dtype=np.float64),
                np.asarray(db, dtype=np.float64), -np.asarray(dl, dtype=np.float64))

    def untrusted(self, z, a, b):
        return ~np.isfinite(self.logpdf(z, a, b))

    def covers(self, a: float, b: float) -> bool:
        (a_lo, a_hi), (b_lo, b_hi) = self.bounds
        inside = a_lo <= a <= a_hi and b_lo <= b <= b_hi
        own = getattr(self.table, "covers", None)  # the table's own test, where it has one
        return inside and (own is None or bool(own(a, b)))


def default_density(alpha0: float, beta0: float) -> StdDensity:
    """The spline table when ``stablecheck.stable._table`` imports, loads and covers the start
    (alpha0, beta0); the FFT density otherwise.  The table's box (``bounds``) may be smaller
    than the model's: :func:`mle_fit` stays inside it and ``fit_stable`` falls back to the FFT
    when the optimum lands on one of its non-model bounds."""
    try:
        from . import _table  # type: ignore[attr-defined]
    except ImportError:
        return FFTDensity()
    try:
        dens = TableDensity(_table.load())
    except (OSError, ValueError, AttributeError):  # no shipped/cached table: fall back
        return FFTDensity()
    # a box smaller than the model's is fine: the optimiser is confined to dens.bounds and
    # fit_stable re-runs on the FFT when the optimum lands on a bound the model does not have
    if dens.covers(alpha0, beta0):
        return dens
    return FFTDensity()


class Likelihood:
    """Log-likelihood source of S0(alpha, beta, c, d) for the standardised sample ``u``."""

    def __init__(self, u: np.ndarray, density: StdDensity | None = None) -> None:
        self.u = np.asarray(u, dtype=np.float64)
        self.n = self.u.size
        self.density = FFTDensity() if density is None else density
        self.bounds = self.density.bounds
        self.n_eval = 0

    def value(self, p: np.ndarray) -> float:
        """Log-likelihood at ``p = (alpha, beta, log c, d)``."""
        a, b, lc, d = p
        self.n_eval += 1
        if self.n == 0:
            return 0.0
        z = (self.u - d) * np.exp(-lc)
        return float(np.sum(self.density.logpdf(z, a, b)) - self.n * lc)

    def __call__(self, p: np.ndarray) -> tuple[float, np.ndarray]:
        a, b, lc, d = p
        self.n_eval += 1
        if self.n == 0:
            return 0.0, np.zeros(4)
        c = np.exp(lc)
        z = (self.u - d) / c
        lf, da, db, dz = self.density.logpdf_grad(z, a, b)
        grad = np.array([np.sum(da), np.sum(db), -float(np.dot(z, dz)) - self.n,
                         -float(np.sum(dz)) / c])
        return float(np.sum(lf)) - self.n * lc, grad

    value_and_grad = __call__


def mle_fit(source: LogLikSource, p0: np.ndarray, free: np.ndarray, *, maxiter: int = 300
            ) -> tuple[np.ndarray, float, bool, str, int]:
    """Maximise ``source`` over the ``free`` coordinates of ``p`` from ``p0`` (L-BFGS-B).

    Returns ``(p_hat, loglik, converged, message, n_iterations)``.
    """
    (a_lo, a_hi), (b_lo, b_hi) = source.bounds
    lo = np.array([a_lo, b_lo, -np.inf, -np.inf])
    hi = np.array([a_hi, b_hi, np.inf, np.inf])
    p0 = np.asarray(p0, dtype=np.float64).copy()
    p0[0] = np.clip(p0[0], a_lo, a_hi)
    p0[1] = np.clip(p0[1], b_lo, b_hi)
    idx = np.flatnonzero(free)
    n = max(source.n, 1)

    def fun(theta):
        p = p0.copy()
        p[idx] = theta
        v, g = source(p)
        return -v / n, -g[idx] / n

    bounds = [(lo[i] if np.isfinite(lo[i]) else None, hi[i] if np.isfinite(hi[i]) else None)
              for i in idx]
    with _limits(limits=1, user_api="blas"):
        res = minimize(fun, p0[idx], jac=True, method="L-BFGS-B", bounds=bounds,
                       options={"maxiter": maxiter, "ftol": 1e-13, "gtol": 1e-7, "maxcor": 20})
    p = p0.copy()
    p[idx] = res.x
    return p, -float(res.fun) * n, bool(res.success), str(res.message), int(res.nit)


def observed_information(source: LogLikSource | np.ndarray, p: np.ndarray, free: np.ndarray,
                         h: float = 1e-4) -> np.ndarray:
    """Observed Fisher information -d2 loglik / dp2 over the free coordinates (central
    differences of ``source.value`` with step ``h``; the stencil is shifted inside the box
    when alpha or beta lies within ``h`` of a bound). ``source`` may be a standardised sample
    (then the FFT likelihood is used)."""
    like = source if callable(source) else Likelihood(source)
    (a_lo, a_hi), (b_lo, b_hi) = like.bounds
    idx = np.flatnonzero(free)
    c = np.asarray(p, dtype=np.float64).copy()
    c[0] = min(max(c[0], a_lo + h), a_hi - h)
    c[1] = min(max(c[1], b_lo + h), b_hi - h)
    k = idx.size
    f0 = like.value(c)
    hess = np.empty((k, k))
    for a in range(k):
        ea = np.zeros(4)
        ea[idx[a]] = h
        fp, fm = like.value(c + ea), like.value(c - ea)
        hess[a, a] = (fp - 2 * f0 + fm) / h**2
        for b in range(a):
            eb = np.zeros(4)
            eb[idx[b]] = h
            v = (like.value(c + ea + eb) - like.value(c + ea - eb)
                 - like.value(c - ea + eb) + like.value(c - ea - eb)) / (4 * h * h)
            hess[a, b] = hess[b, a] = v
    return -hess
