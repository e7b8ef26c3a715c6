"""Property suite for Gaussianity (goodness-of-fit) tests: ``check_gof_test``."""

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
from ._runner import PropertyViolation, Suite, binomial_band, describe_error
from .strategies import SampleWithTruth

__all__ = ["check_gof_test", "assert_gof_test", "GOF_PROPERTIES"]

GOF_PROPERTIES = (
    "result_contract", "input_unchanged", "scale_invariance", "sign_invariance",
    "permutation_invariance", "monotone_heavier_tails", "consistency", "size",
    "rng_determinism", "hostile_inputs",
)


class _GofSuite(Suite):
    kind = "gof_test"
    primary = ("pvalue",)

    has_pvalue = True

    def values(self, result: Any) -> dict:
        if not self.has_pvalue:
            stat = getattr(result, "statistic", result)
            try:
                return {"statistic": float(stat)}
            except (TypeError, ValueError):
                raise PropertyViolation(f"statistic is not a real number: {stat!r}") from None
        if hasattr(result, "pvalue") and hasattr(result, "statistic"):
            stat, p = result.statistic, result.pvalue
        else:
            try:
                stat, p = result
            except (TypeError, ValueError):
                raise PropertyViolation(f"result of type {type(result).__name__} has neither "
                                        ".statistic/.pvalue nor unpacks as (statistic, pvalue)"
                                        ) from None
        try:
            stat, p = float(stat), float(p)
        except (TypeError, ValueError):
            raise PropertyViolation(f"statistic/pvalue are not real numbers: {stat!r}, {p!r}"
                                    ) from None
        if math.isnan(stat) and not math.isnan(p):
            raise PropertyViolation(f"statistic is NaN while pvalue = {p!r}")
        if not math.isnan(p) and not 0.0 <= p <= 1.0:
            raise PropertyViolation(f"pvalue = {p!r} is outside [0, 1]")
        return {"statistic": stat, "pvalue": p}


