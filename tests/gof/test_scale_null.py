"""Scale-aware Gaussian null for pooled Mohammadi α̂ (FIELD-NOTES §2 set-up, smaller P)."""

from __future__ import annotations

import numpy as np
import pytest

import stablecheck as sc
from stablecheck.gof._scale_null import _simulate
from stablecheck.tail import LogMomentSketch
from stablecheck.tail._logmoment import mohammadi_estimate


def _sas(alpha, size, rng):
    """Symmetric α-stable by Chambers–Mallows–Stuck (β = 0), unit S0/S1 scale."""
    v = rng.uniform(-np.pi / 2, np.pi / 2, size)
    w = rng.exponential(1.0, size)
    return (np.sin(alpha * v) / np.cos(v) ** (1 / alpha)
            * (np.cos((1 - alpha) * v) / w) ** ((1 - alpha) / alpha))


def _mixture(rng, k=100, p=2000, s=2.0):
    sigma = np.exp(s * rng.standard_normal(p))
    return rng.standard_normal((k, p)) * sigma, sigma


def test_direct_simulation_matches_the_tail_estimator():
    # the fast null replicate must compute exactly what tail_index's Mohammadi computes
    rng = np.random.default_rng(3)
    scale = np.exp(rng.standard_normal(300))
    g1, g2 = np.random.default_rng(9), np.random.default_rng(9)
    fast = _simulate(scale, np.zeros(300), 40, 97, False, g1)
    z = g2.standard_normal((40, 300), dtype=np.float32) * scale.astype(np.float32)
    pooled = z.reshape(-1)
    sk = LogMomentSketch(k1=97).update(pooled[pooled != 0].astype(np.float64))
    ref = float(mohammadi_estimate(sk, confidence_level=None)["alpha"][0])
    np.testing.assert_allclose(fast, ref, rtol=1e-12)  # same arithmetic up to summation order


def test_scale_mixture_is_explained_by_scale_aware_null():
    rng = np.random.default_rng(0)
    x, _ = _mixture(rng)
    res = sc.scale_aware_null(x, n_resamples=60, rng=1)
    assert res.statistic < 1.3               # pooled α̂ far below 2 ...
    assert res.pvalue_iid < 0.001            # ... "hugely significant" against iid Gaussian
    assert res.pvalue > 0.05                 # ... but not against the scale-aware null
    stat, p = res
    assert (stat, p) == (res.statistic, res.pvalue)
    assert res.null_distribution.shape == (60,)


def test_heavy_coordinates_with_same_scale_spread_are_rejected():
    rng = np.random.default_rng(1)
    k, p = 100, 2000
    sigma = np.exp(2.0 * rng.standard_normal(p))
    x = _sas(1.5, (k, p), rng) * sigma
    res = sc.scale_aware_null(x, n_resamples=60, iid=False, rng=2)
    assert res.pvalue < 0.001 and res.pvalue_method == "normal_tail"
    assert np.isnan(res.pvalue_iid)


def test_zero_inflated_columns_and_constant_columns():
    rng = np.random.default_rng(4)
    x, _ = _mixture(rng, k=60, p=500, s=1.0)
    x[rng.random(x.shape) < 0.3] = 0.0
    x[:, :10] = 0.0  # dead coordinates
    with pytest.warns(sc.errors.DataWarning, match="10 of 500 coordinates have no spread"):
        res = sc.scale_aware_null(x, n_resamples=30, rng=0)
    assert res.n_columns_excluded == 10 and np.isfinite(res.statistic)
    assert res.pvalue > 0.01


def test_bad_input():
    with pytest.raises(ValueError, match="non-finite"):
        sc.scale_aware_null(np.array([[1.0, np.nan], [2.0, 3.0]]))
    with pytest.raises(ValueError, match="n_resamples"):
        sc.scale_aware_null(np.ones((5, 5)), n_resamples=3)
    with pytest.raises(ValueError, match="every coordinate"):
        sc.scale_aware_null(np.ones((5, 5)), n_resamples=20)


