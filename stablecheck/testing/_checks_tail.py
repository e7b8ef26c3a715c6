"""Property suite for tail-index estimators: ``check_tail_estimator``."""

from __future__ import annotations

import math
import numbers
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
from hypothesis import settings as Settings
from hypothesis import strategies as st

from . import _samplers
from ._report import CheckResult
from ._runner import PropertyViolation, Suite, binomial_band, describe_error, finite
from .strategies import heavy_tailed_samples

__all__ = ["check_tail_estimator", "assert_tail_estimator", "TAIL_PROPERTIES"]

TAIL_PROPERTIES = (
    "result_contract", "input_unchanged", "scale_invariance", "sign_invariance",
    "permutation_invariance", "monotone_heavier_tails", "consistency", "ci_coverage",
    "rng_determinism", "hostile_inputs",
)


def _as_pair(v: Any, name: str) -> tuple[float, float]:
    try:
        lo, hi = v
        return float(lo), float(hi)
    except (TypeError, ValueError):
        raise PropertyViolation(f"{name} is not a (low, high) pair of reals: {v!r}") from None


def _check_warnings_attr(result: Any) -> None:
    w = getattr(result, "warnings", None)
    if w is None:
        return
    if not isinstance(w, (tuple, list)) or not all(isinstance(s, str) for s in w):
        raise PropertyViolation(f".warnings must be a tuple of str; got {w!r}")


class _TailSuite(Suite):
    kind = "tail_estimator"
    primary = ("alpha",)

    def values(self, result: Any) -> dict:
        if isinstance(result, numbers.Real) and not isinstance(result, bool):
            return {"alpha": float(result)}
        if not hasattr(result, "alpha"):
            raise PropertyViolation(f"result of type {type(result).__name__} has no .alpha")
        try:
            alpha = float(result.alpha)
        except (TypeError, ValueError):
            raise PropertyViolation(f".alpha is not a real number: {result.alpha!r}") from None
        out = {"alpha": alpha}
        if getattr(result, "xi", None) is not None:
            try:
                out["xi"] = float(result.xi)
            except (TypeError, ValueError):
                raise PropertyViolation(f".xi is not a real number: {result.xi!r}") from None
        ci = getattr(result, "confidence_interval", None)
        if ci is not None:
            lo, hi = _as_pair(ci, ".confidence_interval")
            if math.isnan(lo) or math.isnan(hi):
                raise PropertyViolation(f".confidence_interval has a NaN bound: ({lo}, {hi})")
            if lo > hi:
                raise PropertyViolation(f".confidence_interval is reversed: ({lo}, {hi})")
            out["ci_low"], out["ci_high"] = lo, hi
        _check_warnings_attr(result)
        return out

    def nonfinite(self, vals: dict) -> dict:
        # With ξ = 1/α reported, ξ is the estimator's own scale: ξ̂ ≤ 0 ("no power tail",
        # e.g. the moment estimator on a light sample) legitimately gives α = inf.
        if "xi" in vals:
            return {} if finite(vals["xi"]) else {"xi": vals["xi"]}
        return {} if finite(vals["alpha"]) else {"alpha": vals["alpha"]}

    @staticmethod
    def heaviness(vals: dict) -> float:
        """ξ when reported, else 1/α: larger means heavier tails."""
        return vals["xi"] if "xi" in vals else 1.0 / vals["alpha"]

    @staticmethod
    def rel_error(vals: dict, truth: float) -> float:
        """Relative error on the estimator's own scale (ξ when reported, else α)."""
        if "xi" in vals:
            return abs(vals["xi"] * truth - 1.0)
        return abs(vals["alpha"] - truth) / truth


