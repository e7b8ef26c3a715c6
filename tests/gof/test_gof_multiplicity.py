"""adjust_pvalues / storey_pi0 / pvalue_summary against statsmodels' multipletests."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from statsmodels.stats.multitest import multipletests

import stablecheck as sc

SM = {"bh": "fdr_bh", "by": "fdr_by", "holm": "holm", "bonferroni": "bonferroni"}


@pytest.fixture(scope="module")
def pmat():
    rng = np.random.default_rng(3)
    p = rng.uniform(size=(4, 300))
    p[:, :30] *= 1e-3  # some signal
    p[1, 5] = p[1, 6]  # ties
    return p


@pytest.mark.parametrize("method", list(SM))
def test_matches_statsmodels_row_by_row(pmat, method):
    adj = sc.adjust_pvalues(pmat, method=method, axis=1)
    for r in range(pmat.shape[0]):
        ref = multipletests(pmat[r], method=SM[method])[1]
        assert_allclose(adj[r], ref, rtol=1e-12)  # same arithmetic up to order


@pytest.mark.parametrize("method", list(SM))
def test_axis_and_none(pmat, method):
    assert_allclose(sc.adjust_pvalues(pmat.T, method=method, axis=0),
                    sc.adjust_pvalues(pmat, method=method, axis=1).T, rtol=1e-15)
    flat = sc.adjust_pvalues(pmat, method=method, axis=None)
    ref = multipletests(pmat.ravel(), method=SM[method])[1].reshape(pmat.shape)
    assert_allclose(flat, ref, rtol=1e-12)


def test_nan_left_out_of_family(pmat):
    p = pmat.copy()
    p[2, [3, 50, 77]] = np.nan
    adj = sc.adjust_pvalues(p, method="holm", axis=1)
    assert np.isnan(adj[2, [3, 50, 77]]).all()
    ok = ~np.isnan(p[2])
    assert_allclose(adj[2, ok], multipletests(p[2, ok], method="holm")[1], rtol=1e-12)
    assert_allclose(adj[0], multipletests(p[0], method="holm")[1], rtol=1e-12)


@pytest.mark.parametrize("bad, err", [([0.1, 1.2], ValueError), (["a"], TypeError),
                                      (0.3, ValueError)])
def test_validation(bad, err):
    with pytest.raises(err):
        sc.adjust_pvalues(bad)
    with pytest.raises(ValueError, match="`method` must be one of"):
        sc.adjust_pvalues([0.1], method="fdr")


def test_storey_pi0():
    rng = np.random.default_rng(1)
    null = rng.uniform(size=20_000)
    assert abs(sc.storey_pi0(null) - 1.0) < 0.03  # sd of the estimate ~0.014 at m = 2e4
    mix = np.r_[rng.uniform(size=14_000), rng.uniform(0, 1e-3, size=6_000)]
    assert abs(sc.storey_pi0(mix) - 0.7) < 0.03
    assert sc.storey_pi0([0.9, 0.95, np.nan]) == 1.0  # capped at 1, NaN ignored


def test_pvalue_summary_per_layer():
    rng = np.random.default_rng(2)
    p = np.r_[rng.uniform(size=1000), rng.uniform(0, 1e-6, size=500), rng.uniform(size=500)]
    groups = np.repeat(["conv1", "fc1", "fc2"], [1000, 500, 500])
    p[10] = np.nan
    s = sc.pvalue_summary(p, groups=groups, method="bh", bins=10)
    df = s.to_frame()
    assert list(df.group) == ["conv1", "fc1", "fc2"]
    assert list(df.n_tests) == [999, 500, 500] and list(df.n_missing) == [1, 0, 0]
    assert df.fraction_rejecting_adjusted[1] == 1.0
    assert df.fraction_rejecting_adjusted[0] < 0.01 and df.fraction_rejecting[0] > 0.02
    assert s.histogram.shape == (3, 10) and s.histogram[1, 0] == 500
    assert s.histogram.sum() == 1999
    assert "fc1" in s.summary()
    with pytest.raises(ValueError, match="one label per p-value"):
        sc.pvalue_summary(p, groups=groups[:5])
