"""A deterministic RunWriter job, run as a child process by test_noise_crash.py.

``python _crash_job.py ROOT OUTDIR KILL_AT SEED [FORMAT [async]]`` counts every os.write / os.fsync /
os.replace call the store makes and SIGKILLs itself at call number ``KILL_AT`` — before the
call, after it, or (for writes) after writing a seeded random prefix of the bytes, which
leaves a torn file or manifest line. ``KILL_AT = 0`` runs to the end and prints the number
of calls. :func:`job` is also imported by the test to resume and to build the reference.
"""

from __future__ import annotations

import os
import signal
import sys

import numpy as np

CHUNK_ROWS, K, P = 8, 24, 300


def block(snapshot: int, r0: int) -> np.ndarray:
    rng = np.random.default_rng([snapshot, r0])
    return rng.standard_t(3, size=(CHUNK_ROWS, P)).astype(np.float32)


def job(out, *, chunk_format: str = "npy", asynchronous: bool = False) -> None:
    from stablecheck.noise import RunWriter

    with RunWriter(out, run_id="crash-test", config={"K": K, "P": P},
                   meta={"data_kind": "noise", "versions": {"test": "1"}},
                   chunk_format=chunk_format) as w:
        for s in range(2):
            name = f"s{s}"
            blob = np.random.default_rng([9, s]).bytes(5000)  # an attachment per snapshot
            if asynchronous:  # queued: the declaration below is queued behind it
                w.write_file_async(f"side/s{s}.bin", blob)
            else:
                w.write_file(f"side/s{s}.bin", blob)
            w.add_snapshot(name, n_rows=K, layers=[("a", (100,)), ("b", (20, 10))],
                           meta={"iteration": s})
            for r0 in range(0, K, CHUNK_ROWS):
                if asynchronous:  # commits on the writer's thread, overlapping this loop
                    w.write_chunk_async(name, block(s, r0), row_start=r0)
                else:
                    w.write_chunk(name, block(s, r0), row_start=r0)
        # a column-split snapshot: layer 'a' and layer 'b' written as separate chunks
        w.add_snapshot("s2", n_rows=K, layers=[("a", (100,)), ("b", (20, 10))])
        full = np.vstack([block(2, r) for r in range(0, K, CHUNK_ROWS)])
        w.write_chunk("s2", full[:, :100], row_start=0, col_start=0)
        w.write_chunk("s2", full[:, 100:], row_start=0, col_start=100)


def _install(kill_at: int, seed: int) -> list[int]:
    rng = np.random.default_rng(seed)
    count = [0]
    real = {name: getattr(os, name) for name in ("write", "fsync", "replace")}

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    def wrap(name):
        def f(*args):
            count[0] += 1
            if count[0] == kill_at:
                how = rng.integers(3)
                if name == "write" and how == 2:
                    data = bytes(args[1])
                    real["write"](args[0], data[: int(rng.integers(0, max(len(data), 1)))])
                    die()
                if how == 0:
                    die()
                real[name](*args)
                die()
            return real[name](*args)
        return f

    for name in real:
        setattr(os, name, wrap(name))
    return count


if __name__ == "__main__":
    root, out, kill_at, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    fmt = sys.argv[5] if len(sys.argv) > 5 else "npy"
    asynchronous = len(sys.argv) > 6 and sys.argv[6] == "async"
    sys.path.insert(0, root)
    count = _install(kill_at, seed)
    job(out, chunk_format=fmt, asynchronous=asynchronous)
    sys.stdout.write(f"{count[0]}\n")
