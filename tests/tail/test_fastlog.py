"""The optional numba kernel (float32 streams): its log accuracy, exhaustively, and its
agreement with the numpy path."""

import warnings

import numpy as np
import pytest

import stablecheck as sc
from stablecheck.errors import StablecheckWarning
from stablecheck.tail import _fastlog
from stablecheck.tail._sketches import LogMomentSketch

pytestmark = pytest.mark.skipif(not _fastlog.HAVE_NUMBA, reason="numba not installed")


def test_log_exhaustive_over_all_mantissas():
    """Every float32 in [½, 2) — all 2²³ mantissas of both reduction branches ([√½, 1) and
    [1, √2) after the shift) — against float64 np.log: the error stays under the module's
    stated bounds (relative to log m; absolute). Larger exponents only add the exact
    k·log 2 in float64, checked on random bit patterns over every exponent below."""
    b = np.arange(0x3F000000, 0x40000000, dtype=np.int32)
    x = b.view(np.float32)
    ref = np.log(x.astype(np.float64))
    err = np.abs(_fastlog.log_abs_f32(x) - ref)
    nz = ref != 0
    assert err[~nz].max() == 0.0                    # log 1 is exactly 0
    assert (err[nz] / np.abs(ref[nz])).max() <= _fastlog.LOG_MAX_REL_ERR
    assert err.max() <= _fastlog.LOG_MAX_ABS_ERR
    # below one float32 ulp of log m: more accurate than a correctly rounded float32 log
    ulp = np.spacing(np.abs(ref[nz]).astype(np.float32)).astype(np.float64)
    assert (err[nz] / ulp).max() < 0.5


def test_log_every_exponent_subnormals_and_sign(rng):
    bits = np.concatenate([rng.integers(1, 0x7F800000, 1_000_000),
                           np.arange(1, 1 << 16),                      # subnormals
                           [1, 0x007FFFFF, 0x00800000, 0x7F7FFFFF]]).astype(np.int32)
    x = bits.view(np.float32)
    ref = np.log(x.astype(np.float64))
    assert np.abs(_fastlog.log_abs_f32(x) - ref).max() <= _fastlog.LOG_MAX_ABS_ERR
    assert np.abs(_fastlog.log_abs_f32(-x) - ref).max() <= _fastlog.LOG_MAX_ABS_ERR


def _both_paths(monkeypatch, fn):
    out = fn()
    monkeypatch.setattr(_fastlog, "USE", False)
    try:
        return out, fn()
    finally:
        monkeypatch.setattr(_fastlog, "USE", True)


@pytest.mark.parametrize("threads", [1, 2])
def test_numba_and_numpy_paths_agree(monkeypatch, rng, threads):
    """Same sketches from both paths. TailSketch: exact (the filter is an exact comparison
    either way). Counts: exact. Log-moments: each log differs by at most
    LOG_MAX_ABS_ERR (kernel) + 4·2⁻²³·|log|x|| (numpy's documented worst float32 log
    error), so the mean of log|x| moves by at most that averaged, and M2 = Σ(L − L̄)² by at
    most 2·Σ|L − L̄|·δ_i ≤ 2·δ_max·Σ|L − L̄| (plus float64 rounding, far smaller)."""
    x = (rng.standard_t(1.4, 200_003) * 1e-3).astype(np.float32)
    x[rng.choice(x.size, 30, replace=False)] = 0.0
    x[123_456] = np.inf
    x[7] = np.float32(1e-42)     # a subnormal: kept, with its exact-enough log
    (ts, lm), (ts0, lm0) = _both_paths(monkeypatch, lambda: sc.tail_sketches(
        x, k_max=2000, k1=(97, 447), chunk=1 << 14, threads=threads))
    for t in ("abs", "upper", "lower"):
        np.testing.assert_array_equal(ts.top(t), ts0.top(t))
    assert (ts.n, ts.n_zero, ts.n_posinf) == (ts0.n, ts0.n_zero, ts0.n_posinf)
    assert (lm.n, lm.n_zero, lm.n_nonfinite, lm.n_used) == (
        lm0.n, lm0.n_zero, lm0.n_nonfinite, lm0.n_used) == (x.size, 30, 1, x.size - 31)
    u = x[np.isfinite(x) & (x != 0)].astype(np.float64)
    L = np.log(np.abs(u))
    d = _fastlog.LOG_MAX_ABS_ERR + 4 * 2.0**-23 * np.abs(L)
    assert abs(lm.log_mean - lm0.log_mean) <= d.mean() + 1e-12
    assert abs(lm.log[2] - lm0.log[2]) <= 2 * d.max() * np.abs(L - L.mean()).sum()
    # the kernel alone is within its own bound of float64 truth (no numpy-log term)
    dk = _fastlog.LOG_MAX_ABS_ERR
    assert abs(lm.log_mean - L.mean()) <= dk + 1e-12
    assert abs(lm.log[2] - ((L - L.mean()) ** 2).sum()) <= 2 * dk * np.abs(L - L.mean()).sum()
    # block part: same block sums (float64 rounding of different groupings), same logs
    np.testing.assert_allclose(lm.blk_log[:, 0], lm0.blk_log[:, 0], rtol=0)
    np.testing.assert_allclose(lm.blk_log[:, 1], lm0.blk_log[:, 1], rtol=1e-9)
    # Σ log|x| over complete blocks: each term within d_i, so the sums within Σ d_i
    assert np.all(np.abs(lm.blk_sumlogx - lm0.blk_sumlogx) <= d.sum())
    for meth in ("logmoment", "mohammadi"):
        with warnings.catch_warnings():   # the zero / non-finite counts, asserted above
            warnings.simplefilter("ignore", StablecheckWarning)
            a = sc.tail_index(lm, method=meth, k1=97, nan_policy="omit")
            b = sc.tail_index(lm0, method=meth, k1=97, nan_policy="omit")
        # α̂ is a smooth function of the moments moved by ≤ ~1e-7 relative (bounds above)
        assert a.alpha == pytest.approx(b.alpha, rel=1e-5)


