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

    def values(self, result: Any) -> dict:
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
    location_scale_invariant: bool = True,
    sign_invariant: bool = True,
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
    """Run the property suite for a test of Gaussianity.

    The test is any callable ``test(x, *, rng=None)`` (``rng`` optional) returning an object
    with ``.statistic`` and ``.pvalue`` or a ``(statistic, pvalue)`` pair (scipy's result
    objects qualify). The null is "x is Gaussian"; the alternatives are symmetric α-stable.

    Parameters
    ----------
    test : callable
    alpha_level : float
        Significance level of the size, monotonicity and consistency properties.
    location_scale_invariant, sign_invariant, order_dependent : bool
        Declared invariances; a property declared absent is skipped and reported.
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
    t0 = time.perf_counter()
    s = _GofSuite(test, seed=seed, max_examples=max_examples, settings=settings,
                  properties=properties, rtol=rtol, warning_category=warning_category,
                   nan_with_warning_ok=nan_with_warning_ok, valid=GOF_PROPERTIES)
    seeds = st.integers(0, 2**32 - 1)

    def build(kind: str, a: float, size: int, dseed: int) -> SampleWithTruth:
        rng = np.random.default_rng(dseed)
        if kind == "gaussian":
            return SampleWithTruth(_null_gaussian(size, rng), "gaussian", math.inf, {}, dseed)
        return SampleWithTruth(_samplers.stable_rvs(a, 0.0, 1.0, 0.0, size, rng), "stable", a,
                               {"alpha": a, "beta": 0.0, "scale": 1.0, "loc": 0.0}, dseed)
    samples = st.builds(build, st.sampled_from(["gaussian", "stable"]), st.floats(1.0, 1.95),
                        st.integers(*n), seeds)

    def contract(sample):
        v = s.run_ok(sample.x)
        if math.isnan(v["pvalue"]):
            raise PropertyViolation(f"pvalue is NaN on a finite sample (statistic "
                                    f"{v['statistic']!r})")
    s.prop("result_contract", {"sample": samples}, contract)
    s.check_input_unchanged(samples)

    if location_scale_invariant:
        def scale_inv(sample, c, b):
            s.assert_close(s.run_ok(sample.x), s.run_ok(c * sample.x + b),
                           f"transforming the data to c·x + b with c={c!r}, b={b!r}")
        s.prop("scale_invariance", {"sample": samples,
                                    "c": st.floats(1e-3, 1e3).filter(lambda c: abs(c - 1) > 1e-6),
                                    "b": st.sampled_from([0.0, 1.0, -3.5])}, scale_inv)
    else:
        s.skip("scale_invariance", "declared location_scale_invariant=False")
    if sign_invariant:
        def sign_inv(sample):
            s.assert_close(s.run_ok(sample.x), s.run_ok(-sample.x), "negating the data")
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
    s.prop("monotone_heavier_tails", {"dseed": seeds, "a": st.floats(*heavy_alpha)}, monotone,
           examples=max(2, max_examples // 3))

    def consistency(dseed):
        rates = {}
        for size in consistency_n:
            rej = 0
            for r in range(10):
                x = _samplers.stable_rvs(consistency_alpha, 0.0, 1.0, 0.0, size,
                                     np.random.default_rng([dseed, size, r]))
                rej += s.run_ok(x, rng=r)["pvalue"] <= alpha_level
            rates[size] = rej / 10
        small, large = rates[consistency_n[0]], rates[consistency_n[1]]
        if not (large >= 0.8 and large >= small):
            raise PropertyViolation(
                f"power against SαS alpha = {consistency_alpha} at level {alpha_level}: "
                f"{small:.1f} at n = {consistency_n[0]}, {large:.1f} at n = {consistency_n[1]} "
                "(must reach 0.8 and grow with n)")
    s.prop("consistency", {"dseed": seeds}, consistency, examples=1)

    def size(dseed):
        rej = 0
        for r in range(size_reps):
            x = _null_gaussian(size_n, np.random.default_rng([dseed, r]))
            c = s.call(x, rng=r)
            if not c.ok:
                raise PropertyViolation(f"raised {describe_error(c.error)} on a Gaussian "
                                        f"sample (replicate {r})")
            rej += s.values(c.result)["pvalue"] <= alpha_level
        lo_b, hi_b = binomial_band(size_reps, alpha_level)
        if not lo_b <= rej <= hi_b:
            raise PropertyViolation(f"rejected {rej}/{size_reps} Gaussian samples at level "
                                    f"{alpha_level}; the 99.9% binomial band is [{lo_b}, {hi_b}] "
                                    f"(n = {size_n})")
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
