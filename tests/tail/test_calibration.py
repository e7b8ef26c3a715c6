"""Coverage of 95% intervals for Hill at auto k (slow; FIELD-NOTES §8 binomial bands).

R = 1000 replications, n = 1e4: a calibrated 95% interval lands in [0.926, 0.971] with
probability 0.999. Measured numbers (seeded, reproducible) and their explanation are in
docs/tail-index.md; the |t₃| cases document the under-coverage at the MSE-optimal k and test
the fix (``undersmooth=True``) where it reaches the band.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from tail_helpers import abs_t_rvs, pareto_rvs

import stablecheck as sc

R, N = 1000, 10_000
BAND = (0.926, 0.971)


def _coverage(kind: str, ci: str, undersmooth: bool = False, seed: int = 123) -> float:
    rng = np.random.default_rng(seed)
    truth = 1.5 if kind == "pareto" else 3.0
    hits = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(R):
            x = pareto_rvs(1.5, N, rng) if kind == "pareto" else abs_t_rvs(3, N, rng)
            res = sc.tail_index(x, ci=ci, n_resamples=1000, rng=rng, undersmooth=undersmooth)
            hits += truth in res.confidence_interval
    return hits / R


@pytest.mark.slow
@pytest.mark.parametrize("ci", ["exact", "bootstrap"])
def test_pareto_coverage_in_band(ci):
    """Exact Pareto tail: no bias, so the interval at the selected k is calibrated
    (measured with this seed: exact 0.942, bootstrap with k re-selected 0.945; session 1,
    before the bootstrap streams were re-laid out: 0.939, 0.949)."""
    cov = _coverage("pareto", ci)
    assert BAND[0] <= cov <= BAND[1], cov


@pytest.mark.slow
def test_t3_exact_undercovers_at_mse_optimal_k():
    """Documented failure, kept as a regression: at the MSE-optimal k the Hill bias on |t₃|
    is of the order of the SE, so the exact χ² interval covers only ≈ 55% (measured 0.557;
    0.537 in session 1).
    A change that silently 'fixes' this should update docs/tail-index.md."""
    cov = _coverage("t3", "exact")
    assert 0.45 <= cov <= 0.65, cov


@pytest.mark.slow
@pytest.mark.xfail(reason="undersmooth=True (k/4) lifts |t3| exact coverage from 0.54 to "
                          "0.919 at n=1e4 (0.915 in session 1), still below 0.926: bias/SE ≈ 0.5 remains; a "
                          "bias-corrected Hill is the real fix (docs/tail-index.md).",
                   strict=False)
def test_t3_exact_undersmoothed():
    cov = _coverage("t3", "exact", undersmooth=True)
    assert BAND[0] <= cov <= BAND[1], cov


@pytest.mark.slow
def test_t3_bootstrap_reselected_undercovers():
    """Re-selecting k in every replicate recovers part of the gap (0.557 → 0.828 measured;
    0.537 → 0.852 in session 1, before the streams were re-laid out)
    but cannot remove the bias at the MSE-optimal k. Documented; kept as a regression."""
    cov = _coverage("t3", "bootstrap")
    assert 0.80 <= cov <= 0.90, cov


@pytest.mark.slow
def test_t3_bootstrap_undersmoothed_in_band():
    """The fix: tail bootstrap with k re-selected per replicate and undersmooth=True
    (estimate and interval at k/4). Measured with this seed: 0.955 (0.960 in session 1)."""
    cov = _coverage("t3", "bootstrap", undersmooth=True)
    assert BAND[0] <= cov <= BAND[1], cov


@pytest.mark.slow
def test_pareto_bootstrap_undersmoothed_is_conservative():
    """Documented: on an exact Pareto tail (no bias to remove) the undersmoothed bootstrap
    over-covers or sits at the top of the band (measured 0.967; 0.978 in session 1):
    conservative, never below it."""
    cov = _coverage("pareto", "bootstrap", undersmooth=True)
    assert BAND[0] <= cov <= 0.99, cov
