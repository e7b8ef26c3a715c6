"""Dask back end: same sketches, same answers, on a 2-process LocalCluster (loopback only).

One cluster per module (start-up costs seconds on a 2-core machine). Tolerances: order
statistics and counts are exact (identical top-k buffers), so Hill/DEdH and their
bootstrap CIs must be bit-identical; log-moment/Mohammadi/moment sums are merged in a
different float64 order than one sequential sketch, hence 1e-12 relative.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

import stablecheck as sc  # noqa: E402
from stablecheck import MomentSketch  # noqa: E402
from stablecheck._dask import open_run_array, sketch_dask  # noqa: E402
from stablecheck.errors import NoiseFormatError  # noqa: E402
from stablecheck.gof._moments import moment_statistics  # noqa: E402
from stablecheck.noise import RunWriter, open_run  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::stablecheck.errors.ZeroValuesWarning")

ROOT = Path(__file__).resolve().parents[2]
REL = 1e-12  # float64 sums merged in another order (see module docstring)


@pytest.fixture(scope="module")
def client():
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None,
                                       silence_logs=40)
    cl = distributed.Client(cluster, set_as_default=True)
    yield cl
    cl.close()
    cluster.close()


def _data(n=120_001, seed=3):
    rng = np.random.default_rng(seed)
    x = rng.standard_t(1.7, n).astype(np.float32)
    x[rng.random(n) < 0.02] = 0.0  # zeros shift Mohammadi block boundaries
    return x


def _write_run(path, x2d, rows_per_chunk, cols_split=None):
    k, p = x2d.shape
    with RunWriter(path, run_id="t", config={"K": k}) as w:
        w.add_snapshot("s0", n_rows=k, layers=[("a", (p // 2,)), ("b", (p - p // 2,))])
        cuts = [0, p] if cols_split is None else [0, cols_split, p]
        for r0 in range(0, k, rows_per_chunk):
            for c0, c1 in zip(cuts[:-1], cuts[1:]):
                w.write_chunk("s0", x2d[r0:r0 + rows_per_chunk, c0:c1], row_start=r0,
                              col_start=c0)
    return path


def _close(a, b, rel=REL):
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-300)


# -------------------------------------------------------------------------------------

def test_run_directory_opens_lazily_one_block_per_chunk(client, tmp_path):
    x = _data(60 * 101).reshape(60, 101)
    path = _write_run(tmp_path / "run", x, 7, cols_split=40)
    arr = open_run_array(path)
    assert arr.numblocks == (9, 2)  # ceil(60/7) row blocks x 2 column pieces: one per file
    assert np.array_equal(arr.compute(), x)
    assert np.array_equal(open_run_array(path, layer="b").compute(), x[:, 50:])
    entries = open_run(path).chunks("s0")
    assert len(entries) == 18


def test_corrupted_chunk_is_caught_on_the_worker(client, tmp_path):
    x = _data(40 * 10).reshape(40, 10)
    path = _write_run(tmp_path / "run", x, 10)
    arr = open_run_array(path)  # built before the damage: reading is deferred to workers
    f = path / open_run(path).chunks("s0")[2].chunk
    raw = bytearray(f.read_bytes())
    raw[-1] ^= 0xFF  # same size, different bytes: only the sha256 can tell
    f.write_bytes(bytes(raw))
    with pytest.raises(NoiseFormatError, match="sha256"):
        arr.sum().compute()


@pytest.mark.parametrize("method", ["hill", "moment"])
def test_order_statistic_estimators_and_bootstrap_ci_identical(client, method):
    x = _data()
    d = da.from_array(x, chunks=9_973)
    a = sc.tail_index(x, method=method, ci="bootstrap", n_resamples=200, rng=11)
    b = sc.tail_index(d, method=method, ci="bootstrap", n_resamples=200, rng=11)
    assert (a.alpha, a.k, a.n, a.n_used) == (b.alpha, b.k, b.n, b.n_used)
    assert a.confidence_interval == b.confidence_interval
    assert np.array_equal(a.bootstrap_distribution, b.bootstrap_distribution)


def test_logmoment_and_its_standard_error(client):
    x = _data()
    d = da.from_array(x, chunks=8_191)
    a = sc.tail_index(x, method="logmoment")
    b = sc.tail_index(d, method="logmoment")
    assert (a.n, a.n_used) == (b.n, b.n_used)
    assert _close(a.alpha, b.alpha) and _close(a.standard_error, b.standard_error)
    assert _close(a.confidence_interval.low, b.confidence_interval.low)
    assert _close(a.confidence_interval.high, b.confidence_interval.high)


@pytest.mark.parametrize("k1", ["sqrt", "grid", (7, 1000, 4096)])
def test_mohammadi_blocks_align_across_dask_blocks(client, k1):
    x = _data()
    d = da.from_array(x, chunks=6_007)
    a = sc.tail_index(x, method="mohammadi", k1=k1)
    b = sc.tail_index(d, method="mohammadi", k1=k1)
    assert (a.n_used, a.k) == (b.n_used, b.k)
    assert _close(a.alpha, b.alpha)
    for key in ("alpha", "low", "high"):
        assert np.allclose(a.k_path[key], b.k_path[key], rtol=REL, atol=0)


def test_mohammadi_uneven_blocks_smaller_than_k1(client):
    # blocks shorter than K1, of uneven sizes: carries span several Dask blocks
    x = _data(50_000, seed=5)
    sizes = tuple(int(s) for s in np.random.default_rng(1).integers(1, 900, 200))
    sizes = sizes + (x.size - sum(sizes),)
    d = da.from_array(x, chunks=(sizes,))
    a = sc.tail_index(x, method="mohammadi", k1=(2, 333, 1000))
    b = sc.tail_index(d, method="mohammadi", k1=(2, 333, 1000))
    for key in ("alpha", "low", "high"):
        assert np.allclose(a.k_path[key], b.k_path[key], rtol=REL, atol=0)


def test_mohammadi_vector_rows(client):
    rng = np.random.default_rng(8)
    x = rng.standard_t(1.5, (30_000, 3))
    x[::97] = 0.0
    d = da.from_array(x, chunks=(4_001, 3))
    a = sc.tail_index(x, method="mohammadi", k1=(10, 100))
    b = sc.tail_index(d, method="mohammadi", k1=(10, 100))
    assert np.allclose(a.k_path["alpha"], b.k_path["alpha"], rtol=REL, atol=0)


def test_moment_gaussianity_statistics_match_in_memory(client):
    x = _data().astype(np.float64)
    x = x[np.abs(x) < 50]  # finite fourth moment region, still non-Gaussian
    d = da.from_array(x, chunks=10_007)
    st = moment_statistics(sketch_dask(MomentSketch, d))
    ref = sc.gaussianity(x, tests=("dagostino", "jarque_bera"))
    stat = np.ravel(ref.statistic)
    assert _close(st["dagostino"], stat[0]) and _close(st["jarque_bera"], stat[1])
    from scipy import stats  # independent check of skewness / kurtosis definitions
    assert _close(st["skewness"], stats.skew(x), 1e-10)
    assert _close(st["kurtosis"], stats.kurtosis(x), 1e-10)


def test_killed_worker_is_retried_same_answer(client, tmp_path):
    x = _data()
    marker = str(tmp_path / "killed-once")

    def kill_once(block, block_info=None):
        # the task on block 5 kills its worker process the first time it runs
        if block_info[0]["chunk-location"][0] == 5 and not os.path.exists(marker):
            open(marker, "w").close()
            os._exit(1)
        return block

    d = da.from_array(x, chunks=10_000).map_blocks(kill_once, dtype=x.dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = sc.tail_index(d, method="mohammadi", k1=(100, 999))
        h = sc.tail_index(d, method="hill", n_resamples=100, rng=2)
    assert os.path.exists(marker)
    a = sc.tail_index(x, method="mohammadi", k1=(100, 999))
    assert np.allclose(a.k_path["alpha"], b.k_path["alpha"], rtol=REL, atol=0)
    ah = sc.tail_index(x, method="hill", n_resamples=100, rng=2)
    assert (ah.alpha, ah.confidence_interval) == (h.alpha, h.confidence_interval)


def test_methods_needing_raw_data_say_so(client):
    d = da.from_array(_data(), chunks=10_000)
    with pytest.raises(ValueError, match="ci='block'"):
        sc.tail_index(d, method="hill", ci="block")
    with pytest.raises(ValueError, match="permute=True needs random access"):
        sc.tail_index(d, method="mohammadi", k1=100, permute=True)


def test_analyze_dask_engine_equals_memory(client, tmp_path):
    rng = np.random.default_rng(4)
    x = (rng.standard_t(2.5, (40, 500)) * rng.uniform(0.5, 2, 500)).astype(np.float32)
    path = _write_run(tmp_path / "run", x, 8)
    kw = dict(axis="coordinate", estimators=("hill", "logmoment", "mohammadi"),
              scale_null=0, rng=5, layers=["a"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = sc.analyze(path, engine="memory", **kw).table
        dk = sc.analyze(path, engine="dask", client=client, **kw).table
    assert list(m["estimator"]) == list(dk["estimator"])
    for col in ("alpha", "ci_low", "ci_high", "n_used"):
        assert np.allclose(m[col].astype(float), dk[col].astype(float), rtol=REL, atol=0,
                           equal_nan=True), col


def test_import_without_dask():
    code = ("import sys; sys.modules['dask'] = None; sys.modules['dask.array'] = None; "
            "import stablecheck, numpy as np; "
            "print(stablecheck.tail_index(np.random.default_rng(0).standard_t(2, 2000)).alpha)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert out.returncode == 0, out.stderr
