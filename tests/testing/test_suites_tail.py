"""The tail suite: a correct Hill passes; each deliberately broken estimator fails with the
property that names its flaw, and with a shrunk counterexample."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from _reference import (
    hill,
    hill_ci_never_covers,
    hill_first_half,
    hill_global_rng,
    hill_ignores_scale,
    hill_nan_on_zeros,
    hill_random_k,
)

from stablecheck.errors import StablecheckWarning
from stablecheck.testing import (
    TAIL_PROPERTIES,
    CheckResult,
    assert_tail_estimator,
    check_tail_estimator,
)


def test_reference_hill_passes_every_property():
    report = check_tail_estimator(hill, warning_category=StablecheckWarning)
    assert report.passed, report.summary()
    assert set(report.checked) == set(TAIL_PROPERTIES)
    assert report.skipped == {}


def test_random_k_uses_rng_correctly():
    # k drawn from `rng`: deterministic given rng, no global state -> rng_determinism holds
    report = check_tail_estimator(hill_random_k, properties=["rng_determinism"])
    assert report.passed, report.summary()


@pytest.mark.parametrize("estimator, prop, case, only", [
    (hill_ignores_scale, "scale_invariance", "", False),  # also inconsistent: it is wrong
    (hill_global_rng, "rng_determinism", "", True),
    (hill_nan_on_zeros, "hostile_inputs", "10% exact zeros", True),
    (hill_ci_never_covers, "ci_coverage", "", True),
    (hill_first_half, "permutation_invariance", "", True),
])
def test_broken_estimator_fails_the_right_property(estimator, prop, case, only):
    report = check_tail_estimator(estimator)
    assert not report.passed
    assert prop in report.failed_properties, report.summary()
    if only:
        # global-RNG use must not leak into the invariance properties (global state is
        # pinned around every call): each flaw is reported once, under its own name
        assert report.failed_properties == (prop,), report.summary()
    fail = next(f for f in report.failures if f.property == prop and f.case.startswith(case))
    assert fail.counterexample, "a failure must carry its counterexample"
    text = report.summary()
    assert f"FAILED {prop}" in text
    with pytest.raises(AssertionError, match=prop):
        report.raise_if_failed()


def test_counterexample_is_shrunk():
    report = check_tail_estimator(hill_ignores_scale, properties=["scale_invariance"])
    (fail,) = report.failures
    # hypothesis shrinks the size to the lower bound of n and the seed to 0
    assert fail.counterexample["sample"].n == 200
    assert fail.counterexample["sample"].seed == 0
    # and the counterexample reproduces the failure
    x, c = fail.counterexample["sample"].x, fail.counterexample["c"]
    assert hill_ignores_scale(x).alpha != pytest.approx(hill_ignores_scale(c * x).alpha)


def test_nan_on_zeros_names_each_zero_case():
    report = check_tail_estimator(hill_nan_on_zeros, properties=["hostile_inputs"])
    cases = {f.case for f in report.failures}
    assert {"10% exact zeros", "90% exact zeros"} <= cases
    assert all("silent NaN" in f.message for f in report.failures)


def test_declared_order_dependence_is_skipped_and_reported():
    report = check_tail_estimator(hill_first_half, order_dependent=True,
                                  properties=["permutation_invariance", "scale_invariance"])
    assert report.passed
    assert "permutation_invariance" in report.skipped
    assert "order_dependent" in report.skipped["permutation_invariance"]


def test_one_liner_and_report_object():
    r = assert_tail_estimator(hill, properties=["result_contract", "sign_invariance"])
    assert isinstance(r, CheckResult) and r.passed
    d = r.to_dict()
    assert d["passed"] is True and d["suite"] == "tail_estimator"
    with pytest.raises(AssertionError, match="scale_invariance"):
        assert_tail_estimator(hill_ignores_scale, properties=["scale_invariance"])


def test_plain_float_estimator_and_partial_are_accepted():
    def bare(x):  # no rng parameter, returns a float
        return hill(x).alpha
    r = check_tail_estimator(bare, properties=["result_contract", "rng_determinism"])
    assert r.passed, r.summary()
    assert r.subject.endswith("bare")
    r2 = check_tail_estimator(functools.partial(hill), properties=["result_contract"])
    assert r2.passed and "hill" in r2.subject


def test_in_place_sort_is_caught():
    def sorts_input(x, *, rng=None):
        x.sort()
        return hill(x)
    r = check_tail_estimator(sorts_input, properties=["input_unchanged"])
    assert r.failed_properties == ("input_unchanged",)


def test_same_seed_same_report():
    a = check_tail_estimator(hill_ignores_scale, properties=["scale_invariance"], seed=3)
    b = check_tail_estimator(hill_ignores_scale, properties=["scale_invariance"], seed=3)
    assert [f.message for f in a.failures] == [f.message for f in b.failures]
    assert a.failures[0].counterexample["c"] == b.failures[0].counterexample["c"]


def test_bad_suite_arguments_are_refused():
    with pytest.raises(ValueError, match="family"):
        check_tail_estimator(hill, family="cauchy")
    with pytest.raises(ValueError, match="properties"):
        check_tail_estimator(hill, properties=["scale_invariant"])  # typo
    with pytest.raises(ValueError, match="max_examples"):
        check_tail_estimator(hill, max_examples=0)
    with pytest.raises(TypeError, match="callable"):
        check_tail_estimator("hill")
    with pytest.raises(TypeError, match="warning_category"):
        check_tail_estimator(hill, warning_category=ValueError)


def test_untyped_error_on_hostile_input_fails():
    def crashes(x, *, rng=None):
        a = np.asarray(x, dtype=float)
        if a.size < 10:
            raise IndexError("boom")
        return hill(a)
    r = check_tail_estimator(crashes, properties=["hostile_inputs"],
                             hostile=["tiny n (5 values)", "float32"])
    assert [f.case for f in r.failures] == ["tiny n (5 values)"]
    assert "untyped IndexError" in r.failures[0].message