def check_tail_estimator(
    estimator: Callable[..., Any],
    *,
    family: str = "pareto",
    tail_index: tuple[float, float] | None = None,
    sign_invariant: bool = True,
    order_dependent: bool = False,
    n: tuple[int, int] = (200, 2000),
    monotone_gap: float = 0.5,
    consistency_n: tuple[int, int] = (200, 20_000),
    consistency_rtol: float = 0.25,
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
    """Run the property suite for a tail-index estimator.

    The estimator is any callable ``est(x, *, rng=None)`` (``rng`` optional) returning an
    object with ``.alpha`` (tail index, P(|X| > x) ~ x^−α) and optionally ``.xi`` (= 1/α),
    ``.confidence_interval`` (a ``(low, high)`` pair, with ``.level`` if it has one) and
    ``.warnings``; a bare float is accepted as ``alpha``. When ``.xi`` is reported it is the
    estimator's own scale: finiteness, monotonicity and consistency are judged on ξ, so
    ``alpha = inf`` for ξ̂ ≤ 0 (no power tail) is legitimate. Bind other options with
    ``functools.partial``.

    Parameters
    ----------
    estimator : callable
    family : {"pareto", "student_t", "stable", "scale_mixture"}
        Known-truth family for monotonicity, consistency and coverage (Pareto: exact power
        law; use "stable" for SαS-model estimators such as log-moment or Mohammadi).
    tail_index : (low, high), optional
        Range of true tail indices drawn (default: the family's typical range).
    sign_invariant : bool
        The estimator uses |x| (so ``est(-x) == est(x)``); False for upper-tail estimators.
    order_dependent : bool
        The estimator depends on input order by design (e.g. Mohammadi's blocks in seed
        order); the permutation property is then skipped and reported as such.
    n : (min, max)
        Sample sizes for the invariance properties.
    monotone_gap : float
        Smallest difference of true tail indices in the monotonicity property.
    consistency_n : (small, large), consistency_rtol : float
        The mean relative error over 3 replicates at the large size must be below
        ``consistency_rtol`` and below the error at the small size.
    coverage_reps, coverage_n : int
        Replicates and size of the CI coverage spot check; the count of intervals covering
        the truth must lie in the central 99.9% binomial band.
    confidence_level : float
        Nominal level assumed when the interval has no ``.level``.
    hostile : iterable of str, optional
        Hostile labels to run (default all, see
        :func:`stablecheck.testing.strategies.hostile_labels`).
    hostile_expect : dict, optional
        label → expectation overrides.
    warning_category : type
        What counts as "warned" on hostile input (``Warning``; our own estimators are checked
        with ``StablecheckWarning``).
    nan_with_warning_ok : bool
        Accept a NaN result on invalid hostile input when a warning was emitted (for
        vectorised engines that flag one bad sample among many instead of raising). Off by
        default: the contract is a typed error or a finite result with a warning.
    rtol : float
        Relative tolerance of the invariance properties.
    max_examples : int
        Hypothesis examples per deterministic property (statistical ones use 1–2).
    seed : int
        Hypothesis seed; the same seed gives the same examples.
    settings : hypothesis.settings, optional
        Parent settings (e.g. a profile); ``max_examples`` still comes from above.
    properties : iterable of str, optional
        Run only these (names in ``TAIL_PROPERTIES``).

    Returns
    -------
    CheckResult
        ``passed``, ``failures`` (each property with its shrunk counterexample),
        ``checked``, ``skipped``, ``summary()``, ``raise_if_failed()``.

    Examples
    --------
    >>> import numpy as np
    >>> from stablecheck.testing import check_tail_estimator
    >>> def hill(x, *, rng=None):
    ...     a = np.sort(np.abs(np.asarray(x, dtype=float)))[::-1]
    ...     k = int(np.sqrt(a.size))
    ...     return float(1 / np.mean(np.log(a[:k] / a[k])))
    >>> report = check_tail_estimator(hill, properties=["scale_invariance"])
    >>> report.passed
    True
    """
    if family not in _samplers.FAMILIES:
        raise ValueError(f"`family` must be one of {', '.join(map(repr, _samplers.FAMILIES))}; "
                         f"got {family!r}.")
    t0 = time.perf_counter()
    lo_t, hi_t = tail_index if tail_index is not None else _samplers.family_tail_range(family)
    s = _TailSuite(estimator, seed=seed, max_examples=max_examples, settings=settings,
                   properties=properties, rtol=rtol, warning_category=warning_category,
                   nan_with_warning_ok=nan_with_warning_ok, valid=TAIL_PROPERTIES)
    samples = heavy_tailed_samples(family=family, tail_index=st.floats(lo_t, hi_t),
                                   n=st.integers(*n))

    # -- contract ---------------------------------------------------------------------
    def contract(sample):
        v = s.run_ok(sample.x)
        if "xi" in v:
            if not finite(v["xi"]):
                raise PropertyViolation(f"xi = {v['xi']!r} on a valid heavy-tailed sample "
                                        "(must be finite)")
        elif not finite(v["alpha"]) or v["alpha"] <= 0:
            raise PropertyViolation(f"alpha = {v['alpha']!r} on a valid heavy-tailed sample "
                                    "(must be finite and positive)")
    s.prop("result_contract", {"sample": samples}, contract)
    s.check_input_unchanged(samples)

    # -- invariances --------------------------------------------------------------------
    factors = st.floats(1e-3, 1e3).filter(lambda c: abs(c - 1) > 1e-6)

    def scale_inv(sample, c):
        s.assert_close(s.run_ok(sample.x), s.run_ok(c * sample.x),
                       f"scaling the data by c={c!r}")
    s.prop("scale_invariance", {"sample": samples, "c": factors}, scale_inv)

    if sign_invariant:
        def sign_inv(sample):
            s.assert_close(s.run_ok(sample.x), s.run_ok(-sample.x), "negating the data")
        s.prop("sign_invariance", {"sample": samples}, sign_inv)
    else:
        s.skip("sign_invariance", "declared sign_invariant=False (one-tailed estimator)")

    if not order_dependent:
        def perm_inv(sample, pseed):
            perm = np.random.default_rng(pseed).permutation(sample.n)
            s.assert_close(s.run_ok(sample.x), s.run_ok(sample.x[perm]),
                           s.perm_what)
        s.prop("permutation_invariance", {"sample": samples, "pseed": st.integers(0, 2**16)},
               perm_inv)
    else:
        s.skip("permutation_invariance", "declared order_dependent=True (documented order "
               "dependence, e.g. blocks in seed order)")

    # -- statistical properties ------------------------------------------------------------
    seeds = st.integers(0, 2**32 - 1)
    gap = min(monotone_gap, hi_t - lo_t)

    def monotone(dseed, lo, extra):
        hi = min(lo + gap + extra, hi_t)
        xs = [_samplers.sample_family(family, t, 2000, np.random.default_rng(dseed))
              for t in (lo, hi)]
        v_lo, v_hi = (s.run_ok(x) for x in xs)
        if not s.heaviness(v_lo) > s.heaviness(v_hi):
            raise PropertyViolation(f"heavier tails (true {lo:.4g}) gave alpha = "
                                    f"{v_lo['alpha']:.4g}, not below alpha = {v_hi['alpha']:.4g} "
                                    f"of lighter tails (true {hi:.4g}); same uniforms, n = 2000"
                                    + (" (compared on xi)" if "xi" in v_lo else ""))
    s.prop("monotone_heavier_tails", {"dseed": seeds, "lo": st.floats(lo_t, hi_t - gap),
                                      "extra": st.floats(0, max(hi_t - lo_t - gap, 0))},
           monotone, examples=max(2, max_examples // 3))

    def consistency(dseed, truth):
        errs = {}
        for size in consistency_n:
            e = []
            # 5 replicates: with 3, one unlucky draw at the large n decided the property for
            # Hill at double-bootstrap k (mean error 0.039 at n = 2e4 vs 0.0325 at n = 2e3 on
            # a pinned seed, while 30 replicates give 0.015 vs 0.062)
            for r in range(5):
                x = _samplers.sample_family(family, truth, size,
                                            np.random.default_rng([dseed, size, r]))
                e.append(s.rel_error(s.run_ok(x, rng=r), truth))
            errs[size] = float(np.mean(e))
        small, large = errs[consistency_n[0]], errs[consistency_n[1]]
        if not (large <= consistency_rtol and large < small):
            raise PropertyViolation(
                f"mean relative error {large:.3g} at n = {consistency_n[1]} (vs {small:.3g} at "
                f"n = {consistency_n[0]}); must be below {consistency_rtol} and shrink with n "
                f"(true tail index {truth:.4g}, {family})")
    s.prop("consistency", {"dseed": seeds, "truth": st.floats(lo_t, hi_t)}, consistency,
           examples=2)

    probe = s.call(_samplers.sample_family(family, 0.5 * (lo_t + hi_t), coverage_n,
                                           np.random.default_rng(0)))
    has_ci = probe.ok and getattr(probe.result, "confidence_interval", None) is not None
    if has_ci:
        def coverage(dseed, truth):
            covered, widths, level = 0, [], confidence_level
            for r in range(coverage_reps):
                x = _samplers.sample_family(family, truth, coverage_n,
                                            np.random.default_rng([dseed, r]))
                c = s.call(x, rng=r)
                if not c.ok:
                    raise PropertyViolation(f"raised {describe_error(c.error)} in replicate {r}")
                v = s.values(c.result)
                if "ci_low" not in v:
                    raise PropertyViolation(f"replicate {r} returned no confidence_interval")
                level = float(getattr(c.result.confidence_interval, "level", level))
                covered += v["ci_low"] <= truth <= v["ci_high"]
                widths.append(v["ci_high"] - v["ci_low"])
            lo_b, hi_b = binomial_band(coverage_reps, level)
            if not lo_b <= covered <= hi_b:
                raise PropertyViolation(
                    f"{covered}/{coverage_reps} intervals covered the true tail index {truth:.4g} "
                    f"at nominal {level:g}; the 99.9% binomial band is [{lo_b}, {hi_b}] "
                    f"(median width {np.median(widths):.3g}, n = {coverage_n}, {family})")
        s.prop("ci_coverage", {"dseed": seeds, "truth": st.floats(lo_t, hi_t)}, coverage,
               examples=1)
    elif probe.ok:
        s.skip("ci_coverage", "the result has no confidence_interval")
    else:
        s.skip("ci_coverage", f"the estimator raised {describe_error(probe.error)} on a "
               "plain sample (see result_contract)")

    # -- randomness and hostile input ------------------------------------------------------
    s.check_rng_determinism(samples)

    def equivariance(ref, got, c):
        s.assert_close(ref, got, f"scaling the data by {c:g}")
    bases = heavy_tailed_samples(family="student_t", tail_index=3.0, n=st.integers(200, 600))
    s.check_hostile(hostile, dict(hostile_expect or {}), bases, equivariance)
    return s.result(t0)


def assert_tail_estimator(estimator: Callable[..., Any], **kwargs: Any) -> CheckResult:
    """``check_tail_estimator(estimator, **kwargs).raise_if_failed()`` — the pytest one-liner."""
    return check_tail_estimator(estimator, **kwargs).raise_if_failed()
