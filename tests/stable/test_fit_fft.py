"""The FFT log-density that drives the likelihood, against independent values."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import levy_stable

from stablecheck.stable._fit_fft import logpdf_std, logpdf_std_dz

Z_BODY = np.array([-20.0, -5.0, -1.5, -0.3, 0.0, 0.4, 1.0, 3.0, 12.0])


@pytest.mark.parametrize("alpha, beta", [(1.5, 0.0), (1.5, 0.5), (0.8, -0.9), (1.0, 0.5),
                                         (1.3, 1.0), (1.95, -0.3), (1.8, 0.5)])
def test_body_matches_scipy(alpha, beta):
    # scipy's S0 pdf (Nolan's integral; held to 1e-11 against STABLE away from alpha = 1
    # tails). Our error budget: cubic Hermite on h = 0.05, ~1e-7 relative; the removal of the
    # periodic images (leading power tail at distance ~800, next term ~800^-alpha smaller)
    # leaves an absolute error of ~4e-8 at alpha = 0.8 with beta = -0.9 (largest among these
    # cases). Hence rtol 2e-6, atol 1e-7 on the density. Where f < 1e-13 (light side of
    # beta = 1) the FFT round-off floor is reached; atol covers that too.
    saved = levy_stable.parameterization
    levy_stable.parameterization = "S0"
    try:
        ref = levy_stable.pdf(Z_BODY, alpha, beta)
    finally:
        levy_stable.parameterization = saved
    np.testing.assert_allclose(np.exp(logpdf_std(Z_BODY, alpha, beta)), ref, rtol=2e-6,
                               atol=1e-7)


def test_cauchy_closed_form_including_tails():
    # alpha = 1, beta = 0 is Cauchy: 1 / (pi (1 + z^2)). Body to 1e-7; beyond |z| = 287 the
    # leading tail term 1 / (pi z^2) is used: relative error 1 / z^2 < 2e-5.
    z = np.array([0.0, 0.7, 5.0, 60.0, 250.0, 400.0, 1e4, -3e5])
    ref = -np.log(np.pi * (1 + z * z))
    np.testing.assert_allclose(logpdf_std(z, 1.0, 0.0), ref, rtol=0, atol=2e-5)


def test_gaussian_closed_form():
    z = np.linspace(-12, 12, 9)
    ref = -z * z / 4 - np.log(2 * np.sqrt(np.pi))  # alpha = 2: N(0, 2)
    np.testing.assert_allclose(logpdf_std(z, 2.0, 0.7), ref, rtol=1e-14)


def test_reflection():
    z = np.linspace(-30, 30, 61)
    np.testing.assert_allclose(logpdf_std(z, 1.2, 0.6), logpdf_std(-z, 1.2, -0.6),
                               rtol=0, atol=1e-9)


@pytest.mark.parametrize("alpha, beta", [(1.5, 0.5), (0.9, -0.4), (1.0, 0.8)])
def test_dz_is_derivative_of_logpdf(alpha, beta):
    # d/dz of the Hermite interpolant vs a central difference of it (step 1e-6: error
    # ~1e-6 * |f'''| + 1e-16 / 1e-6): 1e-6 absolute.
    z = np.array([-40.0, -2.3, -0.01, 0.37, 1.9, 25.0, 500.0])
    _, d = logpdf_std_dz(z, alpha, beta)
    e = 1e-6
    fd = (logpdf_std(z + e, alpha, beta) - logpdf_std(z - e, alpha, beta)) / (2 * e)
    np.testing.assert_allclose(d, fd, rtol=0, atol=1e-6)


def test_density_integrates_to_one():
    # trapezoid on [-2000, 2000] with analytic tail masses k_a (1 +- b) / (a 2000^a) added
    from scipy.special import gamma
    a, b = 1.4, 0.3
    z = np.linspace(-2000, 2000, 2_000_001)
    mass = np.trapezoid(np.exp(logpdf_std(z, a, b)), z)
    k = np.sin(np.pi * a / 2) * gamma(a + 1) / np.pi
    mass += k * 2 / (a * 2000**a)
    assert abs(mass - 1) < 1e-4


@pytest.mark.parametrize("alpha, beta", [(0.7, 0.4), (0.999, -0.6), (1.001, 0.6), (1.6, -1.0),
                                         (1.999, 0.5)])
def test_body_matches_exact_engine(alpha, beta):
    # The engine (stablecheck.stable, Nolan's integral, its own mpmath-checked tests) is exact
    # to ~1e-12 here; same error budget as against scipy (rtol 2e-6, atol 1e-7 on the density).
    # At alpha = 0.7 the frequency cut at 62.8 leaves exp(-62.8^0.7) ~ 1e-8 of the
    # characteristic function (measured 2.4e-8 absolute), still inside atol.
    from stablecheck.stable import pdf

    z = np.linspace(-20, 20, 81)
    np.testing.assert_allclose(np.exp(logpdf_std(z, alpha, beta)), pdf(z, alpha, beta),
                               rtol=2e-6, atol=1e-7)


@pytest.mark.parametrize("alpha, beta", [(1.9975, 1.0), (1.99, 0.9999), (1.9975, -1.0)])
def test_light_tail_of_near_gaussian_totally_skewed_laws(alpha, beta):
    # Regression (found by check_gof_test on stable_gof): where the FFT density falls below
    # its round-off floor the power tail replaces it, but it was evaluated at z = 1 instead of
    # z, so the light tail of laws with alpha ~ 2 and |beta| ~ 1 got a flat density ~5e-3 and
    # the tabulated CDF reached 2.37. The leading tail there is (1 - |beta|) k_a |z|^-(a+1)
    # (k_a ~ 4e-3 at alpha = 1.9975), far below 1e-9 beyond |z| = 20.
    z = -np.sign(beta) * np.array([20.0, 100.0, 286.0])
    assert np.all(logpdf_std(z, alpha, beta) < np.log(1e-9))
    from stablecheck.gof._stable_grid import _density

    total = _density(alpha, beta)[3][-1]  # integral of the tabulated density
    assert abs(total - 1.0) < 1e-6  # the FFT density's own error is ~1e-8 per unit mass
