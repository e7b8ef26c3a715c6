"""The one place where arguments and data are checked and where those messages are worded.

Public functions call these helpers first and then compute on clean values; bodies never
re-check. Messages follow one pattern: what is wrong, the counts, and what to do —
``"3 of 10000 values are non-finite (2 nan, 1 inf); pass nonfinite='omit' to drop them"``.

Sections below are grouped by the layer that uses them (core, stable, tail, gof, noise, ...);
add new checkers to the section of your layer.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._domains import DOMAINS, RealDomain
from .errors import DataWarning, SmallSampleWarning, ZeroValuesWarning

__all__ = [
    "Sample",
    "as_sample",
    "as_matrix",
    "as_rng",
    "check_option",
    "check_int",
    "check_real",
    "check_in_domain",
    "check_confidence_level",
    "check_probabilities",
    "check_bool",
    "check_stable_params",
    "check_param",
    "check_stable_x",
    "check_sequence_of_options",
    "warn",
    "warn_small",
    "warn_zeros",
]


# =====================================================================================
# core: data
# =====================================================================================

_FLOAT_KINDS = {np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)}


@dataclass(frozen=True)
class Sample:
    """A validated 1-D (or 2-D, see :func:`as_matrix`) sample and what validation did to it.

    Attributes
    ----------
    values : ndarray
        The clean values: float32 or float64 (float16 and integer input are widened), finite,
        with zeros kept or dropped according to the policy. Not copied when the input was
        already a clean float32/float64 array or memmap.
    n : int
        Number of values received.
    n_used : int
        Number of values in ``values``.
    n_nan, n_inf, n_zero : int
        Counts in the input. ``n_zero`` counts exact zeros among the finite values.
    source_dtype : str
        The dtype the caller passed.
    dropped : dict
        Reason → count for every value that was removed.
    """

    values: np.ndarray
    n: int
    n_used: int
    n_nan: int
    n_inf: int
    n_zero: int
    source_dtype: str
    dropped: dict

    @property
    def n_dropped(self) -> int:
        """Number of values removed by the policies."""
        return self.n - self.n_used

    @property
    def zero_fraction(self) -> float:
        """Fraction of exact zeros among the finite input values (0.0 for an empty sample)."""
        finite = self.n - self.n_nan - self.n_inf
        return self.n_zero / finite if finite else 0.0


def _check_dtype(dtype: np.dtype, name: str) -> None:
    if dtype.kind == "b":
        raise TypeError(f"`{name}` has boolean dtype; pass numeric data (cast with .astype(float) "
                        "if the booleans really are 0/1 measurements).")
    if dtype.kind == "c":
        raise TypeError(f"`{name}` has complex dtype {dtype}; pass real data (e.g. .real or abs()).")
    if dtype.kind in "OUSV":
        raise TypeError(f"`{name}` has dtype {dtype} ({_kind_name(dtype)}); pass a numeric "
                        "float or integer array.")
    if dtype.kind in "mM":
        raise TypeError(f"`{name}` has datetime/timedelta dtype {dtype}; pass numeric data.")
    if dtype.kind not in "iuf":
        raise TypeError(f"`{name}` has unsupported dtype {dtype}; pass a float or integer array.")


def _kind_name(dtype: np.dtype) -> str:
    return {"O": "Python objects", "U": "strings", "S": "bytes", "V": "structured/void"}.get(
        dtype.kind, dtype.kind)


def _to_array(x: Any, name: str, masked: str) -> np.ndarray:
    if isinstance(x, np.ma.MaskedArray):
        if masked == "compress":
            return np.ma.compressed(x)
        n_masked = int(np.ma.count_masked(x))
        raise TypeError(f"`{name}` is a masked array ({n_masked} of {x.size} values masked); "
                        "pass masked='compress' to use only the unmasked values, or pass "
                        "x.compressed() / x.filled(...) yourself.")
    if isinstance(x, (str, bytes)):
        raise TypeError(f"`{name}` is a {type(x).__name__}; pass a numeric array.")
    if hasattr(x, "__array__") or isinstance(x, (list, tuple, numbers.Number, np.ndarray)):
        arr = np.asarray(x)
    else:
        raise TypeError(f"`{name}` of type {type(x).__name__} is not array-like; pass a numpy "
                        "array, a list of numbers or a memmap.")
    return arr


def _widen(arr: np.ndarray) -> np.ndarray:
    if arr.dtype.kind in "iu":
        return arr.astype(np.float64)
    if arr.dtype == np.float16:
        return arr.astype(np.float32)
    if arr.dtype not in _FLOAT_KINDS:  # e.g. longdouble
        return arr.astype(np.float64)
    if not arr.dtype.isnative:
        return arr.astype(arr.dtype.newbyteorder("="))
    return arr


def as_sample(
    x: Any,
    *,
    name: str = "x",
    nonfinite: str = "raise",
    zeros: str = "keep",
    masked: str = "raise",
    min_n: int = 2,
    allow_constant: bool = False,
    flatten: bool = False,
) -> Sample:
    """Validate a 1-D numeric sample and apply the non-finite / zero policies.

    Parameters
    ----------
    x : array_like
        Numeric data. float16/32/64, signed and unsigned integers and memmaps are accepted;
        booleans, complex, strings, objects and datetimes raise ``TypeError``.
    name : str
        Name used in messages.
    nonfinite : {"raise", "omit"}
        ``"raise"``: NaN/Inf raise ``ValueError`` with their counts; ``"omit"``: they are
        dropped and counted (a :class:`~stablecheck.errors.DataWarning` is emitted).
    zeros : {"keep", "drop", "raise"}
        Policy for exact zeros (log-based estimators cannot use them).
    masked : {"raise", "compress"}
        Masked arrays are refused unless ``"compress"`` (keep unmasked values only).
    min_n : int
        Minimum number of values left after the policies.
    allow_constant : bool
        When False, a sample whose remaining values are all equal raises ``ValueError``.
    flatten : bool
        Accept N-D input and flatten it (C order). When False, N-D input raises.

    Returns
    -------
    Sample
    """
    check_option("nonfinite", nonfinite, ("raise", "omit"))
    check_option("zeros", zeros, ("keep", "drop", "raise"))
    check_option("masked", masked, ("raise", "compress"))
    arr = _to_array(x, name, masked)
    _check_dtype(arr.dtype, name)
    source_dtype = str(arr.dtype)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        if not flatten:
            raise ValueError(f"`{name}` must be 1-D; got shape {arr.shape}. Flatten it explicitly "
                             "(the pooling is a scientific choice) or use a function with `axis=`.")
        arr = arr.reshape(-1)
    arr = _widen(arr)
    n = arr.size
    dropped: dict[str, int] = {}
    if arr.dtype.kind == "f":
        finite = np.isfinite(arr)
        n_bad = n - int(np.count_nonzero(finite))
    else:  # pragma: no cover - widened above
        finite, n_bad = None, 0
    n_nan = n_inf = 0
    if n_bad:
        n_nan = int(np.count_nonzero(np.isnan(arr)))
        n_inf = n_bad - n_nan
        detail = f"{n_bad} of {n} values in `{name}` are non-finite ({n_nan} nan, {n_inf} inf)"
        if nonfinite == "raise":
            raise ValueError(f"{detail}; pass nonfinite='omit' to drop them.")
        warn(f"{detail}; they were dropped (nonfinite='omit').", DataWarning)
        arr = arr[finite]
        dropped["nonfinite"] = n_bad
    n_zero = int(n - n_bad - np.count_nonzero(arr))
    if n_zero:
        if zeros == "raise":
            raise ValueError(f"{n_zero} of {n} values in `{name}` are exactly zero "
                             f"({100.0 * n_zero / max(n, 1):.1f}%); pass zeros='drop' to "
                             "exclude them or zeros='keep' where the method allows them.")
        if zeros == "drop":
            arr = arr[arr != 0]
            dropped["zero"] = n_zero
    n_used = arr.size
    if n_used < min_n:
        why = "" if not dropped else " after dropping " + ", ".join(
            f"{v} {k}" for k, v in dropped.items())
        raise ValueError(f"`{name}` has {n_used} usable values{why}; at least {min_n} are "
                         f"needed (received {n}).")
    if not allow_constant and n_used > 0:
        lo, hi = arr.min(), arr.max()
        if lo == hi:
            raise ValueError(f"all {n_used} usable values of `{name}` are equal ({float(lo)!r}); "
                             "a constant sample has no spread to estimate from.")
    return Sample(values=arr, n=n, n_used=n_used, n_nan=n_nan, n_inf=n_inf, n_zero=n_zero,
                  source_dtype=source_dtype, dropped=dropped)


def as_matrix(
    x: Any,
    *,
    name: str = "x",
    min_rows: int = 2,
    masked: str = "raise",
) -> np.ndarray:
    """Validate a 2-D numeric matrix (rows = observations, e.g. K minibatches × P coordinates).

    Non-finite values raise (with counts); integer/float16 input is widened. Per-column
    policies (constant columns, zeros) belong to the caller, which reports them per column.
    """
    arr = _to_array(x, name, masked)
    _check_dtype(arr.dtype, name)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise ValueError(f"`{name}` must be 1-D or 2-D (rows × columns); got shape {arr.shape}.")
    arr = _widen(arr)
    if arr.shape[0] < min_rows:
        raise ValueError(f"`{name}` has {arr.shape[0]} rows; at least {min_rows} are needed.")
    n_bad = arr.size - int(np.count_nonzero(np.isfinite(arr)))
    if n_bad:
        n_nan = int(np.count_nonzero(np.isnan(arr)))
        raise ValueError(f"{n_bad} of {arr.size} values in `{name}` are non-finite ({n_nan} nan, "
                         f"{n_bad - n_nan} inf); remove or impute them first.")
    return arr


def warn_zeros(sample: Sample, *, what: str, threshold: float = 0.0) -> str | None:
    """Emit (and return) a ZeroValuesWarning when the zero fraction exceeds ``threshold``."""
    if sample.n_zero and sample.zero_fraction > threshold:
        msg = (f"{sample.n_zero} of {sample.n} values are exactly zero "
               f"({100 * sample.zero_fraction:.1f}%); {what}")
        warn(msg, ZeroValuesWarning)
        return msg
    return None


def warn_small(n: int, minimum: int, *, what: str) -> str | None:
    """Emit (and return) a SmallSampleWarning when ``n < minimum``."""
    if n < minimum:
        msg = f"only {n} values ({what}); results below {minimum} are unreliable."
        warn(msg, SmallSampleWarning)
        return msg
    return None


def warn(message: str, category: type[Warning] = DataWarning, stacklevel: int = 3) -> str:
    """Emit a stablecheck warning and return its message (so results can record it)."""
    warnings.warn(message, category, stacklevel=stacklevel)
    return message


# =====================================================================================
# core: arguments
# =====================================================================================

def as_rng(rng: Any = None) -> np.random.Generator:
    """Turn ``rng`` (None | int | SeedSequence | Generator) into a ``numpy.random.Generator``.

    ``numpy.random.RandomState`` and the global ``np.random`` module are refused: randomness is
    always explicit and reproducible.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (np.random.SeedSequence, numbers.Integral)):
        if isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and rng < 0:
            raise ValueError(f"`rng` seed must be non-negative; got {rng}.")
        if isinstance(rng, bool):
            raise TypeError("`rng` must be None, an int seed, a SeedSequence or a "
                            "numpy Generator; got a bool.")
        return np.random.default_rng(rng)
    raise TypeError("`rng` must be None, an int seed, a SeedSequence or a numpy Generator; "
                    f"got {type(rng).__name__}.")


