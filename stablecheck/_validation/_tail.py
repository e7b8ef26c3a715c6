"""Checkers for tail-index estimators, power-law fits and resampling."""

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
# tail: tail-index estimators and resampling (add checkers below)
# =====================================================================================

TAIL_TAILS = ("abs", "upper", "lower")
TAIL_CIS = ("auto", "exact", "profile", "normal", "bootstrap", "block", None)
TAIL_CI_METHODS = ("percentile", "basic", "bca")
TAIL_BLOCK_SCHEMES = ("moving", "circular", "stationary")


def check_tail_chunk(x: Any, name: str = "x") -> np.ndarray:
    """A numeric 1-D or 2-D array view of ``x`` (no copy, no scan of the values).

    Masked arrays, booleans, complex, strings, objects and datetimes are refused with the
    same messages as :func:`as_sample`; NaN/inf and zeros are counted later by the sketches.
    """
    if isinstance(x, np.memmap):
        arr = x
    else:
        arr = _to_array(x, name, "raise")
    _check_dtype(arr.dtype, name)
    if arr.ndim > 2:
        raise ValueError(f"`{name}` must be 1-D (or 2-D rows of vectors for the vector "
                         f"Mohammadi estimator); got shape {arr.shape}. Flatten it explicitly "
                         "(the pooling is a scientific choice).")
    if not arr.dtype.isnative:
        arr = arr.astype(arr.dtype.newbyteorder("="))
    return arr


def check_tail_k(k: Any) -> Any:
    """``k`` is "auto", None, an int >= 2 or a float fraction in (0, 1)."""
    if k is None or (isinstance(k, str) and k == "auto"):
        return "auto"
    if isinstance(k, str):
        raise ValueError(f"`k` must be 'auto', None, an integer >= 2 or a fraction in (0, 1); "
                         f"got {k!r}.")
    if isinstance(k, (float, np.floating)) and not float(k).is_integer():
        return check_real("k", k, low=0.0, high=1.0, low_closed=False, high_closed=False)
    return check_int("k", k, min=2)


def check_tail_k1(k1: Any) -> Any:
    """Mohammadi's block length: "sqrt", "grid", an int >= 2 or a sequence of ints >= 2."""
    if isinstance(k1, str):
        return check_option("k1", k1, ("sqrt", "grid"))
    if isinstance(k1, (Sequence, np.ndarray)):
        vals = [check_int("k1", v, min=2) for v in k1]
        if not vals:
            raise ValueError("`k1` grid must not be empty.")
        return tuple(sorted(set(vals)))
    return check_int("k1", k1, min=2)


def check_tail_counts(*, n: int, n_nan: int, n_inf: int, nan_policy: str, name: str = "x"
                      ) -> str | None:
    """Apply ``nan_policy`` to counted non-finite values (after a streaming pass)."""
    bad = n_nan + n_inf
    if not bad:
        return None
    detail = f"{bad} of {n} values in `{name}` are non-finite ({n_nan} nan, {n_inf} inf)"
    if nan_policy == "raise":
        raise ValueError(f"{detail}; pass nan_policy='omit' to drop them.")
    return warn(f"{detail}; they were dropped (nan_policy='omit').", DataWarning, stacklevel=4)


def check_tail_usable(n_tail: int, *, n: int, n_zero: int, tail: str, minimum: int = 10) -> None:
    """Refuse samples with fewer than ``minimum`` non-zero values in the requested tail."""
    if n and n_zero == n:
        raise ValueError(f"all {n} values are exactly zero; there is no tail to estimate.")
    if n_tail < minimum:
        side = {"abs": "non-zero", "upper": "positive", "lower": "negative"}[tail]
        raise ValueError(f"only {n_tail} {side} values (of {n}, {n_zero} zeros); tail-index "
                         f"estimation needs at least {minimum}.")


