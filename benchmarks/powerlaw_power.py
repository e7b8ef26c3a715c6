"""Power of Clauset et al.'s power-law GoF test against lognormal data (the table in
docs/tail-index.md, "Power-law tails").

Design: for each (sigma, n), R samples of lognormal(0, sigma) of size n; each is fitted by
``sc.powerlaw_fit(x, gof=B, ci=None, compare=None)`` — xmin by KS minimisation (all distinct
values up to 10,000 of them, else the log grid of 1,000 tail sizes), B = 99 semi-parametric
synthetic sets with xmin and alpha re-fitted in each — and the power law counts as rejected
when ``gof_pvalue <= 0.1`` (Clauset et al.'s rule). Also reported: the median and the 10-90%
range of the chosen tail size, which is why the power is low (the KS-minimising xmin moves
into the far tail, where a lognormal is locally a power law).

    python -m benchmarks.powerlaw_power            # R = 100 per cell (~10 CPU-minutes)
    python -m benchmarks.powerlaw_power --quick    # R = 10, n <= 1e4, prints only

``run(quick)`` follows the benchmark contract (a list of table dicts). It is not named
``bench_*`` on purpose: the full table is a simulation, not a timing.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np

import stablecheck as sc

# (sigma, n, R). sigma does not matter in distribution (the test is invariant under
# x -> a * x**c, which maps lognormal(0, sigma) onto lognormal(log a, c * sigma)); the cells
# over sigma are a check of that, pooled they give the power at each n.
CELLS = [(0.5, 1_000, 100), (1.0, 1_000, 100), (2.0, 1_000, 100),
         (0.5, 10_000, 100), (1.0, 10_000, 100), (2.0, 10_000, 100),
         (1.0, 100_000, 100), (2.0, 100_000, 100), (1.0, 1_000_000, 40)]
B = 99


def cell(sigma: float, n: int, r: int, b: int = B, seed: int = 0) -> dict:
    """Rejection count at p <= 0.1 over ``r`` lognormal(0, sigma) samples of size ``n``."""
    rng = np.random.default_rng([seed, int(sigma * 10), n])
    p = np.empty(r)
    nt = np.empty(r)
    c0 = time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sc.errors.StablecheckWarning)
        for i in range(r):
            res = sc.powerlaw_fit(rng.lognormal(0.0, sigma, n), gof=b, ci=None,
                                  compare=None, rng=rng)
            p[i], nt[i] = res.gof_pvalue, res.n_tail
    k = int(np.count_nonzero(p <= 0.1))
    return {"sigma": sigma, "n": n, "R": r, "B": b, "reject": k, "rate": k / r,
            "se": float(np.sqrt(k / r * (1 - k / r) / r)), "mean_p": float(p.mean()),
            "median_ntail": float(np.median(nt)), "q10_ntail": float(np.quantile(nt, 0.1)),
            "q90_ntail": float(np.quantile(nt, 0.9)), "cpu_s": time.process_time() - c0}


def run(quick: bool = False) -> list[dict]:
    """The power table (``quick``: R = 10 and n <= 1e4, for a smoke run)."""
    rows = []
    for sigma, n, r in CELLS:
        if quick and n > 10_000:
            continue
        c = cell(sigma, n, 10 if quick else r)
        rows.append([f"lognormal(0, {sigma:g})", f"{n:g}", c["R"],
                     f"{c['rate']:.2f} ± {c['se']:.2f}", f"{c['mean_p']:.2f}",
                     f"{c['median_ntail']:.0f} ({c['q10_ntail']:.0f}-{c['q90_ntail']:.0f})",
                     f"{c['cpu_s']:.0f}"])
    return [{
        "title": "Power of the power-law GoF test (p <= 0.1) against lognormal data",
        "description": ("`sc.powerlaw_fit(x, gof=99, ci=None, compare=None)` on R lognormal "
                        "samples per cell; rejection = `gof_pvalue <= 0.1`. Under a true power "
                        "law the rate is 0.10 (tests/tail/test_powerlaw_calibration.py)."),
        "columns": ["data", "n", "R", "rejection rate ± SE", "mean p",
                    "n_tail median (10-90%)", "CPU (s)"],
        "rows": rows,
        "notes": f"load average at the end: {os.getloadavg()[0]:.1f}",
    }]


def main() -> None:  # pragma: no cover - CLI
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    t = run(ap.parse_args().quick)[0]
    lines = ["| " + " | ".join(t["columns"]) + " |", "|" + "---|" * len(t["columns"])]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in t["rows"]]
    print("\n".join(lines))  # noqa: T201 - CLI output


if __name__ == "__main__":  # pragma: no cover
    main()
