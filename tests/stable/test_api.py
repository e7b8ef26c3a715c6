"""Validation, broadcasting, frozen object and rvs behaviour."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import stablecheck as sc
from stablecheck import stable


@pytest.mark.parametrize(("kw", "msg"), [({"alpha": 0.0}, "alpha"), ({"alpha": 2.5}, "alpha"),
                                         ({"beta": 1.5}, "beta"), ({"scale": 0.0}, "scale"),
                                         ({"alpha": np.nan}, "alpha")])
def test_invalid_parameters_raise(kw, msg):
    args = {"alpha": 1.5, "beta": 0.0, "scale": 1.0}
    args.update(kw)
    with pytest.raises(ValueError, match=msg):
        stable.pdf(0.0, args["alpha"], args["beta"], args["scale"])
    with pytest.raises(ValueError, match=msg):
        stable.rvs(args["alpha"], args["beta"], args["scale"], size=3, rng=0)


def test_bad_param_and_nan_x():
    with pytest.raises(ValueError, match="param"):
        stable.pdf(0.0, 1.5, 0.0, param="S2")
    with pytest.raises(ValueError, match="NaN"):
        stable.cdf([0.0, np.nan], 1.5, 0.0)
    with pytest.raises(ValueError, match="q"):
        stable.ppf(1.5, 1.5, 0.0)


def test_broadcasting_and_scalars():
    x = np.linspace(-2, 2, 5)[:, None]
    a = np.array([0.8, 1.5, 2.0])
    out = stable.pdf(x, a, 0.2)
    assert out.shape == (5, 3)
    for j, aj in enumerate(a):
        np.testing.assert_allclose(out[:, j], stable.pdf(x[:, 0], aj, 0.2), rtol=1e-15)
    assert isinstance(stable.pdf(0.1, 1.5, 0.0), float)


def test_scale_loc():
    x = np.array([-3.0, 0.5, 8.0])
    np.testing.assert_allclose(stable.pdf(x, 1.3, 0.4, 2.0, 1.0),
                               stable.pdf((x - 1.0) / 2.0, 1.3, 0.4) / 2.0, rtol=1e-14)


def test_frozen_object():
    d = stable.AlphaStable(1.5, 0.3, 2.0, 1.0)
    assert d.pdf(0.5) == stable.pdf(0.5, 1.5, 0.3, 2.0, 1.0)
    assert d.ppf(0.3) == pytest.approx(stable.ppf(0.3, 1.5, 0.3, 2.0, 1.0))
    with pytest.raises(ValueError):
        stable.AlphaStable(3.0, 0.0)
    with pytest.raises(AttributeError):
        d.alpha = 1.0  # frozen


def test_exported():
    assert sc.stable is stable and "stable" in sc.__all__


def test_rvs_reproducible_and_finite():
    a = stable.rvs(1.2, -0.5, size=(10, 3), rng=7)
    b = stable.rvs(1.2, -0.5, size=(10, 3), rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)
    assert a.shape == (10, 3)
    for alpha in (1 - 1e-12, 1.0, 1 + 1e-12, 1 + 1e-5, 0.3, 2.0, 0.05):
        for beta in (-1.0, 0.0, 1.0):
            r = stable.rvs(alpha, beta, size=20000, rng=1)
            assert np.all(np.isfinite(r)), (alpha, beta)


def test_rvs_support_beta_one():
    zeta = -np.tan(np.pi * 0.6 / 2)
    r = stable.rvs(0.6, 1.0, size=50000, rng=3)
    assert np.min(r) >= zeta - 1e-9


def test_rvs_ks_batch():
    # KS of 1e5 CMS draws against the engine's cdf over a grid incl. alpha = 1 and beta = +-1.
    # Under H0 p ~ U(0, 1): with 14 cases, P(>= 3 p-values below 0.01) ~ 4e-4.
    grid = [(0.5, 0.0), (0.7, 1.0), (0.9, -0.5), (1.0, 0.0), (1.0, 1.0), (1.0, -1.0),
            (1.0 + 1e-9, 0.5), (1 - 1e-4, -1.0), (1.2, 0.3), (1.5, 0.0), (1.5, 1.0),
            (1.8, -1.0), (1.95, 0.5), (2.0, 0.0)]
    # The engine's cdf is evaluated at 2001 empirical quantiles and interpolated linearly
    # in between: each interval holds 1/2000 of the mass, so the interpolation error
    # (< 1e-6) is far below the KS resolution 1/sqrt(1e5) ~ 3e-3.
    rng = np.random.default_rng(20261125)
    pvals = []
    for a, b in grid:
        x = np.sort(stable.rvs(a, b, size=100_000, rng=rng))
        knots = np.unique(np.quantile(x, np.linspace(0, 1, 2001)))
        Fk = stable.cdf(knots, a, b)
        pvals.append(stats.kstest(x, lambda z, k=knots, f=Fk: np.interp(z, k, f)).pvalue)
    assert sum(p < 0.01 for p in pvals) <= 2, pvals
