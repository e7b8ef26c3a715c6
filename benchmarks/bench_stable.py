"""alpha-stable pdf/cdf: stablecheck's exact engine vs scipy.stats.levy_stable, pylevy, libstable.

Each case evaluates the pdf and the cdf on the same points.  scipy is timed on a subset and
scaled linearly (it integrates point by point); accuracy of every anchor is measured on the
points it was timed on, against stablecheck's exact engine, whose own error against an mpmath
reference is reported in docs/stable.md.
"""

from __future__ import annotations

import warnings

import numpy as np

try:  # the lead's harness helpers; fall back to a local copy of the contract
    from benchmarks._util import median_time
except ImportError:  # pragma: no cover
    import statistics
    import time

    def median_time(fn, repeat=5, *, min_time=0.0, warmup=1):
        for _ in range(warmup):
            fn()
        out = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
        return statistics.median(out)

from stablecheck import stable
from stablecheck.stable import _numerics, _table


def _engine_path() -> str:
    fn = _numerics._integrator()
    return "numba" if fn is not _numerics._integrate else "numpy"


def _numpy_path_time(kind, x, a, b, n_np):
    """Seconds for ``kind`` on the numpy integrator (numba disabled), scaled from n_np points."""
    old = _numerics._JIT_STATE.get("fn")
    _numerics._JIT_STATE["fn"] = _numerics._integrate
    try:
        fn = getattr(stable, kind)
        sub = slice(0, x.size, max(1, x.size // n_np))
        t = median_time(lambda: fn(x[sub], a[sub], b[sub]), repeat=1, warmup=0)
        return t * x.size / x[sub].size
    finally:
        if old is None:
            _numerics._JIT_STATE.pop("fn", None)
        else:
            _numerics._JIT_STATE["fn"] = old


def _cold_start_s() -> float:
    """Seconds for the first pdf call in a fresh process (numba cache load or compile)."""
    import subprocess
    import sys
    import time
    code = ("import time, numpy as np; from stablecheck import stable; t=time.perf_counter(); "
            "stable.pdf(np.array([0.5]), 1.5, 0.3); print(time.perf_counter()-t)")
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=600, check=False)
    try:
        return float(out.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return time.perf_counter() - t0


def _cases(n, rng):
    x_a = np.linspace(-10.0, 10.0, n)
    a_mixed = rng.uniform(0.5, 2.0, n)
    b_mixed = rng.uniform(-1.0, 1.0, n)
    x_mixed = rng.standard_cauchy(n)
    return [("alpha=1.5, beta=0", x_a, np.full(n, 1.5), np.zeros(n)),
            ("mixed grid (alpha~U(0.5,2), beta~U(-1,1))", x_mixed, a_mixed, b_mixed)]


def _scipy(kind, x, a, b):
    from scipy.stats import levy_stable
    old = levy_stable.parameterization
    levy_stable.parameterization = "S0"  # scipy's global switch; restored below
    try:
        f = getattr(levy_stable, kind)
        out = np.full(len(x), np.nan)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for i, (xi, ai, bi) in enumerate(zip(x, a, b, strict=True)):
                try:
                    out[i] = f(xi, ai, bi)
                except (ValueError, ArithmeticError):  # scipy's solver gives up: a result
                    pass
        return out
    finally:
        levy_stable.parameterization = old


def _pylevy(kind, x, a, b):
    import levy
    fn = levy.pdf if kind == "pdf" else levy.cdf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if np.all(a == a[0]) and np.all(b == b[0]):
            return np.asarray(fn(x, alpha=a[0], beta=b[0], par="0"))
        return np.array([fn(xi, alpha=ai, beta=bi, par="0")
                         for xi, ai, bi in zip(x, a, b, strict=True)])


def _err(kind, got, ref):
    """Max error over the points the anchor answered (NaN = it raised; counted in the notes)."""
    got = np.asarray(got, dtype=float)
    answered = ~np.isnan(got)
    got, ref = got[answered], np.asarray(ref)[answered]
    if kind == "pdf":
        e = np.abs(got / ref - 1.0)
    else:
        e = np.abs(got - ref)
    return float(np.nanmax(np.where(np.isfinite(e), e, np.inf)))


def run(quick: bool = False) -> list[dict]:
    """Return the speed/accuracy table."""
    rng = np.random.default_rng(0)
    n = 2000 if quick else 10_000
    n_sub = 20 if quick else 200
    repeat = 1 if quick else 3
    rows = []
    path = _engine_path()
    cold = _cold_start_s()
    stable.pdf(np.linspace(-1, 1, 4), 1.5, 0.3)  # compiled-kernel warm-up (not timed)
    n_np = 200 if quick else 1000
    notes = ["libstable (PyPI `pystable` 0.2.3): not run - its bundled libstable.so links "
             "libgsl.so.25/.23 while Debian 12's libgsl-dev provides libgsl.so.27 "
             "(installed with apt-get; the wheel still fails to load)."]
    try:
        import levy  # noqa: F401
        have_pylevy = True
    except ImportError:
        have_pylevy = False
        notes.append("pylevy (`levy-stable`) not installed.")
    for name, x, a, b in _cases(n, rng):
        for kind in ("pdf", "cdf"):
            fn = getattr(stable, kind)
            t_us = median_time(lambda fn=fn, x=x, a=a, b=b: fn(x, a, b), repeat=repeat,
                               warmup=0)
            ref = fn(x, a, b)
            t_np = _numpy_path_time(kind, x, a, b, n_np) if path == "numba" else t_us
            sub = slice(0, n, n // n_sub)
            t_sp = median_time(lambda kind=kind, sub=sub, x=x, a=a, b=b:
                               _scipy(kind, x[sub], a[sub], b[sub]), repeat=1,
                               warmup=0) * (n / len(x[sub]))
            v_sp = _scipy(kind, x[sub], a[sub], b[sub])
            e_sp = _err(kind, v_sp, ref[sub])
            n_fail = int(np.sum(np.isnan(v_sp)))
            if n_fail:
                notes.append(f"scipy raised (NaN in its root finder) at {n_fail} of "
                             f"{v_sp.size} timed points for '{kind}, {name}'; its error "
                             "column excludes them.")
            row = [f"{kind}, {name}, n={n}", f"{t_us:.3g}", f"{1e6 * t_us / n:.3g}",
                   f"{t_np:.3g}", f"{t_sp:.3g}", f"{t_sp / t_us:.3g}x", f"{e_sp:.1e}"]
            if have_pylevy:
                ok = (a >= 0.5)
                xs, as_, bs = x[ok], a[ok], b[ok]
                try:
                    t_pl = median_time(lambda kind=kind, xs=xs, as_=as_, bs=bs:
                                       _pylevy(kind, xs, as_, bs), repeat=repeat, warmup=0)
                    e_pl = _err(kind, _pylevy(kind, xs, as_, bs), ref[ok])
                    row += [f"{t_pl:.3g}", f"{t_pl / t_us:.3g}x", f"{e_pl:.1e}"]
                except Exception as exc:  # anchor failure is a result, not a crash
                    row += ["failed", "-", type(exc).__name__]
            else:
                row += ["-", "-", "-"]
            rows.append(row)
    notes.append(
        f"Engine path timed: **{path}** (single thread). Cold start (first pdf call in a fresh "
        f"process: numba import plus loading the on-disk compiled cache, or compiling it the "
        f"first time on a machine, ~10 s): {cold:.2g} s. The 'numpy path' column is the same "
        f"engine with numba disabled (`STABLECHECK_NO_NUMBA=1`), timed on {n_np} points and "
        "scaled. The issue's goal of 1000x scipy would need ~0.4-2 us per point (scipy takes "
        "0.4-2 ms); the exact engine evaluates its integrand at 11 panels x 32 nodes (more "
        "where wide panels are cut; provably negligible panels skipped for the pdf) plus ~70 "
        "Newton steps per point, ~0.1 us each, so it cannot reach that; the fast spline "
        "table is meant for it.")
    return [_table_bench(quick)] + [{
        "title": "alpha-stable pdf/cdf: exact engine vs scipy and pylevy",
        "description": (
            "Points: case 1 is 1e4 (quick: 2e3) equispaced x in [-10, 10] at alpha = 1.5, "
            "beta = 0; case 2 draws (x, alpha, beta) per point (x standard Cauchy). S0 "
            "throughout. scipy.stats.levy_stable (default method, S0) is timed on "
            f"{n_sub} evenly spaced points and scaled to n. Errors are maxima over the timed "
            "points, relative for the pdf and absolute for the cdf, against stablecheck's exact "
            "engine (itself within ~1e-10 of mpmath, see docs/stable.md). Medians of repeated "
            "runs on a shared 2-core machine: timings are noisy."),
        "columns": ["case", "stablecheck exact (s)", "us / point", "numpy path (s, scaled)",
                    "scipy (s, scaled)", "scipy / ours",
                    "scipy max err", "pylevy (s)", "pylevy / ours", "pylevy max err"],
        "rows": rows,
        "notes": " ".join(notes) + " pylevy interpolates a precomputed table (alpha >= 0.5 "
                 "only); the ratio 'pylevy / ours' < 1 means pylevy is faster.",
    }]


def _table_bench(quick: bool) -> dict:
    """The fast table (stable.table()) beside the exact engine and scipy, pdf on 1e4 points."""
    rng = np.random.default_rng(1)
    tab = stable.table()
    (a_lo, a_hi), (b_lo, b_hi) = tab.alpha_range, tab.beta_range
    n = 2000 if quick else 10_000
    n_sub = 20 if quick else 100
    cases = [("alpha=1.5, beta=0", np.linspace(-10.0, 10.0, n), 1.5, 0.0),
             (f"mixed grid (alpha~U({a_lo:g},{a_hi:g}), beta~U({b_lo:.2g},{b_hi:.2g}))",
              rng.standard_cauchy(n), rng.uniform(a_lo, a_hi, n), rng.uniform(b_lo, b_hi, n))]
    rows = []
    for name, x, a, b in cases:
        t_tab = median_time(lambda x=x, a=a, b=b: np.exp(tab.logpdf(x, a, b)), repeat=7)
        t_grad = median_time(lambda x=x, a=a, b=b: tab.logpdf_grad(x, a, b), repeat=7)
        t_np = "numba absent"
        if _table._jit_kernel() is not None:
            saved = _table._JIT_STATE["fn"]
            _table._JIT_STATE["fn"] = None  # the numpy gather (numba absent)
            try:
                t_np = f"{median_time(lambda x=x, a=a, b=b: np.exp(tab.logpdf(x, a, b)), repeat=3):.3g}"
            finally:
                _table._JIT_STATE["fn"] = saved
        t_ex = median_time(lambda x=x, a=a, b=b: stable.pdf(x, a, b), repeat=1, warmup=0)
        ref = stable.logpdf(x, a, b)
        err = float(np.max(np.abs(tab.logpdf(x, a, b) - ref)))
        sub = slice(0, n, n // n_sub)
        ab = np.broadcast_arrays(x, a, b)
        t_sp = median_time(lambda sub=sub, ab=ab: _scipy("pdf", ab[0][sub], ab[1][sub],
                                                          ab[2][sub]),
                           repeat=1, warmup=0) * (n / len(ab[0][sub]))
        rows.append([f"pdf, {name}, n={n}", f"{t_tab:.3g}", f"{t_grad:.3g}", t_np, f"{t_ex:.3g}",
                     f"{t_sp:.3g}", f"{t_sp / t_tab:.3g}x", f"{t_ex / t_tab:.3g}x",
                     f"{err:.1e}"])
    return {
        "title": "alpha-stable fast table (stable.table()) vs exact engine and scipy",
        "description": (
            "pdf = exp(table().logpdf) on 1e4 points (quick: 2e3); 'grad' is "
            "table().logpdf_grad (value and the four parameter derivatives). Case 2 draws "
            "alpha and beta per point inside the table's domain (outside it the table falls back "
            "to the exact engine). scipy.stats.levy_stable (default method, S0) is timed on "
            f"{n_sub} evenly spaced points and scaled to n. 'max |d logpdf|' is the table's "
            "largest absolute log-density error (= relative pdf error) against the exact "
            "engine on all n points. Medians on a shared 2-core machine: timings are noisy."),
        "columns": ["case", "table (s)", "table grad (s)", "table without numba (s)", "exact (s)",
                    "scipy (s, scaled)",
                    "scipy / table", "exact / table", "max |d logpdf|"],
        "rows": rows,
        "notes": ("Scalar (alpha, beta) — the likelihood-fitting case — contracts the alpha and "
                  "beta axes once and evaluates a 1-D quintic spline per point; per-point "
                  "parameters read 216 spline coefficients per point. Both run in the compiled "
                  "kernels of stable/_table_jit.py when numba (extra 'fast') is installed, else "
                  "in numpy (piecewise-polynomial Horner / coefficient gather: 'table without "
                  "numba')."),
    }


if __name__ == "__main__":  # pragma: no cover
    for table in run(quick=True):
        print(table["title"])  # noqa: T201 - manual use only
