"""A small bootstrap engine: scheme × statistic × CI method, results kept for re-levelling."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from .._results import ConfidenceInterval, ResultMixin
from .._validation import as_rng, as_sample, check_confidence_level, check_int, check_option
from ._ci import basic_ci, bca_ci, grouped_jackknife, percentile_ci
from ._schemes import (
    IID,
    CircularBlock,
    MOutOfN,
    MovingBlock,
    Scheme,
    StationaryBlock,
    optimal_block_length,
)

__all__ = ["bootstrap", "BootstrapResult", "make_scheme", "interval"]

_SCHEMES = ("iid", "m_out_of_n", "moving_block", "circular_block", "stationary_block")


@dataclass(frozen=True, repr=False)
class BootstrapResult(ResultMixin):
    """Result of :func:`bootstrap`.

    Attributes
    ----------
    statistic : float
        The statistic on the original sample.
    confidence_interval : ConfidenceInterval
    standard_error : float
        Standard deviation of the bootstrap distribution.
    bootstrap_distribution : ndarray
        The replicates (kept so :func:`interval` can re-level without resampling).
    jackknife : ndarray or None
        Grouped-jackknife estimates (BCa only).
    n, n_resamples : int
    method, scheme : str
    warnings : tuple of str
    """

    statistic: float
    confidence_interval: ConfidenceInterval
    standard_error: float
    n: int
    n_resamples: int
    method: str
    scheme: str
    bootstrap_distribution: np.ndarray = field(default_factory=lambda: np.empty(0))
    jackknife: np.ndarray | None = None
    warnings: tuple[str, ...] = ()

    _title: ClassVar[str] = "Bootstrap"
    _hidden: ClassVar[tuple[str, ...]] = ("bootstrap_distribution", "jackknife")


def make_scheme(name: str, x: np.ndarray | None = None, *, block_length: float | None = None,
                m: float = 0.1) -> Scheme:
    """Build a scheme by name; block schemes use :func:`optimal_block_length` on ``x`` by
    default."""
    check_option("scheme", name, _SCHEMES)
    if name == "iid":
        return IID()
    if name == "m_out_of_n":
        return MOutOfN(m)
    if block_length is None:
        if x is None:
            raise ValueError("a block scheme needs the series or an explicit `block_length`.")
        block_length = optimal_block_length(
            x, kind="stationary" if name == "stationary_block" else "circular")
    if name == "stationary_block":
        return StationaryBlock(block_length)
    b = max(1, int(round(block_length)))
    return MovingBlock(b) if name == "moving_block" else CircularBlock(b)


def interval(theta_hat: float, theta_star: np.ndarray, *, method: str, confidence_level: float,
             jackknife: np.ndarray | None = None) -> ConfidenceInterval:
    """A :class:`ConfidenceInterval` from a bootstrap distribution (no resampling)."""
    check_option("method", method, ("percentile", "basic", "bca"))
    level = check_confidence_level(confidence_level)
    if method == "percentile":
        lo, hi = percentile_ci(theta_hat, theta_star, level)
    elif method == "basic":
        lo, hi = basic_ci(theta_hat, theta_star, level)
    else:
        lo, hi = bca_ci(theta_hat, theta_star, level, jackknife)
    return ConfidenceInterval(lo, hi, level, f"bootstrap-{method}")


def bootstrap(
    x: Any,
    statistic: Callable[..., Any],
    *,
    scheme: str | Scheme = "iid",
    n_resamples: int = 999,
    method: str = "bca",
    confidence_level: float = 0.95,
    block_length: float | None = None,
    jackknife_groups: int = 50,
    batch: int = 100,
    rng: Any = None,
) -> BootstrapResult:
    """Bootstrap a statistic of a 1-D sample.

    Parameters
    ----------
    x : array_like
        1-D sample (time order matters for block schemes).
    statistic : callable
        ``statistic(samples, axis=-1)`` vectorised over a leading replicate axis.
    scheme : {"iid", "m_out_of_n", "moving_block", "circular_block", "stationary_block"} or Scheme
    n_resamples : int
    method : {"percentile", "basic", "bca"}
    confidence_level : float
    block_length : float, optional
        For block schemes; default from Politis & White (2004).
    jackknife_groups : int
        Groups of the delete-group jackknife used for the BCa acceleration.
    batch : int
        Replicates evaluated at once (memory ``batch × n``).
    rng : None, int or Generator

    Returns
    -------
    BootstrapResult

    Examples
    --------
    >>> import numpy as np
    >>> from stablecheck.resample import bootstrap
    >>> rng = np.random.default_rng(0)
    >>> res = bootstrap(rng.normal(size=200), np.mean, n_resamples=500, rng=rng)
    >>> bool(res.confidence_interval.low < 0 < res.confidence_interval.high)
    True
    """
    s = as_sample(x, name="x")
    B = check_int("n_resamples", n_resamples, min=1)
    check_option("method", method, ("percentile", "basic", "bca"))
    level = check_confidence_level(confidence_level)
    gen = as_rng(rng)
    v = s.values
    n = v.size
    sch = scheme if isinstance(scheme, Scheme) else make_scheme(scheme, v, block_length=block_length)
    theta = float(statistic(v, axis=-1))
    reps = []
    for start in range(0, B, batch):
        size = min(batch, B - start)
        idx = sch.indices(n, gen, size)
        reps.append(np.asarray(statistic(v[idx], axis=-1), dtype=np.float64).reshape(size))
    star = np.concatenate(reps)
    jack = None
    if method == "bca":
        g = min(check_int("jackknife_groups", jackknife_groups, min=2), n)
        labels = grouped_jackknife(n, g, gen)
        jack = np.array([float(statistic(v[labels != j], axis=-1)) for j in range(g)])
    ci = interval(theta, star, method=method, confidence_level=level, jackknife=jack)
    return BootstrapResult(statistic=theta, confidence_interval=ci,
                           standard_error=float(np.std(star[np.isfinite(star)], ddof=1)),
                           n=n, n_resamples=B, method=method, scheme=repr(sch),
                           bootstrap_distribution=star, jackknife=jack)
