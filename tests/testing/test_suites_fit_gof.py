"""Fitter and Gaussianity-test suites on reference subjects and broken ones."""

from __future__ import annotations

import numpy as np
import pytest
from _reference import (
    Fit,
    quantile_fit,
    quantile_fit_ignores_scale,
    shapiro,
    shapiro_global_rng,
)
from scipy import stats

from stablecheck.testing import (
    FIT_PROPERTIES,
    GOF_PROPERTIES,
    check_gof_test,
    check_stable_fitter,
)


def test_quantile_fitter_passes():
    # symmetric fitter (beta fixed at 0); its arithmetic is exactly equivariant -> rtol 1e-9
    r = check_stable_fitter(quantile_fit, symmetric=True, rtol=1e-9)
    assert r.passed, r.summary()
    assert set(r.checked) | set(r.skipped) == set(FIT_PROPERTIES)
    assert "confidence_intervals" in r.skipped["ci_coverage"]


def test_fitter_ignoring_scale_fails_scale_equivariance():
    r = check_stable_fitter(quantile_fit_ignores_scale, symmetric=True, rtol=1e-9,
                            properties=["scale_equivariance", "shift_equivariance",
                                        "sign_equivariance"])
    assert r.failed_properties == ("scale_equivariance",), r.summary()
    assert "scale = 1.0, expected" in r.failures[0].message


def test_fitter_with_wrong_sign_handling_fails_sign_equivariance():
    def skewed(x, *, rng=None):
        f = quantile_fit(x)
        return Fit(f.alpha, 0.3, f.scale, f.loc)  # beta must flip with the data
    r = check_stable_fitter(skewed, symmetric=True, properties=["sign_equivariance"])
    assert r.failed_properties == ("sign_equivariance",)
    assert "beta" in r.failures[0].message


def test_fitter_contract_violations():
    def bad_alpha(x, *, rng=None):
        f = quantile_fit(x)
        return Fit(2.5, f.beta, f.scale, f.loc)
    r = check_stable_fitter(bad_alpha, symmetric=True, properties=["result_contract"])
    assert "outside (0, 2]" in r.failures[0].message


def test_fitter_ci_coverage_is_checked_when_reported():
    from dataclasses import dataclass

    from stablecheck._results import ConfidenceInterval

    @dataclass(frozen=True)
    class FitCI(Fit):
        confidence_intervals: dict = None

    def narrow(x, *, rng=None):
        f = quantile_fit(x)
        ci = ConfidenceInterval(f.alpha - 1e-4, f.alpha + 1e-4, 0.95)
        return FitCI(f.alpha, f.beta, f.scale, f.loc, (), {"alpha": ci})
    r = check_stable_fitter(narrow, symmetric=True, properties=["ci_coverage"])
    assert r.failed_properties == ("ci_coverage",)
    assert "binomial band" in r.failures[0].message


def test_shapiro_passes():
    r = check_gof_test(shapiro)
    assert r.passed, r.summary()
    assert set(r.checked) == set(GOF_PROPERTIES)


def test_gof_global_rng_is_caught():
    r = check_gof_test(shapiro_global_rng, properties=["rng_determinism"])
    assert r.failed_properties == ("rng_determinism",)


def test_raw_scipy_shapiro_is_caught_on_tiny_scales_and_nan():
    # scipy's shapiro: NaN in -> NaN out, and W = 1 for data of range ~1e-30
    r = check_gof_test(lambda x: stats.shapiro(x), properties=["hostile_inputs"],
                       hostile=["contains NaN", "scaled by 1e-30"])
    assert {f.case for f in r.failures} == {"contains NaN", "scaled by 1e-30"}


def test_gof_always_rejecting_fails_size():
    def always(x, *, rng=None):
        return shapiro(x).statistic, 0.001
    r = check_gof_test(always, properties=["size", "monotone_heavier_tails"])
    assert r.failed_properties == ("size",)


def test_gof_never_rejecting_fails_power_properties():
    def never(x, *, rng=None):
        return shapiro(x).statistic, 0.9
    r = check_gof_test(never, properties=["consistency", "size"])
    assert r.failed_properties == ("consistency",)


def test_gof_pvalue_out_of_range_breaks_contract():
    r = check_gof_test(lambda x: (1.0, 1.5), properties=["result_contract"])
    assert "outside [0, 1]" in r.failures[0].message


@pytest.mark.parametrize("flag, prop", [("location_scale_invariant", "scale_invariance"),
                                        ("sign_invariant", "sign_invariance"),
                                        ("order_dependent", "permutation_invariance")])
def test_gof_declared_flags_skip(flag, prop):
    r = check_gof_test(shapiro, properties=[prop],
                       **{flag: flag == "order_dependent"})
    assert r.checked == () and prop in r.skipped


def test_fitter_consistency_catches_biased_fitter():
    def biased(x, *, rng=None):
        f = quantile_fit(x)
        return Fit(max(f.alpha - 0.3, 0.1), f.beta, f.scale, f.loc)
    r = check_stable_fitter(biased, symmetric=True, properties=["consistency"])
    assert r.failed_properties == ("consistency",)
    assert np.isfinite(r.seconds)
