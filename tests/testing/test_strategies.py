"""Strategies: derived from the domain declarations, validated arguments, honest samples."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from scipy import stats

from stablecheck._domains import DOMAINS
from stablecheck._validation import as_sample, check_stable_params
from stablecheck.testing import _samplers
from stablecheck.testing import strategies as scst

# the build machine is shared: generation speed is not what these tests are about
_NO_SLOW = [HealthCheck.too_slow]
FAST = settings(max_examples=40, deadline=None, suppress_health_check=_NO_SLOW)


# --- derived from DOMAINS ------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(DOMAINS))
def test_domain_regions_agree_with_the_declaration(name):
    dom = DOMAINS[name]

    @FAST
    @given(scst.domain_values(name, region="typical"), scst.domain_values(name, region="edge"),
           scst.domain_values(name, region="invalid"))
    def check(t, e, bad):
        assert dom.contains(t) and dom.contains(e)
        assert not dom.contains(bad)
    check()


@FAST
@given(scst.stable_params(region="typical"), scst.stable_params(region="edge"))
def test_valid_params_pass_the_validation_layer(p, q):
    check_stable_params(*p)
    check_stable_params(*q)


@FAST
@given(scst.stable_params(region="invalid"))
def test_invalid_params_are_refused_by_the_validation_layer(p):
    with pytest.raises(ValueError, match="must be"):
        check_stable_params(*p)


@FAST
@given(scst.stable_params(alpha=1.0, beta=st.just(-1.0), region="invalid"))
def test_invalid_region_breaks_only_free_parameters(p):
    assert p.alpha == 1.0 and p.beta == -1.0
    assert not (DOMAINS["scale"].contains(p.scale) and math.isfinite(p.loc))


def test_edge_region_reaches_the_hard_values():
    seen = set()

    @settings(max_examples=200, deadline=None, suppress_health_check=_NO_SLOW)
    @given(scst.stable_params(region="edge"))
    def collect(p):
        seen.add((p.alpha, p.beta))
    collect()
    alphas = {a for a, _ in seen}
    assert {1.0, 2.0} <= alphas and {-1.0, 1.0} <= {b for _, b in seen}


@pytest.mark.parametrize("call", [
    lambda: scst.stable_params(alpha=3.0),
    lambda: scst.stable_params(alpha="1.5"),
    lambda: scst.stable_params(beta=float("nan")),
    lambda: scst.stable_params(region="bogus"),
    lambda: scst.stable_params(alpha=1, beta=0, scale=1, loc=0, region="invalid"),
    lambda: scst.stable_samples(region="invalid"),
    lambda: scst.stable_samples(n=0),
    lambda: scst.stable_samples(dtype=np.int8),
    lambda: scst.heavy_tailed_samples(family="cauchy"),
    lambda: scst.heavy_tailed_samples(family="stable", tail_index=2.5),
    lambda: scst.heavy_tailed_samples(tail_index=-1.0),
    lambda: scst.hostile_arrays(kinds=["not a kind"]),
    lambda: scst.hostile_arrays(expect={"float16": "whatever"}),
    lambda: scst.noise_datasets(K=1),
    lambda: scst.noise_datasets(zero_columns=1.5),
    lambda: scst.noise_datasets(as_dataset="yes"),
    lambda: scst.domain_values("nope"),
])
def test_invalid_arguments_raise_invalid_argument(call):
    with pytest.raises(InvalidArgument):
        call()


# --- samples ------------------------------------------------------------------------

@FAST
@given(scst.stable_samples(n=st.integers(5, 50)))
def test_stable_samples_are_finite_and_reproducible(s):
    assert s.x.shape == (s.n,) and np.isfinite(s.x).all()
    p = s.params
    again = _samplers.stable_rvs(p["alpha"], p["beta"], p["scale"], p["loc"], s.n,
                                 np.random.default_rng(s.seed))
    np.testing.assert_array_equal(s.x, again)
    assert s.tail_index == (p["alpha"] if p["alpha"] < 2 else math.inf)


@FAST
@given(scst.stable_samples(region="edge", n=20))
def test_edge_samples_have_no_nan(s):
    assert np.isfinite(s.x).all(), s


@FAST
@given(scst.heavy_tailed_samples(n=st.integers(10, 200)))
def test_heavy_tailed_samples_carry_their_truth(s):
    assert s.family in _samplers.FAMILIES and s.tail_index > 0
    assert np.isfinite(s.x).all()
    if s.family == "pareto":
        assert (s.x >= 1).all()


def test_pinned_tail_index_excludes_stable():
    @FAST
    @given(scst.heavy_tailed_samples(tail_index=3.0, n=10))
    def check(s):
        assert s.family != "stable" and s.tail_index == 3.0
    check()


# Closed forms of the S0 law against our CMS sampler. n = 20,000 with pinned seeds; each
# KS p-value must exceed 1e-3 (a correct sampler fails one of these with probability 0.4%).
@pytest.mark.parametrize("alpha, beta, dist", [
    (2.0, 0.0, stats.norm(scale=math.sqrt(2))),        # Gaussian: sigma = sqrt(2)·scale
    (1.0, 0.0, stats.cauchy()),                        # Cauchy
    (0.5, 1.0, stats.levy(loc=-1.0)),                  # Levy: S0 loc 0 = S1 loc -tan(pi/4)
    (0.5, -1.0, stats.levy_l(loc=1.0)),
])
def test_cms_matches_closed_forms(alpha, beta, dist):
    x = _samplers.cms_s0(alpha, beta, 1.0, 0.0, 20_000, np.random.default_rng(7))
    assert stats.kstest(x, dist.cdf).pvalue > 1e-3


def test_stable_samples_come_from_the_engine_when_present():
    stable = pytest.importorskip("stablecheck.stable", reason="stablecheck.stable has not "
                                 "landed on this branch yet")
    x = _samplers.stable_rvs(1.3, 0.4, 2.0, -1.0, 50, np.random.default_rng(9))
    np.testing.assert_array_equal(x, stable.rvs(1.3, 0.4, 2.0, -1.0, size=50,
                                                rng=np.random.default_rng(9)))
    # same draw order as our fallback: the two agree to rounding away from alpha = 1
    ours = _samplers.cms_s0(1.3, 0.4, 2.0, -1.0, 50, np.random.default_rng(9))
    np.testing.assert_allclose(x, ours, rtol=1e-9, atol=1e-9)


def test_cms_location_scale_and_s0_continuity_near_one():
    rng = lambda: np.random.default_rng(3)  # noqa: E731
    z = _samplers.cms_s0(1.3, 0.5, 1.0, 0.0, 1000, rng())
    y = _samplers.cms_s0(1.3, 0.5, 2.5, -4.0, 1000, rng())
    np.testing.assert_allclose(y, 2.5 * z - 4.0, rtol=1e-12, atol=1e-12)
    # S0 is continuous in alpha at 1: the same uniforms give nearly the same values
    a = _samplers.cms_s0(1.0, 0.7, 1.0, 0.0, 1000, rng())
    b = _samplers.cms_s0(1.0 + 1e-7, 0.7, 1.0, 0.0, 1000, rng())
    assert np.median(np.abs(a - b)) < 1e-4


def test_pareto_and_student_tails_are_exact():
    x = _samplers.pareto(1.5, 50_000, np.random.default_rng(1))
    assert stats.kstest(x, stats.pareto(1.5).cdf).pvalue > 1e-3
    t = _samplers.student_t(3.0, 50_000, np.random.default_rng(2))
    assert stats.kstest(t, stats.t(3.0).cdf).pvalue > 1e-3


# --- hostile arrays ---------------------------------------------------------------------

def test_every_hostile_label_is_drawn_and_well_formed():
    labels = set(scst.hostile_labels())
    seen = {}

    @settings(max_examples=300, deadline=None, suppress_health_check=_NO_SLOW)
    @given(scst.hostile_arrays())
    def collect(h):
        seen[h.label] = h
    collect()
    assert set(seen) == labels
    assert np.isnan(seen["contains NaN"].x).sum() == 1
    assert seen["float16"].x.dtype == np.float16 and np.isfinite(seen["float16"].x).all()
    assert seen["int8"].x.dtype == np.int8
    assert isinstance(seen["masked array (garbage under the mask)"].x, np.ma.MaskedArray)
    assert not seen["read-only buffer (memmap-like)"].x.flags.writeable
    assert not seen["non-contiguous (strided view)"].x.flags.c_contiguous
    assert seen["big-endian float64"].x.dtype.byteorder == ">"
    mm = seen["np.memmap (mode='r')"].x
    assert isinstance(mm, np.memmap) and not mm.flags.writeable
    z = seen["90% exact zeros"].x
    assert np.mean(z == 0) >= 0.89
    assert seen["scaled by 1e30"].expect == "scaled" and seen["scaled by 1e30"].scale == 1e30


@FAST
@given(scst.hostile_arrays(kinds=["contains NaN", "all zeros", "masked array (garbage under "
                                                                "the mask)", "empty"]))
def test_validation_layer_refuses_the_invalid_hostiles(h):
    with pytest.raises((ValueError, TypeError), match="."):
        as_sample(h.x)


@FAST
@given(scst.hostile_arrays(kinds=["read-only buffer (memmap-like)", "big-endian float64",
                                  "np.memmap (mode='r')",
                                  "non-contiguous (strided view)", "Python list"]))
def test_equivalent_hostiles_hold_the_reference_values(h):
    np.testing.assert_array_equal(np.asarray(h.x, dtype=np.float64), h.reference)


def test_expectation_overrides():
    @FAST
    @given(scst.hostile_arrays(kinds="float16", expect={"float16": "accept"}))
    def check(h):
        assert h.expect == "accept"
    check()


# --- noise datasets ------------------------------------------------------------------

@FAST
@given(scst.noise_datasets())
def test_noise_datasets_are_consistent(d):
    K, P = d.U.shape
    assert d.metadata["n_minibatches"] == K and d.U.dtype == np.float32
    offsets = sorted(d.layers.values())
    assert offsets[0][0] == 0 and sum(s for _, s, _ in offsets) == P
    for name, (_off, size, shape) in d.layers.items():
        assert math.prod(shape) == size
        block = d.layer(name)
        assert block.shape == (K, size)
        assert int(np.all(block == 0, axis=0).sum()) >= d.truth[name]["zero_columns"]
    assert np.isfinite(d.U).all()
    assert {"iteration", "batch_size", "full_gradient", "sampling", "model_mode", "data_kind",
            "seed"} <= set(d.metadata)


@settings(max_examples=10, deadline=None, suppress_health_check=_NO_SLOW)
@given(scst.noise_datasets(K=st.integers(2, 9)))
def test_noise_datasets_become_real_datasets_and_run_directories(d):
    noise = pytest.importorskip("stablecheck.noise", reason="stablecheck.noise has not landed "
                                "on this branch yet")
    import tempfile

    ds = d.to_dataset()
    np.testing.assert_array_equal(ds.matrix(), d.U)
    assert set(ds.layers()) == set(d.layers)
    with tempfile.TemporaryDirectory() as tmp:
        d.write_run(tmp, chunk_rows=4)
        back = noise.load_noise(tmp)
        np.testing.assert_array_equal(back.matrix(), d.U)
        for name in d.layers:
            np.testing.assert_array_equal(back.matrix(layer=name), d.layer(name))
        assert back.metadata()["batch_size"] == d.metadata["batch_size"]


@settings(max_examples=5, deadline=None, suppress_health_check=_NO_SLOW)
@given(scst.noise_datasets(as_dataset=True))
def test_noise_datasets_can_draw_dataset_objects(ds):
    noise = pytest.importorskip("stablecheck.noise")
    assert isinstance(ds, noise.NoiseDataset)
    assert ds.matrix().ndim == 2


# --- optional dependency ----------------------------------------------------------------

def test_hypothesis_is_not_a_runtime_dependency():
    code = ("import sys; sys.modules['hypothesis'] = None\n"
            "import stablecheck\n"
            "assert 'stablecheck.testing' not in sys.modules\n"
            "try:\n"
            "    import stablecheck.testing\n"
            "except ImportError as e:\n"
            "    assert 'stablecheck[testing]' in str(e), e\n"
            "else:\n"
            "    raise SystemExit('imported without hypothesis')\n")
    subprocess.run([sys.executable, "-c", code], check=True)
