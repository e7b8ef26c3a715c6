"""Internal consistency of the exact engine: integrals, monotonicity, quantiles, symmetries."""

from __future__ import annotations

import numpy as np
import pytest

from stablecheck import stable

GRID = [(0.4, 0.3), (0.8, -1.0), (1.0, 0.5), (1.0, 1.0), (1.0 + 1e-7, -0.7), (1.3, 1.0),
        (1.5, 0.0), (1.9, -0.4), (0.999, 1.0)]


_GX, _GW = np.polynomial.legendre.leggauss(40)


@pytest.mark.parametrize(("a", "b"), GRID)
def test_pdf_integrates_to_cdf_differences(a, b):
    # Composite 40-point Gauss-Legendre (32 panels per interval) of our pdf between points in
    # the body vs our cdf differences.  The density is analytic there, so the rule's error is
    # far below the 1e-10 checked; pdf and cdf are computed by different integrals.
    # split at zeta = -beta tan(pi alpha / 2), where the density of alpha < 1 peaks sharply
    zeta = 0.0 if a == 1 else -b * np.tan(np.pi * a / 2)
    pts = np.unique(np.clip([-3.0, -1.0, zeta, 0.2, 1.5, 4.0], -3.0, 4.0))
    F = stable.cdf(pts, a, b)
    for lo, hi, dF in zip(pts[:-1], pts[1:], np.diff(F), strict=True):
        edges = np.linspace(lo, hi, 33)
        mid, half = (edges[1:] + edges[:-1]) / 2, (edges[1:] - edges[:-1]) / 2
        nodes = (mid[:, None] + half[:, None] * _GX).ravel()
        w = (half[:, None] * _GW).ravel()
        val = np.sum(w * stable.pdf(nodes, a, b))
        assert abs(val - dF) <= 1e-10 * max(dF, 1e-3), (lo, hi, val, dF)


@pytest.mark.parametrize(("a", "b"), GRID)
def test_cdf_monotone_and_in_range(a, b):
    x = np.sort(np.concatenate([np.linspace(-30, 30, 601), -np.logspace(-3, 8, 60),
                                np.logspace(-3, 8, 60)]))
    F = stable.cdf(x, a, b)
    S = stable.sf(x, a, b)
    # monotone up to rounding: near F = 1 the cdf is c1 + I/pi or 1 - I/pi, each with an
    # absolute rounding error of a few ulp of 1 (measured <= 2e-15), hence 1e-14
    assert np.all(np.diff(F) >= -1e-14)
    assert np.all(np.diff(S) <= 1e-14)
    assert np.all((F >= 0) & (F <= 1))
    # F + S = 1 to rounding (computed by separate integrals)
    assert np.max(np.abs(F + S - 1)) <= 1e-13


# (1 + 1e-7, -0.7) is the far tail at |alpha - 1| tiny: q = 1e-6 lands at x = -5.4e5, where
# the direct formula used to be 1e-9 off (its O(|x|) terms cancel); it is now the tail series /
# interpolation in alpha (_series.far_tail), within 1e-14 of mpmath there
# (tests/reference/stable/series_region_points.csv).
@pytest.mark.parametrize(("a", "b"), [GRID[i] for i in (1, 3, 4, 5, 6)])
def test_cdf_ppf_roundtrip(a, b):
    q = np.array([1e-12, 1e-6, 1e-3, 0.1, 0.37, 0.5, 0.8, 0.999, 1 - 1e-8])
    x = stable.ppf(q, a, b)
    lo = q < 0.5
    # issue: cdf(ppf(q)) = q to 1e-10 (here relative to the smaller tail probability)
    F = stable.cdf(x, a, b)
    S = stable.sf(x, a, b)
    assert np.max(np.abs(F[lo] / q[lo] - 1)) <= 1e-10
    assert np.max(np.abs(S[~lo] / (1 - q[~lo]) - 1)) <= 1e-10
    qm = np.array([0.1, 0.37, 0.5, 0.8])  # exactly representable complements
    np.testing.assert_allclose(stable.isf(1 - qm, a, b), stable.ppf(qm, a, b), rtol=1e-9,
                               atol=1e-12)


@pytest.mark.parametrize(("a", "b"), [(1.5, 0.3), (0.7, 1.0), (1.0, 0.5), (1.2, -0.99),
                                    (0.3, 0.2), (1.99, 0.9)])