def _null_gaussian(n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.standard_normal(n)


def check_gof_test(
    test: Callable[..., Any],
    *,
    alpha_level: float = 0.05,
    null: Callable[[int, np.random.Generator], np.ndarray] | None = None,
    alternative: Callable[[int, np.random.Generator], np.ndarray] | None = None,
    heavier_tails_reject: bool = True,
    pvalue: bool = True,
    location_scale_invariant: bool = True,
    location_invariant: bool | None = None,
    sign_invariant: bool | str = True,
    order_dependent: bool = False,
    n: tuple[int, int] = (20, 500),
    heavy_alpha: tuple[float, float] = (1.0, 1.6),
    consistency_alpha: float = 1.7,
    consistency_n: tuple[int, int] = (50, 2000),
    size_reps: int = 40,
    size_n: int = 200,
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
    """Run the property suite for a goodness-of-fit test (by default, of Gaussianity).

    The test is any callable ``test(x, *, rng=None)`` (``rng`` optional) returning an object
    with ``.statistic`` and ``.pvalue`` or a ``(statistic, pvalue)`` pair (scipy's result
    objects qualify). By default the null is "x is Gaussian" and the alternatives are
    symmetric α-stable; ``null`` and ``alternative`` change both (e.g. a test of
    "x is α-stable" has a stable null and a non-stable alternative). A test of a K × P
    matrix goes through :func:`matrix_adapter` first.

    Parameters
    ----------
    test : callable
    alpha_level : float
        Significance level of the size, monotonicity and consistency properties.
    null : callable ``(n, rng) -> ndarray``, optional
        Sampler of the null hypothesis for the ``size`` property (default: standard
        Gaussian). Its samples also join the invariance properties' inputs.
    alternative : callable ``(n, rng) -> ndarray``, optional
        Sampler of the alternative for the ``consistency`` property (default:
        SαS(``consistency_alpha``)).
    heavier_tails_reject : bool
        Whether heavier (stable) tails are evidence against the null, so that
        ``monotone_heavier_tails`` applies; False skips it (e.g. a stable null, which
        contains every heavier-tailed stable law).
    pvalue : bool
        False for a subject that reports a statistic without a p-value (``.statistic`` or a
        bare number, e.g. a rejection rate): the contract is then a finite statistic, and
        the p-value properties (``monotone_heavier_tails``, ``consistency``, ``size``) are
        skipped and reported.
    location_scale_invariant, order_dependent : bool
        Declared invariances; a property declared absent is skipped and reported.
    sign_invariant : bool or "statistic"
        ``"statistic"``: only the statistic must be sign invariant — for Monte-Carlo tests
        whose null law is fitted to the data, where negating the data gives the mirror-image
        null law and the same ``rng`` draws different replicates from it, so the p-value
        agrees in distribution but not draw by draw.
    location_invariant : bool, optional
        Whether a shift of the data leaves the result unchanged (default: as
        ``location_scale_invariant``). False keeps ``scale_invariance`` but checks it on
        ``c·x`` only (e.g. estimators of tail index built on ``log|x|``).
    n : (min, max)
        Sizes for the invariance properties (Gaussian and heavy-tailed samples).
    heavy_alpha : (low, high)
        Stable α of the heavy-tailed sample in the monotonicity property, compared with a
        Gaussian sample built from the same uniforms (n = 500).
    consistency_alpha, consistency_n
        Power against SαS(``consistency_alpha``) over 10 samples must reach 0.8 at the large
        size and not fall below that at the small size.
    size_reps, size_n
        Size spot check: rejections of Gaussian samples at ``alpha_level`` must lie in the
        99.9% binomial band.
    hostile, hostile_expect, warning_category, nan_with_warning_ok, rtol, max_examples, seed,
    settings, properties
        As in :func:`check_tail_estimator` (5 values is a legitimate Gaussianity-test input:
        ``"tiny n (5 values)"`` and ``"90% exact zeros"`` default to ``"accept_or_refuse"``
        here).

    Returns
    -------
    CheckResult
    """
    for name, f in (("null", null), ("alternative", alternative)):
        if f is not None and not callable(f):
            raise TypeError(f"`{name}` must be a sampler (n, rng) -> ndarray; got {f!r}.")
    t0 = time.perf_counter()
    s = _GofSuite(test, seed=seed, max_examples=max_examples, settings=settings,
                  properties=properties, rtol=rtol, warning_category=warning_category,
                   nan_with_warning_ok=nan_with_warning_ok, valid=GOF_PROPERTIES)
    if not pvalue:
        s.has_pvalue, s.primary = False, ("statistic",)
    seeds = st.integers(0, 2**32 - 1)
    draw_null = _null_gaussian if null is None else null
    if location_invariant is None:
        location_invariant = location_scale_invariant

    def build(kind: str, a: float, size: int, dseed: int) -> SampleWithTruth:
        rng = np.random.default_rng(dseed)
        if kind == "gaussian":
            return SampleWithTruth(_null_gaussian(size, rng), "gaussian", math.inf, {}, dseed)
        if kind == "null":
            x = np.asarray(draw_null(size, rng), dtype=np.float64)
            return SampleWithTruth(x, "null", math.nan, {}, dseed)
        return SampleWithTruth(_samplers.stable_rvs(a, 0.0, 1.0, 0.0, size, rng), "stable", a,
                               {"alpha": a, "beta": 0.0, "scale": 1.0, "loc": 0.0}, dseed)
    kinds = ["gaussian", "stable"] + ([] if null is None else ["null"])
    samples = st.builds(build, st.sampled_from(kinds), st.floats(1.0, 1.95),
                        st.integers(*n), seeds)

    def contract(sample):
        v = s.run_ok(sample.x)
        if not pvalue:
            if not math.isfinite(v["statistic"]):
                raise PropertyViolation(f"statistic = {v['statistic']!r} on a finite sample")
            return
        if math.isnan(v["pvalue"]):
            raise PropertyViolation(f"pvalue is NaN on a finite sample (statistic "
                                    f"{v['statistic']!r})")
    s.prop("result_contract", {"sample": samples}, contract)
    s.check_input_unchanged(samples)

    if location_scale_invariant:
        def scale_inv(sample, c, b):
            s.assert_close(s.run_ok(sample.x), s.run_ok(c * sample.x + b),
                           f"transforming the data to c·x + b with c={c!r}, b={b!r}")
        shifts = [0.0, 1.0, -3.5] if location_invariant else [0.0]
        s.prop("scale_invariance", {"sample": samples,
                                    "c": st.floats(1e-3, 1e3).filter(lambda c: abs(c - 1) > 1e-6),
                                    "b": st.sampled_from(shifts)}, scale_inv)
    else:
        s.skip("scale_invariance", "declared location_scale_invariant=False")
    if sign_invariant not in (True, False, "statistic"):
        raise ValueError(f"`sign_invariant` must be True, False or 'statistic'; got "
                         f"{sign_invariant!r}.")
    if sign_invariant:
        sign_keys = ["statistic"] if sign_invariant == "statistic" else None

        def sign_inv(sample):
            s.assert_close(s.run_ok(sample.x), s.run_ok(-sample.x), "negating the data",
                           keys=sign_keys)
        s.prop("sign_invariance", {"sample": samples}, sign_inv)
    else:
        s.skip("sign_invariance", "declared sign_invariant=False")
    if not order_dependent:
        def perm_inv(sample, pseed):
            perm = np.random.default_rng(pseed).permutation(sample.n)
            s.assert_close(s.run_ok(sample.x), s.run_ok(sample.x[perm]), s.perm_what)
        s.prop("permutation_invariance", {"sample": samples, "pseed": st.integers(0, 2**16)},
               perm_inv)
    else:
        s.skip("permutation_invariance", "declared order_dependent=True")

    def monotone(dseed, a):
        xs = [_samplers.stable_rvs(al, 0.0, 1.0, 0.0, 500, np.random.default_rng(dseed))
              for al in (a, 2.0)]
        p_heavy, p_gauss = (s.run_ok(x)["pvalue"] for x in xs)
        if not p_heavy <= p_gauss:
            raise PropertyViolation(f"p-value {p_heavy:.3g} for SαS alpha = {a:.4g} exceeds "
                                    f"{p_gauss:.3g} for the Gaussian sample from the same "
                                    "uniforms (n = 500)")
    no_p = "declared pvalue=False (the subject reports a statistic without a p-value)"
    if not pvalue:
        for name in ("monotone_heavier_tails", "consistency", "size"):
            s.skip(name, no_p)
    elif heavier_tails_reject:
        s.prop("monotone_heavier_tails", {"dseed": seeds, "a": st.floats(*heavy_alpha)},
               monotone, examples=max(2, max_examples // 3))
    else:
        s.skip("monotone_heavier_tails", "declared heavier_tails_reject=False (heavier stable "
               "tails are not evidence against this test's null)")
    alt_what = (f"SαS alpha = {consistency_alpha}" if alternative is None
                else f"the alternative {getattr(alternative, '__name__', 'sampler')}")

    def consistency(dseed):
        rates = {}
        for size in consistency_n:
            rej = 0
            for r in range(10):
                g = np.random.default_rng([dseed, size, r])
                x = (_samplers.stable_rvs(consistency_alpha, 0.0, 1.0, 0.0, size, g)
                     if alternative is None else np.asarray(alternative(size, g), dtype=float))
                rej += s.run_ok(x, rng=r)["pvalue"] <= alpha_level
            rates[size] = rej / 10
        small, large = rates[consistency_n[0]], rates[consistency_n[1]]
        if not (large >= 0.8 and large >= small):
            raise PropertyViolation(
                f"power against {alt_what} at level {alpha_level}: "
                f"{small:.1f} at n = {consistency_n[0]}, {large:.1f} at n = {consistency_n[1]} "
                "(must reach 0.8 and grow with n)")
    if pvalue:
        s.prop("consistency", {"dseed": seeds}, consistency, examples=1)

    null_what = "Gaussian" if null is None else f"null ({getattr(null, '__name__', 'sampler')})"

    def size(dseed):
        rej = 0
        for r in range(size_reps):
            x = np.asarray(draw_null(size_n, np.random.default_rng([dseed, r])), dtype=float)
            c = s.call(x, rng=r)
            if not c.ok:
                raise PropertyViolation(f"raised {describe_error(c.error)} on a {null_what} "
                                        f"sample (replicate {r})")
            rej += s.values(c.result)["pvalue"] <= alpha_level
        lo_b, hi_b = binomial_band(size_reps, alpha_level)
        if not lo_b <= rej <= hi_b:
            raise PropertyViolation(f"rejected {rej}/{size_reps} {null_what} samples at level "
                                    f"{alpha_level}; the 99.9% binomial band is [{lo_b}, {hi_b}] "
                                    f"(n = {size_n})")
    if pvalue:
        s.prop("size", {"dseed": seeds}, size, examples=1)

    s.check_rng_determinism(samples)

    def equivariance(ref, got, c):
        if location_scale_invariant:
            s.assert_close(ref, got, f"scaling the data by {c:g}")
    # 5 values are a legitimate small-sample input for a Gaussianity test, and 90% zeros are
    # simply very non-Gaussian data (no logarithms are taken): accepting them is fine.
    overrides = {"tiny n (5 values)": "accept_or_refuse", "90% exact zeros": "accept_or_refuse"}
    overrides.update(hostile_expect or {})
    bases = st.builds(build, st.just("stable"), st.floats(1.5, 1.9), st.integers(50, 300), seeds)
    s.check_hostile(hostile, overrides, bases, equivariance)
    return s.result(t0)


def assert_gof_test(test: Callable[..., Any], **kwargs: Any) -> CheckResult:
    """``check_gof_test(test, **kwargs).raise_if_failed()`` — the pytest one-liner."""
    return check_gof_test(test, **kwargs).raise_if_failed()
