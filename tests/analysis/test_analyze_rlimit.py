"""Streaming analysis of a run three times larger than the process's address-space cap.

A child process runs ``analyze(engine="stream")`` under ``RLIMIT_AS``; its table must equal
the in-memory analysis of the same run done here. pyarrow's allocator reserves ~1 GB of
address space when pandas first builds a frame, so the child uses the system allocator
(ARROW_DEFAULT_MEMORY_POOL=system); that is the environment, not the data, and leaves the
cap binding on what the analysis itself maps and allocates.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pandas as pd
import pytest

import stablecheck as sc
from stablecheck.analysis import load_analysis
from stablecheck.noise import RunWriter

CAP = 680 << 20           # address-space cap of the child (bytes)
K, P_A, P_B = 128, 2_000_000, 2_200_000   # 128 x 4.2e6 float32 = 2.15 GB >= 3 x CAP
ROWS = 4                  # rows per chunk file (4 x 4.2e6 x 4 B = 67 MB, the collector's size)

OPTS = dict(axis="both", standardize=None, estimators=("mohammadi", "logmoment", "hill"),
            tests=("shapiro",), scale_null=20, rng=3, max_elements=1 << 21)


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
@pytest.mark.xfail(reason="measured 2026-11-25: the capped child (680 MiB, 2.15 GB run) finishes "
                          "the first layer and then fails with ENOMEM mapping a 67 MB chunk file "
                          "during the second layer's Mohammadi pass; address-space growth not "
                          "yet diagnosed (a 0.56 GB uncapped run: VmSize 390-420 MB, VmPeak 496 MB, "
                          "peaks in the scale-null pieces). Suspect glibc's dynamic mmap "
                          "threshold (17-32 MB temporaries then come from a fragmenting heap): "
                          "try MALLOC_MMAP_THRESHOLD_ in the child. ~30 min per run here.",
                   strict=False)
def test_stream_under_address_space_cap_equals_memory(tmp_path):
    run, out = tmp_path / "run", tmp_path / "saved"
    _write_run(run)
    size = sum(f.stat().st_size for f in run.rglob("*.npy"))
    assert size >= 3 * CAP
    child = textwrap.dedent(f"""
        import resource, warnings
        resource.setrlimit(resource.RLIMIT_AS, ({CAP}, {CAP}))
        import stablecheck as sc
        warnings.simplefilter("ignore")
        res = sc.analyze({str(run)!r}, engine="stream", **{OPTS!r})
        res.save({str(out)!r})
        print(open("/proc/self/status").read().split("VmPeak:")[1].split()[0])
    """)
    env = dict(os.environ, ARROW_DEFAULT_MEMORY_POOL="system", OMP_NUM_THREADS="1",
               OPENBLAS_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True,
                          env=env, timeout=3000, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    vm_peak_kb = int(proc.stdout.split()[-1])
    assert vm_peak_kb * 1024 <= CAP
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mem = sc.analyze(run, engine="memory", **OPTS)
    pd.testing.assert_frame_equal(load_analysis(out).table, mem.table, rtol=1e-9)
