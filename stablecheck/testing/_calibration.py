"""Calibration of confidence intervals (coverage) and tests (size) on pinned seeds.

Unlike the property suites these are Monte Carlo experiments with many replicates: the count
of intervals covering the truth (or of rejections under the null) is compared with the
central binomial band at the nominal rate, and interval widths are reported beside coverage
(an interval can buy coverage with width).

Replicate ``i`` draws its data and the method's randomness from two children of
``SeedSequence(seed).spawn(reps)[i]``, so every number is reproducible and replicates are
independent.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from scipy import stats

from .._results import ResultMixin

__all__ = ["CalibrationResult", "calibrate_coverage", "calibrate_size", "binomial_band_rate"]


def binomial_band_rate(reps: int, p: float, confidence: float = 0.999) -> tuple[float, float]:
    """Central ``confidence`` band of the observed rate for ``reps`` trials at rate ``p``.

    Counts are ``binom.ppf(tail)`` and ``binom.isf(tail)`` with tail = (1 − confidence)/2
    (the FIELD-NOTES bands: R = 1000 at 95% gives [0.926, 0.971]).
    """
    tail = (1 - confidence) / 2
    return (float(stats.binom.ppf(tail, reps, p)) / reps,
            float(stats.binom.isf(tail, reps, p)) / reps)


@dataclass(frozen=True, repr=False)
class CalibrationResult(ResultMixin):
    """Outcome of one calibration experiment.

    Attributes
    ----------
    name : str
    kind : {"coverage", "size"}
    nominal : float
        Nominal coverage (e.g. 0.95) or nominal size (e.g. 0.05).
    reps : int
        Replicates run.
    count : int
        Intervals covering the truth, or rejections.
    rate : float
        ``count / reps``.
    band : (float, float)
        Central 99.9% binomial band of the rate at the nominal value.
    in_band : bool
        ``band[0] <= rate <= band[1]`` and no replicate raised.
    median_width, mean_width : float
        Interval widths (NaN for size experiments).
    n_errors : int
        Replicates in which the method raised (they make ``in_band`` False).
    first_error : str
    seed : int
    seconds : float
    """

    name: str
    kind: str
    nominal: float
    reps: int
    count: int
    rate: float
    band: tuple[float, float]
    in_band: bool
    median_width: float
    mean_width: float
    n_errors: int
    first_error: str
    seed: int
    seconds: float

    _title: ClassVar[str] = "Calibration"

    def __repr__(self) -> str:
        return (f"CalibrationResult({self.name!r}, {self.kind}, rate={self.rate:.4f}, "
                f"band=[{self.band[0]:.3f}, {self.band[1]:.3f}], in_band={self.in_band})")


def _children(seed: int, reps: int):
    for child in np.random.SeedSequence(seed).spawn(reps):
        data_ss, method_ss = child.spawn(2)
        yield np.random.default_rng(data_ss), np.random.default_rng(method_ss)


def calibrate_coverage(name: str, interval: Callable[[np.ndarray, np.random.Generator], Any],
                       sample: Callable[[np.random.Generator], np.ndarray], truth: float, *,
                       reps: int = 1000, level: float = 0.95, seed: int = 0,
                       confidence: float = 0.999) -> CalibrationResult:
    """Coverage of a confidence interval over ``reps`` replicates.

    Parameters
    ----------
    name : str
        Label of the experiment.
    interval : callable
        ``interval(x, rng) -> (low, high)`` (a ConfidenceInterval qualifies).
    sample : callable
        ``sample(rng) -> x``.
    truth : float
        The parameter value the intervals should cover.
    reps, level, seed, confidence
        Replicates, nominal level, seed of the SeedSequence, band confidence.
    """
    t0 = time.perf_counter()
    covered, widths, errors, first = 0, [], 0, ""
    for data_rng, method_rng in _children(seed, reps):
        x = sample(data_rng)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                lo, hi = (float(v) for v in interval(x, method_rng))
        except Exception as e:  # noqa: BLE001 - counted and reported
            errors += 1
            first = first or f"{type(e).__name__}: {e}"
            continue
        covered += bool(lo <= truth <= hi)
        widths.append(hi - lo)
    band = binomial_band_rate(reps, level, confidence)
    rate = covered / reps
    w = np.asarray(widths, dtype=float)
    return CalibrationResult(
        name=name, kind="coverage", nominal=level, reps=reps, count=covered, rate=rate,
        band=band, in_band=bool(band[0] <= rate <= band[1] and not errors),
        median_width=float(np.median(w)) if w.size else math.nan,
        mean_width=float(np.mean(w)) if w.size else math.nan, n_errors=errors,
        first_error=first, seed=seed, seconds=time.perf_counter() - t0)


def calibrate_size(name: str, pvalue: Callable[[np.ndarray, np.random.Generator], float],
                   sample: Callable[[np.random.Generator], np.ndarray], *, reps: int = 2000,
                   alpha: float = 0.05, seed: int = 0, confidence: float = 0.999
                   ) -> CalibrationResult:
    """Rejection rate of a test at level ``alpha`` on ``reps`` samples drawn under its null.

    ``pvalue(x, rng) -> float``; a NaN p-value counts as an error (it would read as "not
    rejected" and flatter the size).
    """
    t0 = time.perf_counter()
    rejected, errors, first = 0, 0, ""
    for data_rng, method_rng in _children(seed, reps):
        x = sample(data_rng)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                p = float(pvalue(x, method_rng))
            if math.isnan(p):
                raise ValueError("NaN p-value")
        except Exception as e:  # noqa: BLE001 - counted and reported
            errors += 1
            first = first or f"{type(e).__name__}: {e}"
            continue
        rejected += p <= alpha
    band = binomial_band_rate(reps, alpha, confidence)
    rate = rejected / reps
    return CalibrationResult(
        name=name, kind="size", nominal=alpha, reps=reps, count=rejected, rate=rate, band=band,
        in_band=bool(band[0] <= rate <= band[1] and not errors), median_width=math.nan,
        mean_width=math.nan, n_errors=errors, first_error=first, seed=seed,
        seconds=time.perf_counter() - t0)
