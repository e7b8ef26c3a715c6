"""Streaming: the sketches are exact under chunking and merging, and tail_index gives the
same answer for an array, a memmap, a list of chunks, an iterator and an iter_chunks()
object."""

from __future__ import annotations

import numpy as np
import pytest

import stablecheck as sc
from stablecheck._sketch import dumps_state, loads_state, merge_sketches, sketch_from_state
from stablecheck.tail import LogMomentSketch, TailSketch


def _data(rng, n=50_000):
    x = rng.standard_t(2.5, n).astype(np.float32)
    x[rng.choice(n, 3000, replace=False)] = 0.0
    return x


def test_tail_sketch_exact_under_chunking(rng):
    x = _data(rng)
    sk = TailSketch(500)
    for c in np.array_split(x, 37):
        sk.update(c)
    ref = np.sort(np.abs(x.astype(np.float64)))[::-1][:500]
    np.testing.assert_array_equal(sk.top("abs"), ref)
    np.testing.assert_array_equal(sk.top("upper"), np.sort(x[x > 0].astype(float))[::-1][:500])
    np.testing.assert_array_equal(sk.top("lower"), np.sort(-x[x < 0].astype(float))[::-1][:500])
    assert sk.n == x.size and sk.n_zero == 3000 and sk.n_nonfinite == 0


def test_tail_sketch_merge_and_state(rng):
    x = _data(rng)
    parts = np.array_split(x, 5)
    sks = [TailSketch(300).update(p) for p in parts]
    merged = merge_sketches(sks)
    whole = TailSketch(300).update(x)
    for t in ("abs", "upper", "lower"):
        np.testing.assert_array_equal(merged.top(t), whole.top(t))
    back = sketch_from_state(loads_state(dumps_state(whole.state())))
    np.testing.assert_array_equal(back.top("abs"), whole.top("abs"))
    assert back.n == whole.n and back.n_zero == whole.n_zero


def test_tail_sketch_counts_nonfinite(rng):
    x = rng.normal(size=1000)
    x[:3] = np.nan
    x[3:5] = np.inf
    x[5] = -np.inf
    sk = TailSketch(50).update(x)
    assert (sk.n_nan, sk.n_posinf, sk.n_neginf) == (3, 2, 1)
    assert np.all(np.isfinite(sk.top("abs")))


def test_logmoment_sketch_chunk_boundaries(rng):
    """Block sums align to K1 globally: any chunking gives the same Mohammadi estimate
    (float64 partial sums differ only by rounding → rtol 1e-12)."""
    x = rng.standard_cauchy(30_011)
    whole = LogMomentSketch(k1=(7, 100, 173)).update(x)
    cuts = np.sort(rng.choice(np.arange(1, x.size), 40, replace=False))
    chunked = LogMomentSketch(k1=(7, 100, 173))
    for c in np.split(x, cuts):
        chunked.update(c)
    for key in ("blk_log", "blk_sumlogx", "carry_sum", "carry_logx"):
        np.testing.assert_allclose(chunked.state()[key], whole.state()[key], rtol=1e-12,
                                   atol=1e-9)
    np.testing.assert_array_equal(chunked.carry_n, whole.carry_n)
    assert chunked.log[0] == whole.log[0]
    np.testing.assert_allclose(chunked.log[1:], whole.log[1:], rtol=1e-12)


def test_logmoment_sketch_merge_on_block_boundary(rng):
    x = rng.standard_cauchy(2 * 2100)
    a = LogMomentSketch(k1=(7, 100)).update(x[:2100])   # 2100 is a multiple of 7 and 100
    b = LogMomentSketch(k1=(7, 100)).update(x[2100:])
    a.merge(b)
    whole = LogMomentSketch(k1=(7, 100)).update(x)
    np.testing.assert_allclose(a.blk_log, whole.blk_log, rtol=1e-12)
    bad = LogMomentSketch(k1=(7,)).update(x[:2101])
    with pytest.raises(ValueError, match="misaligned"):
        bad.merge(LogMomentSketch(k1=(7,)).update(x[2101:]))


class _View:
    """Stand-in for a NoiseDataset view: only iter_chunks()."""

    def __init__(self, x, step):
        self.x, self.step = x, step

    def iter_chunks(self):
        for i in range(0, self.x.size, self.step):
            yield self.x[i:i + self.step]


