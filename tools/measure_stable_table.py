"""Measure the fast table's error against the exact engine (numbers quoted in docs/stable.md).

Draws a dense random grid inside the table's domain -- alpha ~ U(alpha_range),
beta ~ U(beta_range); half the points in the body (|z| <= 20; half of those |z| <= 3) and half in
the tails (|z| log-uniform on [20, 1e10], random sign) -- and prints the maximum relative
(|d lp| / |lp|) and absolute (|d lp|) log-density errors per region, and where they occur.

Usage::

    python tools/measure_stable_table.py [N] [SEED] [ALPHA_LO ALPHA_HI BETA_MAX]

The optional box (default: the advertised domain) lets one probe the knot span beyond it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stablecheck import stable  # noqa: E402


def main(n: int = 20000, seed: int = 12345, box: tuple[float, float, float] | None = None
         ) -> None:
    rng = np.random.default_rng(seed)
    tab = stable.table()
    (a_lo, a_hi), (b_lo, b_hi) = tab.alpha_range, tab.beta_range
    if box is not None:  # probe the whole knot span: a table without the advertised limits
        from stablecheck.stable._table import StableTable
        tab = StableTable(tab.coef, tab.t_s, tab.t_a, tab.t_b, tab.c, tab.z_max)
        a_lo, a_hi, b_hi = box
        b_lo = -b_hi
    a = rng.uniform(a_lo, a_hi, n)
    b = rng.uniform(b_lo, b_hi, n)
    nb = n // 2
    z = np.concatenate([rng.uniform(-3, 3, nb // 2), rng.uniform(-20, 20, nb - nb // 2),
                        np.exp(rng.uniform(np.log(20), np.log(1e10), n - nb))
                        * rng.choice([-1.0, 1.0], n - nb)])
    t0 = time.perf_counter()
    ref = stable.logpdf(z, a, b)
    t_ex = time.perf_counter() - t0
    got = tab.logpdf(z, a, b, outside="raise")
    d = np.abs(got - ref)
    rel = d / np.abs(ref)
    out = [f"n = {n}, seed = {seed}, alpha in [{a_lo}, {a_hi}], beta in [{b_lo:.3g}, {b_hi:.3g}]"
           f" (exact engine {t_ex:.0f} s)"]
    for name, m in (("body |z|<=20", np.abs(z) <= 20), ("tails |z|>20", np.abs(z) > 20)):
        i = np.flatnonzero(m)[np.argmax(rel[m])]
        j = np.flatnonzero(m)[np.argmax(d[m])]
        out.append(f"{name}: max rel {rel[i]:.2e} at (z, a, b) = ({z[i]:.4g}, {a[i]:.4f}, "
                   f"{b[i]:.4f}), lp = {ref[i]:.4g}; max abs {d[j]:.2e} at ({z[j]:.4g}, "
                   f"{a[j]:.4f}, {b[j]:.4f}), lp = {ref[j]:.4g}; "
                   f"99th pct abs {np.percentile(d[m], 99):.1e}")
    body = np.abs(z) <= 20
    for reg, rm in (("body", body), ("tails", ~body)):
        for lo, hi in ((0.5, 0.7), (0.7, 0.75), (0.75, 0.8), (0.8, 0.9), (0.9, 1.0),
                       (1.0, 1.1), (1.1, 1.3), (1.3, 1.5), (1.5, 1.7), (1.7, 1.8), (1.8, 1.9),
                       (1.9, 1.951)):
            for blo, bhi in ((0.0, 0.5), (0.5, 0.8), (0.8, 0.85), (0.85, 0.91)):
                m = rm & (a >= lo) & (a < hi) & (np.abs(b) >= blo) & (np.abs(b) < bhi)
                if m.any():
                    out.append(f"  {reg} alpha [{lo}, {hi}) |beta| [{blo}, {bhi}): "
                               f"max abs {d[m].max():.1e}, max rel {rel[m].max():.1e}")
    print("\n".join(out))  # noqa: T201 - a tool script


if __name__ == "__main__":
    args = sys.argv[1:]
    main(*(int(v) for v in args[:2]), box=tuple(float(v) for v in args[2:5]) or None)