def check_option(name: str, value: Any, options: Sequence[Any]) -> Any:
    """Return ``value`` if it is one of ``options``; otherwise raise ``ValueError``."""
    try:
        ok = value in options
    except TypeError:
        ok = False
    if not ok:
        opts = ", ".join(repr(o) for o in options)
        raise ValueError(f"`{name}` must be one of {opts}; got {value!r}.")
    return value


def check_bool(name: str, value: Any) -> bool:
    """Return ``value`` if it is a bool (numpy bools accepted)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"`{name}` must be True or False; got {value!r}.")


def check_int(name: str, value: Any, *, min: int | None = None, max: int | None = None) -> int:
    """Return ``value`` as int if it is an integer in ``[min, max]``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
            value = int(value)
        else:
            raise TypeError(f"`{name}` must be an integer; got {value!r}.")
    value = int(value)
    if min is not None and value < min:
        raise ValueError(f"`{name}` must be >= {min}; got {value}.")
    if max is not None and value > max:
        raise ValueError(f"`{name}` must be <= {max}; got {value}.")
    return value


def check_real(name: str, value: Any, *, low: float = -np.inf, high: float = np.inf,
               low_closed: bool = True, high_closed: bool = True) -> float:
    """Return ``value`` as float if it is a finite real within the given interval."""
    dom = RealDomain(low, high, low_closed=low_closed, high_closed=high_closed)
    return _check_scalar_domain(name, value, dom)


