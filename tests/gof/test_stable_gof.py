"""stable_gof and the tabulated stable law it (and gaussian_vs_stable) rely on."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pytest
from scipy import stats

import stablecheck as sc
from stablecheck.gof._stable_gof import stable_distances
from stablecheck.gof._stable_grid import std_logcdf_logsf, std_logpdf_dz

# Tolerances of the tabulated law against the exact engine (sc.stable, Nolan's integral),
# measured over z in [-200, 280] when written: the FFT density is ~1e-8 relative in the
# body; the CDF adds the split of the mass beyond +-286 between the tails, whose error is
# of the order of the second tail term (largest at small alpha / skewed laws).
CDF_CASES = [  # alpha, beta, abs tolerance on F
    (1.9, 0.0, 1e-7), (1.99, 0.3, 1e-7), (1.5, 0.5, 1e-6), (1.0, 0.0, 1e-6),
    (1.2, -0.9, 2e-5), (1.0, -0.7, 2e-5), (0.8, 0.5, 1e-4),
]


@pytest.mark.parametrize("alpha, beta, tol", CDF_CASES)
def test_tabulated_cdf_against_exact_engine(alpha, beta, tol):
    z = np.concatenate([np.linspace(-30, 30, 41) + 0.0137, [-200.0, -80.0, 80.0, 280.0]])
    lF, lS = std_logcdf_logsf(z, alpha, beta)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        F = sc.stable.cdf(z, alpha, beta)
    np.testing.assert_allclose(np.exp(lF), F, atol=tol, rtol=0)
    np.testing.assert_allclose(-np.expm1(lS), F, atol=tol, rtol=0)


@pytest.mark.parametrize("alpha, beta", [(1.95, 0.0), (1.8, 0.95), (1.5, -0.6), (1.2, 0.3)])
def test_tabulated_logpdf_against_exact_engine(alpha, beta):
    # body |z| <= 20: cubic Hermite of log f on h = 0.1 -> error ~ h^4 / 384 * (log f)''''
    # < 1e-6; 1e-5 leaves room for the FFT density's own error
    z = np.linspace(-20, 20, 81) + 0.031
    lf, dlf = std_logpdf_dz(z, alpha, beta)
    np.testing.assert_allclose(lf, sc.stable.logpdf(z, alpha, beta), atol=1e-5, rtol=0)
    h = 1e-5
    num = (std_logpdf_dz(z + h, alpha, beta)[0] - std_logpdf_dz(z - h, alpha, beta)[0]) / (2 * h)
    np.testing.assert_allclose(dlf, num, atol=1e-5)  # derivative of the same interpolant


def test_distances_match_scipy_for_the_gaussian_member(rng):
    # alpha = 2 is N(loc, 2 scale^2) in closed form: KS against scipy.stats.kstest, AD
    # against the textbook formula with scipy's normal log-cdf
    x = rng.normal(1.0, 3.0, size=257)
    scale = 3.0 / np.sqrt(2.0)
    ks, ad = stable_distances(x, 2.0, 0.0, scale, 1.0)
    ref = stats.kstest(x, stats.norm(1.0, 3.0).cdf).statistic
    assert ks == pytest.approx(ref, rel=1e-12)
    z = np.sort(x)
    i = np.arange(1, z.size + 1)
    lf = stats.norm.logcdf(z, 1.0, 3.0)
    ls = stats.norm.logsf(z, 1.0, 3.0)
    ad_ref = -z.size - np.sum((2 * i - 1) * (lf + ls[::-1])) / z.size
    assert ad == pytest.approx(ad_ref, rel=1e-10)


def test_result_api(rng):
    x = sc.stable.rvs(1.6, 0.2, 2.0, -1.0, size=300, rng=rng)
    res = sc.stable_gof(x, n_resamples=29, rng=1)
    assert isinstance(res, sc.StableGofResult)
    stat, p = res
    assert stat == res.ad_statistic and p == res.ad_pvalue
    assert res.null_distribution.shape == (29, 2) and res.n_failed == 0
    assert 0 < res.pvalue <= 1 and res.pvalue_floor == 1 / 30
    ks = sc.stable_gof(x, statistic="ks", n_resamples=29, rng=1)
    assert ks.statistic == res.ks_statistic and ks.pvalue == res.ks_pvalue
    assert "goodness of fit" in res.summary() and res.to_frame().shape[0] == 1
    # same seed, same answer; location-scale change of the data, same distances
    again = sc.stable_gof(x, n_resamples=29, rng=1)
    np.testing.assert_array_equal(again.null_distribution, res.null_distribution)
    moved = sc.stable_gof(5 * x + 2, n_resamples=19, rng=1)
    assert moved.ad_statistic == pytest.approx(res.ad_statistic, rel=1e-6)


def test_other_estimators_and_symmetric(rng):
    x = sc.stable.rvs(1.7, 0.0, size=200, rng=rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sc.stable_gof(x, method="ecf", symmetric=True, n_resamples=19, rng=3)
    assert res.method == "ecf" and res.beta == 0.0 and res.n_resamples == 19
    assert 0 < res.pvalue <= 1


def test_bad_input(rng):
    with pytest.raises(ValueError, match="`statistic`"):
        sc.stable_gof(rng.standard_normal(50), statistic="cvm")
    with pytest.raises(ValueError, match="`method`"):
        sc.stable_gof(rng.standard_normal(50), method="hill")
    with pytest.raises(ValueError, match="at least 20"):
        sc.stable_gof(rng.standard_normal(5))
    with pytest.raises(ValueError, match=">= 19"):
        sc.stable_gof(rng.standard_normal(50), n_resamples=3)


@pytest.mark.parametrize("kind", ["uniform", "two_point_mixture"])
def test_clearly_non_stable_data_get_small_p(kind, rng):
    # uniform: bounded, lighter than Gaussian; mixture of N(-3, 1) and N(3, 1): bimodal.
    # Both are far from every stable law at n = 500 (the AD distance is several times the
    # null's largest value), so even B = 49 gives the floor 0.02.
    n = 500
    if kind == "uniform":
        x = rng.uniform(size=n)
    else:
        x = rng.standard_normal(n) + np.where(rng.random(n) < 0.5, -3.0, 3.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sc.stable_gof(x, n_resamples=49, rng=2)
    assert res.pvalue <= 0.04
    assert res.ad_statistic > np.max(res.null_distribution[:, 1])


@pytest.mark.slow
@pytest.mark.parametrize("alpha, beta", [(1.5, 0.0), (1.8, 0.5)])
def test_pvalues_roughly_uniform_under_a_stable_law(alpha, beta):
    """R = 100 stable samples (n = 300), B = 49 each: p-values ~ U(0, 1).

    Checks: a KS test of the 100 AD p-values against U(0, 1) does not reject at 0.001, and
    the number of p <= 0.1 lies in the 99.9% binomial band of Bin(100, 0.1), [2, 21]
    (computed below). The parametric bootstrap is only approximately exact (the null depends
    on the estimated alpha, beta), which this coarse check would reveal only if gross.
    """
    t0 = time.perf_counter()
    rng = np.random.default_rng(int(alpha * 10 + beta * 10))
    r = 100
    ps = []
    for _ in range(r):
        x = sc.stable.rvs(alpha, beta, size=300, rng=rng)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ps.append(sc.stable_gof(x, n_resamples=49, rng=rng).pvalue)
    ps = np.array(ps)
    lo, hi = stats.binom.ppf([0.0005, 0.9995], r, 0.1)
    print(f"alpha={alpha} beta={beta}: #p<=0.1 = {np.sum(ps <= 0.1)}, KS p = "
          f"{stats.kstest(ps, 'uniform').pvalue:.3f}, {time.perf_counter() - t0:.0f} s")
    assert stats.kstest(ps, "uniform").pvalue > 0.001
    assert lo <= np.sum(ps <= 0.1) <= hi


def test_statistic_is_sign_invariant_when_the_fit_is_totally_skewed():
    # Regression (found by check_gof_test): n = 50 Gaussian data, quantile fit alpha ~ 2 with
    # beta clamped to -1 / +1 for x / -x. The mirrored fit's tabulated CDF exceeded 1 (flat
    # light tail of the FFT density), giving AD = -57.6 for -x instead of 0.513 for x.
    x = np.random.default_rng(2).standard_normal(50)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r1 = sc.stable_gof(x, n_resamples=19, rng=1)
        r2 = sc.stable_gof(-x, n_resamples=19, rng=1)
    assert abs(r1.beta) == 1.0 and r2.beta == -r1.beta
    assert r1.ad_statistic >= 0 and r2.ad_statistic >= 0
    # same distances up to the tables: the laws for beta and -beta are separate FFT
    # inversions, whose distribution functions agree to ~1e-8 absolute (module docs: error
    # below 1e-7 for alpha >= 1.5), which bounds the KS difference; AD was 100x off before
    np.testing.assert_allclose(r2.ks_statistic, r1.ks_statistic, rtol=0, atol=1e-7)
    np.testing.assert_allclose(r2.ad_statistic, r1.ad_statistic, rtol=1e-6)
