"""Sketch protocol and MomentSketch: chunked == in-memory, merge == concatenation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from stablecheck._sketch import (
    MomentSketch,
    build_sketch,
    dumps_state,
    loads_state,
    merge_sketches,
    sketch_from_state,
)


def _reference(x, axis=None):
    """Moments from correctly rounded sums (math.fsum), corrected two-pass around the mean.

    An accurate reference matters when |mean| >> sd: scipy's own skew/kurtosis carry a
    first-order error of ~3·eps·|mean|/sd from the rounded mean.
    """
    x = np.asarray(x, dtype=np.float64)
    if axis is None:
        x = x.reshape(-1, 1)
    out = []
    for col in x.T:
        n = col.size
        mean = math.fsum(col) / n
        d = col - mean
        corr = math.fsum(d) / n
        d = d - corr
        m2, m3, m4 = (math.fsum(d**p) / n for p in (2, 3, 4))
        out.append((mean + corr, m2, m3 / m2**1.5, m4 / m2**2 - 3.0))
    res = tuple(np.array(v) for v in zip(*out))
    return res if axis is not None else tuple(v[0] for v in res)


def _assert_moments(sk, x, axis=None, rtol=1e-12):
    mean, var, skew, kurt = _reference(x, axis)
    scale = np.sqrt(var)
    # mean is compared on the scale of the spread (it may be ~0); the rest relatively
    np.testing.assert_allclose(sk.mean, mean, rtol=0, atol=rtol * np.max(scale + np.abs(mean)))
    np.testing.assert_allclose(sk.var(), var, rtol=rtol)
    np.testing.assert_allclose(sk.skewness, skew, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(sk.kurtosis, kurt, rtol=rtol, atol=rtol)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 5000),
       cuts=st.lists(st.floats(0, 1), max_size=12),
       loc=st.sampled_from([0.0, 1e3, -7.5, 1e6]), scale=st.sampled_from([1e-3, 1.0, 1e4]),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_any_chunking_equals_in_memory(seed, n, cuts, loc, scale, dtype):
    rng = np.random.default_rng(seed)
    x = (loc + scale * rng.standard_t(4, size=n)).astype(dtype)
    assume(np.ptp(x) > 0)  # float32 may round a narrow sample to a constant: no moments
    idx = sorted({int(c * n) for c in cuts})
    chunks = np.split(x, idx)
    sk = build_sketch(MomentSketch, chunks)
    # 1e-12 relative to the in-memory float64 computation for any chunking
    _assert_moments(sk, x, rtol=1e-12)
    assert int(sk.n) == n


def test_large_block_path_and_offset():
    rng = np.random.default_rng(0)
    x = 1e6 + rng.standard_normal(3_000_000)  # > BLOCK: exercises the in-chunk block merge
    _assert_moments(MomentSketch().update(x), x, rtol=1e-12)
    # and chunked at awkward boundaries
    _assert_moments(build_sketch(MomentSketch, np.array_split(x, 13)), x, rtol=1e-12)


def test_merge_equals_concatenation_and_tree():
    rng = np.random.default_rng(1)
    parts = [rng.standard_normal(rng.integers(1, 400)) for _ in range(9)]
    x = np.concatenate(parts)
    merged = merge_sketches([MomentSketch().update(p) for p in parts])
    _assert_moments(merged, x)
    seq = MomentSketch()
    for p in parts:
        seq.merge(MomentSketch().update(p))
    _assert_moments(seq, x)


def test_per_column_axis0():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((300, 17)) * np.arange(1, 18)
    sk = build_sketch(lambda: MomentSketch(axis=0), np.array_split(X, 7))
    _assert_moments(sk, X, axis=0)
    assert sk.n.shape == (17,)
    with pytest.raises(ValueError, match="column count changed"):
        sk.update(np.ones((3, 5)))


def test_nonfinite_and_zeros_counted():
    x = np.array([1.0, np.nan, 0.0, np.inf, 3.0, 0.0])
    sk = MomentSketch().update(x)
    assert int(sk.n) == 4 and int(sk.n_nonfinite) == 2 and int(sk.n_zero) == 2
    _assert_moments(sk, x[np.isfinite(x)])


def test_state_roundtrip_without_pickle():
    rng = np.random.default_rng(3)
    sk = MomentSketch(axis=0).update(rng.standard_normal((50, 4)))
    blob = dumps_state(sk.state())
    back = sketch_from_state(loads_state(blob))
    assert isinstance(back, MomentSketch)
    np.testing.assert_array_equal(back.kurtosis, sk.kurtosis)
    cp = sk.copy()
    cp.update(rng.standard_normal((5, 4)))
    assert int(sk.n[0]) == 50 and int(cp.n[0]) == 55


def test_empty_and_mismatched():
    with pytest.raises(ValueError, match="empty"):
        _ = MomentSketch().mean
    with pytest.raises(ValueError, match="different `axis`"):
        MomentSketch().merge(MomentSketch(axis=0))
    with pytest.raises(TypeError, match="numeric"):
        MomentSketch().update(np.array(["a"]))
    with pytest.raises(ValueError, match="unknown sketch kind"):
        sketch_from_state({"kind": "nope"})