def _check_scalar_domain(name: str, value: Any, dom: RealDomain) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a real number; got {value!r}.")
    v = float(value)
    if np.isnan(v) or not dom.contains(v):
        raise ValueError(f"`{name}` must be in {dom.describe()}; got {value!r}.")
    return v


def check_in_domain(name: str, value: Any, domain: str | None = None) -> np.ndarray:
    """Check scalar or array ``value`` against ``DOMAINS[domain or name]``; return an array."""
    dom = DOMAINS[domain or name]
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"`{name}` must be real; got dtype {arr.dtype}.")
    arr = arr.astype(np.float64, copy=False)
    lo_ok = arr >= dom.low if dom.low_closed else arr > dom.low
    hi_ok = arr <= dom.high if dom.high_closed else arr < dom.high
    bad = ~(lo_ok & hi_ok)  # NaN fails both comparisons
    if np.any(bad):
        nbad = int(np.count_nonzero(bad))
        first = arr[bad].flat[0]
        where = "" if arr.ndim == 0 else f" ({nbad} of {arr.size} values outside, e.g. {first!r})"
        shown = repr(float(arr)) if arr.ndim == 0 else "an array"
        raise ValueError(f"`{name}` must be in {dom.describe()}; got {shown}{where}.")
    return arr


def check_confidence_level(value: Any) -> float:
    """``confidence_level`` must be in the open interval (0, 1)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"`confidence_level` must be a real number; got {value!r}.")
    v = float(value)
    if not (0.0 < v < 1.0):
        raise ValueError(f"`confidence_level` must be in the open interval (0, 1); got {value!r}.")
    return v


def check_probabilities(name: str, value: Any, *, open_interval: bool = False) -> np.ndarray:
    """Return ``value`` as a float64 array of probabilities in [0, 1] (or (0, 1))."""
    arr = np.asarray(value, dtype=np.float64) if not isinstance(value, np.ndarray) else value
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"`{name}` must be real; got dtype {arr.dtype}.")
    arr = arr.astype(np.float64, copy=False)
    if open_interval:
        bad = ~((arr > 0) & (arr < 1))
        desc = "(0, 1)"
    else:
        bad = ~((arr >= 0) & (arr <= 1))
        desc = "[0, 1]"
    if np.any(bad):
        nb = int(np.count_nonzero(bad))
        raise ValueError(f"`{name}` must be in {desc}; {nb} of {arr.size} values are not "
                         f"(e.g. {arr[bad].flat[0]!r}).")
    return arr


def check_sequence_of_options(name: str, values: Any, options: Sequence[str]) -> tuple[str, ...]:
    """Accept one option or an iterable of options; return a tuple without duplicates."""
    if isinstance(values, str):
        values = (values,)
    if not isinstance(values, Iterable):
        raise TypeError(f"`{name}` must be a string or a sequence of strings; got {values!r}.")
    out: list[str] = []
    for v in values:
        check_option(name, v, options)
        if v not in out:
            out.append(v)
    if not out:
        raise ValueError(f"`{name}` must name at least one of {', '.join(map(repr, options))}.")
    return tuple(out)


# =====================================================================================
# stable: parameters of the alpha-stable law
# =====================================================================================

def check_param(param: Any) -> str:
    """``param`` must be "S0" or "S1" (Nolan's parameterisations)."""
    return check_option("param", param, ("S0", "S1"))


def check_stable_params(alpha: Any, beta: Any, scale: Any = 1.0, loc: Any = 0.0
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Validate alpha-stable parameters (scalars or broadcastable arrays) against DOMAINS."""
    a = check_in_domain("alpha", alpha)
    b = check_in_domain("beta", beta)
    s = check_in_domain("scale", scale)
    m = np.asarray(loc, dtype=np.float64)
    if not np.all(np.isfinite(m)):
        raise ValueError("`loc` must be finite.")
    return a, b, s, m


def check_stable_x(x: Any, name: str = "x") -> np.ndarray:
    """Points for an alpha-stable pdf/cdf: real array; +-inf allowed, NaN refused (counted)."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"`{name}` must be real numbers; got dtype {arr.dtype}.")
    arr = arr.astype(np.float64, copy=False)
    n_nan = int(np.count_nonzero(np.isnan(arr)))
    if n_nan:
        raise ValueError(f"{n_nan} of {arr.size} values in `{name}` are NaN; the distribution "
                         "is not defined there (remove them first).")
    return arr


# stable: fitting (fit_stable) -------------------------------------------------------

_FIT_NAMES = ("alpha", "beta", "scale", "loc")


def check_fit_fix(fix: Any, *, symmetric: bool, param: str, method: str) -> dict[str, float]:
    """Validate ``fix`` (parameter name -> value) for ``fit_stable``; fold in ``symmetric``."""
    if fix is None:
        fix = {}
    if not isinstance(fix, dict):
        raise TypeError(f"`fix` must be None or a dict such as {{'loc': 0.0}}; got "
                        f"{type(fix).__name__}.")
    out: dict[str, float] = {}
    for key, value in fix.items():
        check_option("fix key", key, _FIT_NAMES)
        dom = "loc" if key == "loc" else key
        out[key] = float(check_in_domain(f"fix[{key!r}]", value, dom))
    if symmetric:
        if out.get("beta", 0.0) != 0.0:
            raise ValueError(f"symmetric=True fixes beta = 0, but fix={{'beta': {out['beta']}}}.")
        out["beta"] = 0.0
    if method != "mle" and set(out) - {"beta"}:
        raise ValueError(f"`fix` of {sorted(set(out) - {'beta'})} needs method='mle'; "
                         f"method={method!r} supports only symmetric=True (beta = 0).")
    if method != "mle" and "beta" in out and out["beta"] != 0.0:
        raise ValueError(f"method={method!r} can fix beta only at 0 (symmetric=True).")
    if "loc" in out and param == "S1" and out.get("beta") != 0.0:
        raise ValueError("fixing `loc` with param='S1' is supported only when beta is fixed at "
                         "0 (then S0 and S1 locations coincide); fix the S0 location instead.")
    if len(out) == 4:
        raise ValueError("`fix` fixes all four parameters; nothing is left to estimate.")
    return out


def check_fit_spread(sample: Sample, q: Any) -> None:
    """Refuse a sample whose interquartile range is 0 (quantile-based starts cannot scale it)."""
    q05, q25, _, q75, q95 = (float(v) for v in q)
    if q75 > q25:
        return
    vals = sample.values
    mode_val = float(q25)
    n_at = int(np.count_nonzero(vals == mode_val))
    raise ValueError(
        f"the interquartile range of `x` is 0: {n_at} of {sample.n_used} values "
        f"({100.0 * n_at / sample.n_used:.1f}%) equal {mode_val!r}. A continuous stable law "
        "cannot produce such a point mass" + (
            "; pass zeros='drop' to fit the non-zero values (the result reports "
            "zero_fraction)." if mode_val == 0.0 else "; remove or jitter the tied values "
            "only if that is scientifically justified.") + (
            f" (5%-95% range: {q05!r} to {q95!r})" if q95 > q05 else ""))


def count_ties(values: np.ndarray) -> int:
    """Number of values that repeat an earlier value (n - number of distinct values)."""
    return int(values.size - np.unique(values).size)


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


# =====================================================================================
# noise: datasets, files and run directories (add checkers below)
# =====================================================================================


def check_store_name(kind: str, value: Any) -> str:
    """A snapshot name in a run directory: 1-64 characters from ``[A-Za-z0-9_-]``."""
    if (not isinstance(value, str) or not 1 <= len(value) <= 64
            or not all(c.isascii() and (c.isalnum() or c in "_-") for c in value)):
        raise ValueError(f"{kind} name must be 1-64 characters from letters, digits, '_' and "
                         f"'-' (it becomes part of file names); got {value!r}.")
    return value


def check_layer_table(layers: Any, n_cols: int | None = None) -> list[dict]:
    """Normalise a layer table to ``[{"name", "offset", "size", "shape"}, ...]``.

    Accepts a sequence of ``(name, shape)`` pairs (offsets assigned contiguously in order),
    a mapping ``name -> shape``, or a sequence of dicts with ``name``, ``offset``, ``size``,
    ``shape``. Layers must not overlap and must lie within ``[0, n_cols)`` when given.
    """
    if isinstance(layers, dict):
        layers = list(layers.items())
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Iterable):
        raise TypeError("`layers` must be a sequence of (name, shape) pairs, a dict "
                        f"name -> shape, or a sequence of layer dicts; got {type(layers).__name__}.")
    out: list[dict] = []
    offset = 0
    for item in layers:
        if isinstance(item, dict):
            name, shape = item.get("name"), item.get("shape")
            off = check_int("layer offset", item.get("offset"), min=0)
        else:
            try:
                name, shape = item
            except (TypeError, ValueError):
                raise TypeError(f"each layer must be a (name, shape) pair; got {item!r}.") from None
            off = offset
        if not isinstance(name, str) or not name or len(name) > 256:
            raise ValueError(f"layer names must be non-empty strings (<= 256 chars); got {name!r}.")
        if isinstance(shape, (int, np.integer)):
            shape = (int(shape),)
        if not isinstance(shape, (list, tuple)):
            raise TypeError(f"layer {name!r}: shape must be a tuple of ints; got {shape!r}.")
        shape = tuple(check_int(f"layer {name!r} shape", s, min=0) for s in shape)
        size = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if isinstance(item, dict) and item.get("size") is not None and item["size"] != size:
            raise ValueError(f"layer {name!r}: size {item['size']!r} does not match shape {shape}.")
        out.append({"name": name, "offset": off, "size": size, "shape": list(shape)})
        offset = off + size
    names = [d["name"] for d in out]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"layer names must be unique; repeated: {dup}.")
    if not out:
        raise ValueError("`layers` is empty; give at least one (name, shape).")
    spans = sorted((d["offset"], d["offset"] + d["size"], d["name"]) for d in out)
    for (_, e0, n0), (b1, _, n1) in zip(spans[:-1], spans[1:], strict=True):
        if b1 < e0:
            raise ValueError(f"layers {n0!r} and {n1!r} overlap (columns {b1}..{e0 - 1}).")
    if n_cols is not None and spans[-1][1] > n_cols:
        raise ValueError(f"layer {spans[-1][2]!r} ends at column {spans[-1][1]} beyond the "
                         f"{n_cols} columns of the snapshot.")
    return out


