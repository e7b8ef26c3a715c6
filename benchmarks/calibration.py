"""Calibration of every confidence interval and test: coverage and size on pinned seeds.

Usage::

    python -m benchmarks.calibration [--quick] [--only SUBSTRING ...] [--out docs/calibration.md]

Each case runs R replicates (seeded from ``SeedSequence(seed)``), counts the intervals that
cover the truth (or the rejections under the null) and compares the rate with the central
99.9% binomial band at the nominal value; interval widths are reported beside coverage.
Cases whose engine is not importable are listed as missing, never silently dropped. A case
outside its band needs an entry in ``EXPLAINED`` (the reason, measured), or the page marks it
UNEXPLAINED.

Controls are textbook formulas and scipy functions with known behaviour; they show that the
harness detects both a calibrated method and a known deviation.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from stablecheck.testing._calibration import (
    CalibrationResult,
    calibrate_coverage,
    calibrate_size,
)
from stablecheck.testing._samplers import cms_s0, pareto, student_t

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Case:
    """One calibration experiment.

    ``build()`` returns ``(method, sample, truth)`` or ``(method, sample, truth, diagnose)``:
    for coverage ``method(x, rng) -> (low, high)``; for size ``method(x, rng) -> pvalue``
    (truth unused); ``diagnose() -> str`` summarises what the method did over the run (e.g.
    the selected k), printed beside a deviation.
    """

    name: str
    kind: str            # "coverage" | "size"
    source: str          # "stablecheck" | "control"
    n: int
    reps: int
    quick_reps: int
    nominal: float
    needs: str           # "module:attribute" that must import, or ""
    build: Callable[[], tuple[Callable, Callable, float]]
    seed: int = 20261125


# --- controls -----------------------------------------------------------------------

def _hill_chi2(x: np.ndarray, level: float = 0.95, k: int | None = None) -> tuple[float, float]:
    """Textbook Hill at k = √n with the exact interval 2kα/α̂ ~ χ²_{2k} (Pareto-exact)."""
    a = np.sort(np.abs(x))[::-1]
    k = int(np.sqrt(a.size)) if k is None else k
    alpha = k / float(np.sum(np.log(a[:k]) - np.log(a[k])))
    lo = alpha * stats.chi2.ppf((1 - level) / 2, 2 * k) / (2 * k)
    hi = alpha * stats.chi2.ppf((1 + level) / 2, 2 * k) / (2 * k)
    return lo, hi


def _control_hill_pareto():
    return (lambda x, rng: _hill_chi2(x)), (lambda rng: pareto(1.5, 10_000, rng)), 1.5


def _control_hill_t3():
    return (lambda x, rng: _hill_chi2(x)), (lambda rng: student_t(3.0, 10_000, rng)), 3.0


def _control_hill_t3_large_k():
    return (lambda x, rng: _hill_chi2(x, k=x.size // 10)), \
        (lambda rng: student_t(3.0, 10_000, rng)), 3.0


def _control_scipy(fn_name: str, n: int):
    fn = getattr(stats, fn_name)
    return (lambda x, rng: fn(x).pvalue), (lambda rng: rng.standard_normal(n)), math.nan


# --- stablecheck engines (looked up lazily: an engine that has not landed is "missing") ------

def _get(needs: str) -> Any:
    mod, attr = needs.split(":")
    return getattr(importlib.import_module(mod), attr)


def _tail_case(method: str, ci: str, family: str, truth: float, n: int):
    def build():
        tail_index = _get("stablecheck:tail_index")
        seen: list[tuple[float, float, bool]] = []

        def interval(x, rng):
            r = tail_index(x, method=method, ci=ci, confidence_level=0.95, rng=rng)
            lo, hi = r.confidence_interval
            seen.append((float(r.k) if r.k is not None else math.nan, float(r.alpha),
                         bool(lo <= truth <= hi)))
            return lo, hi

        def diagnose() -> str:
            if not seen or method not in ("hill", "moment", "pickands", "smooth_hill"):
                return ""
            k, a, cov = (np.asarray(v) for v in zip(*seen))
            big = k >= np.median(k)
            return (f"selected k: median {np.median(k):.0f}, 5–95% range "
                    f"{np.percentile(k, 5):.0f}–{np.percentile(k, 95):.0f}; α̂ mean "
                    f"{np.mean(a):.3f}, sd {np.std(a):.3f} (truth {truth}); coverage "
                    f"{np.mean(cov[big]):.3f} when k ≥ its median, {np.mean(cov[~big]):.3f} "
                    f"below; α̂ mean {np.mean(a[big]):.3f} when k ≥ its median")
        sampler = {"pareto": lambda rng: pareto(truth, n, rng),
                   "student_t": lambda rng: np.abs(student_t(truth, n, rng)),
                   "stable": lambda rng: cms_s0(truth, 0.0, 1.0, 0.0, n, rng)}[family]
        return interval, sampler, truth, diagnose
    return build


def _powerlaw_case(truth: float, n: int):
    def build():
        powerlaw_fit = _get("stablecheck:powerlaw_fit")

        seen: list[tuple[float, float, float, bool]] = []

        def interval(x, rng):
            r = powerlaw_fit(x, compare=None, confidence_level=0.95, rng=rng)
            lo, hi = r.confidence_interval
            seen.append((float(r.xmin), float(r.n_tail), float(r.alpha),
                         bool(lo <= truth <= hi), hi - lo))
            return lo, hi

        def diagnose() -> str:
            xm, nt, a, cov, w = (np.asarray(v) for v in zip(*seen))
            big = xm > np.median(xm)
            return (f"xmin: median {np.median(xm):.3g}, 5–95% range {np.percentile(xm, 5):.3g}–"
                    f"{np.percentile(xm, 95):.3g}; tail size median {np.median(nt):.0f}; α̂ mean "
                    f"{np.mean(a):.4f}, Monte Carlo sd {np.std(a):.4f} against the interval's "
                    f"implied standard error {np.median(w) / 3.92:.4f} (median width / 3.92; "
                    f"truth {truth}); coverage "
                    f"{np.mean(cov[big]):.3f} when xmin is above its median, "
                    f"{np.mean(cov[~big]):.3f} otherwise")
        return interval, (lambda rng: pareto(truth, n, rng)), truth, diagnose
    return build


def _fit_case(param: str, method: str, alpha: float, beta: float, n: int):
    def build():
        fit_stable = _get("stablecheck:fit_stable")
        truth = {"alpha": alpha, "beta": beta}[param]

        def interval(x, rng):
            return fit_stable(x, method=method, confidence_level=0.95,
                              rng=rng).confidence_intervals[param]
        return interval, (lambda rng: cms_s0(alpha, beta, 1.0, 0.0, n, rng)), truth
    return build


def _gaussianity_case(test: str, n: int):
    def build():
        gaussianity = _get("stablecheck:gaussianity")

        def pvalue(x, rng):
            return float(gaussianity(x, tests=test, axis=None, rng=rng).pvalue.ravel()[0])
        return pvalue, (lambda rng: rng.standard_normal(n)), math.nan
    return build


def _gvs_case(n: int):
    def build():
        gvs = _get("stablecheck:gaussian_vs_stable")
        return ((lambda x, rng: gvs(x, n_resamples=99, rng=rng).pvalue),
                (lambda rng: rng.standard_normal(n)), math.nan)
    return build


def cases() -> list[Case]:
    """Every calibration case: controls first, then one per CI method and test."""
    out = [
        Case("Hill, exact χ² CI, k = √n (textbook control), Pareto α = 1.5", "coverage",
             "control", 10_000, 1000, 200, 0.95, "", _control_hill_pareto),
        Case("Hill, exact χ² CI, k = √n (textbook control), |t₃| (tail index 3)", "coverage",
             "control", 10_000, 1000, 200, 0.95, "", _control_hill_t3),
        Case("Hill, exact χ² CI, k = n/10 (k too large; control), |t₃|", "coverage",
             "control", 10_000, 1000, 200, 0.95, "", _control_hill_t3_large_k),
        Case("scipy.stats.shapiro (control), n = 50", "size", "control", 50, 2000, 400, 0.05,
             "", lambda: _control_scipy("shapiro", 50)),
        Case("scipy.stats.jarque_bera (control), n = 50", "size", "control", 50, 2000, 400,
             0.05, "", lambda: _control_scipy("jarque_bera", 50)),
    ]
    for ci in ("exact", "bootstrap"):
        out.append(Case(f"tail_index hill, ci={ci!r}, k auto, Pareto α = 1.5", "coverage",
                        "stablecheck", 10_000, 1000, 100, 0.95, "stablecheck:tail_index",
                        _tail_case("hill", ci, "pareto", 1.5, 10_000)))
        out.append(Case(f"tail_index hill, ci={ci!r}, k auto, |t₃|", "coverage", "stablecheck",
                        10_000, 1000, 100, 0.95, "stablecheck:tail_index",
                        _tail_case("hill", ci, "student_t", 3.0, 10_000)))
    out.append(Case("tail_index logmoment (delta-method CI), SαS α = 1.5", "coverage",
                    "stablecheck", 10_000, 1000, 100, 0.95, "stablecheck:tail_index",
                    _tail_case("logmoment", "normal", "stable", 1.5, 10_000)))
    out.append(Case("powerlaw_fit (Clauset et al.), asymptotic CI at the KS-chosen xmin, "
                    "Pareto α = 1.5", "coverage", "stablecheck", 10_000, 1000, 100, 0.95,
                    "stablecheck:powerlaw_fit", _powerlaw_case(1.5, 10_000)))
    for param in ("alpha", "beta"):
        out.append(Case(f"fit_stable mle, Fisher CI for {param}, (α, β) = (1.5, 0.5)",
                        "coverage", "stablecheck", 1000, 1000, 50, 0.95,
                        "stablecheck:fit_stable", _fit_case(param, "mle", 1.5, 0.5, 1000)))
    for test in ("shapiro", "dagostino", "jarque_bera", "anderson", "lilliefors",
                 "cramervonmises"):
        for n in (50, 1000):
            out.append(Case(f"gaussianity {test}, n = {n}", "size", "stablecheck", n, 2000, 200,
                            0.05, "stablecheck:gaussianity", _gaussianity_case(test, n)))
    # ~0.5-1 s per call at n = 200 with 99 bootstrap fits (4 s at n = 500 with 199): R = 200
    # keeps the run in minutes; its band is wide ([0.010, 0.105]) and says so in the table.
    out.append(Case("gaussian_vs_stable (parametric bootstrap, 99 resamples), n = 200",
                    "size", "stablecheck", 200, 200, 20, 0.05,
                    "stablecheck:gaussian_vs_stable", _gvs_case(200)))
    return out


#: Measured deviations and their reasons (case name -> explanation). Only facts measured here.
EXPLAINED: dict[str, str] = {
    "Hill, exact χ² CI, k = n/10 (k too large; control), |t₃|": (
        "Expected, and the reason this control exists: the χ² interval is exact only for "
        "Pareto tails. With k = n/10 the Hill estimator reaches into the body of the t₃ "
        "distribution, where its second-order term (ρ = −2/3) biases α̂, so the interval is "
        "centred off the truth (the bias–variance trade-off in k; de Haan & Ferreira 2006, ch. 3). At "
        "k = √n the same interval is in its band (row above)."),
    "tail_index hill, ci='exact', k auto, |t₃|": (
        "The exact χ² interval is exact for Pareto tails at a fixed k; here k is chosen from "
        "the data by the double bootstrap and the tail is not Pareto. On |t₃| the selected k "
        "varies widely between replicates (range below); at large k Hill is biased "
        "low (second-order term, ρ = −2/3) while the χ² interval narrows as 1/√k, so those "
        "intervals miss; the interval accounts for neither the bias nor the k-selection "
        "uncertainty. On Pareto data (no second-order term) the same method is in its band. "
        "Use ci='bootstrap' (k re-selected per replicate; closer, still below) and read "
        "intervals on t-like data as optimistic. Reported to the tail-index owners."),
    "powerlaw_fit (Clauset et al.), asymptotic CI at the KS-chosen xmin, Pareto α = 1.5": (
        "α̂ is unbiased, but the asymptotic interval α̂ ± z·α̂/√n_tail treats the KS-chosen "
        "xmin as known: the spread that xmin selection adds to α̂ is not in it, so the Monte "
        "Carlo sd of α̂ exceeds the interval's standard error and coverage falls where xmin "
        "lands high (numbers below). Clauset, Shalizi & Newman (2009) estimate uncertainty by "
        "a bootstrap that re-selects xmin; here that is ci='bootstrap'. Reported to the "
        "power-law owners."),
    "tail_index hill, ci='bootstrap', k auto, |t₃|": (
        "Same cause as the exact interval (bias of Hill at the large k the double bootstrap "
        "picks on a non-Pareto tail): re-selecting k in every replicate adds the k-selection "
        "uncertainty to the interval but not the bias, so coverage improves yet stays below "
        "the band."),
}


@dataclass(frozen=True)
class Row:
    case: Case
    result: CalibrationResult | None
    missing: str = ""
    diagnostics: str = ""


def run_cases(selected: list[Case], quick: bool, progress: Callable[[str], None] | None = None
              ) -> list[Row]:
    rows = []
    for c in selected:
        if c.needs:
            try:
                _get(c.needs)
            except (ImportError, AttributeError) as e:
                rows.append(Row(c, None, f"{c.needs.replace(':', '.')} is not available ({e})"))
                continue
        reps = c.quick_reps if quick else c.reps
        built = c.build()
        method, sample, truth = built[:3]
        diagnose = built[3] if len(built) > 3 else None
        if progress:
            progress(f"{c.name} (R = {reps}) ...")
        if c.kind == "coverage":
            res = calibrate_coverage(c.name, method, sample, truth, reps=reps, level=c.nominal,
                                     seed=c.seed)
        else:
            res = calibrate_size(c.name, method, sample, reps=reps, alpha=c.nominal, seed=c.seed)
        rows.append(Row(c, res, diagnostics=diagnose() if diagnose else ""))
    return rows


def _status(r: CalibrationResult) -> str:
    if r.n_errors:
        return f"NO ({r.n_errors} errors)"
    return "yes" if r.in_band else "NO"


def tables(rows: list[Row]) -> list[dict]:
    """Benchmark-contract tables (coverage, size)."""
    cov = [[r.case.name, r.case.source, r.case.n, r.result.reps, r.result.nominal,
            round(r.result.rate, 4), f"[{r.result.band[0]:.3f}, {r.result.band[1]:.3f}]",
            _status(r.result), f"{r.result.median_width:.4g}", f"{r.result.seconds:.1f}"]
           for r in rows if r.result is not None and r.case.kind == "coverage"]
    size = [[r.case.name, r.case.source, r.case.n, r.result.reps, r.result.nominal,
             round(r.result.rate, 4), f"[{r.result.band[0]:.3f}, {r.result.band[1]:.3f}]",
             _status(r.result), f"{r.result.seconds:.1f}"]
            for r in rows if r.result is not None and r.case.kind == "size"]
    return [
        {"title": "Coverage of confidence intervals",
         "description": "Share of nominal-95% intervals containing the true value over R "
                        "replicates; band = central 99.9% binomial band at 0.95.",
         "columns": ["case", "source", "n", "R", "nominal", "coverage", "99.9% band",
                     "in band", "median width", "time (s)"], "rows": cov},
        {"title": "Size of tests",
         "description": "Rejection rate at the 5% level on Gaussian samples (the null).",
         "columns": ["case", "source", "n", "R", "nominal", "rejection rate", "99.9% band",
                     "in band", "time (s)"], "rows": size},
    ]


def run(quick: bool = False) -> list[dict]:
    """Benchmark-contract entry point (not auto-discovered: this is not a ``bench_`` module)."""
    return tables(run_cases(cases(), quick))


def render(rows: list[Row], quick: bool, seconds: float) -> str:
    from benchmarks.__main__ import render_table
    from benchmarks._util import machine_line

    when = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        "# Calibration",
        "",
        f"Generated by `python -m benchmarks.calibration{' --quick' if quick else ''}`; do not "
        "edit by hand. Every interval method and test is run on R replicates drawn from "
        "`numpy.random.SeedSequence(20261125)` (replicate i: data and method randomness from "
        "the two children of child i), so every number below is reproducible. A rate is "
        "judged against the central 99.9% binomial band at its nominal value (R = 1000 at 95%: "
        "[0.926, 0.971]; R = 2000 at 5%: [0.035, 0.067]). Widths are reported beside coverage: "
        "coverage bought with width is not calibration.",
        "",
        f"Machine: {machine_line()}. Run: {when}, {seconds:.0f} s"
        f"{' (QUICK: small R, bands are wide)' if quick else ''}.",
        "",
    ]
    for t in tables(rows):
        out.append(render_table(t))
    out += ["## Deviations", ""]
    devs = [r for r in rows if r.result is not None and not r.result.in_band]
    if not devs:
        out.append("None: every rate lies in its band.")
    for r in devs:
        why = EXPLAINED.get(r.case.name, "UNEXPLAINED — investigate before relying on this "
                                          "method.")
        err = f" First error: `{r.result.first_error}`." if r.result.n_errors else ""
        diag = f" Measured in this run: {r.diagnostics}." if r.diagnostics else ""
        out.append(f"* **{r.case.name}**: rate {r.result.rate:.4f} outside "
                   f"[{r.result.band[0]:.3f}, {r.result.band[1]:.3f}]. {why}{diag}{err}")
    out += ["", "## Not run", ""]
    missing = [r for r in rows if r.result is None]
    if not missing:
        out.append("Every case ran.")
    for r in missing:
        out.append(f"* {r.case.name} — {r.missing}")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.calibration",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small R (smoke test)")
    ap.add_argument("--only", nargs="*", default=None, help="substrings of case names")
    ap.add_argument("--out", default=str(ROOT / "docs" / "calibration.md"))
    ns = ap.parse_args(argv)
    selected = cases()
    if ns.only:
        selected = [c for c in selected if any(s in c.name for s in ns.only)]
    t0 = time.perf_counter()
    rows = run_cases(selected, ns.quick, progress=lambda m: sys.stderr.write(f"[calibration] {m}\n"))
    text = render(rows, ns.quick, time.perf_counter() - t0)
    Path(ns.out).write_text(text, encoding="utf-8")
    sys.stderr.write(f"[calibration] wrote {ns.out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