def test_segment_bookkeeping_matches_blocks_across_odd_chunks(rng):
    """Block sums from the kernel's segments (carried across chunk boundaries) equal the
    numpy block path's, for block lengths that do and do not divide the chunks."""
    x = rng.standard_cauchy(50_001).astype(np.float32)
    lm = LogMomentSketch(k1=(2, 7, 1000, 60_000))
    for c in np.array_split(x, 13):
        lm.update(c)
    ref = LogMomentSketch(k1=(2, 7, 1000, 60_000)).update(x.astype(np.float64))
    np.testing.assert_array_equal(lm.carry_n, ref.carry_n)
    np.testing.assert_allclose(lm.carry_sum, ref.carry_sum, rtol=1e-12)
    np.testing.assert_array_equal(lm.blk_log[:, 0], ref.blk_log[:, 0])
    # float64 block sums of the same float32 values: only summation order differs; the
    # block log means are within 1e-9 (a block sum near 0 would amplify, none here)
    np.testing.assert_allclose(lm.blk_log[:3, 1], ref.blk_log[:3, 1], rtol=1e-9)
    # Σ log|x| over the values in complete blocks (≤ n of them), each within the kernel's
    # absolute log error; the float64 rounding of the sums is far below that
    assert np.all(np.abs(lm.blk_sumlogx - ref.blk_sumlogx) <= x.size * _fastlog.LOG_MAX_ABS_ERR)


def test_kernel_is_simd_vectorised():
    """The hot loops compile to packed SIMD on 256-bit ymm registers where the CPU has
    AVX2: 8-lane float32 FMAs (the log polynomial) and 4-lane float64 adds (the sums).
    A cached kernel cannot be inspected, so an uncached copy is compiled here."""
    try:
        with open("/proc/cpuinfo") as fh:
            flags = fh.read()
    except OSError:
        pytest.skip("no /proc/cpuinfo")
    if " avx2" not in flags:
        pytest.skip("no AVX2")
    import re

    import numba

    opts = {**_fastlog._nb()._opts, "cache": False}
    k = numba.njit(**opts)(_fastlog._nb()._stats_kernel.py_func)
    x = np.ones(64, np.float32)
    k(x.view(np.int32), np.int32(0), np.array([64]), np.empty(1), np.empty(1), np.empty(1),
      np.empty(64, np.int32))
    asm = k.inspect_asm(k.signatures[0])
    assert re.search(r"vfmadd\d+ps\s[^\n]*%ymm", asm)   # 8-lane float32 FMA (log polynomial)
    assert re.search(r"vaddpd\s+%ymm", asm)        # packed double adds, 4 lanes


def test_more_threads_than_values_in_a_chunk(rng):
    """Chunks smaller than the thread count leave some pieces empty: they get no segment
    (the kernel must never be handed a segment past its piece) and the result equals the
    one-thread pass."""
    x = rng.standard_cauchy(3_001).astype(np.float32)
    chunks = [x[:1], x[1:3], x[3:4], x[4:1000], x[1000:]]
    ts, lm = sc.tail_sketches(chunks, k_max=100, k1=(2, 31), threads=3)
    ts1, lm1 = sc.tail_sketches(chunks, k_max=100, k1=(2, 31), threads=1)
    np.testing.assert_array_equal(ts.top("abs"), ts1.top("abs"))
    assert ts.n == lm.n == x.size
    np.testing.assert_allclose(lm.log, lm1.log, rtol=1e-12)   # float64 regrouping only
    np.testing.assert_allclose(lm.blk_log, lm1.blk_log, rtol=1e-12)
    np.testing.assert_array_equal(lm.carry_n, lm1.carry_n)


