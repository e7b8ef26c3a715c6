"""Collector on a CUDA device vs the CPU: same noise, and how fast (run by hand on a GPU box).

Not part of the default benchmark run (the project never needs a GPU). It checks that
``collect_noise`` with a model living on ``cuda`` stores the same noise as on the CPU
(float64 model, so the only differences are reduction order: compared to 1e-9 relative to the
noise scale) and times a 64 x B=32 collection on the 670k-parameter MLP of
``bench_collect`` on both devices, TF32 off.

Usage: ``python -m benchmarks.gpu_collect_check OUT_DIR`` (writes ``gpu_collect_check.json``).
Falls back to CPU-vs-CPU when no CUDA device is present (a dry run of the script itself).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import tempfile
import time

import numpy as np


def _snapshot_matrices(path):
    from stablecheck.noise import open_run

    run = open_run(path)
    run.verify()
    out = {}
    for name, info in run.snapshots.items():
        m = np.full((info.n_rows, info.n_cols), np.nan, dtype=info.dtype)
        for e in run.chunks(name):
            m[e.rows[0]:e.rows[1], e.cols[0]:e.cols[1]] = run.read_chunk(e)
        out[name] = m
    return out


def _collect(device, tmp, tag, *, dtype, hidden, in_f, n, k, timed):
    import torch

    from stablecheck.collect import collect_noise, make_mlp

    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((n, in_f)), dtype=getattr(torch, dtype))
    y = torch.tensor(rng.integers(0, 10, n))
    model = make_mlp(in_f, 10, hidden=hidden, seed=0).to(dtype=getattr(torch, dtype))
    model = model.to(device)
    loss = torch.nn.CrossEntropyLoss()
    out = os.path.join(tmp, tag)
    if device != "cpu":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    collect_noise(model, loss, (x, y), out=out, batch_sizes=(32,), n_batches=k,
                  dtype=dtype, seed=0)
    if device != "cpu":
        torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    return out, dt


def main(out_dir: str) -> dict:
    import torch

    torch.set_num_threads(1)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    tmp = tempfile.mkdtemp(prefix="stablecheck-gpu-")
    res = {"device": torch.cuda.get_device_name(0) if dev == "cuda" else "cpu (dry run)",
           "torch": torch.__version__, "python": platform.python_version()}
    try:
        # 1. equality: small float64 MLP, same seed on both devices
        kw = dict(dtype="float64", hidden=(64, 64), in_f=64, n=1024, k=32)
        a, _ = _collect("cpu", tmp, "cpu64", timed=False, **kw)
        b, _ = _collect(dev, tmp, "dev64", timed=False, **kw)
        ma, mb = _snapshot_matrices(a), _snapshot_matrices(b)
        worst = 0.0
        for name in ma:
            scale = float(np.max(np.abs(ma[name])))
            worst = max(worst, float(np.max(np.abs(ma[name] - mb[name]))) / scale)
        res["float64 noise, max |cpu - device| / max|noise|"] = worst
        res["equal_to_1e-9"] = bool(worst <= 1e-9)
        # 2. timing: 670k-parameter MLP (784-512-512-10), 64 x B = 32, float32
        kw = dict(dtype="float32", hidden=(512, 512), in_f=784, n=8192, k=64)
        times = {}
        for d in dict.fromkeys(["cpu", dev]):
            _collect(d, tmp, f"warm-{d}", timed=False, **kw)  # warm-up (CUDA context, JIT)
            ts = []
            for r in range(3):
                _, t = _collect(d, tmp, f"t-{d}-{r}", timed=True, **kw)
                ts.append(t)
            times[d] = float(np.median(ts))
        res["collect 64 x B=32, 670k MLP, median s"] = times
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "gpu_collect_check.json"), "w") as f:
        json.dump(res, f, indent=2)
    return res


if __name__ == "__main__":
    json.dump(main(sys.argv[1] if len(sys.argv) > 1 else "."), sys.stdout, indent=2)