def check_metadata(meta: Any, fields: dict[str, tuple], *, name: str = "meta") -> dict:
    """Check a metadata dict against ``fields``: key -> (types, options or None).

    Unknown keys are kept; every value must be JSON-serialisable (checked by the caller).
    """
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise TypeError(f"`{name}` must be a dict; got {type(meta).__name__}.")
    out = dict(meta)
    for key, value in meta.items():
        if not isinstance(key, str):
            raise TypeError(f"`{name}` keys must be strings; got {key!r}.")
        if key in fields and value is not None:
            types, options = fields[key]
            if isinstance(value, bool) and bool not in types:
                raise TypeError(f"`{name}[{key!r}]` must be {types}; got {value!r}.")
            if not isinstance(value, types):
                tn = " or ".join(t.__name__ for t in types)
                raise TypeError(f"`{name}[{key!r}]` must be {tn}; got {value!r}.")
            if options is not None:
                check_option(f"{name}[{key!r}]", value, options)
    return out



# =====================================================================================
# analysis / report / collect (add checkers below)
# =====================================================================================


# --- collect: PyTorch noise collector (no torch objects are imported here) -----------

COLLECT_FULL_GRADIENTS = ("exact", "large_batch", "partition_mean")
COLLECT_SAMPLINGS = ("without_replacement", "with_replacement")
COLLECT_MODES = ("eval", "train")
COLLECT_DTYPES = ("float32", "float64")
COLLECT_BACKENDS = ("loop", "vmap")


