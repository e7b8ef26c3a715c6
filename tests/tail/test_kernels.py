"""Kernels against independent mpmath values (tests/reference/tail/make_reference.py) and
structural properties (scale invariance, replicate vectorisation, interval formulas)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import stablecheck as sc
from stablecheck.tail._kernels import KERNELS, hill_path, smooth_hill_path

REF = json.loads((Path(__file__).parents[1] / "reference" / "tail" / "kernels.json").read_text())


def _ref_data():
    n = REF["n"]
    i = np.arange(1, n + 1)
    v = (i / (n + 1)) ** (-1 / 1.7) * (1.2 + np.sin(i))
    return np.where(i % 2 == 1, v, -v)


@pytest.mark.parametrize("k", [5, 20, 60, 100])
@pytest.mark.parametrize("name", ["hill", "moment", "pickands", "smooth_hill"])
def test_kernels_match_mpmath(name, k):
    """rtol 1e-11: float64 cumulative sums of ~500 logs vs 50-digit term-by-term sums;
    the cancellation in DEdH's 1 − M1²/M2 costs a few more digits than Hill."""
    x = np.sort(np.abs(_ref_data()))[::-1]
    path = KERNELS[name][0](np.log(x), 120)
    np.testing.assert_allclose(path[k - 1], REF["kernels"][str(k)][name], rtol=1e-11)


@pytest.mark.filterwarnings("ignore::stablecheck.errors.BoundaryWarning")  # not SαS data
def test_tail_index_matches_reference_values():
    x = _ref_data()
    r = sc.tail_index(x, k=60)
    assert r.xi == pytest.approx(REF["kernels"]["60"]["hill"], rel=1e-12)
    # exact interval: scipy's chi2.ppf vs mpmath's regularised-gamma root, rtol 1e-9
    np.testing.assert_allclose(tuple(r.confidence_interval), REF["hill_exact_ci_k60"],
                               rtol=1e-9)
    lm = sc.tail_index(x, method="logmoment")
    assert lm.alpha == pytest.approx(REF["logmoment_alpha"], rel=1e-12)
    mo = sc.tail_index(x, method="mohammadi", k1=20)
    assert mo.alpha == pytest.approx(REF["mohammadi_k1_20_alpha"], rel=1e-11)


@pytest.mark.parametrize("name", ["hill", "moment", "pickands", "smooth_hill"])
def test_scale_invariance_and_vectorisation(rng, name):
    x = np.sort(np.abs(rng.standard_cauchy(4000)))[::-1]
    f = KERNELS[name][0]
    p1 = f(np.log(x), 500)
    p2 = f(np.log(3.7 * x), 500)
    np.testing.assert_allclose(p1, p2, rtol=1e-9, atol=1e-12)
    rows = np.log(np.stack([x, 2 * x, x ** 1.1]))
    pr = f(rows, 500)
    np.testing.assert_allclose(pr[0], p1, rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(pr[2], f(rows[2], 500), rtol=1e-12, equal_nan=True)


def test_smoothed_hill_is_window_mean_of_hill(rng):
    x = np.log(np.sort(rng.pareto(2.0, 3000) + 1)[::-1])
    h = hill_path(x, 400)
    sh = smooth_hill_path(x, 200)
    assert sh[49] == pytest.approx(np.mean(h[50:100]), rel=1e-12)


def test_exact_and_profile_intervals_pareto_formulas(rng):
    x = rng.pareto(1.5, 5000) + 1.0
    r = sc.tail_index(x, k=300)
    a = r.alpha
    lo, hi = r.confidence_interval
    assert lo == pytest.approx(a * stats.chi2.ppf(0.025, 600) / 600)
    assert hi == pytest.approx(a * stats.chi2.ppf(0.975, 600) / 600)
    p = sc.tail_index(x, k=300, ci="profile").confidence_interval
    # both ends solve 2k (r − 1 − log r) = χ²₁(0.95)
    for end in p:
        rr = end / a
        assert 600 * (rr - 1 - np.log(rr)) == pytest.approx(stats.chi2.ppf(0.95, 1), rel=1e-8)


def test_k_fraction_and_k_path(rng):
    x = rng.pareto(2.0, 10_000) + 1.0
    r = sc.tail_index(x, k=0.05)
    assert r.k == 500 and r.k_method is None
    kp = r.k_path
    assert set(kp) >= {"k", "alpha", "low", "high", "xi"}
    j = int(np.flatnonzero(kp["k"] == 500)[0])
    assert kp["alpha"][j] == pytest.approx(r.alpha)
    assert np.all(kp["low"] <= kp["alpha"]) and np.all(kp["alpha"] <= kp["high"])


@pytest.mark.parametrize("tail", ["upper", "lower"])
def test_one_sided_tails(rng, tail):
    """A skewed sample: upper tail Pareto(1.2), lower tail Pareto(3)."""
    x = np.concatenate([rng.pareto(1.2, 50_000) + 1, -(rng.pareto(3.0, 50_000) + 1)])
    r = sc.tail_index(x, tail=tail, k=2000)
    truth = 1.2 if tail == "upper" else 3.0
    assert abs(r.alpha - truth) < 4 * r.standard_error
