"""Resampling schemes and interval methods."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.signal import lfilter

from stablecheck.resample import (
    IID,
    CircularBlock,
    MOutOfN,
    MovingBlock,
    PoissonTail,
    StationaryBlock,
    basic_ci,
    bca_ci,
    bootstrap,
    interval,
    optimal_block_length,
    percentile_ci,
)


def test_iid_and_m_out_of_n_shapes(rng):
    idx = IID().indices(50, rng, 7)
    assert idx.shape == (7, 50) and idx.min() >= 0 and idx.max() < 50
    m = MOutOfN(0.2).indices(1000, rng, 3)
    assert m.shape == (3, 200)
    sub = MOutOfN(100, replace=False).indices(300, rng, 4)
    assert all(np.unique(r).size == 100 for r in sub)
    mult = IID().multiplicities(30, rng, 5)
    assert mult.shape == (5, 30) and np.all(mult.sum(axis=1) == 30)


def test_poisson_tail_ranks_match_poisson_multiplicities(rng):
    """The number of replicate values drawn from the top 50 ranks is Poisson(50 m/n): mean and
    variance both 50·m/n (here 12.5); 4000 replicates give SEs ≈ 0.06 and ≈ 0.3."""
    n, m = 10_000, 2500
    ranks = PoissonTail(m).indices(n, rng, 4000, 40)
    counts = (ranks < 50).sum(axis=1)
    assert counts.mean() == pytest.approx(12.5, abs=0.25)
    assert counts.var() == pytest.approx(12.5, abs=1.2)
    assert np.all(np.diff(ranks, axis=1) >= 0)   # order statistics come out sorted


def test_moving_and_circular_blocks_are_contiguous(rng):
    b = 10
    for sch in (MovingBlock(b), CircularBlock(b)):
        idx = sch.indices(95, rng, 4)
        assert idx.shape == (4, 95)
        d = np.diff(idx[:, :b], axis=1) % 95
        assert np.all(d == 1)
    assert MovingBlock(b).indices(95, rng, 200).max() <= 94


def test_stationary_mean_block_length(rng):
    idx = StationaryBlock(8.0).indices(20_000, rng, 2)
    jumps = np.count_nonzero(np.diff(idx, axis=1) % 20_000 != 1, axis=1)
    # blocks start w.p. 1/8 (a fresh start may continue the run by chance: ~1/n)
    assert np.all(np.abs(20_000 / (jumps + 1) - 8.0) < 0.6)


def test_block_length_rule_grows_with_dependence(rng):
    e = rng.standard_normal(50_000)
    b0 = optimal_block_length(e)
    b9 = optimal_block_length(lfilter([1], [1, -0.9], e))
    assert b0 < 5 and b9 > 50


def test_percentile_and_basic(rng):
    t = rng.normal(size=999)
    lo, hi = percentile_ci(0.1, t, 0.9)
    assert (lo, hi) == tuple(np.quantile(t, [0.05, 0.95]))
    blo, bhi = basic_ci(0.1, t, 0.9)
    assert blo == pytest.approx(0.2 - hi) and bhi == pytest.approx(0.2 - lo)


def test_bca_matches_scipy_on_the_same_replicates(rng):
    """Feed scipy's own bootstrap distribution and the full (n-group) jackknife to our BCa;
    the intervals must coincide (scipy's BCa is an independent implementation)."""
    x = rng.exponential(size=60)
    res = stats.bootstrap((x,), np.mean, n_resamples=2000, method="BCa", rng=1)
    jack = np.array([np.mean(np.delete(x, i)) for i in range(x.size)])
    lo, hi = bca_ci(float(np.mean(x)), res.bootstrap_distribution, 0.95, jack)
    np.testing.assert_allclose((lo, hi), tuple(res.confidence_interval), rtol=1e-10)


def test_bootstrap_engine_and_relevel(rng):
    x = rng.standard_normal(400)
    r = bootstrap(x, np.mean, n_resamples=500, method="bca", rng=3)
    assert r.confidence_interval.low < np.mean(x) < r.confidence_interval.high
    assert r.jackknife is not None and r.jackknife.size == 50
    again = interval(r.statistic, r.bootstrap_distribution, method="percentile",
                     confidence_level=0.8)
    assert again.width < r.confidence_interval.width
    blk = bootstrap(lfilter([1], [1, -0.8], x), np.mean, scheme="moving_block", rng=3,
                    method="percentile")
    assert "MovingBlock" in blk.scheme
    with pytest.raises(ValueError, match="`method` must be one of"):
        bootstrap(x, np.mean, method="studentized")