def test_batch_ppf_equals_pointwise_and_reaches_far_quantiles(a, b):
    # 64+ probabilities at one (alpha, beta) start from the seed grid; fewer take the
    # bracket search: both must land on the same quantiles (to the solver's tolerance)
    q = np.concatenate([np.logspace(-15, -1, 40), np.linspace(0.1, 0.9, 40),
                        1 - np.logspace(-1, -15, 40)])
    x = stable.ppf(q, a, b)
    x_pt = np.concatenate([stable.ppf(q[i:i + 8], a, b) for i in range(0, q.size, 8)])
    np.testing.assert_allclose(x, x_pt, rtol=1e-11, atol=1e-300)
    lo = q < 0.5
    assert np.max(np.abs(stable.cdf(x[lo], a, b) / q[lo] - 1)) <= 1e-10
    assert np.max(np.abs(stable.sf(x[~lo], a, b) / (1 - q[~lo]) - 1)) <= 1e-10


def test_ppf_small_alpha_far_quantiles():
    # the bracket search used to stop widening at 4^80 = 1.5e48 and return that silently:
    # at alpha = 0.3 the quantile of 1 - q = 1e-15 is ~2.8e42 (fine) but at alpha = 0.03
    # the one of q = 1e-6 is -5.25e189 (S ~ 0.49 x^-0.03, Gamma(a) sin(pi a / 2) / pi)
    x = stable.ppf(1e-6, 0.03, 0.0)
    assert -1e190 < x < -1e189
    assert stable.cdf(x, 0.03, 0.0) == pytest.approx(1e-6, rel=1e-10)
    # beyond the float range: +-inf (q = 1e-15 at alpha = 0.03 lies near -1e489)
    assert stable.ppf(1e-15, 0.03, 0.0) == -np.inf
    assert stable.isf(1e-15, 0.03, 0.0) == np.inf
    # q = 1/2 at beta = 0 is 0 even where the cdf climbs within 1e-70 of it (alpha = 0.01)
    assert np.all(stable.ppf(np.full(70, 0.5), 0.01, 0.0) == 0.0)


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
    # S0 is smooth in alpha, so the genuine change over d = 1e-6 is ~d * dlogf/dalpha (up to
    # ~1e-5 relative); a jump at alpha = 1 would show in the symmetric second difference
    # f(1+d) - 2 f(1) + f(1-d) = O(d^2 f''), which must stay below 1e-8 relative.
    x = np.array([-50.0, -4.0, -1.0, -0.1, 0.0, 0.5, 2.0, 9.0, 300.0])
    # The check is done on log f (relative in f), which also covers the beta = +-1 light
    # tail where f ~ 1e-54 changes by a factor exp(+-1e-3) over d (smooth, not a jump).
    d = 1e-6
    l0, lm, lp = (stable.logpdf(x, a, b) for a in (1.0, 1 - d, 1 + d))
    fin = np.isfinite(l0)
    assert np.all(np.isneginf(lm[~fin])) and np.all(np.isneginf(lp[~fin]))
    # deep light tail (log f < -100): log f varies like exp(k alpha) with k ~ 1e3, its
    # curvature is genuine; continuity there is covered by the mpmath table at
    # alpha = 1 - 1e-5, 1, 1 + 1e-5 (each within 1e-10 of mpmath)
    body = fin & (l0 > -100)
    l0, lm, lp = l0[body], lm[body], lp[body]
    assert np.max(np.abs(lp - 2 * l0 + lm)) <= 1e-8
    f0, fm, fp = np.exp(l0), np.exp(lm), np.exp(lp)
    # first differences: ~d * df/dalpha, small but not zero
    assert max(np.max(np.abs(fp - f0)), np.max(np.abs(fm - f0))) <= 1e-4 * np.max(f0)
    F0, Fm, Fp = (stable.cdf(x, a, b) for a in (1.0, 1 - d, 1 + d))
    assert np.max(np.abs(Fp - 2 * F0 + Fm)) <= 1e-8


@pytest.mark.parametrize("b", [-1.0, -0.3, 0.0, 0.6, 1.0])
def test_continuity_across_alpha_one_far_tails(b):
    # Same check at |x| = 1e3 .. 1e8, where alpha ~ 1 is evaluated by the tail series or the
    # interpolation in alpha through alpha = 1 +- {2, 4, 6}e-3 (alpha = 1 included): no jump
    # above 1e-8 in log f or log F (measured <= 2.3e-12; the genuine second difference over
    # d = 1e-6 is ~1e-12 d^2-small, what remains is rounding).
    x = np.array([-1e8, -1e6, -1e4, -1e3, 1e3, 1e4, 1e6, 1e8])
    d = 1e-6
    for fn in (stable.logpdf, stable.logcdf):
        l0, lm, lp = (fn(x, a, b) for a in (1.0, 1 - d, 1 + d))
        body = np.isfinite(l0) & (l0 > -100)  # beta = +-1 light side: -inf / super-light
        assert np.all(np.isfinite(lm[body]) & np.isfinite(lp[body]))
        assert np.max(np.abs(lp[body] - 2 * l0[body] + lm[body])) <= 1e-8


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
