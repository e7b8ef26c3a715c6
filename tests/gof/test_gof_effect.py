"""Effect sizes: exact W1 and KS of the robustly standardised sample, kurtosis, tail ratio."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from stablecheck.gof import effect_sizes
from stablecheck.gof._effect import GAUSS_TAIL_RATIO, IQR_TO_SD


def _robust_z(x):
    med = np.median(x)
    q75, q25 = np.percentile(x, [75, 25])
    return (x - med) / ((q75 - q25) / IQR_TO_SD)


def test_w1_against_mpmath_quadrature():
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 30
    x = np.array([-1.3, 0.2, 0.25, 0.9, 2.7, 4.0, -0.4])
    z = np.sort(_robust_z(x))
    n = z.size
    phi = lambda t: mp.ncdf(t)  # noqa: E731
    pts = [mp.mpf(float(v)) for v in z]
    total = mp.quad(phi, [-mp.inf, pts[0]]) + mp.quad(lambda t: 1 - phi(t), [pts[-1], mp.inf])
    for i in range(n - 1):
        c = mp.mpf(i + 1) / n
        t_star = mp.sqrt(2) * mp.erfinv(2 * c - 1)
        cuts = [pts[i]] + ([t_star] if pts[i] < t_star < pts[i + 1] else []) + [pts[i + 1]]
        total += mp.quad(lambda t, c=c: abs(c - phi(t)), cuts)
    e = effect_sizes(x)
    assert_allclose(e["w1_distance"][0], float(total), rtol=1e-12)  # closed form vs quadrature


def test_ks_matches_scipy_kstest_of_robust_z():
    rng = np.random.default_rng(0)
    x = rng.standard_t(3, size=(400, 3))
    e = effect_sizes(x)
    for j in range(3):
        assert_allclose(e["ks_distance"][j], stats.kstest(_robust_z(x[:, j]), "norm").statistic,
                        rtol=1e-12)


def test_kurtosis_and_tail_ratio_definitions():
    rng = np.random.default_rng(1)
    x = rng.logistic(size=(1000, 2))
    e = effect_sizes(x)
    assert_allclose(e["excess_kurtosis"], stats.kurtosis(x, axis=0), rtol=1e-10)
    q = np.percentile(x, [1, 25, 75, 99], axis=0)
    assert_allclose(e["tail_ratio"], (q[3] - q[0]) / (q[2] - q[1]) / GAUSS_TAIL_RATIO, rtol=1e-12)
    assert GAUSS_TAIL_RATIO == pytest.approx(stats.norm.ppf(0.99) / stats.norm.ppf(0.75))


def test_gaussian_effects_vanish_with_n_heavy_do_not():
    rng = np.random.default_rng(2)
    g = effect_sizes(rng.normal(5, 3, size=(200_000, 2)))
    c = effect_sizes(rng.standard_cauchy(size=(200_000, 2)))
    assert (g["ks_distance"] < 0.005).all() and (g["w1_distance"] < 0.01).all()
    assert (np.abs(g["tail_ratio"] - 1) < 0.02).all()
    # Cauchy: tail ratio tan(0.49π)/1 / 3.449 = 9.23
    assert_allclose(c["tail_ratio"], np.tan(0.49 * np.pi) / GAUSS_TAIL_RATIO, rtol=0.05)
    assert (c["ks_distance"] > 0.05).all()


def test_effect_sizes_constant_input():
    from stablecheck.errors import DataWarning

    with pytest.raises(ValueError, match="all equal"):
        effect_sizes(np.zeros(50))
    x = np.random.default_rng(0).normal(size=(50, 2))
    x[:, 1] = 3.0
    with pytest.warns(DataWarning, match="constant"):
        e = effect_sizes(x)
    assert np.isnan(e["ks_distance"][1]) and np.isfinite(e["ks_distance"][0])


def test_effect_sizes_extreme_magnitudes_are_finite_and_invariant():
    x = np.random.default_rng(3).standard_t(3, size=(300, 2))
    base = effect_sizes(x)
    for f in (1e-318, 1e305):
        e = effect_sizes(x * f)
        for k in ("ks_distance", "w1_distance", "excess_kurtosis", "tail_ratio"):
            # 1e-318 is subnormal: only ~6 significant digits survive the scaling
            assert_allclose(e[k], base[k], rtol=1e-4 if f < 1 else 1e-9)
