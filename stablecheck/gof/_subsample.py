"""Rejection rate on fixed-size subsamples: an effect size that does not grow with n.

At n = 1e6 every normality test rejects a t₅₀ sample, so "p < 0.05" says nothing about
whether the departure matters. The fraction of random size-m subsamples (m = 500 by default)
that a test rejects at ``level`` is interpretable on its own scale: ``level`` for Gaussian
data, 1 for departures visible at m, and in between for departures that need more data
than m to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from scipy import stats

from .._results import ConfidenceInterval, ResultMixin
from .._validation import (
    as_gof_columns,
    as_rng,
    check_confidence_level,
    check_int,
    check_level,
    check_option,
    warn,
)
from ..errors import DataWarning
from ._kernels import TESTS, prepare_block

__all__ = ["subsample_rejection_rate", "SubsampleRejectionResult"]

_CHUNK = 4_000_000  # values per vectorised pass


@dataclass(frozen=True, repr=False)
class SubsampleRejectionResult(ResultMixin):
    """Fraction of size-``subsample_size`` subsamples rejected, per sample (column).

    Attributes
    ----------
    statistic : ndarray, shape (n_samples,)
        The rejection rate (fraction of subsamples with p <= ``level``).
    confidence_interval : ConfidenceInterval
        Clopper–Pearson interval for the rate (arrays when there are several samples).
    expected_under_null : float
        ``level``: the rate for Gaussian data.
    test, method : str
    subsample_size, n_subsamples : int
    n : ndarray of int
        Sample sizes.
    level : float
    warnings : tuple of str
    """

    statistic: np.ndarray
    confidence_interval: ConfidenceInterval
    expected_under_null: float
    test: str
    method: str
    subsample_size: int
    n_subsamples: int
    n: np.ndarray
    level: float
    warnings: tuple[str, ...] = ()

    _title: ClassVar[str] = "Subsampled rejection rate"

    def to_frame(self):
        """One row per sample: rate, CI, n."""
        import pandas as pd

        return pd.DataFrame({"sample": np.arange(self.statistic.size), "rate": self.statistic,
                             "ci_low": np.atleast_1d(self.confidence_interval.low),
                             "ci_high": np.atleast_1d(self.confidence_interval.high),
                             "n": self.n, "test": self.test,
                             "subsample_size": self.subsample_size})

    def summary(self) -> str:
        """Plain text: the rate(s) with CI."""
        lines = [self._title, "=" * len(self._title),
                 f"{TESTS[self.test].label} at level {self.level:g} on {self.n_subsamples} "
                 f"subsamples of size {self.subsample_size} (rate {self.level:g} if Gaussian)"]
        lo = np.atleast_1d(self.confidence_interval.low)
        hi = np.atleast_1d(self.confidence_interval.high)
        for j in range(min(self.statistic.size, 20)):
            lines.append(f"  sample {j}: {self.statistic[j]:.3f} [{lo[j]:.3f}, {hi[j]:.3f}]"
                         f" (n = {int(self.n[j])})")
        if self.statistic.size > 20:
            lines.append(f"  ... {self.statistic.size - 20} more; median rate "
                         f"{float(np.median(self.statistic)):.3f}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"SubsampleRejectionResult(test={self.test!r}, subsample_size="
                f"{self.subsample_size}, n_samples={self.statistic.size})")


def subsample_rejection_rate(
    x: Any,
    *,
    test: str = "shapiro",
    subsample_size: int = 500,
    n_subsamples: int = 200,
    level: float = 0.05,
    axis: int | None = 0,
    confidence_level: float = 0.95,
    rng: Any = None,
) -> SubsampleRejectionResult:
    """Rejection rate of a normality test on random subsamples of fixed size.

    Parameters
    ----------
    x : array_like
        1-D sample or 2-D matrix of samples (finite values).
    test : str
        One of the :func:`~stablecheck.gaussianity` tests (asymptotic p-values).
    subsample_size : int
        Size m of each subsample (drawn without replacement), at most the sample size.
    n_subsamples : int
        Number of subsamples per sample.
    level : float
        Significance level of each subsample test.
    axis : {0, 1, -1, None}
        As in :func:`~stablecheck.gaussianity`.
    confidence_level : float
        Level of the Clopper–Pearson interval for the rate.
    rng : None, int, SeedSequence or Generator

    Returns
    -------
    SubsampleRejectionResult
        ``statistic`` is the rate per sample; ``expected_under_null`` equals ``level``.

    Examples
    --------
    >>> import numpy as np
    >>> import stablecheck as sc
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_t(50, size=200_000)  # every test rejects at this n ...
    >>> r = sc.subsample_rejection_rate(x, subsample_size=500, rng=rng)
    >>> bool(r.statistic[0] < 0.2)  # ... but barely at n = 500
    True
    """
    check_option("test", test, tuple(TESTS))
    level = check_level(level)
    conf = check_confidence_level(confidence_level)
    n_sub = check_int("n_subsamples", n_subsamples, min=1)
    data = as_gof_columns(x, axis=axis, nan_policy="raise")
    vals = data.values
    nrow, ncol = vals.shape
    m = check_int("subsample_size", subsample_size, min=TESTS[test].min_n, max=nrow)
    gen = as_rng(rng)
    spec = TESTS[test]
    constant_cols = vals.min(axis=0) == vals.max(axis=0)
    if constant_cols.all():
        raise ValueError(f"all {ncol} samples are constant; no subsample can be tested.")
    messages = []
    n_constant_sub = 0
    rejections = np.zeros(ncol, dtype=np.int64)
    per_pass = max(1, _CHUNK // (m * ncol))
    done = 0
    while done < n_sub:
        k = min(per_pass, n_sub - done)
        # k index sets of size m without replacement, shared by all columns in this pass
        idx = np.stack([gen.choice(nrow, size=m, replace=False) for _ in range(k)], axis=1)
        sub = vals[idx.reshape(-1)].reshape(m, k * ncol)  # (m, k*ncol): subsample-major
        lo, hi = sub.min(axis=0), sub.max(axis=0)
        ok = hi > lo  # a constant subsample cannot be tested: counted as not rejecting
        n_constant_sub += int((~ok).sum())
        p = np.ones(k * ncol)
        if ok.any():
            block = prepare_block(sub[:, ok])
            s = spec.statistic(block)
            pv, _ = spec.pvalue(s, m, block)
            p[ok] = np.where(np.isfinite(s), pv, 0.0)
        rejections += (p <= level).reshape(k, ncol).sum(axis=0)
        done += k
    if n_constant_sub:
        messages.append(warn(f"{n_constant_sub} of {n_sub * ncol} subsamples were constant "
                             "(ties, e.g. exact zeros) and counted as not rejecting.",
                             DataWarning))
    rate = rejections / n_sub
    a = 1.0 - conf
    low = np.where(rejections > 0, stats.beta.ppf(a / 2, rejections, n_sub - rejections + 1), 0.0)
    high = np.where(rejections < n_sub,
                    stats.beta.ppf(1 - a / 2, rejections + 1, n_sub - rejections), 1.0)
    ci = ConfidenceInterval(low=low if ncol > 1 else float(low[0]),
                            high=high if ncol > 1 else float(high[0]), level=conf,
                            method="clopper-pearson")
    return SubsampleRejectionResult(
        statistic=rate, confidence_interval=ci, expected_under_null=level, test=test,
        method="subsample", subsample_size=m, n_subsamples=n_sub,
        n=np.full(ncol, nrow, dtype=np.int64), level=level, warnings=tuple(messages))
