"""Property suite for α-stable fitters: ``check_stable_fitter``."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
from hypothesis import settings as Settings
from hypothesis import strategies as st

from . import _samplers
from ._report import CheckResult
from ._runner import PropertyViolation, Suite, binomial_band, describe_error, finite
from .strategies import stable_samples

__all__ = ["check_stable_fitter", "assert_stable_fitter", "FIT_PROPERTIES"]

FIT_PROPERTIES = (
    "result_contract", "input_unchanged", "scale_equivariance", "shift_equivariance",
    "sign_equivariance", "permutation_invariance", "monotone_heavier_tails", "consistency",
    "ci_coverage", "rng_determinism", "hostile_inputs",
)
_PARAMS = ("alpha", "beta", "scale", "loc")


class _FitSuite(Suite):
    kind = "stable_fitter"
    primary = _PARAMS

    def values(self, result: Any) -> dict:
        out = {}
        for p in _PARAMS:
            if not hasattr(result, p):
                raise PropertyViolation(f"result of type {type(result).__name__} has no .{p}")
            try:
                out[p] = float(getattr(result, p))
            except (TypeError, ValueError):
                raise PropertyViolation(f".{p} is not a real number: "
                                        f"{getattr(result, p)!r}") from None
        a, b, sc = out["alpha"], out["beta"], out["scale"]
        if finite(a) and not 0 < a <= 2:
            raise PropertyViolation(f"alpha = {a!r} is outside (0, 2]")
        if finite(b) and not -1 <= b <= 1:
            raise PropertyViolation(f"beta = {b!r} is outside [-1, 1]")
        if finite(sc) and not sc > 0:
            raise PropertyViolation(f"scale = {sc!r} is not positive")
        cis = getattr(result, "confidence_intervals", None)
        if cis is not None:
            if not hasattr(cis, "items"):
                raise PropertyViolation(f".confidence_intervals must be a mapping; got {cis!r}")
            for k, ci in cis.items():
                if ci is None:
                    continue
                try:
                    lo, hi = (float(v) for v in ci)
                except (TypeError, ValueError):
                    raise PropertyViolation(f"confidence_intervals[{k!r}] is not a (low, high) "
                                            f"pair: {ci!r}") from None
                if math.isnan(lo) or math.isnan(hi) or lo > hi:
                    raise PropertyViolation(f"confidence_intervals[{k!r}] = ({lo}, {hi}) is "
                                            "NaN or reversed")
                out[f"{k}_low"], out[f"{k}_high"] = lo, hi
        w = getattr(result, "warnings", None)
        if w is not None and (not isinstance(w, (tuple, list))
                              or not all(isinstance(m, str) for m in w)):
            raise PropertyViolation(f".warnings must be a tuple of str; got {w!r}")
        return out

    def affine(self, ref: dict, got: dict, c: float, b: float, what: str, tol: float) -> None:
        """``got`` must be the fit of c·x + b given the fit ``ref`` of x (S0 equivariance)."""
        exp_beta = ref["beta"] if c > 0 else -ref["beta"]
        exp_scale = abs(c) * ref["scale"]
        exp_loc = c * ref["loc"] + b
        errs = {
            "alpha": abs(got["alpha"] - ref["alpha"]),
            "beta": abs(got["beta"] - exp_beta),
            "scale": abs(got["scale"] / exp_scale - 1),
            "loc": abs(got["loc"] - exp_loc) / exp_scale,
        }
        bad = {k: e for k, e in errs.items() if not e <= tol}
        if bad:
            k = next(iter(bad))
            exp = {"alpha": ref["alpha"], "beta": exp_beta, "scale": exp_scale,
                   "loc": exp_loc}[k]
            raise PropertyViolation(
                f"{what}: {k} = {got[k]!r}, expected {exp!r} (error {bad[k]:.3g} > tol {tol:g}"
                f"{' in scale units' if k in ('scale', 'loc') else ''}); S0 is "
                "(alpha, sign(c)·beta, |c|·scale, c·loc + b)")


def check_stable_fitter(
    fitter: Callable[..., Any],
    *,
    alpha: tuple[float, float] = (1.1, 1.95),
    beta: tuple[float, float] = (-0.5, 0.5),
    symmetric: bool = False,
    order_dependent: bool = False,
    n: tuple[int, int] = (300, 2000),
    consistency_n: tuple[int, int] = (200, 10_000),
    consistency_tol: Mapping[str, float] | None = None,
    coverage_reps: int = 40,
    coverage_n: int = 1000,
    confidence_level: float = 0.95,
    hostile: Iterable[str] | None = None,
    hostile_expect: Mapping[str, str] | None = None,
    warning_category: type[Warning] = Warning,
    nan_with_warning_ok: bool = False,
    rtol: float = 1e-6,
    max_examples: int = 10,
    seed: int = 0,
    settings: Settings | None = None,
    properties: Iterable[str] | None = None,
) -> CheckResult:
    """Run the property suite for an α-stable fitter.

    The fitter is any callable ``fit(x, *, rng=None)`` (``rng`` optional) returning an
    object with ``.alpha, .beta, .scale, .loc`` in Nolan's S0 parameterisation (wrap an S1
    fitter to convert), optionally ``.confidence_intervals`` (parameter → (low, high)) and
    ``.warnings``.

    Parameters
    ----------
    fitter : callable
    alpha, beta : (low, high)
        Ranges of true parameters drawn (β is 0 when ``symmetric``).
    symmetric : bool
        The fitter fits SαS (β fixed at 0): data are drawn with β = 0.
    order_dependent : bool
        Skip (and report) the permutation property.
    n : (min, max)
        Sizes for the equivariance properties.
    consistency_n : (small, large)
    consistency_tol : dict, optional
        Largest mean absolute error at the large size per parameter, default
        ``{"alpha": 0.15, "beta": 0.4, "scale": 0.15, "loc": 0.3}`` (scale relative, loc in
        scale units; β is only checked for α ≤ 1.8, where it is identified).
    coverage_reps, coverage_n, confidence_level
        CI spot check on ``confidence_intervals["alpha"]`` when the fitter reports it.
    hostile, hostile_expect, warning_category, nan_with_warning_ok, rtol, max_examples, seed,
    settings, properties
        As in :func:`check_tail_estimator`; ``rtol`` is the tolerance of the equivariance
        properties (α, β absolute, scale relative, loc in scale units) — raise it to the
        optimiser tolerance for iterative fitters.

    Returns
    -------
    CheckResult
    """
    t0 = time.perf_counter()
    tol = {"alpha": 0.15, "beta": 0.4, "scale": 0.15, "loc": 0.3}
    tol.update(consistency_tol or {})
    s = _FitSuite(fitter, seed=seed, max_examples=max_examples, settings=settings,
                  properties=properties, rtol=rtol, warning_category=warning_category,
                   nan_with_warning_ok=nan_with_warning_ok, valid=FIT_PROPERTIES)
    beta_st = st.just(0.0) if symmetric else st.floats(*beta)
    samples = stable_samples(alpha=st.floats(*alpha), beta=beta_st, n=st.integers(*n))
    seeds = st.integers(0, 2**32 - 1)

    def contract(sample):
        v = s.run_ok(sample.x)
        bad = [p for p in _PARAMS if not finite(v[p])]
        if bad:
            raise PropertyViolation(f"non-finite {', '.join(bad)} on a valid stable sample: "
                                    f"{ {p: v[p] for p in _PARAMS} }")
    s.prop("result_contract", {"sample": samples}, contract)
    s.check_input_unchanged(samples)

    factors = st.floats(1e-3, 1e3).filter(lambda c: abs(c - 1) > 1e-6)

    def scale_eq(sample, c):
        s.affine(s.run_ok(sample.x), s.run_ok(c * sample.x), c, 0.0,
                 f"fitting c·x with c={c!r}", rtol)
    s.prop("scale_equivariance", {"sample": samples, "c": factors}, scale_eq)

    def shift_eq(sample, b):
        ref = s.run_ok(sample.x)
        s.affine(ref, s.run_ok(sample.x + b), 1.0, b, f"fitting x + b with b={b!r}",
                 max(rtol, 1e-9 * abs(b) / ref["scale"]))
    s.prop("shift_equivariance", {"sample": samples,
                                  "b": st.floats(-1e3, 1e3).filter(lambda b: b != 0)}, shift_eq)

    def sign_eq(sample):
        s.affine(s.run_ok(sample.x), s.run_ok(-sample.x), -1.0, 0.0, "fitting -x", rtol)
    s.prop("sign_equivariance", {"sample": samples}, sign_eq)

    if not order_dependent:
        def perm_inv(sample, pseed):
            perm = np.random.default_rng(pseed).permutation(sample.n)
            s.affine(s.run_ok(sample.x), s.run_ok(sample.x[perm]), 1.0, 0.0,
                     s.perm_what, rtol)
        s.prop("permutation_invariance", {"sample": samples, "pseed": st.integers(0, 2**16)},
               perm_inv)
    else:
        s.skip("permutation_invariance", "declared order_dependent=True")

    a_lo, a_hi = alpha
    gap = min(0.4, a_hi - a_lo)

    def monotone(dseed, lo, extra):
        hi = min(lo + gap + extra, a_hi)
        xs = [_samplers.stable_rvs(a, 0.0, 1.0, 0.0, 2000, np.random.default_rng(dseed))
              for a in (lo, hi)]
        f_lo, f_hi = (s.run_ok(x)["alpha"] for x in xs)
        if not f_lo < f_hi:
            raise PropertyViolation(f"heavier tails (true alpha {lo:.4g}) gave alpha = "
                                    f"{f_lo:.4g}, not below {f_hi:.4g} for true alpha {hi:.4g} "
                                    "(same uniforms, n = 2000, beta = 0)")
    s.prop("monotone_heavier_tails", {"dseed": seeds, "lo": st.floats(a_lo, a_hi - gap),
                                      "extra": st.floats(0, max(a_hi - a_lo - gap, 0))},
           monotone, examples=max(2, max_examples // 3))

    def consistency(dseed, a, b):
        b = 0.0 if symmetric else b
        errs: dict[int, dict[str, float]] = {}
        for size in consistency_n:
            e = {p: [] for p in _PARAMS}
            for r in range(2):
                x = _samplers.stable_rvs(a, b, 2.0, 1.0, size, np.random.default_rng([dseed, size, r]))
                v = s.run_ok(x, rng=r)
                e["alpha"].append(abs(v["alpha"] - a))
                e["beta"].append(abs(v["beta"] - b))
                e["scale"].append(abs(v["scale"] / 2.0 - 1))
                e["loc"].append(abs(v["loc"] - 1.0) / 2.0)
            errs[size] = {p: float(np.mean(q)) for p, q in e.items()}
        small, large = errs[consistency_n[0]], errs[consistency_n[1]]
        checked = [p for p in _PARAMS if p != "beta" or (a <= 1.8 and not symmetric)]
        for p in checked:
            if not large[p] <= tol[p]:
                raise PropertyViolation(f"{p}: mean error {large[p]:.3g} at n = "
                                        f"{consistency_n[1]} exceeds {tol[p]} (truth alpha="
                                        f"{a:.4g}, beta={b:.4g}, scale=2, loc=1)")
        if not large["alpha"] < small["alpha"]:
            raise PropertyViolation(f"alpha error did not shrink with n: {small['alpha']:.3g} at "
                                    f"n = {consistency_n[0]}, {large['alpha']:.3g} at "
                                    f"n = {consistency_n[1]}")
    s.prop("consistency", {"dseed": seeds, "a": st.floats(*alpha), "b": st.floats(*beta)},
           consistency, examples=2)

    probe = s.call(_samplers.stable_rvs(0.5 * (a_lo + a_hi), 0.0, 1.0, 0.0, coverage_n,
                                    np.random.default_rng(0)))
    cis = getattr(probe.result, "confidence_intervals", None) if probe.ok else None
    if cis is not None and hasattr(cis, "get") and cis.get("alpha") is not None:
        def coverage(dseed, a):
            covered, widths, level = 0, [], confidence_level
            for r in range(coverage_reps):
                x = _samplers.stable_rvs(a, 0.0, 1.0, 0.0, coverage_n,
                                     np.random.default_rng([dseed, r]))
                c = s.call(x, rng=r)
                if not c.ok:
                    raise PropertyViolation(f"raised {describe_error(c.error)} in replicate {r}")
                v = s.values(c.result)
                if "alpha_low" not in v:
                    raise PropertyViolation(f"replicate {r} returned no alpha interval")
                level = float(getattr(c.result.confidence_intervals["alpha"], "level", level))
                covered += v["alpha_low"] <= a <= v["alpha_high"]
                widths.append(v["alpha_high"] - v["alpha_low"])
            lo_b, hi_b = binomial_band(coverage_reps, level)
            if not lo_b <= covered <= hi_b:
                raise PropertyViolation(
                    f"{covered}/{coverage_reps} alpha intervals covered the truth {a:.4g} at "
                    f"nominal {level:g}; 99.9% binomial band [{lo_b}, {hi_b}] (median width "
                    f"{np.median(widths):.3g}, n = {coverage_n}, beta = 0)")
        s.prop("ci_coverage", {"dseed": seeds, "a": st.floats(*alpha)}, coverage, examples=1)
    elif probe.ok:
        s.skip("ci_coverage", "the result has no confidence_intervals['alpha']")
    else:
        s.skip("ci_coverage", f"the fitter raised {describe_error(probe.error)} on a plain "
               "sample (see result_contract)")

    s.check_rng_determinism(samples)

    def equivariance(ref, got, c):
        s.affine(ref, got, c, 0.0, f"fitting the data scaled by {c:g}", max(rtol, 1e-9))
    bases = stable_samples(alpha=st.floats(*alpha), beta=beta_st, n=st.integers(100, 400))
    s.check_hostile(hostile, dict(hostile_expect or {}), bases, equivariance)
    return s.result(t0)


def assert_stable_fitter(fitter: Callable[..., Any], **kwargs: Any) -> CheckResult:
    """``check_stable_fitter(fitter, **kwargs).raise_if_failed()`` — the pytest one-liner."""
    return check_stable_fitter(fitter, **kwargs).raise_if_failed()