def check_int_list(name: str, value: Any, *, min: int = 0, allow_scalar: bool = True,
                   ordered: bool = False) -> tuple[int, ...]:
    """An int, a sequence of ints or a comma-separated string (values >= ``min``).

    Returns a sorted tuple without duplicates, or the values in the given order when
    ``ordered`` (e.g. layer widths).
    """
    if allow_scalar and isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value,)
    if isinstance(value, str):
        try:
            value = [int(v) for v in value.replace(" ", "").split(",") if v]
        except ValueError:
            raise ValueError(f"`{name}` must be a comma-separated list of integers; "
                             f"got {value!r}.") from None
    if not isinstance(value, Iterable):
        raise TypeError(f"`{name}` must be an integer or a sequence of integers; got {value!r}.")
    vals = [check_int(name, v, min=min) for v in value]
    out = vals if ordered else sorted(set(vals))
    if not out:
        raise ValueError(f"`{name}` is empty; give at least one value.")
    return tuple(out)


def check_full_gradient(value: Any) -> tuple[str, int | None]:
    """``"exact"`` | ``"partition_mean"`` | ``("large_batch", B_big)`` → (method, B_big)."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2 or value[0] != "large_batch":
            raise ValueError("`full_gradient` as a pair must be ('large_batch', B_big); "
                             f"got {value!r}.")
        return "large_batch", check_int("full_gradient B_big", value[1], min=1)
    if value == "large_batch":
        raise ValueError("`full_gradient='large_batch'` needs the batch size: pass "
                         "full_gradient=('large_batch', B_big).")
    return check_option("full_gradient", value, ("exact", "partition_mean")), None


def check_schedule(iterations: Any, every: Any, steps: Any = None) -> tuple[int, ...] | None:
    """Collection iterations: a list, ``every=N`` (needs ``steps``), or None (see callers)."""
    if iterations is not None and every is not None:
        raise ValueError("pass either `iterations` (a list) or `every` (an interval), not both.")
    if every is not None:
        every = check_int("every", every, min=1)
        if steps is None:
            raise ValueError("`every` needs `steps` (the length of training) to define the "
                             "collection iterations 0, every, 2 * every, ... <= steps.")
        steps = check_int("steps", steps, min=0)
        return tuple(range(0, steps + 1, every))
    if iterations is None:
        return None
    its = check_int_list("iterations", iterations, min=0)
    if steps is not None and its[-1] > check_int("steps", steps, min=0):
        raise ValueError(f"iteration {its[-1]} is beyond the {steps} training steps.")
    return its


def check_collect_schedule(iterations: Any, every: Any
                           ) -> tuple[tuple[int, ...] | None, int | None]:
    """A collector's schedule: a list of iterations, or ``every`` N steps, or neither."""
    if iterations is not None and every is not None:
        raise ValueError("pass either `iterations` (a list) or `every` (an interval), not both.")
    every = None if every is None else check_int("every", every, min=1)
    its = None if iterations is None else check_int_list("iterations", iterations, min=0)
    return its, every


