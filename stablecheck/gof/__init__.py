"""Gaussianity tests, multiplicity and effect sizes (engine layer: arrays in, results out).

Public
------
gaussianity                 battery of normality tests over many samples at once
GaussianityResult
adjust_pvalues              BH / BY / Holm / Bonferroni along an axis
storey_pi0                  fraction of true nulls
pvalue_summary              per-group (layer) rejection fractions, π₀, histograms
PValueSummaryResult
subsample_rejection_rate    rejection rate on fixed-size subsamples (effect size for huge n)
SubsampleRejectionResult
effect_sizes                KS / W1 distance of the robustly standardised sample, kurtosis,
                            tail-quantile ratio
TESTS, DEFAULT_TESTS        the test registry (one kernel + one p-value per entry)

Model comparison and pooled-estimate nulls: ``_lr.py`` (``gaussian_vs_stable``),
``_stable_gof.py`` (``stable_gof``), ``_scale_null.py`` (``scale_aware_null``).
"""

from __future__ import annotations

import numpy as np

from ._battery import DEFAULT_TESTS, GaussianityResult, gaussianity, simulate_null
from ._effect import effect_sizes as _effect_sizes_sorted
from ._kernels import TESTS, rescale_sorted
from ._multiplicity import PValueSummaryResult, adjust_pvalues, pvalue_summary, storey_pi0
from ._subsample import SubsampleRejectionResult, subsample_rejection_rate

__all__ = [
    "gaussianity",
    "GaussianityResult",
    "adjust_pvalues",
    "storey_pi0",
    "pvalue_summary",
    "PValueSummaryResult",
    "subsample_rejection_rate",
    "SubsampleRejectionResult",
    "effect_sizes",
    "simulate_null",
    "TESTS",
    "DEFAULT_TESTS",
]


def effect_sizes(x, *, axis=0):
    """Effect sizes of non-Gaussianity per sample (column), independent of the sample size.

    Parameters
    ----------
    x : array_like
        1-D sample or 2-D matrix of samples (finite values).
    axis : {0, 1, -1, None}
        As in :func:`gaussianity`.

    Returns
    -------
    dict of ndarray
        ``ks_distance``, ``w1_distance`` (of ``(x - median) / (IQR / 1.349)`` to N(0, 1)),
        ``excess_kurtosis``, ``tail_ratio`` ((q.99 - q.01)/(q.75 - q.25) over the Gaussian
        3.449), ``iqr_zero``.

    Examples
    --------
    >>> import numpy as np
    >>> from stablecheck.gof import effect_sizes
    >>> rng = np.random.default_rng(0)
    >>> e = effect_sizes(rng.standard_normal(100_000))
    >>> bool(e["ks_distance"][0] < 0.01)
    True
    """
    from .._validation import as_gof_columns, warn
    from ..errors import DataWarning

    data = as_gof_columns(x, axis=axis, nan_policy="raise")
    xs = np.sort(data.values, axis=0)
    n, p = xs.shape
    constant = xs[0] == xs[-1]
    if n < 2 or (p == 1 and constant[0]):
        raise ValueError(f"effect sizes need at least 2 values that are not all equal; got {n} "
                         + ("value." if n < 2 else f"values, all equal ({xs[0, 0]!r})."))
    xs = xs.astype(np.float64)  # all effect sizes are location-scale invariant: rescale
    xs[:, ~constant] = rescale_sorted(xs[:, ~constant])  # so no input can over/underflow
    out = _effect_sizes_sorted(xs)
    if constant.any():
        for k in ("ks_distance", "w1_distance", "excess_kurtosis", "tail_ratio"):
            out[k] = np.where(constant, np.nan, out[k])
        warn(f"{int(constant.sum())} of {p} samples are constant; their effect sizes are NaN.",
             DataWarning)
    return out


from ._lr import GaussianVsStableResult, gaussian_vs_stable  # noqa: E402
from ._stable_gof import StableGofResult, stable_gof  # noqa: E402

__all__ += ["gaussian_vs_stable", "GaussianVsStableResult", "stable_gof", "StableGofResult"]