@pytest.mark.slow
def test_size_over_replicate_datasets():
    """R = 200 Gaussian scale-mixture data sets (s = 2): rejection at 5% within 1%–10%."""
    rng = np.random.default_rng(2026)
    rejections = 0
    for _ in range(200):
        x, _ = _mixture(rng, k=100, p=1000, s=2.0)
        res = sc.scale_aware_null(x, n_resamples=99, iid=False, rng=rng)
        rejections += res.pvalue <= 0.05
    assert 2 <= rejections <= 20, rejections


def test_piecewise_simulation_carries_blocks_across_pieces(monkeypatch):
    # small pieces: blocks of K1 = 97 straddle piece boundaries and zeros are injected
    import stablecheck.gof._scale_null as mod

    monkeypatch.setattr(mod, "_PIECE", 1000)
    rng = np.random.default_rng(5)
    scale = np.exp(rng.standard_normal(300))
    zf = np.full(300, 0.2)
    fast = mod._simulate(scale, zf, 40, 97, False, np.random.default_rng(9))
    g = np.random.default_rng(9)
    parts = []
    for r0, r1, c0, c1 in mod._pieces(40, 300):
        z = g.standard_normal((r1 - r0, c1 - c0), dtype=np.float32) * scale[c0:c1].astype(
            np.float32)
        keep = g.random((r1 - r0, c1 - c0), dtype=np.float32) >= zf[c0:c1]
        parts.append(z[keep])  # boolean indexing is row-major, like the pooled stream
    pooled = np.concatenate(parts)
    sk = LogMomentSketch(k1=97).update(pooled[pooled != 0].astype(np.float64))
    ref = float(mohammadi_estimate(sk, confidence_level=None)["alpha"][0])
    np.testing.assert_allclose(fast, ref, rtol=1e-12)


def test_tied_data_with_zero_block_sums_are_refused():
    # Regression (found by check_gof_test through matrix_adapter): integer-valued data give
    # block sums of exactly 0, so the pooled Mohammadi 1/α̂ = -inf and α̂ = -0.0; the p-value
    # then divided by it (ZeroDivisionError). tail_index refuses such data; so must this.
    x = np.tile([[1.0, -1.0], [2.0, -2.0]], (10, 1))
    with pytest.raises(ValueError, match="block sums"):
        sc.scale_aware_null(x, k1=2, n_resamples=19, rng=0)


def test_pvalue_is_one_sided_on_the_inverse_alpha_scale():
    # Regression: α̂ is reported as computed and may be negative (1/α̂ < 0: lighter than any
    # stable law). Compared on the α scale, "α̂ <= every null value" took such a sample for
    # the heaviest of all and gave the floor p-value; on the 1/α scale it is the lightest.
    from stablecheck.gof._scale_null import _pvalue

    null = np.linspace(1.6, 1.9, 19)
    p, how = _pvalue(-5.0, null)
    assert (p, how) == (1.0, "monte_carlo")
    p, how = _pvalue(1.0, null)  # heavier than every replicate: the normal-tail floor
    assert how == "normal_tail" and p <= 1 / 20
    assert _pvalue(1.75, null)[0] == (1 + 10) / 20  # 1.6 ... 1.75: 10 values at or below


def test_pvalue_does_not_depend_on_the_unit_of_the_data():
    # Regression (found by check_gof_test): the null replicates are float32, so simulating
    # with the raw scales made the normal-tail p-value move by ~3e-6 relative when the data
    # were multiplied by 3; scales are now relative to their median.
    rng = np.random.default_rng(0)
    x, _ = _mixture(rng, k=20, p=50, s=1.0)
    x = x * np.abs(_sas(1.0, x.shape, rng))  # heavy: observed beyond every null value
    r1 = sc.scale_aware_null(x, n_resamples=19, rng=7)
    r3 = sc.scale_aware_null(3.0 * x, n_resamples=19, rng=7)
    assert r1.pvalue_method == "normal_tail"
    np.testing.assert_allclose([r3.statistic, r3.pvalue, r3.pvalue_iid],
                               [r1.statistic, r1.pvalue, r1.pvalue_iid], rtol=1e-12)
