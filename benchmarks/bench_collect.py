"""Collecting gradient noise: stablecheck.collect vs hand-written torch loops (CPU, 1 thread).

Model: a 784-512-512-10 ReLU MLP (669,706 parameters) on n = 10,000 synthetic examples
(Gaussian inputs, random labels; timing does not depend on the values). Both sides run in
this process with ``torch.set_num_threads(1)`` on the same model and batches.

* minibatch gradients: 64 minibatches of B = 32 -> a 64 x P noise matrix. Ours: the
  collector's gradient engine (``autograd.grad`` on the selected parameters, flattened into the
  chunk buffer, minus the reference). Anchor: ``zero_grad(); loss.backward()`` + ``torch.cat``
  of the ``.grad`` fields, minus the full gradient.
* full gradient: ours = chunks of 1024 with ``reduction="sum"``, float64 accumulation, one
  division by n. Anchor: one epoch of forward+backward over the same 1024-example chunks
  accumulating ``.grad`` (float32). A B = 32 epoch is shown for context.
* end to end: ``collect_noise`` (weights and reference gradient saved as checksummed
  attachments, exact full gradient, 64 noise rows written as a crash-safe run: atomic chunk
  files, sha256, fsync, manifest; commits on the store's background thread) vs the
  hand-written equivalent (same gradients, ``np.save`` of the 64 x P matrix without fsync,
  weights via safetensors), calls interleaved round by round.
* peak RSS: a fresh interpreter collects K = 256 (quick: 8) rows of B = 32 for a ~1e7-parameter
  MLP (3000-3000-300, n = 2048) with the default 64 MiB chunks; K x P would be 10 GB.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks._util import fmt_ratio, median_time, run_in_subprocess

K, B, N, CHUNK = 64, 32, 10_000, 1024


def _setup():
    import torch

    from stablecheck.collect import make_mlp

    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(N, 784, generator=g)
    y = torch.randint(0, 10, (N,), generator=g)
    model = make_mlp(784, 10, hidden=(512, 512), seed=0)
    return model, torch.nn.CrossEntropyLoss(), x, y


def _batches(seed=0):
    from stablecheck.collect import batch_indices

    return [batch_indices(N, B, k, sampling="without_replacement", seed=seed, iteration=0)
            for k in range(K)]


def _hand_full(model, loss_fn, x, y, chunk):
    model.zero_grad()
    for s in range(0, N, chunk):
        (loss_fn(model(x[s:s + chunk]), y[s:s + chunk]) * (min(chunk, N - s) / N)).backward()
    import torch

    return torch.cat([p.grad.reshape(-1) for p in model.parameters()])


def _hand_rows(model, loss_fn, x, y, full, batches, rows=None):
    import torch

    if rows is None:
        rows = torch.empty(len(batches), full.numel())
    for k, idx in enumerate(batches):
        model.zero_grad()
        it = torch.from_numpy(idx)
        loss_fn(model(x[it]), y[it]).backward()
        torch.cat([p.grad.reshape(-1) for p in model.parameters()], out=rows[k])
    rows -= full
    return rows


def _engine(model, loss_fn, x, y):
    from stablecheck.collect._data import LossAdapter, as_torch_data
    from stablecheck.collect._gradients import GradientEngine
    from stablecheck.collect._torch import parameter_layout

    params, slices = parameter_layout(model)
    return GradientEngine(model, LossAdapter(loss_fn), as_torch_data((x, y)), params, slices,
                          chunk_examples=CHUNK)


def _our_rows(engine, ref32, batches, buf):
    """The collector's inner loop: gradients into the chunk buffer, then subtract."""
    import torch

    rows = torch.from_numpy(buf)
    for k, idx in enumerate(batches):
        engine.minibatch_gradient(idx, rows[k])
    rows.sub_(ref32)
    return rows


