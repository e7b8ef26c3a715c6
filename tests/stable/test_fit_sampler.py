"""A private Chambers-Mallows-Stuck sampler for the fitting tests (S0), and its own checks.

Kept in the tests (not the package): the engine's ``stablecheck.stable.rvs`` is written on
another branch; this one is an independent implementation of the 1976 formulas, so the fitting
tests do not test the fitter with the fitter's own numerics.
"""

from __future__ import annotations

import numpy as np
from scipy import stats


def cms_s0(alpha, beta, size, rng, scale=1.0, loc=0.0):
    """Draws from S0(alpha, beta, scale, loc) (Chambers, Mallows & Stuck 1976; Weron 1996)."""
    v = rng.uniform(-np.pi / 2, np.pi / 2, size)
    w = rng.exponential(1.0, size)
    if alpha == 1.0:
        x = (2 / np.pi) * ((np.pi / 2 + beta * v) * np.tan(v)
                           - beta * np.log((np.pi / 2) * w * np.cos(v) / (np.pi / 2 + beta * v)))
    else:
        zeta = -beta * np.tan(np.pi * alpha / 2)
        xi = np.arctan(-zeta) / alpha
        x = ((1 + zeta**2) ** (1 / (2 * alpha)) * np.sin(alpha * (v + xi))
             / np.cos(v) ** (1 / alpha)
             * (np.cos(v - alpha * (v + xi)) / w) ** ((1 - alpha) / alpha))
        x = x + zeta  # S1(alpha, beta, 1, 0) -> S0 location 0
    return scale * x + loc


def test_sampler_closed_forms(rng):
    # Cauchy (alpha = 1, beta = 0) and Gaussian (alpha = 2: N(0, 2)). KS at n = 20000 with
    # p > 1e-3: a wrong formula (e.g. a missing factor) is rejected with p ~ 0.
    x = cms_s0(1.0, 0.0, 20000, rng)
    assert stats.kstest(x, stats.cauchy.cdf).pvalue > 1e-3
    y = cms_s0(2.0, 0.0, 20000, rng)
    assert stats.kstest(y, stats.norm(scale=np.sqrt(2)).cdf).pvalue > 1e-3


def test_sampler_levy_support(rng):
    # alpha = 1/2, beta = 1 in S0 is Levy(c = 1) shifted by -tan(pi / 4) = -1: support [-1, inf)
    x = cms_s0(0.5, 1.0, 20000, rng)
    assert x.min() >= -1.0
    assert stats.kstest(x + 1.0, stats.levy.cdf).pvalue > 1e-3
