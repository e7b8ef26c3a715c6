"""Interval helpers of :func:`~._fit.fit_stable`: the S0 -> S1 location map, Wald intervals
and the observed-information covariance (S0, then mapped to the requested parameterisation)."""

from __future__ import annotations

import math

import numpy as np

from .._results import ConfidenceInterval
from ._fit_mle import Likelihood, observed_information

__all__ = ["s0_to_s1", "wald", "fisher_cov", "cov_in_param"]


def s0_to_s1(alpha, beta, scale, loc):
    """S1 location from S0 parameters (Nolan): d1 = d0 - b c tan(pi a / 2), a != 1;
    d1 = d0 - (2 / pi) b c log c at a = 1."""
    alpha, beta, scale, loc = (np.asarray(t, dtype=np.float64) for t in (alpha, beta, scale, loc))
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(alpha == 1.0, (2 / np.pi) * beta * scale * np.log(scale),
                         beta * scale * np.tan(np.pi * alpha / 2))
    return loc - shift


def wald(est: float, se: float, z: float, name: str, level: float) -> ConfidenceInterval:
    """Wald interval ``est -+ z se``, on the log scale for the scale, cut at the parameter
    space for alpha ((0, 2]) and beta ([-1, 1])."""
    if name == "scale":  # Wald on log scale keeps the interval positive
        return ConfidenceInterval(est * math.exp(-z * se / est), est * math.exp(z * se / est),
                                  level, "fisher (log scale)")
    lo, hi = est - z * se, est + z * se
    if name == "alpha":
        lo, hi = max(lo, 0.0), min(hi, 2.0)
    elif name == "beta":
        lo, hi = max(lo, -1.0), min(hi, 1.0)
    return ConfidenceInterval(lo, hi, level, "fisher")


def _inverse_information(source, p, free):
    """Inverse of the observed information over ``free``, or None if not positive definite."""
    obs = observed_information(source, p, free)
    if not np.all(np.isfinite(obs)):
        return None
    try:
        w, vecs = np.linalg.eigh(obs)
    except np.linalg.LinAlgError:
        return None
    if np.min(w) <= 0:
        return None
    return vecs @ np.diag(1.0 / w) @ vecs.T


def fisher_cov(info, est, fixed, at_two):
    """Covariance of (alpha, beta, scale / c, loc / c) (S0) from the observed information,
    ``c = est[2]`` the scale estimate (so nothing overflows at any data scale).

    Returns ``(cov, message, beta_dropped)``. With beta on its boundary |beta| = 1 the
    likelihood can still rise there, so the full information need not be positive
    definite; then the information of the other parameters with beta held at its bound is
    used (``beta_dropped``: their intervals are conditional on it, beta gets none)."""
    free = info["free"].copy()
    if at_two:
        free[1] = False  # beta is not identified at alpha = 2
    # exact information: the polish built its correction to second order (want_hessian)
    source = info["source"] or Likelihood(info["u"], info["density"])
    inv = _inverse_information(source, info["p"], free)
    dropped = False
    if inv is None and free[1] and abs(info["p"][1]) >= 1.0 - 1e-9 and free.sum() > 1:
        free[1] = False
        inv = _inverse_information(source, info["p"], free)
        dropped = inv is not None
    if inv is None:
        return None, ("the observed information matrix is not positive definite (flat or "
                      "non-concave likelihood at the estimate); no Fisher intervals."), False
    idx = np.flatnonzero(free)
    cov_p = np.zeros((4, 4))
    cov_p[np.ix_(idx, idx)] = inv
    # p = (alpha, beta_oriented, log c, d) -> (alpha, beta, scale, loc) in the data orientation
    sign, s = info["sign"], info["s"]
    jac = np.diag([1.0, sign, 1.0, sign * (s / est[2])])
    msg = None
    if dropped:
        msg = (f"with beta on its bound {est[1]:+g} the observed information is not positive "
               "definite; the intervals of the other parameters are conditional on that "
               "beta, and beta has none.")
    return jac @ cov_p @ jac.T, msg, dropped


def cov_in_param(cov, est, param):
    """``cov`` (of :func:`fisher_cov`, scale and loc in units of the scale estimate ``c``)
    mapped to ``param``: for S1 the location row is the gradient of the S1 location in the
    same units (d loc1 / d alpha and d loc1 / d beta divided by ``c``)."""
    if param == "S0":
        return cov
    c = est[2]
    h = np.array([1e-6, 1e-6, 1e-6 * c, 0.0])
    grad = np.zeros(4)
    grad[3] = 1.0
    for i in range(3):
        e = np.zeros(4)
        e[i] = h[i]
        grad[i] = float((s0_to_s1(*(est + e)) - s0_to_s1(*(est - e))) / (2 * h[i]))
    grad[:2] /= c
    jac = np.eye(4)
    jac[3] = grad
    return jac @ cov @ jac.T
