"""Checkers for α-stable parameters and fitting options."""

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


# stable: the fast table ----------------------------------------------------------------

def check_table_domain(alpha: np.ndarray, beta: np.ndarray, alpha_range: tuple[float, float],
                       beta_range: tuple[float, float], *, raise_: bool) -> np.ndarray:
    """Mask of (already valid) parameters inside the fast table's box; raise if asked and not."""
    inside = (alpha >= alpha_range[0]) & (alpha <= alpha_range[1]) & \
        (beta >= beta_range[0]) & (beta <= beta_range[1])
    if raise_ and not np.all(inside):
        n_out = int(inside.size - np.count_nonzero(inside))
        raise ValueError(
            f"{n_out} of {inside.size} points have (alpha, beta) outside the fast table's "
            f"domain alpha in [{alpha_range[0]}, {alpha_range[1]}], beta in "
            f"[{beta_range[0]}, {beta_range[1]}]; pass outside='exact' to evaluate them with "
            "the exact engine, or use stablecheck.stable.logpdf.")
    return inside
