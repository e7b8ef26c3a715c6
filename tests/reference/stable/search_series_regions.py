"""Targeted random search: the engine against mpmath near zeta (alpha 0.1..0.5) and in the far
tails at |alpha - 1| in [1e-9, 1e-4] (|x| in [1e3, 1e8]), all beta.

Not a reference table: it prints the engine's relative errors (pdf, cdf, sf; log-space
comparison, as in test_reference.py) on seeded random points, with the mpmath evaluation of
``make_mpmath_reference.reference`` at 60 digits.  Used on 2026-11-26 to look for points above
1e-10 after the near-zeta and far-tail fixes (results in docs/stable.md, "Measured accuracy").
Run: ``PYTHONPATH=. python tests/reference/stable/search_series_regions.py [n_per_region]``
(2026-11-26: n = 100, ~40 min) and ``... search_series_regions.py thin 80`` (the follow-up on
the thin side of |beta| -> 1 after the fixes, ~5 min).
"""

from __future__ import annotations

import sys
from pathlib import Path

import mpmath as mp
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import make_mpmath_reference as M  # noqa: E402

from stablecheck import stable  # noqa: E402


def points(n, seed=20261126):
    rng = np.random.default_rng(seed)
    pts = []
    for i in range(n):  # near zeta, given in S1 (x1 = x - zeta exactly)
        a = rng.uniform(0.1, 0.5)
        b = rng.uniform(-1, 1) if i % 3 else np.sign(rng.uniform(-1, 1)) * (
            1 - 10 ** rng.uniform(-7, -1))
        x1 = np.sign(rng.uniform(-1, 1)) * 10 ** rng.uniform(-12, 0)
        pts.append(("S1", a, b, x1))
    for i in range(n):  # far tails, S0
        a = 1 + np.sign(rng.uniform(-1, 1)) * 10 ** rng.uniform(-9, -4)
        b = rng.uniform(-1, 1) if i % 5 else float(np.sign(rng.uniform(-1, 1)))
        x = np.sign(rng.uniform(-1, 1)) * 10 ** rng.uniform(3, 8)
        if abs(b) == 1 and x * b < 0:
            x = -x  # the light side of beta = +-1 is -inf here (log f ~ -e^|x|)
        pts.append(("S0", a, b, x))
    return [p for pair in zip(pts[:n], pts[n:], strict=True) for p in pair]  # interleaved


def points_thin(n, seed=99):
    """Follow-up: the thin side of |beta| -> 1 for alpha in [0.1, 0.97] (every 4th point on
    the heavy side), S1."""
    rng = np.random.default_rng(seed)
    pts = []
    for i in range(n):
        a = rng.uniform(0.1, 0.97)
        s = 1.0 if rng.uniform() < 0.5 else -1.0
        b = s * (1 - 10 ** rng.uniform(-9, -2))
        x1 = -s * 10 ** rng.uniform(-6, 2)
        if i % 4 == 0:
            x1 = -x1
        pts.append(("S1", a, b, x1))
    return pts


def main() -> None:
    """``[n]`` points per region, or ``thin [n]`` for the follow-up."""
    thin = len(sys.argv) > 1 and sys.argv[1] == "thin"
    args = sys.argv[2:] if thin else sys.argv[1:]
    n = int(args[0]) if args else 60
    M.DPS = 40
    for par, a, b, x in (points_thin(n) if thin else points(n)):
        with mp.workdps(60):
            xs = mp.mpf(x)
            if par == "S1":
                xs = xs - mp.mpf(b) * mp.tan(mp.pi * mp.mpf(a) / 2)
            lp, F, S = M.reference(xs, a, b)
            ref = [float(lp), float(mp.log(F)) if F > 0 else -np.inf,
                   float(mp.log(S)) if S > 0 else -np.inf]
        ours = [f(x, a, b, param=par) for f in (stable.logpdf, stable.logcdf, stable.logsf)]
        err = []
        for o, r in zip(ours, ref, strict=True):
            if np.isneginf(o) and np.isneginf(r):
                err.append(0.0)
            elif abs(r) > 1e3:
                err.append(abs(o / r - 1))
            else:
                err.append(abs(np.expm1(o - r)))
        print(par, repr(a), repr(b), repr(x), " ".join(f"{e:.1e}" for e in err), flush=True)


if __name__ == "__main__":
    main()
