"""Checkers for Gaussianity and goodness-of-fit tests."""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._domains import DOMAINS, RealDomain
from ..errors import DataWarning, SmallSampleWarning, ZeroValuesWarning
from ._core import *  # noqa: F403
from ._core import _FLOAT_KINDS, _check_dtype, _check_scalar_domain, _kind_name, _to_array, _widen  # noqa: F401

# =====================================================================================
# gof: Gaussianity and goodness-of-fit tests (add checkers below)
# =====================================================================================

@dataclass(frozen=True)
class GofData:
    """Columns to test, validated by :func:`as_gof_columns`.

    Attributes
    ----------
    values : ndarray, shape (n_rows, n_columns)
        float32/float64 data; each column is one sample. Non-finite entries remain only
        under ``nan_policy="omit"`` / ``"propagate"`` (the caller reads ``n_nonfinite``).
    n_nonfinite : ndarray of int, shape (n_columns,)
        Non-finite values per column.
    input_shape : tuple of int
    axis : int or None
        The axis the caller asked for (``None``: everything pooled into one sample).
    """

    values: np.ndarray
    n_nonfinite: np.ndarray
    input_shape: tuple
    axis: int | None


def as_gof_columns(x: Any, *, axis: Any = 0, nan_policy: str = "raise",
                   name: str = "x") -> GofData:
    """Validate data for column-wise tests: 1-D, or 2-D with ``axis`` in {0, 1, -1, None}.

    ``axis=0`` tests each column (K minibatches x P coordinates -> P tests), ``axis=1`` each
    row, ``axis=None`` pools every value into one sample (an explicit, recorded choice).
    ``nan_policy``: ``"raise"`` (non-finite values raise with their counts), ``"omit"`` (drop
    them per column; the caller reports the counts) or ``"propagate"`` (the affected columns
    give NaN results, flagged).
    """
    check_option("nan_policy", nan_policy, ("raise", "omit", "propagate"))
    arr = np.asarray(_to_array(x, name, "raise"))
    _check_dtype(arr.dtype, name)
    arr = _widen(arr)
    input_shape = tuple(arr.shape)
    if axis is not None:
        if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, numbers.Integral):
            raise TypeError(f"`axis` must be 0, 1, -1 or None; got {axis!r}.")
        axis = int(axis)
    if arr.ndim == 0:
        raise ValueError(f"`{name}` is a scalar; pass a 1-D sample or a 2-D matrix.")
    if arr.ndim > 2:
        raise ValueError(f"`{name}` must be 1-D or 2-D (rows x columns); got shape "
                         f"{arr.shape}. Reshape it so the axis you test along is explicit.")
    if axis is None:
        arr = arr.reshape(-1, 1)
    elif arr.ndim == 1:
        if axis not in (0, -1):
            raise ValueError(f"`axis` must be 0, -1 or None for 1-D `{name}`; got {axis}.")
        arr = arr.reshape(-1, 1)
    else:
        if axis not in (0, 1, -1, -2):
            raise ValueError(f"`axis` must be 0, 1, -1 or None for 2-D `{name}`; got {axis}.")
        if axis in (1, -1):
            arr = arr.T
    finite = np.isfinite(arr)
    n_nonfinite = arr.shape[0] - np.count_nonzero(finite, axis=0)
    total = int(n_nonfinite.sum())
    if total and nan_policy == "raise":
        n_nan = int(np.count_nonzero(np.isnan(arr)))
        cols = int(np.count_nonzero(n_nonfinite))
        raise ValueError(f"{total} of {arr.size} values in `{name}` are non-finite ({n_nan} nan, "
                         f"{total - n_nan} inf) in {cols} of {arr.shape[1]} samples; pass "
                         "nan_policy='omit' to drop them per sample or 'propagate' to get "
                         "flagged NaN results for those samples.")
    return GofData(values=arr, n_nonfinite=n_nonfinite.astype(np.int64),
                   input_shape=input_shape, axis=axis)


def check_gof_tests(tests: Any, known: Sequence[str]) -> tuple[str, ...]:
    """``tests`` must name one or more of the known Gaussianity tests."""
    return check_sequence_of_options("tests", tests, known)


def check_level(level: Any) -> float:
    """A significance level must be in the open interval (0, 1)."""
    return _check_scalar_domain("level", level, DOMAINS["significance"])


def as_pvalues(p: Any, *, name: str = "pvalues") -> np.ndarray:
    """p-values as a float64 array in [0, 1]; NaN allowed (missing tests), counted by callers."""
    arr = np.asarray(p)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"`{name}` must be real; got dtype {arr.dtype}.")
    arr = arr.astype(np.float64, copy=False)
    ok = np.isnan(arr) | ((arr >= 0) & (arr <= 1))
    if not np.all(ok):
        nb = int(np.count_nonzero(~ok))
        raise ValueError(f"`{name}` must be in [0, 1] (NaN marks a missing test); {nb} of "
                         f"{arr.size} values are not (e.g. {arr[~ok].flat[0]!r}).")
    return arr


def check_lr_null(null: Any, *, n_used: int, symmetric: bool, procedure: str
                  ) -> np.ndarray | None:
    """A reusable null of ``gaussian_vs_stable``: an earlier result for the same sample size,
    the same ``symmetric`` and the same statistic; returns its null statistics (or None)."""
    if null is None:
        return None
    dist = getattr(null, "null_distribution", None)
    details = getattr(null, "details", None)
    if dist is None or not isinstance(details, dict) or "procedure" not in details:
        raise TypeError("`null` must be a result of gaussian_vs_stable (its null distribution "
                        f"is reused); got {type(null).__name__}.")
    if details["procedure"] != procedure:
        raise ValueError(f"`null` was computed by statistic {details['procedure']!r}, this "
                         f"version computes {procedure!r}; simulate a new null.")
    if getattr(null, "n_used", None) != n_used:
        raise ValueError(f"`null` was simulated for samples of {getattr(null, 'n_used', None)} "
                         f"values, this sample has {n_used}; the null depends on the size.")
    if bool(getattr(null, "symmetric", None)) != symmetric:
        raise ValueError(f"`null` was simulated with symmetric={not symmetric}, this test uses "
                         f"symmetric={symmetric}.")
    arr = np.asarray(dist, dtype=np.float64)
    if arr.ndim != 1 or arr.size < 19 or not np.all(np.isfinite(arr)):
        raise ValueError("`null.null_distribution` must hold at least 19 finite statistics.")
    return arr
