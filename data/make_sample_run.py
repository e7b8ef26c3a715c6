"""Make ``data/sample-run``: a small noise run directory with known ground truth.

Two snapshots, each K = 64 "minibatch noise vectors" over P = 4000 coordinates in four
layers of 1000 coordinates, float32, written in chunks of 16 rows with the crash-safe
:class:`stablecheck.noise.RunWriter`:

* ``gaussian``       (20, 50)  iid N(0, 1)                                    alpha = 2
* ``scale_mixture``  (1000,)   coordinate j ~ N(0, s_j^2), s_j = exp(2 z_j), z_j ~ N(0, 1)
                                (every coordinate Gaussian; the pooled sample is a
                                Gaussian scale mixture that *looks* heavy-tailed)
* ``sas15``          (25, 40)  symmetric alpha-stable, alpha = 1.5, beta = 0, scale 1
                                (Chambers-Mallows-Stuck, written out below)
* ``student_t3``     (1000,)   Student t with 3 degrees of freedom (tail index 3)

The per-coordinate scales of ``scale_mixture`` are fixed per run (shared by both snapshots),
as a network's per-parameter noise scales would be. The truth is stored in the run metadata
(``meta["truth"]``). Run: ``python data/make_sample_run.py`` (seeded; same output every time).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # use the checkout's stablecheck

from stablecheck.noise import RunWriter  # noqa: E402

SEED = 20261125
K, CHUNK_ROWS = 64, 16
LAYERS = [("gaussian", (20, 50)), ("scale_mixture", (1000,)), ("sas15", (25, 40)),
          ("student_t3", (1000,))]
SCALE_MIXTURE_S = 2.0
TRUTH = {
    "gaussian": {"distribution": "normal", "alpha": 2.0, "scale_sd": 1.0},
    "scale_mixture": {"distribution": "normal per coordinate, log-normal scales",
                      "alpha": 2.0, "per_coordinate_alpha": 2.0, "log_scale_sd": SCALE_MIXTURE_S},
    "sas15": {"distribution": "symmetric alpha-stable", "alpha": 1.5, "beta": 0.0,
              "scale": 1.0, "loc": 0.0, "param": "S0 (= S1 for beta = 0)"},
    "student_t3": {"distribution": "student t", "df": 3, "tail_index": 3.0,
                   "stable_alpha": 2.0},
}


def sas_cms(alpha: float, size, rng: np.random.Generator) -> np.ndarray:
    """Symmetric alpha-stable (beta = 0, scale 1, alpha != 1) by Chambers, Mallows & Stuck (1976).

    X = sin(alpha V) / cos(V)^(1/alpha) * (cos(V - alpha V) / W)^((1 - alpha)/alpha)
    with V ~ U(-pi/2, pi/2) and W ~ Exp(1).
    """
    v = rng.uniform(-np.pi / 2, np.pi / 2, size)
    w = rng.exponential(1.0, size)
    return (np.sin(alpha * v) / np.cos(v) ** (1 / alpha)
            * (np.cos(v - alpha * v) / w) ** ((1 - alpha) / alpha))


def make(out: Path = HERE / "sample-run") -> Path:
    rng = np.random.default_rng(SEED)
    scales = np.exp(SCALE_MIXTURE_S * rng.standard_normal(1000))
    if out.exists():
        shutil.rmtree(out)
    config = {"generator": "data/make_sample_run.py", "seed": SEED, "K": K,
              "layers": [[n, list(s)] for n, s in LAYERS], "scale_mixture_s": SCALE_MIXTURE_S}
    meta = {"data_kind": "noise", "full_gradient": "none", "sampling": "unknown",
            "model_mode": "unknown", "synthetic": True, "truth": TRUTH}
    with RunWriter(out, run_id="sample-run", config=config, meta=meta) as w:
        for it in (0, 100):
            snap = f"t{it:06d}"
            w.add_snapshot(snap, n_rows=K, layers=LAYERS, dtype="float32",
                           meta={"iteration": it})
            for r0 in range(0, K, CHUNK_ROWS):
                n = CHUNK_ROWS
                block = np.concatenate([
                    rng.standard_normal((n, 1000)),
                    rng.standard_normal((n, 1000)) * scales,
                    sas_cms(1.5, (n, 1000), rng),
                    rng.standard_t(3, (n, 1000)),
                ], axis=1).astype(np.float32)
                w.write_chunk(snap, block, row_start=r0)
    (out / ".lock").unlink(missing_ok=True)  # only meaningful while a writer runs
    return out


if __name__ == "__main__":
    path = make()
    total = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    sys.stdout.write(f"wrote {path} ({total / 1e6:.1f} MB)\n")
