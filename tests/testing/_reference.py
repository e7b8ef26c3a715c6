"""Small reference subjects for the property suites: correct ones and deliberately broken ones.

Correct: a plain Hill estimator at k = √n with the exact χ² interval, a simple symmetric
quantile fitter (no McCulloch tables: its α map is tabulated here by simulation with our own
CMS sampler), and scipy's Shapiro–Wilk wrapped in the validation layer. Broken: each has one
flaw, and the suites must name exactly that flaw.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from scipy import stats

from stablecheck._results import ConfidenceInterval
from stablecheck._validation import as_rng, as_sample, warn_small, warn_zeros
from stablecheck.testing import _samplers


@dataclass(frozen=True)
class TailEst:
    alpha: float
    confidence_interval: ConfidenceInterval | None = None
    warnings: tuple[str, ...] = ()


def _hill_core(a_desc: np.ndarray, level: float = 0.95) -> TailEst:
    k = int(np.sqrt(a_desc.size))
    logs = np.log(a_desc[:k]) - np.log(a_desc[k])
    alpha = k / float(np.sum(logs))
    # exact: 2kα/α̂ ~ χ²_{2k} for Pareto tails
    lo = alpha * stats.chi2.ppf((1 - level) / 2, 2 * k) / (2 * k)
    hi = alpha * stats.chi2.ppf((1 + level) / 2, 2 * k) / (2 * k)
    return TailEst(alpha, ConfidenceInterval(lo, hi, level, "exact"))


def hill(x, *, rng=None):
    """Hill at k = √n on |x| with the exact χ² CI; zeros dropped with a warning."""
    s = as_sample(x, zeros="drop", min_n=10)
    warns = []
    w = warn_zeros(s, what="they were dropped before taking logs")
    if w:
        warns.append(w)
    w = warn_small(s.n_used, 50, what="Hill at k = sqrt(n)")
    if w:
        warns.append(w)
    a = np.sort(np.abs(s.values.astype(np.float64)))[::-1]
    if a[int(np.sqrt(a.size))] == a[0]:
        raise ValueError("the top sqrt(n) order statistics are tied; Hill needs distinct values")
    r = _hill_core(a)
    return TailEst(r.alpha, r.confidence_interval, tuple(warns))


# --- broken tail estimators ---------------------------------------------------------

def hill_ignores_scale(x, *, rng=None):
    """Flaw: 1 / mean(log top-k) without dividing by the threshold: depends on the units."""
    r = hill(x)
    a = np.sort(np.abs(np.asarray(x, dtype=float)))[::-1]
    k = int(np.sqrt(a.size))
    return TailEst(1.0 / float(np.mean(np.log(a[:k]))), r.confidence_interval, r.warnings)


def hill_global_rng(x, *, rng=None):
    """Flaw: 'jitters' ties with the global numpy generator, ignoring `rng`."""
    s = as_sample(x, zeros="drop", min_n=10)
    v = np.abs(s.values) * (1 + 1e-9 * np.random.standard_normal(s.values.size))  # noqa: NPY002 - global state on purpose
    return hill(v)


def hill_nan_on_zeros(x, *, rng=None):
    """Flaw: takes log|x| of every value, so one exact zero makes the estimate NaN."""
    s = as_sample(x, min_n=10)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.sort(np.abs(s.values))[::-1]
        k = int(np.sqrt(a.size))
        logs = np.log(a)
        alpha = k / float(np.sum(logs[:k] - logs[k])) if np.all(a > 0) else float("nan")
    return TailEst(alpha)


def hill_ci_never_covers(x, *, rng=None):
    """Flaw: the interval is alpha ± 1e-6 — it practically never contains the truth."""
    r = hill(x)
    return TailEst(r.alpha, ConfidenceInterval(r.alpha - 1e-6, r.alpha + 1e-6, 0.95, "bogus"),
                   r.warnings)


def hill_first_half(x, *, rng=None):
    """Flaw: uses only the first half of the data (order dependent)."""
    s = as_sample(x, min_n=20)
    return hill(s.values[: s.n_used // 2])


def hill_random_k(x, *, rng=None):
    """Correct use of randomness: k drawn near √n from `rng` (must pass rng_determinism)."""
    g = as_rng(rng)
    s = as_sample(x, zeros="drop", min_n=10)
    a = np.sort(np.abs(s.values.astype(np.float64)))[::-1]
    k = int(np.sqrt(a.size)) + int(g.integers(0, 2))
    return TailEst(k / float(np.sum(np.log(a[:k]) - np.log(a[k]))))


# --- stable fitters -----------------------------------------------------------------

@dataclass(frozen=True)
class Fit:
    alpha: float
    beta: float
    scale: float
    loc: float
    warnings: tuple[str, ...] = ()


@functools.lru_cache(maxsize=1)
def _quantile_table():
    """ν(α) = (q95 − q05)/(q75 − q25) and q75(α) of SαS S0(α, 0, 1, 0), by simulation
    (n = 200,000 per α with our CMS sampler; Monte Carlo error of ν ~ 0.5%)."""
    alphas = np.linspace(0.6, 2.0, 29)
    nus, q75s = [], []
    rng = np.random.default_rng(1986)
    for a in alphas:
        z = _samplers.cms_s0(float(a), 0.0, 1.0, 0.0, 200_000, rng)
        q05, q25, q75, q95 = np.quantile(z, [0.05, 0.25, 0.75, 0.95])
        nus.append((q95 - q05) / (q75 - q25))
        q75s.append(0.5 * (q75 - q25))
    return alphas, np.maximum.accumulate(np.asarray(nus)[::-1])[::-1], np.asarray(q75s)


def quantile_fit(x, *, rng=None):
    """Symmetric quantile fitter: α from the tail-to-IQR ratio, loc = median, scale from IQR."""
    s = as_sample(x, min_n=10)
    warns = []
    w = warn_small(s.n_used, 100, what="quantile fit")
    if w:
        warns.append(w)
    v = s.values.astype(np.float64)
    q05, q25, q50, q75, q95 = np.quantile(v, [0.05, 0.25, 0.5, 0.75, 0.95])
    if q75 == q25:
        raise ValueError("the interquartile range is zero (ties or exact zeros); a quantile "
                         "fit cannot estimate a scale")
    alphas, nus, halfiqr = _quantile_table()
    nu = (q95 - q05) / (q75 - q25)
    # ν decreases with α: interpolate on the reversed table, clamp at the ends
    a = float(np.interp(nu, nus[::-1], alphas[::-1]))
    h = float(np.interp(a, alphas, halfiqr))
    return Fit(a, 0.0, float(0.5 * (q75 - q25) / h), float(q50), tuple(warns))


def quantile_fit_ignores_scale(x, *, rng=None):
    """Flaw: reports scale 1 whatever the data."""
    f = quantile_fit(x)
    return Fit(f.alpha, f.beta, 1.0, f.loc, f.warnings)


# --- Gaussianity tests --------------------------------------------------------------

def shapiro(x, *, rng=None):
    """scipy's Shapiro–Wilk behind the validation layer (typed errors instead of NaN).

    The data are standardised first: scipy's ``shapiro`` returns W = 1 (p = 1) for data
    whose range is tiny (found by this suite's "scaled by 1e-30" case), although W is
    affine invariant.
    """
    s = as_sample(x, min_n=3)
    v = s.values.astype(np.float64)
    return stats.shapiro((v - v.mean()) / v.std())


def shapiro_global_rng(x, *, rng=None):
    """Flaw: subsamples 90% of the data with the global generator."""
    s = as_sample(x, min_n=3)
    idx = np.random.permutation(s.n_used)[: max(3, int(0.9 * s.n_used))]  # noqa: NPY002 - global state on purpose
    return stats.shapiro(s.values[idx])
