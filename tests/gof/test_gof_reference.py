"""Reference values (tests/reference/gof/gof_reference_values.py) reproduced.

Tolerances: where the reference carries full double precision and the method is the same,
1e-6 relative (the references were printed with 13-17 digits; our arithmetic differs from
R/scipy only in summation order, ~1e-12). Where the reference is rounded to k significant
digits (published tables, R's default print), the tolerance is half a unit in the last
printed digit — the most a correct implementation can be held to.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

import stablecheck as sc

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reference" / "gof"))
import gof_reference_values as ref  # noqa: E402

ALL = ("shapiro", "dagostino", "jarque_bera", "anderson", "lilliefors", "cramervonmises")


def _one(x, test):
    res = sc.gaussianity(np.asarray(x, dtype=float), tests=(test,))
    return float(res.statistic[0, 0]), float(res.pvalue[0, 0])


def _half_unit(v: float, digits: int) -> float:
    """Half a unit in the last of ``digits`` significant digits of ``v``."""
    return 0.5 * 10.0 ** (np.floor(np.log10(abs(v))) - digits + 1)


def macrodata_residuals() -> np.ndarray:
    """OLS residuals of statsmodels' test set-up (see gof_reference_values.py), via lstsq."""
    from statsmodels.datasets import macrodata

    d = macrodata.load_pandas().data
    y = 400 * np.diff(np.log(d["realinv"].to_numpy()))
    g = 400 * np.diff(np.log(d["realgdp"].to_numpy()))
    r = d["realint"].to_numpy()[:-1]
    X = np.c_[np.ones_like(g), g, r]
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    return y - X @ beta


def test_shapiro_wilk_1965_example():
    w, p = _one(ref.SW1965, "shapiro")
    assert abs(w - ref.SW1965_W) <= _half_unit(ref.SW1965_W, 5)   # 0.83467: 5 digits
    # 0.000914 is R's printed 0.0009135 rounded once more (scipy's test keeps 5 decimals), so
    # two roundings: half a unit at 4 digits plus half a unit at 3 digits.
    assert abs(p - ref.SW1965_P) <= _half_unit(ref.SW1965_P, 3) + _half_unit(ref.SW1965_P, 4)
    # same algorithm as scipy.stats.shapiro (Royston AS R94): full precision agreement
    from scipy import stats
    assert_allclose((w, p), tuple(stats.shapiro(ref.SW1965)), rtol=1e-6)


def test_mtcars_shapiro_and_anderson_against_R():
    w, p = _one(ref.MTCARS_MPG, "shapiro")
    assert abs(w - ref.MTCARS_SW[0]) <= _half_unit(ref.MTCARS_SW[0], 5)
    assert abs(p - ref.MTCARS_SW[1]) <= _half_unit(ref.MTCARS_SW[1], 4)
    a, p = _one(ref.MTCARS_MPG, "anderson")
    assert abs(a - ref.MTCARS_AD[0]) <= _half_unit(ref.MTCARS_AD[0], 5)
    assert abs(p - ref.MTCARS_AD[1]) <= _half_unit(ref.MTCARS_AD[1], 4)


@pytest.mark.parametrize("test, expected", [("dagostino", ref.MTCARS_K2),
                                            ("jarque_bera", ref.MTCARS_JB)])
def test_mtcars_moment_tests_against_scipy(test, expected):
    # same formulas, full precision references: 1e-6 relative (observed ~1e-14)
    assert_allclose(_one(ref.MTCARS_MPG, test), expected, rtol=1e-6)


def test_dagostino_against_R_fBasics():
    assert_allclose(_one(ref.DAGO_X, "dagostino"), ref.DAGO_K2, rtol=1e-6)


def test_jarque_bera_against_R_tseries():
    assert_allclose(_one(ref.JB_X, "jarque_bera"), ref.JB_R, rtol=1e-6)


@pytest.mark.parametrize("x, expected", [(ref.SW_GH14462_X, ref.SW_GH14462),
                                         (ref.SW_N3_X, ref.SW_N3)])
def test_shapiro_against_R_quoted_by_scipy(x, expected):
    # gh14462: values ~1e-8 around 0 (location/scale invariance); n = 3: exact p-value
    assert_allclose(_one(x, "shapiro"), expected, rtol=1e-6)


def test_lilliefors_against_R_nortest_quoted_by_statsmodels():
    resid = macrodata_residuals()
    assert_allclose(_one(resid, "lilliefors"), ref.MACRO_LILLIE_1, rtol=1e-6)
    # p ~ 1e-51: Dallal–Wilkinson's exp() formula carries the relative accuracy through
    assert_allclose(_one(resid ** 2, "lilliefors"), ref.MACRO_LILLIE_2, rtol=1e-6)
    d, _ = _one(resid[:20], "lilliefors")
    assert_allclose(d, ref.MACRO_LILLIE_3[0], rtol=1e-6)


@pytest.mark.xfail(strict=True, reason=(
    "statsmodels quotes p = 0.455683 for lillie.test(resid[1:20]) from an R nortest version "
    "whose p > 0.1 branch differs from the current nortest formula we implement (we give "
    "0.46187; statsmodels' own test only checks 1 decimal, 'R uses different approximation')."))
def test_lilliefors_small_sample_pvalue_other_nortest_version():
    _, p = _one(macrodata_residuals()[:20], "lilliefors")
    assert_allclose(p, ref.MACRO_LILLIE_3[1], rtol=1e-6)


def test_lilliefors_small_sample_pvalue_close_to_old_R():
    # the two Stephens-branch approximations agree to ~0.01 (the size of their difference)
    _, p = _one(macrodata_residuals()[:20], "lilliefors")
    assert abs(p - ref.MACRO_LILLIE_3[1]) < 0.01


def test_anderson_against_R_nortest_quoted_by_statsmodels():
    resid = macrodata_residuals()
    assert_allclose(_one(resid, "anderson"), ref.MACRO_AD_1, rtol=1e-6)
    assert_allclose(_one(resid[:20], "anderson"), ref.MACRO_AD_3, rtol=1e-6)


def test_anderson_finite_where_statsmodels_gives_inf():
    # statsmodels' test asserts normal_ad(resid**2) has A² = inf; log-survival keeps it finite
    a, p = _one(macrodata_residuals() ** 2, "anderson")
    assert np.isfinite(a) and a > 20
    assert p == pytest.approx(3.7e-24)  # nortest's floor, reported as such
    res = sc.gaussianity(macrodata_residuals() ** 2, tests=("anderson",))
    assert res.at_floor[0, 0] and res.pvalue_floor[0] == pytest.approx(3.7e-24)
