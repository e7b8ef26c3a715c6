"""Slow calibration of the goodness-of-fit p-value of ``powerlaw_fit``.

Under a true power law above the threshold (body below it), the semi-parametric bootstrap
p-value should be close to uniform: with B = 49 synthetic sets, P(p <= 0.1) = 5/50 = 0.1
exactly when the KS distances are exchangeable. With R = 500 data sets the 99.9% binomial
band for the count of p <= 0.1 is computed below (FIELD-NOTES §8 style: pinned seed, count
in band). A replicate costs B + 1 fits of n = 200 points, so the whole test takes ~1 minute.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats

import stablecheck as sc

R = 500
B = 49


def _band(p: float, r: int, level: float = 0.999) -> tuple[int, int]:
    lo = int(stats.binom.ppf((1 - level) / 2, r, p))
    hi = int(stats.binom.isf((1 - level) / 2, r, p))
    return lo, hi


@pytest.mark.slow
def test_gof_pvalue_uniform_under_power_law():
    rng = np.random.default_rng(20261125)
    pvals = np.empty(R)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sc.errors.StablecheckWarning)
        for i in range(R):
            body = rng.uniform(0.2, 1.0, size=120)
            tail = (1.0 - rng.random(80)) ** (-1 / 1.5)  # Pareto above 1, alpha = 1.5
            res = sc.powerlaw_fit(np.concatenate([body, tail]), gof=B, ci=None,
                                  compare=None, rng=rng)
            pvals[i] = res.gof_pvalue
    count = int(np.count_nonzero(pvals <= 0.1))
    lo, hi = _band(0.1, R)
    assert lo <= count <= hi, (count, (lo, hi))
    # Elsewhere the p-value may be conservative (re-selecting xmin in each replicate; in our
    # runs the mean p was 0.57 against 0.51 for exact uniformity on this 50-point lattice), but
    # it must never be anti-conservative: P(p <= level) stays below each band's upper end.
    for level in (0.2, 0.3, 0.5):
        k = int(np.count_nonzero(pvals <= level + 1e-12))
        assert k <= _band(level, R)[1], (level, k, _band(level, R))


# Power against lognormal data (acceptance: "small for lognormal data"). Measured with
# benchmarks/powerlaw_power.py (R = 100, B = 99; table in docs/tail-index.md): rejection
# rates at p <= 0.1 of 0.33 / 0.49 / 0.51 for lognormal(0, 1) at n = 1e3 / 1e4 / 1e5 — the
# KS-minimising xmin retreats into the far tail as n grows (median n_tail 137 / 480 /
# 1076), so the power saturates near one half instead of tending to 1 at these sizes. A
# p-value that is *reliably* small for lognormal data is therefore not attainable with
# Clauset et al.'s free-xmin test here; what is attainable and tested is clear power at the
# size where it is highest per CPU second: n = 10,000, where about half the samples reject.
# R = 60 sets, B = 99: at the lower end of the measured rate's 95% interval (0.39) the
# chance of fewer than 15 rejections is 0.8%; under a true power law (rate 0.10) the chance
# of 15 or more is 0.07% (so the bound separates "power" from "calibrated null").
R_POWER = 60


@pytest.mark.slow
def test_gof_rejects_lognormal_at_n_1e4_about_half_the_time():
    assert stats.binom.cdf(14, R_POWER, 0.39) < 0.01
    assert stats.binom.sf(14, R_POWER, 0.10) < 0.002
    rng = np.random.default_rng(20261126)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sc.errors.StablecheckWarning)
        p = np.array([sc.powerlaw_fit(rng.lognormal(0.0, 1.0, 10_000), gof=99, ci=None,
                                      compare=None, rng=rng).gof_pvalue
                      for _ in range(R_POWER)])
    assert np.count_nonzero(p <= 0.1) >= 15
