"""Generate ``series_region_points.csv``: mpmath values near zeta and in the far tails at alpha ~ 1.

Provenance
----------
Independent of stablecheck's float64 engine: every value is the mpmath evaluation of the
Zolotarev/Nolan integral in ``make_mpmath_reference.reference`` (level-set split, tanh-sinh
quadrature), at 40 digits near zeta and 55 digits at |alpha - 1| < 0.05.  The points cover the
two regions where the float64 engine used to miss its targets (2026-11-26):

* near zeta = -beta tan(pi alpha/2) for alpha in {0.1, 0.2, 0.3, 0.5, 0.7}, beta in {0.5, 0.8,
  0.9, 1}, x - zeta in {+-1e-12, +-1e-7, +-1e-3} (x - zeta < 0 skipped for beta = 1, alpha < 1:
  outside the support).  Given in S1 (``param = S1``): the S1 variable *is* x - zeta, so the
  point is exact; the reference is computed at S0 x = x1 + zeta with zeta at 40 digits.
  Before the fix the engine rounded zeta (4.9e-8 at alpha = 0.1) and replaced |x - zeta| <=
  1e-15 by f(zeta) (wrong by 4.6e-5 at alpha = 0.1).
* the thin side of |beta| -> 1 near zeta: alpha in {0.1, 0.2, 0.3}, 1 - |beta| in {2e-7, 1e-6,
  4e-7}, |x - zeta| in {1e-3, 3e-2} on the side opposite to beta (S1).
* the far tails at alpha in {1 - 1e-6, 1, 1 + 1e-7, 1 + 1e-4}, beta in {-0.7, 0.3, 1}, S0 x in
  {+-1e4, +-1e6, +-1e8} (the light side x < 0 of beta = 1 skipped: log f ~ -e^(|x|)), plus the
  point x = -541131.7554966406 at (1 + 1e-7, -0.7) where cdf(ppf(1e-6)) missed 1e-10 (1e-9 off).

Columns: param, alpha, beta, x (in ``param``), logpdf, logcdf, logsf (natural logs, 20 digits).
Run (single process, ~15 minutes):
``PYTHONPATH=. python tests/reference/stable/make_series_regions.py``
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import mpmath as mp

sys.path.insert(0, str(Path(__file__).parent))
from make_mpmath_reference import DPS, reference  # noqa: E402

OUT = Path(__file__).with_name("series_region_points.csv")


def design():
    pts = [("S0", 1.0 + 1e-7, -0.7, -541131.7554966406)]
    for a in [1.0 - 1e-6, 1.0, 1.0 + 1e-7, 1.0 + 1e-4]:
        for b in [-0.7, 0.3, 1.0]:
            for x in [-1e8, -1e6, -1e4, 1e4, 1e6, 1e8]:
                if b == 1.0 and x < 0:
                    continue
                pts.append(("S0", a, b, x))
    for a in [0.1, 0.2, 0.3, 0.5, 0.7]:
        for b in [0.5, 0.8, 0.9, 1.0]:
            for x1 in [-1e-12, 1e-12, -1e-7, 1e-7, -1e-3, 1e-3]:
                if b == 1.0 and x1 < 0:
                    continue
                pts.append(("S1", a, b, x1))
    # thin side of |beta| -> 1 near zeta (x1 beta < 0), where the mpmath search of
    # search_series_regions.py found pdf errors up to 1.2e-9 (two cancellations, fixed)
    for a in [0.1, 0.2, 0.3]:
        for b in [-(1.0 - 2e-7), -(1.0 - 1e-6), 1.0 - 4e-7]:
            for m in [1e-3, 3e-2]:
                pts.append(("S1", a, b, -m if b > 0 else m))
    return pts


def main() -> None:
    done = set()
    if OUT.exists():  # resume an interrupted run
        with OUT.open() as fh:
            for r in csv.DictReader(fh):
                done.add((r["param"], float(r["alpha"]), float(r["beta"]), float(r["x"])))
    with OUT.open("a" if done else "w", newline="") as fh:
        w = csv.writer(fh)
        if not done:
            w.writerow(["param", "alpha", "beta", "x", "logpdf", "logcdf", "logsf"])
        for i, (par, a, b, x) in enumerate(design()):
            if (par, a, b, x) in done:
                continue
            with mp.workdps(DPS + 25 if abs(a - 1) < 0.05 else DPS + 10):
                xs = mp.mpf(x)
                if par == "S1":  # S0 x = x1 + zeta, zeta = -beta tan(pi alpha / 2)
                    xs = xs - mp.mpf(b) * mp.tan(mp.pi * mp.mpf(a) / 2)
                lp, F, S = reference(xs, a, b)
                row = [mp.nstr(v, 20, min_fixed=1, max_fixed=0) if mp.isfinite(v) else str(v)
                       for v in (lp, mp.log(F) if F > 0 else mp.mpf("-inf"),
                                 mp.log(S) if S > 0 else mp.mpf("-inf"))]
            w.writerow([par, repr(a), repr(b), repr(x), *row])
            fh.flush()
            sys.stderr.write(f"{i} {par} {a} {b} {x}\n")


if __name__ == "__main__":
    main()
