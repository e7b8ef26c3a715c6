"""gaussianity(): agreement with the anchors, vectorisation, policies, heavy tails, results."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from gof_helpers import sas_rvs
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats

import stablecheck as sc
from stablecheck.errors import DataWarning, NumericalWarning, SmallSampleWarning
from stablecheck.gof import DEFAULT_TESTS, TESTS

ALL = tuple(TESTS)


@pytest.fixture(scope="module")
def mixed():
    """Columns of different shapes: Gaussian, t5, skewed, uniform."""
    rng = np.random.default_rng(11)
    n = 300
    return np.column_stack([rng.normal(3, 2, n), rng.standard_t(5, n), rng.gamma(4.0, size=n),
                            rng.uniform(size=n), rng.logistic(size=n)])


# ------------------------------------------------------------------ agreement with anchors

@pytest.mark.parametrize("n", [3, 4, 7, 11, 12, 50, 1000, 4999])
def test_shapiro_matches_scipy_per_column(n):
    # Same algorithm (Royston AS R94). scipy's W carries ~1e-8 relative error at n ~ 5000
    # (ours agrees with a 40-digit mpmath evaluation to 1e-15, see below); p is
    # exponentially sensitive to W in the far tail, so p is compared to 1e-6 where p > 1e-10.
    rng = np.random.default_rng(n)
    x = rng.standard_t(4, size=(n, 7))
    res = sc.gaussianity(x, tests="shapiro")
    ref = np.array([stats.shapiro(x[:, j]) for j in range(x.shape[1])]).T
    assert_allclose(res.statistic[0], ref[0], rtol=1e-7)
    keep = ref[1] > 1e-10
    assert_allclose(res.pvalue[0][keep], ref[1][keep], rtol=1e-6)


def test_shapiro_w_against_mpmath():
    # W from Royston's coefficients evaluated with 40 digits (mpmath) for one n = 2000 sample.
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 40
    rng = np.random.default_rng(2000)
    x = np.sort(rng.standard_t(4, size=2000))
    n = x.size
    m = [mp.sqrt(2) * mp.erfinv(2 * mp.mpf(i - 0.375) / (n + 0.25) - 1) for i in range(1, n + 1)]
    summ2 = sum(v * v for v in m)
    c = [v / mp.sqrt(summ2) for v in m]
    u = 1 / mp.sqrt(n)
    c1 = (0.0, 0.221157, -0.147981, -2.07119, 4.434685, -2.706056)
    c2 = (0.0, 0.042981, -0.293762, -1.752461, 5.682633, -3.582633)
    an = c[-1] + sum(mp.mpf(k) * u ** i for i, k in enumerate(c1))
    an1 = c[-2] + sum(mp.mpf(k) * u ** i for i, k in enumerate(c2))
    phi = (summ2 - 2 * m[-1] ** 2 - 2 * m[-2] ** 2) / (1 - 2 * an ** 2 - 2 * an1 ** 2)
    a = [v / mp.sqrt(phi) for v in m]
    a[-1], a[-2], a[0], a[1] = an, an1, -an, -an1
    xm = [mp.mpf(float(v)) for v in x]
    mean = sum(xm) / n
    w = (sum(ai * (xi - mean) for ai, xi in zip(a, xm, strict=True)) ** 2
         / (sum(ai * ai for ai in a) * sum((xi - mean) ** 2 for xi in xm)))
    res = sc.gaussianity(x, tests="shapiro")
    assert_allclose(res.statistic[0, 0], float(w), rtol=1e-12)  # double-precision round-off


def test_moment_tests_match_scipy_axis(mixed):
    res = sc.gaussianity(mixed, tests=("dagostino", "jarque_bera"))
    # identical formulas; only summation order differs -> 1e-10 relative
    k2 = stats.normaltest(mixed, axis=0)
    jb = stats.jarque_bera(mixed, axis=0)
    assert_allclose(res.statistic, [k2.statistic, jb.statistic], rtol=1e-10)
    assert_allclose(res.pvalue, [k2.pvalue, jb.pvalue], rtol=1e-10)


def test_anderson_matches_statsmodels_where_finite(mixed):
    from statsmodels.stats.diagnostic import normal_ad

    res = sc.gaussianity(mixed, tests="anderson")
    a, p = normal_ad(mixed, axis=0)
    assert_allclose(res.statistic[0], a, rtol=1e-10)
    assert_allclose(res.pvalue[0], p, rtol=1e-10)  # all AA < 10 here: same formula


def test_lilliefors_statistic_matches_statsmodels(mixed):
    from statsmodels.stats.diagnostic import lilliefors

    res = sc.gaussianity(mixed, tests="lilliefors")
    d = [lilliefors(mixed[:, j], pvalmethod="approx")[0] for j in range(mixed.shape[1])]
    assert_allclose(res.statistic[0], d, rtol=1e-12)


def test_cramervonmises_statistic_by_definition(mixed):
    res = sc.gaussianity(mixed, tests="cramervonmises")
    for j in range(mixed.shape[1]):
        x = np.sort(mixed[:, j])
        n = x.size
        u = stats.norm.cdf((x - x.mean()) / x.std(ddof=1))
        w = 1 / (12 * n) + np.sum((u - (2 * np.arange(1, n + 1) - 1) / (2 * n)) ** 2)
        assert_allclose(res.statistic[0, j], w, rtol=1e-12)


# ------------------------------------------------------------------ vectorisation / axis

def test_columns_equal_one_at_a_time(mixed):
    full = sc.gaussianity(mixed, tests=ALL)
    for j in range(mixed.shape[1]):
        one = sc.gaussianity(mixed[:, j], tests=ALL)
        assert_allclose(one.statistic[:, 0], full.statistic[:, j], rtol=1e-12)
        assert_allclose(one.pvalue[:, 0], full.pvalue[:, j], rtol=1e-12)


def test_axis_1_is_transpose_and_axis_none_pools(mixed):
    a0 = sc.gaussianity(mixed, tests=ALL)
    a1 = sc.gaussianity(mixed.T, tests=ALL, axis=1)
    assert_allclose(a1.pvalue, a0.pvalue, rtol=1e-12)
    pooled = sc.gaussianity(mixed, tests=ALL, axis=None)
    flat = sc.gaussianity(mixed.ravel(), tests=ALL)
    assert pooled.pvalue.shape == (len(ALL), 1) and pooled.axis is None
    assert_allclose(pooled.pvalue, flat.pvalue, rtol=1e-12)


def test_location_scale_invariance_and_huge_magnitudes(mixed):
    base = sc.gaussianity(mixed, tests=ALL)
    for a, b in [(1e300 / 50, 0.0), (1e-300, 0.0), (3.0, 1e6)]:
        res = sc.gaussianity(mixed * a + b, tests=ALL)
        assert np.all(np.isfinite(res.statistic))
        # relative 1e-6: adding 1e6 to O(1) data costs ~1e-10 of the mantissa
        assert_allclose(res.statistic, base.statistic, rtol=1e-6)


@pytest.mark.parametrize("x", [
    np.r_[np.zeros(99), 1e-320],                        # subnormal spread
    np.arange(100) % 5 * 5e-324,                         # multiples of the smallest subnormal
    1 + np.r_[np.zeros(99), 2.2e-16],                    # one ulp away from constant
    np.r_[1e308, -1e308, np.zeros(98)],                  # range beyond float64 max
    np.r_[np.zeros(50), np.ones(50)],                    # two values
])
def test_pathological_finite_inputs_give_finite_results(x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        res = sc.gaussianity(x, tests=ALL)
    assert np.isfinite(res.statistic).all() and np.isfinite(res.pvalue).all()
    assert np.isfinite([res.ks_distance, res.w1_distance, res.excess_kurtosis,
                        res.tail_ratio]).all()


def test_float32_input(mixed):
    res32 = sc.gaussianity(mixed.astype(np.float32), tests=ALL)
    res64 = sc.gaussianity(mixed.astype(np.float32).astype(np.float64), tests=ALL)
    assert_allclose(res32.statistic, res64.statistic, rtol=1e-12)


# ------------------------------------------------------------------ heavy tails: no NaN

@pytest.mark.parametrize("dist", ["sas1.2", "sas1.5", "sas1.9", "t2"])
@pytest.mark.parametrize("n", [100, 10_000, 100_000])
def test_no_nan_pvalue_on_heavy_tails(dist, n):
    rng = np.random.default_rng(abs(hash((dist, n))) % 2**32)
    cols = 4 if n <= 10_000 else 2
    if dist == "t2":
        x = rng.standard_t(2, size=(n, cols))
    else:
        x = sas_rvs(float(dist[3:]), (n, cols), rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalWarning)  # SW beyond n = 5000
        res2 = sc.gaussianity(x, tests=ALL)
        res1 = sc.gaussianity(x[:, 0], tests=ALL)
    for res in (res2, res1):
        assert not np.isnan(res.pvalue).any()
        assert ((res.pvalue >= 0) & (res.pvalue <= 1)).all()
        assert np.isfinite(res.statistic).all()  # log-survival AD: finite A²
    if n >= 10_000:  # all tests see these tails
        assert (res2.pvalue < 1e-3).all()


def test_statsmodels_normal_ad_trap_avoided():
    # statsmodels returns A² = inf -> NaN p-value with axis= for tails beyond ~8.3 sd
    rng = np.random.default_rng(5)
    x = sas_rvs(1.8, (1000, 200), rng)
    res = sc.gaussianity(x, tests="anderson")
    assert np.isfinite(res.statistic).all() and not np.isnan(res.pvalue).any()
    assert not res.infinite_statistic.any()


def test_edf_pvalues_monotone_over_whole_range():
    from stablecheck.gof._kernels import _p_anderson, _p_cramervonmises, _p_lilliefors

    a = np.linspace(0.0, 500.0, 500_001)  # past statsmodels' turn-around at AA ~ 153
    for n in (8, 50, 5000):
        p, floor = _p_anderson(a, n)
        assert np.all(np.diff(p) <= 0)
        assert p[-1] == pytest.approx(3.7e-24, rel=1e-12) and floor[-1]
        p, floor = _p_cramervonmises(a / 100, n)
        assert np.all(np.diff(p) <= 0)
        assert p[-1] == pytest.approx(7.37e-10, rel=1e-3) and floor[-1]  # nortest's, 3 digits
    d = np.linspace(0.0, 1.0, 100_001)
    for n in (5, 20, 1000):
        p, _ = _p_lilliefors(d, n)
        # nortest's Stephens polynomials above p = 0.1 jump by <= 0.01 (documented)
        assert np.all(np.diff(p) <= 0.01)
        assert np.all(np.diff(p[p < 0.015]) <= 0)


def test_anderson_equals_nortest_formula_off_the_seam():
    from stablecheck.gof._kernels import _p_anderson

    aa = np.r_[np.linspace(0.01, 0.599, 500), np.linspace(0.6039, 9.99, 500)]
    n = 50
    p, _ = _p_anderson(aa / (1 + 0.75 / n + 2.25 / n ** 2), n)
    ref = np.select([aa < 0.2, aa < 0.34, aa < 0.6],
                    [1 - np.exp(-13.436 + 101.14 * aa - 223.73 * aa ** 2),
                     1 - np.exp(-8.318 + 42.796 * aa - 59.938 * aa ** 2),
                     np.exp(0.9177 - 4.279 * aa - 1.38 * aa ** 2)],
                    np.exp(1.2937 - 5.709 * aa + 0.0186 * aa ** 2))
    assert_allclose(p, ref, rtol=1e-12)


def test_infinite_statistic_gives_zero_pvalue_with_flag(monkeypatch):
    from stablecheck.gof import _kernels

    spec = _kernels.TESTS["jarque_bera"]
    fake = _kernels.GofTest(**{**spec.__dict__, "statistic": lambda b: np.full(b.xs.shape[1],
                                                                                np.inf)})
    monkeypatch.setitem(_kernels.TESTS, "jarque_bera", fake)
    with pytest.warns(NumericalWarning, match="infinite"):
        res = sc.gaussianity(np.random.default_rng(0).normal(size=(50, 3)), tests="jarque_bera")
    assert_array_equal(res.pvalue, 0.0)
    assert res.infinite_statistic.all()


# ------------------------------------------------------------------ Monte-Carlo p-values

def test_monte_carlo_pvalues(mixed):
    res = sc.gaussianity(mixed, tests=ALL, pvalue_method="monte_carlo", n_resamples=999, rng=3)
    again = sc.gaussianity(mixed, tests=ALL, pvalue_method="monte_carlo", n_resamples=999,
                           rng=3)
    assert_array_equal(res.pvalue, again.pvalue)
    assert_allclose(res.pvalue_floor, 1 / 1000)
    assert (res.pvalue >= 1 / 1000).all() and (res.pvalue <= 1).all()
    # the Gaussian column is not rejected by MC or asymptotic; gamma(4) is, by both
    asy = sc.gaussianity(mixed, tests=ALL)
    assert (res.pvalue[:, 2] < 0.05).sum() == (asy.pvalue[:, 2] < 0.05).sum()
    # one simulated null per (test, n) kept for reuse
    assert set(res.null_distribution) == {f"{t}@n=300" for t in ALL}
    # MC and asymptotic p-values agree where the approximations are good (|diff| < 0.05
    # with 999 resamples: MC sd <= 0.016)
    mid = (asy.pvalue > 0.05) & (asy.pvalue < 0.95)
    assert np.abs(res.pvalue[mid] - asy.pvalue[mid]).max() < 0.06


def test_monte_carlo_varying_n_simulates_once_per_n():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(60, 6))
    x[:10, 0] = np.nan
    x[:5, 3] = np.nan
    with pytest.warns(DataWarning, match="dropped"):
        res = sc.gaussianity(x, tests=("shapiro",), nan_policy="omit",
                             pvalue_method="monte_carlo", n_resamples=199, rng=1)
    assert_array_equal(res.n_used, [50, 60, 60, 55, 60, 60])
    assert_array_equal(res.n, 60)
    assert_array_equal(res.n_dropped, [10, 0, 0, 5, 0, 0])
    assert sorted(res.null_distribution) == ["shapiro@n=50", "shapiro@n=55", "shapiro@n=60"]


# ------------------------------------------------------------------ policies and edge cases

def test_nan_policy():
    x = np.random.default_rng(4).normal(size=(40, 3))
    x[3, 1] = np.nan
    x[7, 2] = np.inf
    with pytest.raises(ValueError, match="2 of 120 values .* non-finite .*1 nan, 1 inf"):
        sc.gaussianity(x)
    with pytest.warns(DataWarning, match="propagate"):
        res = sc.gaussianity(x, nan_policy="propagate")
    assert np.isnan(res.pvalue[:, 1:]).all() and not np.isnan(res.pvalue[:, 0]).any()
    assert list(res.sample_flags) == ["", "nonfinite", "nonfinite"]
    with pytest.warns(DataWarning):
        res = sc.gaussianity(x, nan_policy="omit")
    ref = sc.gaussianity(x[np.isfinite(x[:, 1]), 1])
    assert_allclose(res.pvalue[:, 1], ref.pvalue[:, 0], rtol=1e-12)


def test_constant_and_short_columns():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(30, 3))
    x[:, 1] = 0.0
    with pytest.warns(DataWarning, match="1 of 3 samples are constant"):
        res = sc.gaussianity(x)
    assert np.isnan(res.pvalue[:, 1]).all() and res.sample_flags[1] == "constant"
    assert not np.isnan(res.pvalue[:, [0, 2]]).any()
    with pytest.raises(ValueError, match="all equal"):
        sc.gaussianity(np.ones(20))
    with pytest.raises(ValueError, match="2 usable values"):
        sc.gaussianity([1.0, 2.0])
    with pytest.warns(SmallSampleWarning, match="fewer than 8"):
        res = sc.gaussianity(rng.normal(size=6), tests=("shapiro", "anderson"))
    assert np.isnan(res.pvalue[1, 0]) and np.isfinite(res.pvalue[0, 0])


def test_many_zeros_do_not_break_effect_sizes():
    rng = np.random.default_rng(8)
    x = rng.normal(size=(200, 2))
    x[:150, 0] = 0.0  # IQR = 0: robust scale falls back to the sd
    with pytest.warns(DataWarning, match="IQR = 0"):
        res = sc.gaussianity(x)
    assert "iqr_zero" in res.sample_flags[0]
    assert np.isfinite(res.ks_distance).all() and not np.isnan(res.pvalue).any()


@pytest.mark.parametrize("kwargs, err, match", [
    ({"tests": "kolmogorov"}, ValueError, "`tests` must be one of"),
    ({"tests": ()}, ValueError, "at least one"),
    ({"axis": 2}, ValueError, "`axis` must be"),
    ({"axis": 1.0}, TypeError, "`axis` must be"),
    ({"nan_policy": "drop"}, ValueError, "`nan_policy` must be one of"),
    ({"pvalue_method": "exact"}, ValueError, "`pvalue_method` must be one of"),
    ({"pvalue_method": "monte_carlo", "n_resamples": 5}, ValueError, "n_resamples"),
    ({"pvalue_method": "monte_carlo", "rng": np.random.RandomState(0)}, TypeError, "rng"),
])
def test_argument_validation(kwargs, err, match):
    with pytest.raises(err, match=match):
        sc.gaussianity(np.random.default_rng(0).normal(size=(30, 2)), **kwargs)


@pytest.mark.parametrize("x, err", [(np.zeros((3, 3, 3)), ValueError), (["a", "b"], TypeError),
                                    (np.array([1 + 1j, 2j]), TypeError), (3.0, ValueError)])
def test_bad_data(x, err):
    with pytest.raises(err):
        sc.gaussianity(x)


# ------------------------------------------------------------------ the result object

def test_result_presentation(mixed):
    res = sc.gaussianity(mixed, tests=ALL)
    df = res.to_frame()
    assert len(df) == len(ALL) * mixed.shape[1]
    assert {"sample", "test", "statistic", "pvalue", "pvalue_floor", "n", "ks_distance",
            "w1_distance", "excess_kurtosis", "tail_ratio"} <= set(df.columns)
    row = df[(df.test == "shapiro") & (df["sample"] == 2)].iloc[0]
    assert row.pvalue == res.pvalue[0, 2]
    summ = res.rejection_summary(0.05, adjust="holm")
    assert list(summ.test) == list(ALL)
    assert (summ.fraction_rejecting_adjusted <= summ.fraction_rejecting).all()
    text = res.summary()
    assert "Shapiro–Wilk" in text and "after BH" in text
    stat, p = res.test_result("anderson", 0)
    assert (stat, p) == (res.statistic[3, 0], res.pvalue[3, 0])
    d = res.to_dict()
    assert d["tests"] == list(ALL) and len(d["pvalue"]) == len(ALL)
    assert "Shapiro" in sc.gaussianity(mixed[:, 0]).summary()
    assert "<table" in res._repr_html_() and "shapiro" in sc.gaussianity(mixed[:, 0])._repr_html_()
    assert DEFAULT_TESTS == sc.gaussianity(mixed).tests


def test_effect_sizes_scale_with_departure_not_n():
    rng = np.random.default_rng(9)
    g_small = sc.gaussianity(rng.normal(size=(500, 50)))
    with pytest.warns(NumericalWarning, match="n = 20000 > 5000"):
        g_big = sc.gaussianity(rng.normal(size=(20_000, 5)))
    with pytest.warns(NumericalWarning):
        heavy = sc.gaussianity(sas_rvs(1.5, (20_000, 5), rng))
    assert np.median(g_big.ks_distance) < np.median(g_small.ks_distance) < 0.05
    assert np.median(g_big.w1_distance) < 0.02
    assert (heavy.tail_ratio > 1.5).all() and (heavy.excess_kurtosis > 10).all()
    assert np.all(np.abs(g_big.tail_ratio - 1) < 0.05)


def test_column_chunking_gives_identical_results(monkeypatch, mixed):
    from stablecheck.gof import _battery

    x = np.column_stack([mixed] * 3)
    x[:7, 4] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        ref = sc.gaussianity(x, tests=ALL, nan_policy="omit")
        monkeypatch.setattr(_battery, "_BLOCK", 2 * x.shape[0])  # two columns per chunk
        res = sc.gaussianity(x, tests=ALL, nan_policy="omit")
    # same arithmetic per column; only SIMD/BLAS reduction order can differ with the width
    assert_allclose(res.statistic, ref.statistic, rtol=1e-12)
    assert_allclose(res.pvalue, ref.pvalue, rtol=1e-10)
    assert_allclose(res.w1_distance, ref.w1_distance, rtol=1e-12)
