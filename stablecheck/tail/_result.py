"""The result of :func:`stablecheck.tail_index`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from .._results import ConfidenceInterval, ResultMixin

__all__ = ["TailIndexResult"]


@dataclass(frozen=True, repr=False)
class TailIndexResult(ResultMixin):
    """Tail-index estimate with its interval, the k used and the k path.

    Attributes
    ----------
    alpha : float
        Tail index, ``P(|X| > x) ~ x^(-alpha)`` (for SαS methods: the stable α). ``inf`` when
        the estimated ξ is not positive (light tail). Never clipped.
    xi : float
        Extreme-value index ``ξ = 1/alpha`` (the moment/Pickands estimators allow ξ <= 0).
    confidence_interval : ConfidenceInterval or None
        Interval for ``alpha`` (``method`` names how it was made).
    standard_error : float
        Asymptotic (or bootstrap) standard error of ``alpha``.
    k : int or None
        Number of upper order statistics used (order-statistic methods) or the block length
        ``K1`` (Mohammadi with one ``K1``); None otherwise.
    n : int
        Values received (including NaN/inf).
    n_used : int
        Values the estimate is based on (the sample size for order statistics; non-zero
        finite values for log-moment; ``K1·K2`` for Mohammadi).
    n_dropped : int
        Values removed by the non-finite/zero/trimming policies.
    zero_fraction : float
        Fraction of exact zeros among the finite values.
    method, tail, k_method : str
    k_path : dict
        Arrays over a grid of ``k`` (or of ``K1`` for Mohammadi): ``k``, ``alpha``, ``low``,
        ``high`` (pointwise intervals) and ``xi`` — what a Hill/DEdH or α̂-vs-K1 plot needs.
    diagnostics : dict
        k-selection internals (``k1``, ``k2``, ``rho``, ...), counts, trimming, and
        ``bootstrap_k`` (the k re-selected in each bootstrap replicate).
    bootstrap_distribution : ndarray or None
        Bootstrap replicates of ``alpha`` (``ci="bootstrap"``/``"block"``), kept so the
        interval can be re-levelled with :func:`stablecheck.resample.interval`.
    warnings : tuple of str
    """

    alpha: float
    xi: float
    confidence_interval: ConfidenceInterval | None
    standard_error: float
    k: int | None
    n: int
    n_used: int
    n_dropped: int
    zero_fraction: float
    method: str
    tail: str
    k_method: str | None
    k_path: dict = field(default_factory=dict)
    diagnostics: dict = field(default_factory=dict)
    bootstrap_distribution: np.ndarray | None = None
    warnings: tuple[str, ...] = ()

    _title: ClassVar[str] = "Tail index"
    _hidden: ClassVar[tuple[str, ...]] = ("k_path", "diagnostics", "bootstrap_distribution")

    def __repr__(self) -> str:
        return (f"TailIndexResult(alpha={self.alpha!r}, confidence_interval="
                f"{self.confidence_interval}, k={self.k}, n={self.n}, method={self.method!r})")