def check_powerlaw_xmin(xmin: Any) -> tuple[str, float, float]:
    """``xmin`` of the power-law fit: "auto", a positive number, or a ``(lo, hi)`` range.

    Returns ``(kind, lo, hi)`` with kind "auto" (lo, hi = -inf, inf), "fixed" (lo = hi = the
    value) or "range".
    """
    if isinstance(xmin, str):
        check_option("xmin", xmin, ("auto",))
        return "auto", -np.inf, np.inf
    if isinstance(xmin, (tuple, list)):
        if len(xmin) != 2:
            raise ValueError(f"`xmin` as a range must be (lo, hi); got {len(xmin)} items.")
        lo = -np.inf if xmin[0] is None else check_real("xmin[0]", xmin[0])
        hi = np.inf if xmin[1] is None else check_real("xmin[1]", xmin[1])
        if not lo <= hi:
            raise ValueError(f"`xmin` range must have lo <= hi; got ({lo!r}, {hi!r}).")
        return "range", lo, hi
    if isinstance(xmin, (bool, np.bool_)) or not isinstance(xmin, numbers.Real):
        raise TypeError(f"`xmin` must be 'auto', a positive number or a (lo, hi) pair; "
                        f"got {xmin!r}.")
    v = check_real("xmin", xmin, low=0.0, low_closed=False)
    return "fixed", v, v


def check_resamples_flag(name: str, value: Any, *, default: int, options: Sequence[str] = ()
                         ) -> tuple[str | None, int]:
    """An option that is off (False/None/0), on (True → ``default`` resamples), a count, or a
    named method from ``options``. Returns ``(method_or_None, n_resamples)``."""
    if value is None or value is False:
        return None, 0
    if value is True:
        return "bootstrap", default
    if isinstance(value, str):
        check_option(name, value, tuple(options))
        return value, (default if value == "bootstrap" else 0)
    n = check_int(name, value, min=0)
    if n == 0:
        return None, 0
    if n < 10:
        raise ValueError(f"`{name}` as a number of resamples must be >= 10; got {n}.")
    return "bootstrap", n


def check_integer_valued(values: np.ndarray, *, name: str = "x", what: str = "") -> None:
    """Discrete fits need integer values on the fitted side (positive there by construction:
    zeros are never on a side, so the values are >= 1)."""
    if values.size == 0:
        return
    frac = values != np.floor(values)
    if frac.any():
        nb = int(np.count_nonzero(frac))
        raise ValueError(f"discrete=True needs integer values{what}; {nb} of {values.size} "
                         f"values of `{name}` are not integers (e.g. {float(values[frac][0])!r}). "
                         "Pass discrete=False for continuous data.")



def check_tail_not_constant(top: np.ndarray, *, what: str = "magnitudes") -> None:
    """The kept tail (decreasing) must not be one repeated value: constant data (or a tail
    made only of ties) have no tail index, and an estimator would return inf or 0."""
    if top.size and top[0] == top[-1]:
        raise ValueError(f"all {top.size} kept {what} are equal ({float(top[0])!r}); constant "
                         "data (or a tail of ties) have no tail index to estimate.")


def check_tail_log_variance(log_var: float, log_mean: float, n_used: int) -> None:
    """Var log|x| = 0 (up to the rounding of streamed float64 sums) means every usable |x| is
    the same value: no spread to estimate from."""
    if n_used > 1 and log_var <= 1e-10 * max(1.0, log_mean * log_mean):
        raise ValueError(f"all {n_used} usable |x| values are equal; the log-moment estimator "
                         "needs spread (constant data have no tail index).")


def check_tail_log_counts(*, n: int, n_nonfinite: int, n_zero: int, n_used: int,
                          nan_policy: str, minimum: int = 10) -> list[str]:
    """Policies for the log-based (stable-model) estimators after a streaming pass.

    Non-finite values follow ``nan_policy``; exact zeros (log|0| = −inf) are dropped with a
    :class:`~stablecheck.errors.ZeroValuesWarning`; all-zero data and fewer than ``minimum``
    usable values raise. Returns the warning texts for the result.
    """
    notes: list[str] = []
    if n_nonfinite:
        detail = f"{n_nonfinite} of {n} values are non-finite"
        if nan_policy == "raise":
            raise ValueError(f"{detail}; pass nan_policy='omit' to drop them.")
        notes.append(warn(f"{detail}; they were dropped (nan_policy='omit').", DataWarning,
                          stacklevel=5))
    finite = n - n_nonfinite
    if n and n_zero == finite:
        raise ValueError(f"all {n} values are exactly zero; there is no tail to estimate.")
    if n_zero:
        notes.append(warn(f"{n_zero} of {n} values are exactly zero "
                          f"({100 * n_zero / max(finite, 1):.1f}%); log|x| is undefined there, "
                          "so they were dropped before the log-moments and blocking.",
                          ZeroValuesWarning, stacklevel=5))
    if n_used < minimum:
        raise ValueError(f"only {n_used} non-zero finite values (of {n}); at least {minimum} "
                         "are needed.")
    return notes
