"""Streaming analysis of a run three times larger than the process's address-space cap.

A child process runs ``analyze(engine="stream")`` under ``RLIMIT_AS``; its table must equal
the in-memory analysis of the same run done here (uncapped). The cap covers everything the
child maps: the interpreter with numpy, scipy and pandas/pyarrow imported (~470 MiB of
address space before any data, measured and reported by the child) plus what the analysis
maps and allocates; the run on disk is ≥ 3 × the cap.

Environment of the child, and why: ``ARROW_DEFAULT_MEMORY_POOL=system`` (pyarrow's default
pool reserves ~1 GB of address space when pandas builds its first frame — the environment,
not the data) and one BLAS/OpenMP thread (each BLAS thread reserves its own buffers).

The options exercise both streaming paths (pooled row chunks for Mohammadi, log-moment and
Hill; column blocks for the per-coordinate summaries and Shapiro–Wilk tests). The
scale-aware null is off (``scale_null=0``): it simulates 2 × R replicates of the whole
K × P matrix from the per-coordinate scales — the same in both engines, in pieces of fixed
size (``gof._scale_null._PIECE``), never reading the data — and would take most of an hour
at this size on the shared machine.

Measured 2026-11-26 (2 shared cores): child baseline 459 MiB, VmPeak 575–577 MiB, the whole
test 10–15 min at load 4–6; see ``docs/scale-out.md`` (memory bounds of the stream engine).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np
import pandas as pd
import pytest

import stablecheck as sc
from stablecheck.analysis import load_analysis
from stablecheck.noise import RunWriter

CAP = 640 << 20           # address-space cap of the child (bytes)
#: 2048 minibatches x 246,000 coordinates of float32 = 2.015 GB >= 3 x CAP; a tall matrix
#: keeps the per-coordinate outputs (O(P), kept in the result) small beside the data
K, P_A, P_B = 2048, 123_000, 123_000
ROWS = 64                 # rows per chunk file: 64 x 246,000 x 4 B = 63 MB (the collector's ~64 MiB)

OPTS = dict(axis="both", standardize=None, estimators=("mohammadi", "logmoment", "hill"),
            tests=("shapiro",), scale_null=0, rng=3, max_elements=1 << 21)


def _write_run(path):
    rng = np.random.default_rng(11)
    sigma = np.exp(rng.standard_normal(P_A)).astype(np.float32)
    with RunWriter(path, run_id="rlimit", config={"test": "rlimit"}) as w:
        w.add_snapshot("s0", n_rows=K, layers=[("a", (P_A,)), ("b", (P_B,))],
                       meta={"iteration": 0, "batch_size": 32})
        for r0 in range(0, K, ROWS):
            block = np.empty((ROWS, P_A + P_B), dtype=np.float32)
            block[:, :P_A] = rng.standard_normal((ROWS, P_A), dtype=np.float32) * sigma
            block[:, P_A:] = rng.standard_t(3, size=(ROWS, P_B)).astype(np.float32)
            w.write_chunk("s0", block, row_start=r0)


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc: Linux")
def test_stream_under_address_space_cap_equals_memory(tmp_path):
    run, out = tmp_path / "run", tmp_path / "saved"
    _write_run(run)
    size = sum(f.stat().st_size for f in run.rglob("*.npy"))
    assert size >= 3 * CAP
    child = textwrap.dedent(f"""
        import json, resource, time, warnings
        resource.setrlimit(resource.RLIMIT_AS, ({CAP}, {CAP}))
        import numpy, scipy.stats, pandas
        pandas.DataFrame({{"x": [1.0]}})
        import stablecheck as sc

        def vm(key):
            with open("/proc/self/status") as f:
                return next(int(l.split()[1]) for l in f if l.startswith(key + ":")) << 10

        base = vm("VmSize")
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        res = sc.analyze({str(run)!r}, engine="stream", **{OPTS!r})
        res.save({str(out)!r})
        print(json.dumps({{"baseline": base, "peak": vm("VmPeak"),
                           "seconds": time.perf_counter() - t0}}))
    """)
    env = dict(os.environ, ARROW_DEFAULT_MEMORY_POOL="system", OMP_NUM_THREADS="1",
               OPENBLAS_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True,
                          env=env, timeout=3000, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    stats = json.loads(proc.stdout.strip().splitlines()[-1])
    assert stats["peak"] <= CAP
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mem = sc.analyze(run, engine="memory", **OPTS)
    stats.update(run_bytes=size, cap=CAP, memory_seconds=time.perf_counter() - t0)
    print("rlimit:", json.dumps(stats))  # shown with -s; the numbers docs/scale-out.md quotes
    # rtol 1e-9: the engines sum the same float64 terms in different chunk orders (~1e-13)
    pd.testing.assert_frame_equal(load_analysis(out).table, mem.table, rtol=1e-9)