def _compute_table(quick: bool) -> dict:
    import torch

    model, loss_fn, x, y = _setup()
    model.eval()
    batches = _batches()
    engine = _engine(model, loss_fn, x, y)
    n_params = engine.n_params
    repeat = 3 if quick else 5
    full64, _ = engine.sum_and_loss(None)
    ref32 = torch.from_numpy(full64 / N).float()
    buf = np.empty((K, n_params), np.float32)
    full_hand = _hand_full(model, loss_fn, x, y, CHUNK)
    hand_buf = torch.empty(K, n_params)   # preallocated like ours: no first-touch cost
    med, ratio_rows = _paired_medians(
        {"ours": lambda: _our_rows(engine, ref32, batches, buf),
         "hand": lambda: _hand_rows(model, loss_fn, x, y, full_hand, batches, hand_buf)},
        repeat)
    t_ours_rows, t_hand_rows = med["ours"], med["hand"]
    ours = _our_rows(engine, ref32, batches, buf).numpy()
    hand = _hand_rows(model, loss_fn, x, y, full_hand, batches, hand_buf).numpy()
    err_rows = float(np.max(np.abs(ours - hand)))
    med, ratio_full = _paired_medians(
        {"ours": lambda: engine.sum_and_loss(None),
         "hand": lambda: _hand_full(model, loss_fn, x, y, CHUNK)}, repeat)
    t_ours_full, t_hand_full = med["ours"], med["hand"]
    t_epoch32 = median_time(lambda: _hand_full(model, loss_fn, x, y, 32), 1 if quick else 3)
    err_full = float(np.max(np.abs(full64 / N - full_hand.double().numpy())))
    rows = [
        [f"{K} minibatch gradients, B={B} (P={n_params:,})", f"{t_ours_rows:.3f}",
         f"{t_hand_rows:.3f}", fmt_ratio(ratio_rows["hand"]), f"{err_rows:.1e}"],
        [f"full gradient, n={N:,} (chunks of {CHUNK})", f"{t_ours_full:.3f}",
         f"{t_hand_full:.3f}", fmt_ratio(ratio_full["hand"]), f"{err_full:.1e}"],
        [f"(context) one epoch fwd+bwd at B={B}", "", f"{t_epoch32:.3f}",
         fmt_ratio(t_ours_full / t_epoch32), ""],
    ]
    return {"title": "Collector compute vs hand-written torch loops (670k-parameter MLP)",
            "description": __doc__.split("\n\n")[1] + "\n\n" + __doc__.split("\n\n")[2],
            "columns": ["case", "stablecheck (s)", "hand-written (s)", "ratio",
                        "max |diff|"],
            "rows": rows,
            "notes": "Criterion: ratio <= 1.2 on both rows. max |diff| compares the two "
                     "results (float32 rounding; the full-gradient anchor accumulates in "
                     "float32). Medians of interleaved rounds (ratio: median of per-round "
                     "ratios) on a shared 2-core machine; load average "
                     f"{' '.join(f'{v:.1f}' for v in os.getloadavg())} at the end."}


def _paired_medians(fns: dict, repeat: int) -> tuple[dict, dict]:
    """Interleaved timing: one warm-up call each, then ``repeat`` rounds calling every fn once
    (order rotated per round). Returns (median seconds, median over rounds of first fn's
    time / each fn's time); pairing within a round cancels most of a shared machine's drift.
    """
    names = list(fns)
    for name in names:
        fns[name]()
    samples: dict[str, list[float]] = {name: [] for name in names}
    for r in range(repeat):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            gc.collect()
            t0 = time.perf_counter()
            fns[name]()
            samples[name].append(time.perf_counter() - t0)
    base = names[0]
    med = {n: statistics.median(v) for n, v in samples.items()}
    ratios = {n: statistics.median([a / b for a, b in zip(samples[base], samples[n])])
              for n in names}
    return med, ratios