def check_collect_sizes(n: int, batch_sizes: tuple[int, ...], n_batches: int, sampling: str,
                        full_gradient: str, b_big: int | None) -> list[str]:
    """Batch sizes against the dataset size; returns warning messages (already emitted)."""
    notes = []
    if n < 2:
        raise ValueError(f"the dataset has {n} examples; at least 2 are needed.")
    too_big = [b for b in batch_sizes if b > n]
    if too_big:
        raise ValueError(f"batch sizes {too_big} exceed the {n} examples of the dataset.")
    if b_big is not None and b_big > n:
        raise ValueError(f"full_gradient=('large_batch', {b_big}) exceeds the {n} examples; "
                         "use full_gradient='exact'.")
    if full_gradient == "partition_mean":
        rem = [b for b in batch_sizes if n % b]
        if rem:
            notes.append(warn(
                f"full_gradient='partition_mean' with batch sizes {rem} that do not divide "
                f"n = {n}: the last n % B examples are left out, so the reference gradient is "
                "the mean over the other examples, not the exact full gradient.",
                DataWarning, stacklevel=4))
    return notes


def check_collect_options(*, out: Any, batch_sizes: Any, n_batches: Any, full_gradient: Any,
                          mode: Any, sampling: Any, dtype: Any, threads: Any, seed: Any,
                          backend: Any, chunk_bytes: Any, full_chunk: Any, resume: Any,
                          progress: Any) -> dict[str, Any]:
    """All dataset-independent collector options → a dict of clean values."""
    import os

    if not isinstance(out, (str, os.PathLike)) or not str(out):
        raise TypeError(f"`out` must be a directory path (str or os.PathLike); got {out!r}.")
    method, b_big = check_full_gradient(full_gradient)
    if seed is not None:
        seed = check_int("seed", seed, min=0)
    return {
        "batch_sizes": check_int_list("batch_sizes", batch_sizes, min=1),
        "n_batches": check_int("n_batches", n_batches, min=1),
        "full_gradient": method,
        "b_big": b_big,
        "mode": check_option("mode", mode, COLLECT_MODES),
        "sampling": check_option("sampling", sampling, COLLECT_SAMPLINGS),
        "dtype": check_option("dtype", dtype, COLLECT_DTYPES),
        "threads": check_int("threads", threads, min=1),
        "seed": seed,
        "backend": check_option("backend", backend, COLLECT_BACKENDS),
        "chunk_bytes": check_int("chunk_bytes", chunk_bytes, min=1),
        "full_chunk": check_int("full_chunk", full_chunk, min=1),
        "resume": check_bool("resume", resume),
        "progress": check_bool("progress", progress),
    }