@pytest.mark.parametrize("method", ["hill", "moment", "pickands", "smooth_hill", "logmoment",
                                    "mohammadi"])
def test_same_answer_for_every_input_kind(tmp_path, rng, method):
    x = rng.standard_t(2.0, 40_000).astype(np.float32)
    path = tmp_path / "x.npy"
    np.save(path, x)
    mm = np.load(path, mmap_mode="r")
    kw = {"k": 400} if method not in ("logmoment", "mohammadi") else {}
    if method == "mohammadi":
        kw = {"k1": 200}
    ref = sc.tail_index(x, method=method, rng=1, **kw)
    chunks = np.array_split(x, 13)
    for src in (mm, chunks, iter(chunks), _View(x, 7777)):
        r = sc.tail_index(src, method=method, rng=1, **kw)
        assert r.k == ref.k and r.n == ref.n
        if method in ("logmoment", "mohammadi"):
            assert r.alpha == pytest.approx(ref.alpha, rel=1e-12)
        else:   # order statistics are exact
            assert r.alpha == ref.alpha
            assert tuple(r.confidence_interval) == tuple(ref.confidence_interval)


def test_memmap_hill_auto_k_identical(tmp_path, rng):
    """Hill with double-bootstrap k on a float32 memmap streamed through TailSketch equals
    the in-memory result exactly (the 1e8/1e9 versions are in benchmarks/bench_tail.py)."""
    n = 2_000_000
    x = np.abs(rng.standard_t(3, n)).astype(np.float32)
    path = tmp_path / "big.f32"
    x.tofile(path)
    mm = np.memmap(path, dtype=np.float32, mode="r")
    a = sc.tail_index(x, rng=3)
    b = sc.tail_index(mm, rng=3)
    assert (a.alpha, a.k, tuple(a.confidence_interval)) == (b.alpha, b.k,
                                                            tuple(b.confidence_interval))


def test_vector_mohammadi_matches_row_norms(rng):
    """The vector version uses Euclidean norms of rows and of block sums of rows."""
    X = rng.standard_cauchy((4000, 3))
    res = sc.tail_index(X, method="mohammadi", k1=20)
    K1, K2 = 20, 200
    Y = X.reshape(K2, K1, 3).sum(axis=1)
    inv = (np.mean(np.log(np.linalg.norm(Y, axis=1)))
           - np.mean(np.log(np.linalg.norm(X, axis=1)))) / np.log(K1)
    assert res.alpha == pytest.approx(1.0 / inv, rel=1e-10)
    assert res.diagnostics["vector_dim"] == 3


def test_tail_index_reads_prebuilt_sketches(rng):
    x = rng.standard_cauchy(50_000)
    ts = TailSketch(20_000).update(x)
    lm = LogMomentSketch(k1=(100, 223)).update(x)
    assert sc.tail_index(ts, k=500).alpha == sc.tail_index(x, k=500).alpha
    assert sc.tail_index(lm, method="mohammadi", k1=223).k_path["k"].tolist() == [100, 223]
    assert sc.tail_index(lm, method="logmoment").alpha == pytest.approx(
        sc.tail_index(x, method="logmoment").alpha, rel=1e-12)
    with pytest.raises(TypeError, match="reads a LogMomentSketch"):
        sc.tail_index(ts, method="logmoment")
    with pytest.raises(ValueError, match="not among them"):
        sc.tail_index(lm, method="mohammadi", k1=50)


def test_sqrt_k1_on_streams(rng):
    x = rng.standard_cauchy(40_000)
    ref = sc.tail_index(x, method="mohammadi")
    assert ref.k == 200   # 40000 = 200²
    two_pass = sc.tail_index(np.array_split(x, 9), method="mohammadi")
    assert two_pass.k == 200 and two_pass.alpha == pytest.approx(ref.alpha, rel=1e-12)
    with pytest.raises(ValueError, match="one-shot iterator"):
        sc.tail_index(iter(np.array_split(x, 9)), method="mohammadi")


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(x=hnp.arrays(np.float64, st.integers(1, 400),
                    elements=st.floats(-1e6, 1e6, allow_nan=False)),
       cuts=st.lists(st.integers(0, 400), max_size=6), k=st.integers(2, 50))
