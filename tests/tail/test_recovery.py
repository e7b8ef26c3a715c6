"""Known-truth recovery at n = 1e5: every method within 3 of its reported standard errors
where its model holds (Pareto: every order-statistic method; |t_ν|: Hill-type methods; SαS:
the stable-model methods and Hill/DEdH for α ≤ 1.5), and the log-moment SE checked
against Monte Carlo."""

from __future__ import annotations

import numpy as np
import pytest
from tail_helpers import abs_t_rvs, pareto_rvs, sas_rvs

import stablecheck as sc

N = 100_000
ORDER = ["hill", "moment", "pickands", "smooth_hill"]

CASES = (
    [("pareto", a, m) for a in (1.5, 3.0) for m in ORDER]
    + [("abs_t", nu, m) for nu in (2.0, 3.0) for m in ORDER]
    + [("sas", a, m) for a in (1.2, 1.5, 1.8) for m in ("logmoment", "mohammadi")]
    + [("sas", a, m) for a in (1.2, 1.5) for m in ("hill", "moment")]
)


def _draw(kind, a, rng):
    return {"pareto": pareto_rvs, "abs_t": abs_t_rvs, "sas": sas_rvs}[kind](a, N, rng)


@pytest.mark.parametrize("kind, a, method", CASES)
def test_within_three_standard_errors(kind, a, method):
    rng = np.random.default_rng([7, int(10 * a), ORDER.index(method) if method in ORDER else 9])
    x = _draw(kind, a, rng)
    res = sc.tail_index(x, method=method, rng=rng)
    assert np.isfinite(res.standard_error) and res.standard_error > 0
    assert abs(res.alpha - a) <= 3.0 * res.standard_error, (res.alpha, res.standard_error)


@pytest.mark.filterwarnings("ignore::stablecheck.errors.BoundaryWarning")  # α̂ > 2 at n=2000
@pytest.mark.parametrize("alpha", [1.2, 1.5, 1.8])
def test_logmoment_se_matches_monte_carlo(alpha):
    """The delta-method SE (FIELD-NOTES §4) against the SD of 400 replicate estimates at
    n = 2000. With R = 400 the Monte-Carlo SD has ≈3.5% relative error, so the 10%
    tolerance of the issue is ≈ 2.8 of its standard errors."""
    rng = np.random.default_rng(int(100 * alpha))
    R, n = 400, 2000
    x = sas_rvs(alpha, (R, n), rng)
    est, ses = [], []
    for row in x:
        r = sc.tail_index(row, method="logmoment")
        est.append(r.alpha)
        ses.append(r.standard_error)
    sd = np.std(est, ddof=1)
    se = float(np.median(ses))
    assert abs(se / sd - 1.0) <= 0.10, (se, sd)
