"""Internal consistency of the exact engine: integrals, monotonicity, quantiles, symmetries."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate

from stablecheck import stable

GRID = [(0.4, 0.3), (0.8, -1.0), (1.0, 0.5), (1.0, 1.0), (1.0 + 1e-7, -0.7), (1.3, 1.0),
        (1.5, 0.0), (1.9, -0.4), (0.999, 1.0)]


@pytest.mark.parametrize(("a", "b"), GRID)
def test_pdf_integrates_to_cdf_differences(a, b):
    # Gauss-Kronrod (scipy.quad) of our pdf between quantiles vs our cdf differences;
    # quad's own error is below 1e-12 on these smooth intervals.
    pts = stable.ppf([0.05, 0.3, 0.6, 0.9], a, b)
    F = stable.cdf(pts, a, b)
    for lo, hi, dF in zip(pts[:-1], pts[1:], np.diff(F), strict=True):
        val, err = integrate.quad(lambda x: stable.pdf(x, a, b), lo, hi, epsabs=0,
                                  epsrel=1e-12, limit=200)
        assert abs(val - dF) <= 1e-10 * max(dF, 1e-3)


@pytest.mark.parametrize(("a", "b"), GRID)
def test_cdf_monotone_and_in_range(a, b):
    x = np.sort(np.concatenate([np.linspace(-30, 30, 601), -np.logspace(-3, 8, 60),
                                np.logspace(-3, 8, 60)]))
    F = stable.cdf(x, a, b)
    S = stable.sf(x, a, b)
    assert np.all(np.diff(F) >= 0)
    assert np.all(np.diff(S) <= 0)
    assert np.all((F >= 0) & (F <= 1))
    # F + S = 1 to rounding (computed by separate integrals)
    assert np.max(np.abs(F + S - 1)) <= 1e-13


@pytest.mark.parametrize(("a", "b"), GRID)
def test_cdf_ppf_roundtrip(a, b):
    q = np.array([1e-12, 1e-6, 1e-3, 0.1, 0.37, 0.5, 0.8, 0.999, 1 - 1e-8])
    x = stable.ppf(q, a, b)
    lo = q < 0.5
    # issue: cdf(ppf(q)) = q to 1e-10 (here relative to the smaller tail probability)
    F = stable.cdf(x, a, b)
    S = stable.sf(x, a, b)
    assert np.max(np.abs(F[lo] / q[lo] - 1)) <= 1e-10
    assert np.max(np.abs(S[~lo] / (1 - q[~lo]) - 1)) <= 1e-10
    xi = stable.isf(1 - q[lo], a, b)
    np.testing.assert_allclose(xi, x[lo], rtol=1e-9)


def test_ppf_bounds_and_support():
    assert stable.ppf(0.0, 1.5, 0.0) == -np.inf and stable.ppf(1.0, 1.5, 0.0) == np.inf
    zeta = -np.tan(np.pi * 0.7 / 2)  # alpha < 1, beta = 1: support [zeta, inf)
    assert stable.ppf(0.0, 0.7, 1.0) == pytest.approx(zeta, rel=1e-15)
    assert stable.pdf(zeta - 1.0, 0.7, 1.0) == 0.0
    assert stable.cdf(zeta - 1.0, 0.7, 1.0) == 0.0


@pytest.mark.parametrize(("a", "b"), GRID)
def test_reflection(a, b):
    x = np.array([-1e5, -7.0, -1.1, -0.2, 0.0, 0.3, 2.0, 40.0, 3e6])
    np.testing.assert_allclose(stable.logpdf(x, a, b), stable.logpdf(-x, a, -b), rtol=1e-13,
                               atol=1e-13)
    np.testing.assert_allclose(stable.logcdf(x, a, b), stable.logsf(-x, a, -b), rtol=1e-13,
                               atol=1e-13)


@pytest.mark.parametrize(("a", "b", "s", "m"), [(1.5, 0.5, 2.0, 3.0), (1.0, -0.8, 0.3, -1.0),
                                                (0.6, 1.0, 5.0, 0.0), (1.0, 0.4, 1.0, 2.0)])
def test_s0_s1_roundtrip(a, b, s, m):
    x = np.linspace(-10, 10, 21)
    m0 = stable.s1_to_s0_loc(a, b, s, m)
    assert stable.s0_to_s1_loc(a, b, s, m0) == pytest.approx(m, abs=1e-12)
    np.testing.assert_allclose(stable.pdf(x, a, b, s, m, param="S1"),
                               stable.pdf(x, a, b, s, m0, param="S0"), rtol=1e-14)
    d = stable.AlphaStable(a, b, s, m, "S1")
    assert d.to("S0").to("S1").loc == pytest.approx(m, abs=1e-12)


@pytest.mark.parametrize("b", [-1.0, -0.3, 0.0, 0.6, 1.0])
def test_continuity_across_alpha_one(b):
    # S0 is continuous in alpha: no jump > 1e-8 between alpha = 1 - 1e-6, 1, 1 + 1e-6.
    x = np.array([-50.0, -4.0, -1.0, -0.1, 0.0, 0.5, 2.0, 9.0, 300.0])
    mid = stable.pdf(x, 1.0, b)
    for a in (1 - 1e-6, 1 + 1e-6):
        got = stable.pdf(x, a, b)
        assert np.max(np.abs(got - mid) / np.maximum(mid, 1e-300)) <= 1e-8
        assert np.max(np.abs(stable.cdf(x, a, b) - stable.cdf(x, 1.0, b))) <= 1e-8


def test_no_nan_nonnegative_on_random_grid(rng):
    n = 3000
    a = rng.uniform(0.05, 2.0, n)
    a[:300] = 1.0 + rng.uniform(-1e-3, 1e-3, 300)
    a[300:400] = 1.0
    b = rng.uniform(-1, 1, n)
    b[::7] = np.sign(b[::7])
    x = rng.standard_cauchy(n) * 10 ** rng.uniform(-3, 3, n)
    f = stable.pdf(x, a, b)
    lp = stable.logpdf(x, a, b)
    F = stable.cdf(x, a, b)
    assert not np.any(np.isnan(f)) and not np.any(np.isnan(lp)) and not np.any(np.isnan(F))
    assert np.all(f >= 0) and np.all((F >= 0) & (F <= 1))


def test_infinite_x():
    assert stable.pdf(np.inf, 1.2, 0.3) == 0.0
    assert stable.cdf(-np.inf, 1.2, 0.3) == 0.0 and stable.cdf(np.inf, 1.2, 0.3) == 1.0


def test_logpdf_light_tail_is_finite():
    # beta = 1, alpha = 1.5 left tail decays like exp(-c |x|^3): pdf underflows, logpdf not.
    lp = stable.logpdf(-1e3, 1.5, 1.0)
    assert np.isfinite(lp) and lp < -1e7
    assert stable.pdf(-1e3, 1.5, 1.0) == 0.0