def check_layer_selection(layers: Any, available: Sequence[str]) -> tuple[str, ...] | None:
    """Parameter names or module prefixes that must each match a trainable parameter."""
    if not available:
        raise ValueError("the model has no trainable parameters (requires_grad=True).")
    if layers is None:
        return None
    if isinstance(layers, str):
        layers = (layers,)
    if not isinstance(layers, Iterable):
        raise TypeError(f"`layers` must be None or a sequence of names; got {layers!r}.")
    layers = tuple(layers)
    if not layers:
        raise ValueError("`layers` is empty; pass None for all parameters.")
    for sel in layers:
        if not isinstance(sel, str):
            raise TypeError(f"`layers` entries must be strings; got {sel!r}.")
        if not any(a == sel or a.startswith(sel + ".") for a in available):
            shown = ", ".join(available[:8]) + (", ..." if len(available) > 8 else "")
            raise ValueError(f"layer {sel!r} matches none of the {len(available)} trainable "
                             f"parameters ({shown}).")
    return layers


def check_dataset_pair(shapes: Sequence[tuple[int, ...]]) -> int:
    """``(inputs, targets)``: two tensors with the same leading length → that length."""
    if len(shapes) != 2:
        raise ValueError(f"`dataset` must hold exactly two tensors (inputs, targets); got "
                         f"{len(shapes)}.")
    if any(len(s) == 0 for s in shapes):
        raise ValueError("`dataset` tensors must have a leading example dimension; got a "
                         "0-d tensor.")
    if shapes[0][0] != shapes[1][0]:
        raise ValueError(f"`dataset` inputs have {shapes[0][0]} examples but targets have "
                         f"{shapes[1][0]}.")
    return int(shapes[0][0])


