"""Maximum likelihood for the alpha-stable law in S0 (Nolan 2001), with observed-Fisher errors.

The optimiser works on data standardised by a preliminary estimate, u = (x - m) / s, with the
parameter vector ``p = (alpha, beta, log c, d)`` of ``u``; then x has scale ``s c`` and S0
location ``m + s d`` (S0 is a location-scale family). Bounds: alpha in [0.5, 2], beta in
[-1, 1]. The log-density is :mod:`._fit_fft` (FFT inversion + Hermite interpolation); the
derivatives in (log c, d) are exact derivatives of that interpolant, those in (alpha, beta) are
one-sided differences with step 1e-6 (the interpolant is accurate to ~1e-9 relative near the
centre, so the difference error is ~1e-3 of the gradient at worst and vanishes at the optimum
to the same order).
"""

from __future__ import annotations

import contextlib

import numpy as np
from scipy.optimize import minimize

try:  # L-BFGS-B's few BLAS calls on 4 x 20 arrays only lose time to BLAS threads
    from threadpoolctl import threadpool_limits as _limits
except ImportError:  # pragma: no cover - optional
    def _limits(*_a, **_k):
        return contextlib.nullcontext()

from ._fit_fft import logpdf_std, logpdf_std_dz

__all__ = ["Likelihood", "mle_fit", "observed_information", "ALPHA_LO", "NAMES"]

ALPHA_LO = 0.5
NAMES = ("alpha", "beta", "scale", "loc")
_LO = np.array([ALPHA_LO, -1.0, -np.inf, -np.inf])
_HI = np.array([2.0, 1.0, np.inf, np.inf])
_FD = 1e-6


class Likelihood:
    """Log-likelihood of S0(alpha, beta, c, d) for the standardised sample ``u``."""

    def __init__(self, u: np.ndarray) -> None:
        self.u = np.asarray(u, dtype=np.float64)
        self.n = self.u.size
        self.n_eval = 0

    def value(self, p: np.ndarray) -> float:
        """Log-likelihood at ``p = (alpha, beta, log c, d)``."""
        a, b, lc, d = p
        self.n_eval += 1
        z = (self.u - d) * np.exp(-lc)
        return float(np.sum(logpdf_std(z, a, b)) - self.n * lc)

    def value_and_grad(self, p: np.ndarray) -> tuple[float, np.ndarray]:
        a, b, lc, d = p
        self.n_eval += 1
        c = np.exp(lc)
        z = (self.u - d) / c
        lf, dlf = logpdf_std_dz(z, a, b)
        val = float(np.sum(lf)) - self.n * lc
        grad = np.empty(4)
        grad[2] = -float(np.dot(z, dlf)) - self.n
        grad[3] = -float(np.sum(dlf)) / c
        base = float(np.sum(lf))
        for k, hi in ((0, 2.0), (1, 1.0)):
            step = _FD if p[k] + _FD <= hi else -_FD
            q = [a, b]
            q[k] = p[k] + step
            grad[k] = (float(np.sum(logpdf_std(z, q[0], q[1]))) - base) / step
        return val, grad


def mle_fit(u: np.ndarray, p0: np.ndarray, free: np.ndarray, *, maxiter: int = 300
            ) -> tuple[np.ndarray, float, bool, str, int]:
    """Maximise the likelihood over the ``free`` coordinates of ``p`` from ``p0``.

    Returns ``(p_hat, loglik, converged, message, n_iterations)``.
    """
    like = Likelihood(u)
    p0 = np.asarray(p0, dtype=np.float64).copy()
    p0[0] = np.clip(p0[0], ALPHA_LO, 2.0)
    p0[1] = np.clip(p0[1], -1.0, 1.0)
    idx = np.flatnonzero(free)
    n = like.n

    def fun(theta):
        p = p0.copy()
        p[idx] = theta
        v, g = like.value_and_grad(p)
        return -v / n, -g[idx] / n

    bounds = [(_LO[i] if np.isfinite(_LO[i]) else None, _HI[i] if np.isfinite(_HI[i]) else None)
              for i in idx]
    with _limits(limits=1, user_api="blas"):
        res = minimize(fun, p0[idx], jac=True, method="L-BFGS-B", bounds=bounds,
                       options={"maxiter": maxiter, "ftol": 1e-13, "gtol": 1e-7, "maxcor": 20})
    p = p0.copy()
    p[idx] = res.x
    return p, -float(res.fun) * n, bool(res.success), str(res.message), int(res.nit)


def observed_information(u: np.ndarray, p: np.ndarray, free: np.ndarray,
                         h: float = 1e-4) -> np.ndarray:
    """Observed Fisher information -d2 loglik / dp2 over the free coordinates (central
    differences of the log-likelihood with step ``h``; the stencil is shifted inside the box
    when alpha or beta lies within ``h`` of a bound)."""
    like = Likelihood(u)
    idx = np.flatnonzero(free)
    c = np.asarray(p, dtype=np.float64).copy()
    c[0] = min(max(c[0], ALPHA_LO + h), 2.0 - h)
    c[1] = min(max(c[1], -1.0 + h), 1.0 - h)
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