def test_tail_sketch_property_any_chunking(x, cuts, k):
    """Top-k of |x|, x⁺, x⁻ and the counts do not depend on chunking (exact)."""
    sk = TailSketch(k)
    for c in np.split(x, sorted(c for c in cuts if c <= x.size)):
        sk.update(c)
    a = np.abs(x)
    np.testing.assert_array_equal(sk.top("abs"), np.sort(a[a > 0])[::-1][:k])
    np.testing.assert_array_equal(sk.top("upper"), np.sort(x[x > 0])[::-1][:k])
    assert sk.n == x.size and sk.n_zero == int(np.count_nonzero(x == 0))


@pytest.mark.parametrize("threads", [1, 2])
def test_tail_sketches_one_pass_equals_separate_updates(rng, threads):
    """The fused pass (shared |x|, one threshold comparison, logs in place, optional threads)
    gives exactly the TailSketch of separate updates and the same log-moments up to float64
    rounding of the partial sums (different summation grouping → rtol 1e-12), including
    chunks with zeros and NaN (counted by the sketches' own paths)."""
    x = rng.standard_t(1.7, 300_007).astype(np.float32)
    x[rng.choice(x.size, 50, replace=False)] = 0.0
    x[200_000] = np.nan
    ts, lm = sc.tail_sketches(x, k_max=3000, k1=(77, 547), chunk=1 << 14, threads=threads)
    ts2, lm2 = TailSketch(3000), LogMomentSketch(k1=(77, 547))
    for c in np.array_split(x, 11):
        ts2.update(c)
        lm2.update(c)
    for t in ("abs", "upper", "lower"):
        np.testing.assert_array_equal(ts.top(t), ts2.top(t))
    assert (ts.n, ts.n_zero, ts.n_nan) == (ts2.n, ts2.n_zero, ts2.n_nan) == (x.size, 50, 1)
    assert (lm.n, lm.n_zero, lm.n_nonfinite) == (lm2.n, lm2.n_zero, lm2.n_nonfinite)
    np.testing.assert_allclose(lm.log, lm2.log, rtol=1e-12)
    np.testing.assert_allclose(lm.blk_log, lm2.blk_log, rtol=1e-12)
    np.testing.assert_allclose(lm.blk_sumlogx, lm2.blk_sumlogx, rtol=1e-12)


def test_float32_logs_within_their_error_bound(rng):
    """float32 data: logs are taken in float32 (4x faster) and summed in float64. Each
    float32 log is within 4 float32 ulps (numpy's documented worst case for its float32
    log; glibc's is < 1 ulp) → |Δ log|x|| <= 4·2⁻²³·|log|x||, so the mean moves by at most
    that times mean|log|x||, and M2 = Σ(L − L̄)² by at most 2·4·2⁻²³·Σ|L − L̄|·|L| + the
    mean term, bounded below by the generous 2·4·2⁻²³·Σ L². Where numba is installed the
    kernel's log runs instead (≤ 6e-9 absolute, test_fastlog.py), within these bounds
    whenever 4·2⁻²³·mean|L| ≥ 6e-9, i.e. mean|L| ≥ 0.0125 (here ≈ 7)."""
    x = (rng.standard_t(1.5, 400_000) * 1e-3).astype(np.float32)   # gradient-like scale
    lm = LogMomentSketch().update(x)
    L = np.log(np.abs(x.astype(np.float64)))
    eps = 4 * 2.0 ** -23
    assert abs(lm.log_mean - L.mean()) <= eps * np.abs(L).mean()
    m2 = float(np.sum((L - L.mean()) ** 2))
    assert abs(lm.log[2] - m2) <= 2 * eps * float(np.sum(L * L))


def test_tail_sketches_validates(rng):
    with pytest.raises(ValueError, match="1-D"):
        sc.tail_sketches(rng.normal(size=(100, 2)))
    with pytest.raises(ValueError, match="threads"):
        sc.tail_sketches(rng.normal(size=100), threads=0)