def _end_to_end_table(quick: bool) -> dict:
    from safetensors.torch import save_file

    from stablecheck.collect import collect_noise
    from stablecheck.collect._torch import state_tensors

    model, loss_fn, x, y = _setup()
    batches = _batches(seed=0)
    tmp = Path(tempfile.mkdtemp(prefix="bench-collect-"))
    counter = {"i": 0}

    def ours():
        counter["i"] += 1
        out = tmp / f"run{counter['i']}"
        collect_noise(model, loss_fn, (x, y), out=out, batch_sizes=(B,), n_batches=K,
                      seed=0, full_chunk=CHUNK)
        shutil.rmtree(out)

    def hand(fsync: bool):
        out = tmp / "hand"
        out.mkdir(exist_ok=True)
        model.eval()
        save_file(state_tensors(model), str(out / "weights.safetensors"))
        full = _hand_full(model, loss_fn, x, y, CHUNK)
        noise = _hand_rows(model, loss_fn, x, y, full, batches)
        with open(out / "noise.npy", "wb") as fh:
            np.save(fh, noise.numpy())
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        shutil.rmtree(out)

    load_before = os.getloadavg()
    try:
        repeat = 3 if quick else 7
        med, ratio = _paired_medians({"ours": ours, "hand": lambda: hand(False),
                                      "hand_fsync": lambda: hand(True)}, repeat)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    load_after = os.getloadavg()
    p = sum(q.numel() for q in model.parameters())
    rows_per_chunk = max(1, min(K, (64 << 20) // (p * 4)))
    mib = f"{K * p * 4 / 2**20:.0f} MiB"
    return {"title": "End-to-end collection at one w (64 x B=32, 670k parameters)",
            "description": (
                "`collect_noise` (weights saved as a safetensors attachment, exact float64 "
                "full gradient saved as an attachment, 64 noise rows committed crash-safely "
                f"in chunks of {rows_per_chunk} rows: streamed .npy chunk files hashed with "
                "sha256 and fsynced, directory fsync, manifest line fsynced; the commit of "
                "one chunk runs on a background thread while the next chunk is computed) vs "
                "a hand-written script: `model.eval()`, weights via `safetensors.save_file`, "
                "full gradient by one epoch of fwd+bwd over chunks of 1024, the 64 minibatch "
                "gradients by `zero_grad(); backward()` + `torch.cat`, minus the full "
                "gradient, and `np.save` of the 64 x P float32 matrix (the same noise bytes) "
                "to the same disk. The baseline does **not** fsync (what a typical script "
                "does: its data may be lost or torn by a crash); the `+ fsync` row fsyncs "
                "its .npy once at the end, for context. Calls interleaved per round; "
                "1 torch thread."),
            "columns": ["case", "stablecheck (s)", "hand-written (s)",
                        "ratio (median of paired rounds)", "noise bytes"],
            "rows": [["collect_noise vs loop + np.save (no fsync)", f"{med['ours']:.3f}",
                      f"{med['hand']:.3f}", fmt_ratio(ratio["hand"]), mib],
                     ["collect_noise vs loop + np.save + fsync", f"{med['ours']:.3f}",
                      f"{med['hand_fsync']:.3f}",
                      fmt_ratio(ratio["hand_fsync"]), mib]],
            "notes": (f"Criterion: ratio <= 1.2 against the no-fsync baseline. Medians of "
                      f"{repeat} interleaved rounds; load average (1/5/15 min) "
                      f"{' '.join(f'{v:.1f}' for v in load_before)} before and "
                      f"{' '.join(f'{v:.1f}' for v in load_after)} after, on a 2-core "
                      "machine. Ours additionally writes the 5 MiB float64 reference gradient "
                      "and hashes everything it writes; the background commit thread uses "
                      "the second core while torch computes on one.")}


_RSS_CODE = """
import json, os, shutil, sys, time
import torch

def hwm():  # VmHWM: this process's own peak RSS (ru_maxrss is inherited across exec)
    with open("/proc/self/status") as fh:
        return next(int(l.split()[1]) for l in fh if l.startswith("VmHWM")) / 1024

torch.set_num_threads(1)
from stablecheck.collect import collect_noise, make_mlp
n_rows, out = {k}, {out!r}
g = torch.Generator().manual_seed(0)
x = torch.randn(2048, 3000, generator=g)
y = torch.randint(0, 300, (2048,), generator=g)
model = make_mlp(3000, 300, hidden=(3000,), seed=0)
p = sum(q.numel() for q in model.parameters())
before = hwm()
t0 = time.perf_counter()
res = collect_noise(model, torch.nn.CrossEntropyLoss(), (x, y), out=out, batch_sizes=(32,),
                    n_batches=n_rows, seed=0, full_chunk=256)
dt = time.perf_counter() - t0
peak = hwm()
shutil.rmtree(out)
print(json.dumps({{"p": p, "k": n_rows, "before": before, "peak": peak, "seconds": dt,
                  "chunks": res.chunks_written}}))
"""


def _rss_table(quick: bool) -> dict:
    from stablecheck.collect._collector import DEFAULT_CHUNK_BYTES

    k = 8 if quick else 256
    tmp = Path(tempfile.mkdtemp(prefix="bench-collect-rss-"))
    try:
        r = run_in_subprocess(_RSS_CODE.format(k=k, out=str(tmp / "run")), timeout=3000)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    kp = r["k"] * r["p"] * 4 / 2**20
    return {"title": "Peak memory: K x P never in memory (1e7-parameter MLP)",
            "description": f"A fresh interpreter collects K = {k} noise rows (B = 32) of a "
                           f"{r['p']:,}-parameter MLP with the default "
                           f"{DEFAULT_CHUNK_BYTES >> 20} MiB chunks (one row = "
                           f"{r['p'] * 4 / 2**20:.0f} MiB, so one row per chunk).",
            "columns": ["K", "P", "K x P (MiB)", "peak RSS (MiB)",
                        "RSS before collecting (MiB)", "seconds", "chunks"],
            "rows": [[r["k"], f"{r['p']:,}", f"{kp:,.0f}", f"{r['peak']:,.0f}",
                      f"{r['before']:,.0f}", f"{r['seconds']:.1f}", r["chunks"]]],
            "notes": "Peak RSS (VmHWM of the child) is bounded by torch + model + data + the "
                     "float64 reference gradient + two chunk buffers (one filled while the "
                     "other is committed; chunks are streamed, never serialised), "
                     "independent of K. `ru_maxrss` is not used: Linux carries it over exec "
                     "from the parent benchmark process."}


def run(quick: bool = False) -> list[dict]:
    """Tables: compute ratios, end-to-end ratio, peak RSS."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    t0 = time.perf_counter()
    tables = [_compute_table(quick), _end_to_end_table(quick), _rss_table(quick)]
    tables[-1]["notes"] += f" (benchmark module wall time {time.perf_counter() - t0:.0f} s)"
    return tables


if __name__ == "__main__":  # pragma: no cover
    print(json.dumps(run(quick=True), indent=1))