def check_loss_module(kind: str, reduction: Any, has_weight: bool) -> None:
    """A torch loss module usable as ``f = mean of per-example losses``."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"loss {kind} has reduction={reduction!r}; expected 'mean', 'sum' "
                         "or 'none'.")
    if has_weight:
        raise ValueError(f"loss {kind} has class weights: its 'mean' is a weighted average, "
                         "not the mean of per-example losses that the full gradient "
                         "divides by n. Pass a callable returning per-example losses "
                         "(reduction='none') to define the objective explicitly.")


def check_loss_value(shape: tuple[int, ...], batch: int) -> str:
    """What a loss callable returned: a scalar (batch mean) or per-example losses."""
    if shape == ():
        return "scalar"
    if shape == (batch,):
        return "per_example"
    raise ValueError(f"`loss_fn` returned shape {shape} for a batch of {batch}; return the "
                     "batch mean (a scalar) or per-example losses (shape (B,)).")


def check_example_task(model: Any, dataset: Any, models: Sequence[str],
                       datasets: Sequence[str]) -> None:
    """A built-in model/dataset pair that fits together."""
    check_option("model", model, models)
    check_option("dataset", dataset, datasets)
    if model == "cnn" and dataset != "digits":
        raise ValueError(f"the cnn example takes 8x8 images; use dataset='digits' "
                         f"(got {dataset!r}).")


def check_train_options(*, steps: Any, lr: Any, momentum: Any, train_batch_size: Any,
                        weight_decay: Any) -> dict[str, Any]:
    """SGD settings of ``train_and_collect``."""
    return {
        "steps": check_int("steps", steps, min=0),
        "lr": check_real("lr", lr, low=0.0, low_closed=False),
        "momentum": check_real("momentum", momentum, low=0.0, high=1.0, high_closed=False),
        "train_batch_size": check_int("train_batch_size", train_batch_size, min=1),
        "weight_decay": check_real("weight_decay", weight_decay, low=0.0),
    }


def check_train_mode(mode: str, backend: str, modules: Sequence[str],
                     batch_sizes: Sequence[int]) -> None:
    """Train-mode collection is explicit; some combinations cannot work at all."""
    if mode != "train" or not modules:
        return
    if backend == "vmap":
        raise ValueError("backend='vmap' cannot run train-mode BatchNorm/dropout "
                         f"({', '.join(modules)}); use backend='loop' or mode='eval'.")
    if any("BatchNorm" in m for m in modules) and 1 in batch_sizes:
        raise ValueError("train-mode BatchNorm cannot normalise a batch of 1; drop batch "
                         "size 1 or use mode='eval'.")