@pytest.mark.parametrize("resident", [None, False, True])
def test_tail_sketches_reads_a_raw_file_like_the_array(tmp_path, rng, monkeypatch, resident):
    """A raw float32 file read by the helper thread gives the same sketches as the array
    itself — with the real page-cache query and with every unit forced through O_DIRECT
    reads into the three rotating buffers (small units: many reuses of each buffer while
    the pipelined pass still holds a chunk) or through mappings; zeros, NaN and ±inf in
    some chunks exercise the pass's re-read of a settled chunk."""
    from stablecheck.tail import _reader
    if resident is not None:
        monkeypatch.setattr(_reader, "UNIT_BYTES", 1 << 15)
        monkeypatch.setattr(_reader._Residency, "resident", lambda self, o, n: resident)
    x = rng.standard_cauchy(70_001).astype(np.float32)
    x[[5, 30_000, 30_001, 66_000]] = [0.0, np.nan, np.inf, -np.inf]
    path = tmp_path / "x.f32"
    x.tofile(path)
    ts, lm = sc.tail_sketches(str(path), k_max=2000, k1=264, chunk=4096, threads=2)
    ts2, lm2 = sc.tail_sketches(x, k_max=2000, k1=264, chunk=4096)
    np.testing.assert_array_equal(ts.top("abs"), ts2.top("abs"))
    assert (ts.n, ts.n_zero, ts.n_nan, ts.n_posinf, ts.n_neginf) == (x.size, 1, 1, 1, 1)
    assert lm.n == x.size and lm.n_zero == 1 and lm.n_nonfinite == 3
    np.testing.assert_allclose(lm.log, lm2.log, rtol=1e-12)
    np.testing.assert_allclose(lm.blk_log, lm2.blk_log, rtol=1e-12)
    (tmp_path / "bad.f32").write_bytes(b"\0" * 7)
    with pytest.raises(ValueError, match="multiple"):
        sc.tail_sketches(str(tmp_path / "bad.f32"))


@pytest.mark.parametrize("chunk", [1024, 5000, 1 << 16])
def test_raw_file_reader_yields_the_file(tmp_path, rng, chunk, monkeypatch):
    """The raw-file reader yields exactly the file's values in order, including a short
    last unit, whichever way each unit is read: mapped (in the page cache), O_DIRECT (not
    in it) or buffered (O_DIRECT refused)."""
    from concurrent.futures import ThreadPoolExecutor

    from stablecheck.tail import _reader
    monkeypatch.setattr(_reader, "UNIT_BYTES", 1 << 16)     # several units, a short last one
    x = rng.standard_normal(70_001).astype(np.float32)
    path = tmp_path / "x.f32"
    x.tofile(path)
    cases = {"mapped": True, "direct": False, "buffered": False}
    for name, resident in cases.items():
        monkeypatch.setattr(_reader._Residency, "resident", lambda self, o, n, r=resident: r)
        with ThreadPoolExecutor(max_workers=1) as pool:
            got = [c.copy() for c in _reader.raw_chunks(
                str(path), np.dtype(np.float32), chunk, pool, direct=name != "buffered")]
        assert max(c.size for c in got) <= chunk
        np.testing.assert_array_equal(np.concatenate(got), x, err_msg=name)
    # O_DIRECT accepted at open but refused at read time (EINVAL): buffered from then on
    import errno
    import os
    opened: list[int] = []
    real_open, real_preadv = _reader._open_direct, os.preadv

    def open_direct(p):
        opened.append(real_open(p) or os.open(p, os.O_RDONLY))
        return opened[-1]

    def preadv(fd, bufs, off):
        if opened and fd == opened[0]:
            raise OSError(errno.EINVAL, "refused")
        return real_preadv(fd, bufs, off)

    monkeypatch.setattr(_reader, "_open_direct", open_direct)
    monkeypatch.setattr(_reader.os, "preadv", preadv)
    with ThreadPoolExecutor(max_workers=1) as pool:
        got = [c.copy() for c in _reader.raw_chunks(str(path), np.dtype(np.float32), chunk,
                                                    pool)]
    np.testing.assert_array_equal(np.concatenate(got), x)
    assert len(opened) == 1
    # a system with neither MAP_POPULATE, O_DIRECT nor preadv: seek + readinto
    monkeypatch.delattr(_reader.mmap, "MAP_POPULATE", raising=False)
    monkeypatch.delattr(_reader.os, "preadv")
    monkeypatch.setattr(_reader, "_open_direct", lambda p: None)
    with ThreadPoolExecutor(max_workers=1) as pool:
        got = [c.copy() for c in _reader.raw_chunks(str(path), np.dtype(np.float32), chunk,
                                                    pool)]
    np.testing.assert_array_equal(np.concatenate(got), x)
    empty = tmp_path / "empty.f32"
    empty.write_bytes(b"")
    ts, lm = sc.tail_sketches(str(empty))
    assert ts.n == lm.n == 0
