"""Hostile inputs: every method answers with a clear error or a documented warning."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import stablecheck as sc
from stablecheck.errors import DataWarning, StablecheckWarning, ZeroValuesWarning

ALL = ["hill", "moment", "pickands", "smooth_hill", "logmoment", "mohammadi"]


@pytest.mark.parametrize("method", ALL)
def test_all_zeros(method):
    with pytest.raises(ValueError, match="all 1000 values are exactly zero"):
        sc.tail_index(np.zeros(1000), method=method)


@pytest.mark.parametrize("method", ALL)
def test_fewer_than_ten_nonzero(method):
    x = np.zeros(1000)
    x[:9] = np.arange(1, 10)
    with pytest.raises(ValueError, match="9"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", StablecheckWarning)
            sc.tail_index(x, method=method)


@pytest.mark.parametrize("method", ALL)
def test_nan_raises_then_omit_warns(rng, method):
    x = rng.standard_cauchy(5000)
    x[[3, 10]] = np.nan
    x[20] = np.inf
    with pytest.raises(ValueError, match="non-finite"):
        sc.tail_index(x, method=method)
    with pytest.warns(DataWarning) as rec:
        res = sc.tail_index(x, method=method, nan_policy="omit", rng=0)
    assert any("non-finite" in str(w.message) for w in rec)
    assert res.n == 5000 and res.n_dropped >= 3 and np.isfinite(res.alpha)
    if method == "mohammadi":   # 4997 usable values: prime-ish N, trimmed to K1 = 70
        assert any("no divisor near sqrt(N)" in str(w.message) for w in rec)
        assert res.k == 70 and res.diagnostics["n_trimmed"] == 27


def test_integer_data_warns_and_jitter_breaks_ties(rng):
    x = np.round(rng.pareto(1.5, 20_000) * 3).astype(np.int64)
    with pytest.warns(DataWarning, match="integer data"):
        sc.tail_index(x, k=2000, rng=0)
    with pytest.warns(DataWarning, match="jitter was added"):
        res = sc.tail_index(x, k=2000, jitter=True, rng=0)
    assert np.isfinite(res.alpha)


def test_ties_at_threshold_warn(rng):
    x = np.concatenate([rng.pareto(2.0, 5000) + 10.0, np.full(300, 5.0), rng.random(5000)])
    with pytest.warns(DataWarning, match="tie at the threshold"):
        sc.tail_index(x, k=5100)


def test_clipped_data_say_so(rng):
    # clipped heavy-tailed data (e.g. saturated sensors): the automatic k lands inside the
    # block of values at the clip, every order statistic used is equal and Hill gives
    # alpha = inf; the warning must name the clip and how many values sit on it
    x = np.clip(rng.standard_t(3, 100_000), -3.0, 3.0)
    on_clip = int(np.count_nonzero(np.abs(x) == 3.0))
    with pytest.warns(DataWarning, match="reach: the data look clipped or saturated at 3") as rec:
        res = sc.tail_index(x, rng=0)
    assert res.alpha == np.inf and res.k + 1 <= on_clip
    assert any(f"{on_clip} of the 100000 values" in str(w.message) for w in rec), \
        [str(w.message) for w in rec]
    # an ordinary tie at the threshold keeps the plain tie warning
    y = np.concatenate([rng.pareto(2.0, 5000) + 10.0, np.full(300, 5.0), rng.random(5000)])
    with pytest.warns(DataWarning, match="tie at the threshold"):
        sc.tail_index(y, k=5100)


def test_zeros_are_counted_and_dropped_for_log_methods(rng):
    x = rng.standard_cauchy(10_000)
    x[:2000] = 0.0
    with pytest.warns(ZeroValuesWarning, match="2000 of 10000"):
        res = sc.tail_index(x, method="logmoment")
    assert res.zero_fraction == pytest.approx(0.2) and res.n_used == 8000
    hill = sc.tail_index(x, k=500)   # zeros sit below the tail: no warning needed
    assert hill.zero_fraction == pytest.approx(0.2) and hill.n_used == 10_000


@pytest.mark.parametrize("bad, err", [
    (np.array([True, False] * 50), TypeError),
    (np.ones(100) + 1j, TypeError),
    (np.array(["a"] * 100), TypeError),
    (np.ma.masked_array(np.arange(100.0), mask=np.arange(100) % 2), TypeError),
    (np.ones((3, 4, 5)), ValueError),
])
def test_bad_dtypes_and_shapes(bad, err):
    with pytest.raises(err):
        sc.tail_index(bad)


def test_two_d_only_for_mohammadi(rng):
    with pytest.raises(ValueError, match="Flatten"):
        sc.tail_index(rng.normal(size=(100, 3)))


@pytest.mark.parametrize("kw, msg", [
    ({"method": "nope"}, "`method` must be one of"),
    ({"k": 1}, "`k` must be >= 2"),
    ({"k": 1.5}, "`k`"),
    ({"k": "many"}, "`k` must be 'auto'"),
    ({"tail": "both"}, "`tail` must be one of"),
    ({"ci": "exact", "method": "moment"}, "not available for method='moment'"),
    ({"confidence_level": 1.5}, "open interval"),
    ({"n_resamples": 10}, "`n_resamples` must be >= 50"),
    ({"k_method": "eyeball"}, "`k_method` must be one of"),
    ({"method": "mohammadi", "k1": 1}, "`k1` must be >= 2"),
    ({"k": 50_000}, "tail values but only"),
])
def test_bad_options(rng, kw, msg):
    x = rng.standard_cauchy(20_000)
    with pytest.raises((ValueError, TypeError), match=msg):
        sc.tail_index(x, **kw)


def test_powerlaw_is_plugged_into_tail_index(rng):
    res = sc.tail_index(rng.pareto(2.0, 1000) + 1, method="powerlaw", n_resamples=50, rng=0)
    assert res.method == "powerlaw" and abs(res.alpha - 2.0) < 0.4


def test_stable_model_values_above_two_are_flagged_not_clipped(rng):
    x = rng.uniform(-1, 1, 50_000)   # lighter than any stable law
    with pytest.warns(StablecheckWarning, match="not clipped|lighter-tailed"):
        res = sc.tail_index(x, method="mohammadi", k1=100)
    assert res.alpha > 2.0


def test_permute_needs_random_access(rng):
    chunks = np.array_split(rng.normal(size=10_000), 3)
    with pytest.raises(ValueError, match="random access"):
        sc.tail_index(iter(chunks), method="mohammadi", k1=100, permute=True)


def test_block_ci_needs_array(rng):
    chunks = np.array_split(rng.standard_cauchy(10_000), 3)
    with pytest.raises(ValueError, match="ci='block'"):
        sc.tail_index(chunks, k=200, ci="block", n_resamples=50)


def test_rng_reproducible(rng):
    x = rng.standard_t(3, 20_000)
    a = sc.tail_index(x, ci="bootstrap", n_resamples=200, rng=11)
    b = sc.tail_index(x, ci="bootstrap", n_resamples=200, rng=11)
    assert a.alpha == b.alpha and tuple(a.confidence_interval) == tuple(b.confidence_interval)
    np.testing.assert_array_equal(a.bootstrap_distribution, b.bootstrap_distribution)


def test_tiny_sample_auto_k_says_what_to_do(rng):
    with pytest.raises(ValueError, match="too small for the double bootstrap"):
        sc.tail_index(rng.standard_cauchy(60))
    assert np.isfinite(sc.tail_index(rng.standard_cauchy(60), k=8).alpha)


@pytest.mark.parametrize("method", ["hill", "moment", "pickands", "smooth_hill", "logmoment"])
def test_constant_data_raise_a_typed_error(method):
    with pytest.raises(ValueError, match="equal"):
        sc.tail_index(np.full(400, 2.5), method=method, k=50 if method != "logmoment" else None)