def test_bootstrap_kernels_are_bitwise_the_numpy_path(monkeypatch, rng):
    """The fused bootstrap kernels (_boot_nb) take numpy's exponentials and repeat the numpy
    path's floating-point operations in the same order, so the replicates, the double
    bootstrap's k and the re-selecting bootstrap interval are identical, not just close."""
    from stablecheck.tail import _order, _select

    x = np.abs(rng.standard_t(3, 20_000))
    logs = np.sort(np.log(x))[::-1]

    def run():
        g = np.random.default_rng(3)
        rows = _order.poisson_rows(logs - logs[0], 20, 5_000, g)
        k = _select._stage_argmin(logs[None], x.size, 8_000, 800, 60, g)
        r = sc.tail_index(x, ci="bootstrap", n_resamples=100, rng=4)
        return rows, k, r.alpha, r.k, tuple(r.confidence_interval)[:2]

    monkeypatch.setattr(_fastlog, "_BOOT_IMPORT_WORK", 0)   # use the kernels at any size
    assert _fastlog.boot_kernels(1) is not None
    fast, slow = _both_paths(monkeypatch, run)
    np.testing.assert_array_equal(fast[0], slow[0])
    np.testing.assert_array_equal(fast[1], slow[1])
    assert fast[2:] == slow[2:]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_candidate_offer_keeps_the_same_tails(monkeypatch, rng, dtype):
    """The compiled offer (_boot_nb.offer: three tails at once, a tail flushed as soon as
    its staging row fills) keeps exactly the numpy path's top-k_max of |x|, x⁺, x⁻ and the
    same counts, across many flushes, ±inf, NaN, zeros and merges."""
    from stablecheck.tail import _boot_nb  # noqa: F401  (loads numba: the kernel path)

    x = rng.standard_t(2, 300_000).astype(dtype)
    x[rng.integers(0, x.size, 50)] = np.inf
    x[rng.integers(0, x.size, 30)] = -np.inf
    x[rng.integers(0, x.size, 20)] = np.nan
    x[rng.integers(0, x.size, 40)] = 0

    def run():
        a, b = sc.TailSketch(500), sc.TailSketch(500)
        for c in np.array_split(x[:200_000], 9):
            a.update(c)
        for c in np.array_split(x[200_000:], 4):
            b.update(c)
        a.merge(b)
        return a.state()

    fast, slow = _both_paths(monkeypatch, run)
    for key in slow:
        np.testing.assert_array_equal(np.asarray(fast[key]), np.asarray(slow[key]), err_msg=key)
    assert fast["n_posinf"] == np.count_nonzero(x == np.inf)
    assert fast["top_lower"].size == 500


@pytest.mark.parametrize("threads", [2, 3])
def test_pipelined_pass_with_bad_chunks_matches_separate_updates(rng, tmp_path, threads):
    """With threads > 1 chunk i+1's kernel runs while chunk i is settled, on the block
    alignment predicted for a clean chunk i; a chunk holding zeros/NaN/inf breaks the
    prediction and the next chunk is redone. Chunks of odd sizes, bad chunks in a row and
    at the end: the sketches equal one update() per chunk (TailSketch and counts exactly,
    log-moments and block moments to float64 rounding)."""
    from stablecheck.tail import _boot_nb  # noqa: F401  (numba loaded: the kernel path)

    x = rng.standard_cauchy(400_003).astype(np.float32)
    x[[5, 150_000, 150_001, 399_000]] = 0.0
    x[[150_002, 260_000]] = np.nan
    x[300_000] = -np.inf
    cuts = [0, 7_001, 100_000, 149_990, 150_010, 200_000, 259_000, 261_000, 262_000,
            300_001, 350_000, 398_000, x.size]
    chunks = [x[a:b] for a, b in zip(cuts[:-1], cuts[1:])]
    ts, lm = sc.tail_sketches(chunks, k_max=3000, k1=(77, 547), threads=threads)
    ts1, lm1 = sc.TailSketch(3000), LogMomentSketch(k1=(77, 547))
    for c in chunks:
        ts1.update(c)
        lm1.update(c)
    for t in ("abs", "upper", "lower"):
        np.testing.assert_array_equal(ts.top(t), ts1.top(t))
    assert (ts.n, ts.n_zero, ts.n_nan, ts.n_posinf, ts.n_neginf) == (
        ts1.n, ts1.n_zero, ts1.n_nan, ts1.n_posinf, ts1.n_neginf)
    assert (lm.n, lm.n_zero, lm.n_nonfinite) == (lm1.n, lm1.n_zero, lm1.n_nonfinite)
    np.testing.assert_array_equal(lm.carry_n, lm1.carry_n)
    np.testing.assert_allclose(lm.log, lm1.log, rtol=1e-12)
    np.testing.assert_allclose(lm.blk_log, lm1.blk_log, rtol=1e-12)
    np.testing.assert_allclose(lm.blk_sumlogx, lm1.blk_sumlogx, rtol=1e-12)
    # the same from a file (mapped windows), chunk 4096 values
    path = tmp_path / "x.f32"
    x.tofile(path)
    ts2, lm2 = sc.tail_sketches(str(path), k_max=3000, k1=(77, 547), chunk=4096,
                                threads=threads)
    np.testing.assert_array_equal(ts2.top("abs"), ts1.top("abs"))
    assert (lm2.n, lm2.n_zero, lm2.n_nonfinite) == (lm1.n, lm1.n_zero, lm1.n_nonfinite)
    np.testing.assert_array_equal(lm2.carry_n, lm1.carry_n)
    np.testing.assert_allclose(lm2.blk_log, lm1.blk_log, rtol=1e-12)
