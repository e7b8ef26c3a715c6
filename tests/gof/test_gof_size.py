"""Size at 5% under the Gaussian null (slow calibration runs).

R = 2000 Gaussian samples per case; the 99.9% binomial band for a true size of 0.05 is
[0.035, 0.067] (FIELD-NOTES §8). Seeds are pinned, so each assertion is one reproducible
count; the band says what a correct test may produce, not what this seed happened to give.
"""

from __future__ import annotations

import numpy as np
import pytest

import stablecheck as sc
from stablecheck.gof import DEFAULT_TESTS, TESTS

R = 2000
BAND = (0.035, 0.067)


def _rate(test, n, seed, **kw):
    x = np.random.default_rng(seed).standard_normal((n, R))
    res = sc.gaussianity(x, tests=test, **kw)
    return float(np.mean(res.pvalue[0] <= 0.05))


@pytest.mark.slow
@pytest.mark.parametrize("n", [50, 1000])
@pytest.mark.parametrize("test", DEFAULT_TESTS)
def test_size_default_battery_asymptotic(test, n):
    rate = _rate(test, n, seed=1000 + n)
    assert BAND[0] <= rate <= BAND[1], rate


@pytest.mark.slow
def test_size_jarque_bera_asymptotic():
    # n = 1000: within the band. n = 50: the chi-squared p-value is conservative; its size
    # measured with R = 100,000 is 0.0367 (sd 0.0006), which is why JB is not in the default
    # battery. Here R = 20,000 (sd 0.0013): 99.9% band around 0.0367 -> [0.032, 0.041].
    assert BAND[0] <= _rate("jarque_bera", 1000, seed=2000) <= BAND[1]
    x = np.random.default_rng(2050).standard_normal((50, 20_000))
    rate = float(np.mean(sc.gaussianity(x, tests="jarque_bera").pvalue[0] <= 0.05))
    assert 0.032 <= rate <= 0.041, rate


@pytest.mark.slow
@pytest.mark.parametrize("n", [50, 1000])
def test_size_monte_carlo_every_test(n):
    x = np.random.default_rng(3000 + n).standard_normal((n, R))
    res = sc.gaussianity(x, tests=tuple(TESTS), pvalue_method="monte_carlo",
                         n_resamples=999, rng=n)
    rates = np.mean(res.pvalue <= 0.05, axis=1)
    assert np.all((rates >= BAND[0]) & (rates <= BAND[1])), dict(zip(TESTS, rates, strict=True))
