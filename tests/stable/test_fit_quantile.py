"""McCulloch quantile estimator: table provenance, accuracy, exact symmetry, boundaries."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.stats import levy_stable
from test_fit_sampler import cms_s0

import stablecheck as sc
from stablecheck.errors import BoundaryWarning
from stablecheck.stable import _fit_quantile_table as tab
from stablecheck.stable._fit_quantile import mcculloch, sample_quantiles5


@pytest.mark.parametrize("i, j", [(0, 10), (10, 0), (10, 7), (18, 3), (29, 1)])
def test_table_entries_are_quantiles_of_scipy_cdf(i, j):
    # Table rows are roots of scipy's S0 cdf (its tests hold it to 2e-12 vs Nolan's STABLE)
    # except the median (our Gil-Pelaez inversion). 1e-9 = brentq xtol 1e-12 x density.
    a, b = tab.ALPHAS[i], tab.BETAS[j]
    saved = levy_stable.parameterization
    levy_stable.parameterization = "S0"
    try:
        cdf = levy_stable.cdf(tab.QUANTILES[i, j, [0, 1, 3, 4]], a, b)
    finally:
        levy_stable.parameterization = saved
    np.testing.assert_allclose(cdf, [0.05, 0.25, 0.75, 0.95], atol=1e-9)


@pytest.mark.parametrize("i, j", [(10, 0), (10, 5), (20, 1), (29, 10)])
def test_table_entries_match_simulation(i, j, rng):
    # Independent check against 200k CMS draws: 5 binomial standard errors of the empirical
    # quantile (sqrt(p(1-p)/m) / f(q), f estimated from the simulation itself).
    a, b = float(tab.ALPHAS[i]), float(tab.BETAS[j])
    x = np.sort(cms_s0(a, b, 200_000, rng))
    emp = np.quantile(x, tab.PROBS)
    q = tab.QUANTILES[i, j]
    h = 0.01 * (q[3] - q[1])
    dens = np.array([np.mean(np.abs(x - qq) < h) / (2 * h) for qq in q])
    se = np.sqrt(np.array(tab.PROBS) * (1 - np.array(tab.PROBS)) / x.size) / dens
    assert np.all(np.abs(emp - q) < 5 * se)


def test_sample_quantiles_match_numpy_and_mirror(rng):
    x = rng.standard_normal((3, 1001))
    q = sample_quantiles5(x)
    np.testing.assert_allclose(q, np.quantile(x, [0.05, 0.25, 0.5, 0.75, 0.95], axis=-1).T,
                               rtol=0, atol=1e-12)
    assert np.array_equal(sample_quantiles5(-x), -q[:, ::-1])
    y = rng.standard_normal(1000)  # even n: the median is a midpoint
    assert np.array_equal(sample_quantiles5(-y), -sample_quantiles5(y)[::-1])


def test_accuracy_alpha_1p5(rng):
    # FIELD-NOTES (McCulloch's estimator, alpha = 1.5, beta = 0, n = 1e4): RMSE
    # (alpha, beta, loc, scale) = (0.020, 0.035, 0.029, 0.012). With 60 replicates the RMSE
    # estimate itself has ~10% relative error; we allow 1.4x.
    x = cms_s0(1.5, 0.0, (60, 10_000), rng, scale=2.0, loc=1.0)
    f = mcculloch(sample_quantiles5(x))
    rmse = [np.sqrt(np.mean((f.alpha - 1.5) ** 2)), np.sqrt(np.mean(f.beta**2)),
            np.sqrt(np.mean((f.loc - 1.0) ** 2)) / 2, np.sqrt(np.mean((f.scale - 2.0) ** 2)) / 2]
    assert np.all(np.array(rmse) < 1.4 * np.array([0.020, 0.035, 0.029, 0.012]))


def test_symmetry_is_exact(rng):
    x = cms_s0(1.3, 0.6, 1234, rng, scale=0.7, loc=-2.0)
    r, m = sc.fit_stable(x, method="quantile"), sc.fit_stable(-x, method="quantile")
    assert (m.alpha, m.beta, m.scale, m.loc) == (r.alpha, -r.beta, r.scale, -r.loc)


@pytest.mark.parametrize("a, b", [(3.0, 5.0), (-0.01, 100.0), (1e6, -3e6)])
def test_location_scale_equivariance(a, b, rng):
    # S0 is a location-scale family: a X + b ~ S0(alpha, sign(a) beta, |a| scale, a loc + b).
    # Quantiles are equivariant up to rounding: 1e-9 relative.
    x = cms_s0(1.7, -0.4, 3000, rng)
    r, t = sc.fit_stable(x, method="quantile"), sc.fit_stable(a * x + b, method="quantile")
    np.testing.assert_allclose([t.alpha, t.beta, t.scale], [r.alpha, np.sign(a) * r.beta,
                                                            abs(a) * r.scale], rtol=1e-9)
    np.testing.assert_allclose(t.loc, a * r.loc + b, rtol=1e-9, atol=1e-9 * abs(a) * r.scale)


def test_gaussian_edge_clamps_with_warning(rng):
    # uniform data: (q95 - q05) / (q75 - q25) = 1.8 < 2.4387 (the Gaussian value) -> alpha = 2
    x = rng.uniform(size=5000)
    with pytest.warns(BoundaryWarning, match="alpha clamped to 2"):
        r = sc.fit_stable(x, method="quantile")
    assert r.alpha == 2.0 and r.beta == 0.0
    assert any("clamped" in w for w in r.warnings)


def test_heavy_edge_clamps_with_warning(rng):
    x = cms_s0(0.3, 0.0, 5000, rng)  # McCulloch's table stops at alpha = 0.5
    with pytest.warns(BoundaryWarning, match="clamped to 0.5"):
        r = sc.fit_stable(x, method="quantile")
    assert r.alpha == 0.5


def test_vectorised_rows_equal_single_fits(rng):
    x = cms_s0(1.1, 0.3, (4, 500), rng)
    f = mcculloch(sample_quantiles5(x))
    for k in range(4):
        g = mcculloch(sample_quantiles5(x[k]))
        # the batched Newton runs until every row has converged (steps < 1e-12), so rows can
        # take one more step than a single fit: agreement to 1e-10, not bitwise
        np.testing.assert_allclose([g.alpha, g.beta, g.scale, g.loc],
                                   [f.alpha[k], f.beta[k], f.scale[k], f.loc[k]], rtol=1e-10)


def test_symmetric_option(rng):
    x = cms_s0(1.6, 0.5, 2000, rng)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = sc.fit_stable(x, method="quantile", symmetric=True)
    assert r.beta == 0.0 and r.fixed == ("beta",)
