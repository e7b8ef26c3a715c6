"""LogMomentSketch block alignment on Dask, without a cluster (synchronous scheduler).

Random chunkings — blocks shorter than K1, blocks of only zeros, empty blocks — must give the
state of one sequential sketch: counts and carries exactly, float sums to 1e-12 relative
(different summation order of the same float64 values), with atol 1e-9 for sums that
cancel to near zero (their rounding is relative to the summands, ~1e3 here, not to the sum).
"""

from __future__ import annotations

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

from stablecheck._dask import sketch_dask  # noqa: E402
from stablecheck.tail._sketches import LogMomentSketch  # noqa: E402


@pytest.mark.parametrize("seed", range(6))
def test_random_chunkings_match_sequential_sketch(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2_000, 20_000))
    dim = 1 if seed % 2 == 0 else 2
    x = rng.standard_t(1.8, (n, dim) if dim > 1 else n)
    x[rng.random(n) < 0.05] = 0.0
    x[rng.integers(0, n, 3)] = np.nan
    lo = int(rng.integers(0, n // 2))
    x[lo:lo + int(rng.integers(0, 600))] = 0.0  # a run of zeros: whole blocks without data
    cuts = np.sort(rng.integers(0, n, int(rng.integers(1, 40))))
    sizes = tuple(int(v) for v in np.diff(np.concatenate([[0], cuts, [n]])))  # may hold 0s
    chunks = (sizes,) if dim == 1 else (sizes, (dim,))
    k1 = tuple(sorted({2, int(rng.integers(3, 50)), int(rng.integers(50, 3000))}))
    ref = LogMomentSketch(k1=k1, dim=dim).update(x).state()
    with dask.config.set(scheduler="synchronous"):
        got = sketch_dask(lambda: LogMomentSketch(k1=k1, dim=dim),
                          da.from_array(x, chunks=chunks)).state()
    for key in ("n", "n_zero", "n_nonfinite", "carry_n", "k1"):
        assert np.array_equal(ref[key], got[key]), key
    for key in ("log", "blk_log", "blk_sumlogx", "carry_sum", "carry_logx"):
        assert np.allclose(ref[key], got[key], rtol=1e-12, atol=1e-9), key
