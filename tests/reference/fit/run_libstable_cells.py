"""Our fits beside libstable's ML fits on the n = 1e3 accuracy cells (and one n = 1e4 cell).

Run from the repository root (needs PyPI ``pystable`` 0.2.3 and the system GSL, see
``benchmarks/_libstable.py``)::

    PYTHONPATH=. python tests/reference/fit/run_libstable_cells.py [--reps 20] [--big-reps 5]

For every cell of ``fit_accuracy.LIBSTABLE_CELLS`` (alpha in {0.8, ..., 1.95} x beta in
{0, 0.5, -0.9}, n = 1000) draws ``--reps`` samples from ``stablecheck.stable.rvs`` (seeded per
cell as in ``fit_accuracy.simulate``, base seed 77) and fits each sample with

* ours: ``fit_stable(method="quantile" | "ecf" | "mle", ci=None)``;
* libstable ``mle``: ``stable_fit_init`` (McCulloch) -> ``stable_fit_koutrouvelis`` ->
  ``stable_fit_mle`` (Nelder-Mead on all four parameters, libstable's default tolerances);
* libstable ``mle2d``: ``stable_fit`` (what ``pystable.fit`` calls: Nelder-Mead on
  (alpha, beta), scale and location from McCulloch's tables at each step).

Both ML estimates are scored by the log-likelihood of the sample at that estimate, computed by
OUR exact engine (``stable.logpdf``), so "ll(ours) - ll(libstable)" compares the optimum each
fit reached on one common yardstick. Cell (1.5, 0, 1e4) is added with ``--big-reps`` samples.

Writes ``libstable_cells.jsonl`` (one line per replicate: cell, estimates, exact
log-likelihoods, seconds per fit; a stopped run resumes where it stopped) and prints the
markdown summary that is saved as ``libstable_cells.md``.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

import stablecheck as sc
from benchmarks import _libstable
from benchmarks import fit_accuracy as f
from stablecheck import stable

HERE = Path(__file__).resolve().parent
LOG = HERE / "libstable_cells.jsonl"
SEED = 77
METHODS = ("quantile", "ecf", "mle", "libstable mle", "libstable mle2d")


def _fit(name: str, x: np.ndarray) -> tuple[float, float, float, float]:
    if name.startswith("libstable"):
        return _libstable.fit(x, name.split()[1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = sc.fit_stable(x, method=name, ci=None)
    return r.alpha, r.beta, r.scale, r.loc


def _loglik(x: np.ndarray, e) -> float:
    a, b, s, m = e
    if not (0 < a <= 2 and -1 <= b <= 1 and s > 0 and np.isfinite(m)):
        return float("nan")
    return float(np.sum(stable.logpdf(x, a, b, s, m)))


def run(reps: int, big_reps: int) -> list[dict]:
    done = set()
    if LOG.exists():
        for line in LOG.read_text().splitlines():
            rec = json.loads(line)
            done.add((tuple(rec["cell"]), rec["rep"]))
    sample, _ = f._sampler()
    cells = [(c, reps) for c in f.LIBSTABLE_CELLS] + [((1.5, 0.0, 10000), big_reps)]
    for (a, b, n), r_max in cells:
        rng = np.random.default_rng([SEED, int(a * 100), int((b + 1) * 100), n])
        for r in range(r_max):
            x = sample(a, b, n, rng)
            if ((a, b, n), r) in done:
                continue
            rec = {"cell": [a, b, n], "rep": r, "est": {}, "seconds": {}, "loglik": {}}
            for name in METHODS:
                t0 = time.perf_counter()
                try:
                    e = tuple(float(v) for v in _fit(name, x))
                except Exception:  # an anchor failing counts as a missing estimate
                    e = (float("nan"),) * 4
                rec["seconds"][name] = time.perf_counter() - t0
                rec["est"][name] = e
                if name in ("mle", "libstable mle", "libstable mle2d"):
                    rec["loglik"][name] = _loglik(x, e)
            with open(LOG, "a") as fh:
                fh.write(json.dumps(rec) + "\n")
            sys.stderr.write(f"{(a, b, n)} rep {r}: " + ", ".join(
                f"{k} {v:.2f}s" for k, v in rec["seconds"].items()) + "\n")
    return [json.loads(line) for line in LOG.read_text().splitlines()]


def summarise(recs: list[dict]) -> str:
    cells = sorted({tuple(r["cell"]) for r in recs}, key=lambda c: (c[2], c[0], c[1]))
    cols = ["alpha", "beta", "n", "method", "replicates"]
    for k in f.NAMES:
        cols += [f"bias {k}", f"RMSE {k}"]
    cols += ["median s / fit", "ll(ours mle) - ll(method): median [min, max]"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for cell in cells:
        rs = [r for r in recs if tuple(r["cell"]) == cell]
        truth = np.array([cell[0], cell[1], 1.0, 0.0])
        for name in METHODS:
            e = np.array([r["est"][name] for r in rs], dtype=float)
            good = np.all(np.isfinite(e), axis=1)
            err = e[good] - truth
            bias, rmse = err.mean(axis=0), np.sqrt(np.mean(err ** 2, axis=0))
            row = [f"{cell[0]:g}", f"{cell[1]:g}", str(cell[2]), name, str(int(good.sum()))]
            for k in range(4):
                row += [f"{bias[k]:+.3f}", f"{rmse[k]:.3f}"]
            row.append(f"{np.median([r['seconds'][name] for r in rs]):.3g}")
            if name in ("libstable mle", "libstable mle2d"):
                d = np.array([r["loglik"]["mle"] - r["loglik"][name] for r in rs])
                d = d[np.isfinite(d)]
                row.append(f"{np.median(d):+.2g} [{d.min():+.2g}, {d.max():+.2g}]"
                           if d.size else "n/a")
            else:
                row.append("")
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    args = sys.argv[1:]
    reps = int(args[args.index("--reps") + 1]) if "--reps" in args else 20
    big = int(args[args.index("--big-reps") + 1]) if "--big-reps" in args else 5
    recs = run(reps, big)
    print(f"libstable: {_libstable.provenance()}; THREADS={_libstable.threads()} "  # noqa: T201
          f"(0 = one per core), relTOL={_libstable.rel_tol():g}, "
          f"absTOL={_libstable.abs_tol():g} (defaults).\n")
    print(summarise(recs))  # noqa: T201
