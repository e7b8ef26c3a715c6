"""Calibration machinery (fast) and the calibration of every CI and test (slow)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from benchmarks import calibration as cal
from stablecheck.testing._calibration import (
    binomial_band_rate,
    calibrate_coverage,
    calibrate_size,
)
from stablecheck.testing._samplers import pareto


@pytest.mark.parametrize("reps, p, band", [
    (1000, 0.95, (0.926, 0.971)),   # bands quoted in the design notes (99.9%, binomial)
    (2000, 0.95, (0.933, 0.966)),
    (5000, 0.95, (0.940, 0.960)),
    (2000, 0.05, (0.035, 0.067)),
])
def test_binomial_bands(reps, p, band):
    lo, hi = binomial_band_rate(reps, p)
    assert (round(lo, 3), round(hi, 3)) == band


def _pareto_sample(rng):
    return pareto(1.5, 2000, rng)


def test_coverage_of_an_exact_interval_is_in_band():
    r = calibrate_coverage("hill", lambda x, rng: cal._hill_chi2(x), _pareto_sample, 1.5,
                           reps=300, seed=1)
    assert r.in_band and r.n_errors == 0 and 0 < r.median_width < 2


def test_coverage_detects_a_useless_interval_and_errors():
    r = calibrate_coverage("point", lambda x, rng: (1.0, 1.0), _pareto_sample, 1.5, reps=50)
    assert r.rate == 0 and not r.in_band
    calls = {"n": 0}

    def flaky(x, rng):
        calls["n"] += 1
        if calls["n"] == 3:
            raise ValueError("boom")
        return cal._hill_chi2(x)
    r = calibrate_coverage("flaky", flaky, _pareto_sample, 1.5, reps=50)
    assert r.n_errors == 1 and not r.in_band and "boom" in r.first_error


def test_size_counts_nan_pvalues_as_errors():
    r = calibrate_size("nan", lambda x, rng: math.nan, lambda rng: rng.standard_normal(20),
                       reps=20)
    assert r.n_errors == 20 and not r.in_band


def test_replicates_are_reproducible():
    f = lambda x, rng: (rng.random(), 1.0 + rng.random())  # noqa: E731 - method randomness
    a = calibrate_coverage("r", f, _pareto_sample, 1.2, reps=30, seed=5)
    b = calibrate_coverage("r", f, _pareto_sample, 1.2, reps=30, seed=5)
    assert (a.count, a.median_width) == (b.count, b.median_width)


def test_quick_run_renders_and_lists_missing_engines():
    rows = cal.run_cases([c for c in cal.cases() if "Pareto α = 1.5" in c.name], quick=True)
    text = cal.render(rows, quick=True, seconds=1.0)
    assert "Coverage of confidence intervals" in text and "## Not run" in text
    ran = [r for r in rows if r.result is not None]
    assert ran and all(r.case.source == "control" or r.case.needs for r in rows)


def test_every_explanation_names_a_case():
    names = {c.name for c in cal.cases()}
    assert set(cal.EXPLAINED) <= names


# --- slow: the real calibration ----------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("case", cal.cases(), ids=lambda c: c.name)
def test_calibration(case):
    (row,) = cal.run_cases([case], quick=False)
    if row.result is None:
        pytest.skip(row.missing)
    r = row.result
    if case.name in cal.EXPLAINED:
        assert not r.in_band, f"{case.name} is now in its band: drop its explanation"
        return
    assert r.in_band, (f"{case.name}: rate {r.rate:.4f} outside [{r.band[0]:.3f}, "
                       f"{r.band[1]:.3f}] ({r.n_errors} errors; {r.first_error})")
    assert np.isfinite(r.rate)
