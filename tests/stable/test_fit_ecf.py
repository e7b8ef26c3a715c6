"""Characteristic-function regression (iterated Kogon-Williams)."""

from __future__ import annotations

import numpy as np
from test_fit_sampler import cms_s0

import stablecheck as sc
from stablecheck.stable._fit_ecf import empirical_cf, g_s0


def test_g_is_continuous_at_alpha_one():
    # g(a, u) = tan(pi a / 2)(u - u^a) -> (2 / pi) u log u; the slope in a is O(1), so at
    # |a - 1| = 1e-9 the values agree to ~1e-8 (no cancellation in our product form).
    u = np.array([0.1, 0.5, 2.0, 7.0])
    lim = g_s0(1.0, u)
    np.testing.assert_allclose(lim, (2 / np.pi) * u * np.log(u), rtol=1e-15)
    for a in (1 - 1e-9, 1 + 1e-9):
        np.testing.assert_allclose(g_s0(a, u), lim, rtol=1e-7, atol=1e-9)
    naive = np.tan(np.pi * 1.3 / 2) * (u - u**1.3)
    np.testing.assert_allclose(g_s0(1.3, u), naive, rtol=1e-12)


def test_empirical_cf_chunks_match_direct(rng):
    z = rng.standard_normal(70_000)  # more than one chunk
    t = np.array([0.1, 0.5, 1.0])
    re, im = empirical_cf(z, t)
    direct = np.exp(1j * np.outer(z, t)).mean(axis=0)
    np.testing.assert_allclose(re + 1j * im, direct, rtol=0, atol=1e-12)


def test_accuracy(rng):
    # Kogon & Williams report ECF RMSE close to ML; at n = 1e4, (1.3, 0.5) ML standard errors
    # are about (0.013, 0.03, 0.02 scale-rel, 0.03 loc-rel) -> 30 replicates, bound 2.5x ML.
    errs = []
    for _ in range(30):
        x = cms_s0(1.3, 0.5, 10_000, rng, scale=3.0, loc=-1.0)
        r = sc.fit_stable(x, method="ecf")
        errs.append([r.alpha - 1.3, r.beta - 0.5, r.scale / 3.0 - 1, (r.loc + 1.0) / 3.0])
    rmse = np.sqrt(np.mean(np.square(errs), axis=0))
    assert np.all(rmse < 2.5 * np.array([0.013, 0.03, 0.02, 0.03])), rmse


def test_symmetry_is_exact(rng):
    x = cms_s0(0.9, -0.7, 2000, rng, scale=2.0, loc=5.0)
    r, m = sc.fit_stable(x, method="ecf"), sc.fit_stable(-x, method="ecf")
    assert (m.alpha, m.beta, m.scale, m.loc) == (r.alpha, -r.beta, r.scale, -r.loc)
    assert r.converged


def test_wandering_iteration_is_averaged_when_its_spread_is_negligible(monkeypatch):
    """Heavy tails make the re-standardisation rough: the iterates of this (1, 0.3) sample
    end in a small cycle instead of meeting tol. Their spread is far below 0.1/sqrt(n), so
    the mean of the last 20 is returned as converged (it used to warn 'tolerance ()')."""
    from stablecheck.stable import _fit_ecf

    x = sc.stable.rvs(1.0, 0.3, size=500, rng=2)
    q = np.quantile(x, [0.25, 0.5, 0.75])
    start = (1.0, 0.0, (q[2] - q[0]) / 2, q[1])
    est, info = _fit_ecf.ecf_fit(x, start)
    assert info["averaged"] and info["converged"] and info["iterations"] == 50
    # the raw iterates 31..50 (no averaging: a tail longer than the run)
    monkeypatch.setattr(_fit_ecf, "_TAIL", 10_000)
    raw = [_fit_ecf.ecf_fit(x, start, max_iter=m) for m in range(31, 51)]
    assert not any(r[1]["converged"] for r in raw)
    trail = np.array([r[0] for r in raw])
    np.testing.assert_allclose(est[:2], trail[:, :2].mean(axis=0), atol=1e-12)
    assert 0 < np.ptp(trail[:, 0]) <= 0.1 / np.sqrt(x.size)
