"""subsample_rejection_rate: interpretable at huge n."""

from __future__ import annotations

import numpy as np
import pytest
from gof_helpers import sas_rvs

import stablecheck as sc


def test_gaussian_rate_near_level_heavy_rate_near_one():
    rng = np.random.default_rng(0)
    g = sc.subsample_rejection_rate(rng.normal(size=50_000), n_subsamples=400, rng=1)
    # 400 subsamples: binomial sd of the rate at 0.05 is 0.011 -> 4 sd band
    assert abs(g.statistic[0] - 0.05) < 0.045
    assert g.confidence_interval.low <= g.statistic[0] <= g.confidence_interval.high
    h = sc.subsample_rejection_rate(sas_rvs(1.5, 50_000, rng), n_subsamples=100, rng=1)
    assert h.statistic[0] > 0.95


def test_small_departure_at_huge_n():
    rng = np.random.default_rng(1)
    x = rng.standard_t(50, size=300_000)
    full = sc.gaussianity(x, tests="dagostino")
    sub = sc.subsample_rejection_rate(x, test="dagostino", n_subsamples=200, rng=2)
    assert full.pvalue[0, 0] < 1e-3  # "significant" ...
    assert sub.statistic[0] < 0.2     # ... but barely visible at m = 500


def test_matrix_columns_and_reproducibility():
    rng = np.random.default_rng(3)
    x = np.column_stack([rng.normal(size=4000), sas_rvs(1.2, 4000, rng)])
    r1 = sc.subsample_rejection_rate(x, subsample_size=200, n_subsamples=50, rng=5)
    r2 = sc.subsample_rejection_rate(x, subsample_size=200, n_subsamples=50, rng=5)
    assert np.array_equal(r1.statistic, r2.statistic)
    assert r1.statistic.shape == (2,) and r1.statistic[1] == 1.0
    assert len(r1.to_frame()) == 2 and "subsamples of size 200" in r1.summary()


def test_validation():
    x = np.random.default_rng(0).normal(size=100)
    with pytest.raises(ValueError, match="subsample_size"):
        sc.subsample_rejection_rate(x, subsample_size=500)
    with pytest.raises(ValueError, match="`test` must be one of"):
        sc.subsample_rejection_rate(x, test="ks", subsample_size=50)


def test_constant_input_and_tied_subsamples():
    from stablecheck.errors import DataWarning

    with pytest.raises(ValueError, match="constant"):
        sc.subsample_rejection_rate(np.zeros(1000), subsample_size=50)
    x = np.zeros(1000)
    x[:30] = np.random.default_rng(0).normal(size=30)  # 97% zeros: many constant subsamples
    with pytest.warns(DataWarning, match="subsamples were constant"):
        r = sc.subsample_rejection_rate(x, subsample_size=20, n_subsamples=50, rng=1)
    assert r.warnings
