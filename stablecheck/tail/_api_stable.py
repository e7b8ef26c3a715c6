"""``tail_index``'s stable-model estimators: SαS log-moment and the seed paper's Mohammadi
block estimator, from a :class:`LogMomentSketch` built in one (or, with ``permute``, a
permuted) pass over the source."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._results import ConfidenceInterval
from .._validation import check_tail_log_counts, check_tail_log_variance, warn
from ..errors import BoundaryWarning, DataWarning
from ._logmoment import DEFAULT_K1_GRID, logmoment_estimate, mohammadi_estimate, seed_k1
from ._result import TailIndexResult
from ._sketches import LogMomentSketch
from ._source import Source


def _counting_pass(src: Source) -> tuple[int, int]:
    """(rows, usable rows) — needed for K1 = "sqrt" on a stream of unknown length."""
    n = usable = 0
    for c in src.chunks():
        a = np.asarray(c)
        if a.ndim == 2:
            fin = np.isfinite(a).all(axis=1)
            nz = (a != 0).any(axis=1)
            n += a.shape[0]
        else:
            a = a.reshape(-1)
            fin = np.isfinite(a)
            nz = a != 0
            n += a.size
        usable += int(np.count_nonzero(fin & nz))
    return n, usable


def _usable_count(src: Source) -> int:
    if src.array is not None:
        a = src.array
        if a.ndim == 2:
            return int(np.count_nonzero(np.isfinite(a).all(axis=1) & (a != 0).any(axis=1)))
        return int(np.count_nonzero(np.isfinite(a) & (a != 0)))
    if src.count is not None:
        return src.count()
    if not src.reiterable:
        raise ValueError("k1='sqrt' needs the number of values before the pass; a one-shot "
                         "iterator cannot be counted and then read again. Pass an int or a "
                         "grid for `k1`, or a list of chunks / an object with iter_chunks().")
    return _counting_pass(src)[1]



def _lm_notes(sk: LogMomentSketch, nan_policy: str) -> list[str]:
    return check_tail_log_counts(n=sk.n, n_nonfinite=sk.n_nonfinite, n_zero=sk.n_zero,
                                 n_used=sk.n_used, nan_policy=nan_policy)


def _logmoment(src: Source, level: float | None, nan_policy: str,
               prebuilt: LogMomentSketch | None = None) -> TailIndexResult:
    sk = prebuilt if prebuilt is not None else LogMomentSketch()
    if prebuilt is None and src.build is not None:  # Dask
        sk = src.build(LogMomentSketch)
    elif prebuilt is None:
        for c in src.chunks():
            sk.update(c)
    notes = _lm_notes(sk, nan_policy)
    check_tail_log_variance(sk.log_var(ddof=1), sk.log_mean, sk.n_used)
    alpha, se, ci, extra = logmoment_estimate(sk, confidence_level=level)
    for t in extra:
        notes.append(warn(t, BoundaryWarning, stacklevel=4))
    fin = sk.n - sk.n_nonfinite
    return TailIndexResult(
        alpha=alpha, xi=1.0 / alpha if alpha > 0 else math.inf, confidence_interval=ci,
        standard_error=se, k=None, n=sk.n, n_used=sk.n_used, n_dropped=sk.n - sk.n_used,
        zero_fraction=sk.n_zero / fin if fin else 0.0, method="logmoment", tail="abs",
        k_method=None, diagnostics={"log_mean": sk.log_mean, "log_var": sk.log_var()},
        warnings=tuple(notes))


def _mohammadi(src: Source, k1: Any, permute: bool, level: float | None, nan_policy: str,
               gen: np.random.Generator) -> TailIndexResult:
    notes: list[str] = []
    dim = 1 if src.ndim == 1 else None
    if src.array is not None and src.array.ndim == 2:
        dim = int(src.array.shape[1])
    trimmed_rule = None
    if k1 == "sqrt":
        N = _usable_count(src)
        if N == 0 and src.n:
            raise ValueError(f"all {src.n} values are exactly zero (or non-finite); there is "
                             "no tail to estimate.")
        if N < 10:
            raise ValueError(f"only {N} non-zero finite values; Mohammadi needs at least 10.")
        ks = seed_k1(N)
        if ks < math.isqrt(N) / 2:
            trimmed_rule = (f"N = {N} has no divisor near sqrt(N) (largest: {ks}); using "
                            f"K1 = {math.isqrt(N)} and dropping the last "
                            f"{N - math.isqrt(N) * (N // math.isqrt(N))} values.")
            ks = math.isqrt(N)
        grid: tuple[int, ...] = (ks,)
    elif k1 == "grid":
        grid = DEFAULT_K1_GRID
    elif isinstance(k1, tuple):
        grid = k1
    else:
        grid = (int(k1),)
    if permute:
        if src.array is None:
            raise ValueError("permute=True needs random access (an array or memmap); a stream "
                             "of chunks cannot be permuted globally.")
        arr = src.array
        chunks: Any = _permuted_chunks(arr, gen)
    else:
        chunks = src.chunks()
    sk: LogMomentSketch | None = None
    if src.build is not None and not permute:
        sk = src.build(lambda: LogMomentSketch(k1=grid, dim=src.dim or 1))
        chunks = ()
    for c in chunks:
        a = np.asarray(c)
        if sk is None:
            d = dim if dim is not None else (a.shape[1] if a.ndim == 2 else 1)
            sk = LogMomentSketch(k1=grid, dim=d)
        sk.update(a)
    if sk is None:
        raise ValueError("`x` is empty.")
    return _mohammadi_from(sk, None, level, nan_policy, notes, trimmed_rule, permute)


def _mohammadi_from(sk: LogMomentSketch, k1: Any, level: float | None, nan_policy: str,
                    notes: list[str], trimmed_rule: str | None, permute: bool
                    ) -> TailIndexResult:
    if k1 is not None and not isinstance(k1, str):
        want = set(np.atleast_1d(k1).tolist())
        if not want <= set(sk.k1.tolist()):
            raise ValueError(f"the LogMomentSketch holds blocks for K1 = {sk.k1.tolist()}; "
                             f"k1 = {sorted(want)} is not among them.")
    if sk.k1.size == 0:
        raise ValueError("the LogMomentSketch was built without block lengths (k1=()); "
                         "build it with LogMomentSketch(k1=...) for Mohammadi.")
    grid = tuple(int(v) for v in sk.k1)
    notes = list(notes)
    notes += _lm_notes(sk, nan_policy)
    if sk.dim == 1:  # every |x| equal: block sums are K1·v and 1/α̂ = log K1 / log K1 = 1
        check_tail_log_variance(sk.log_var(ddof=1), sk.log_mean, sk.n_used)
    if trimmed_rule:
        notes.append(warn(trimmed_rule, DataWarning, stacklevel=3))
    est = mohammadi_estimate(sk, confidence_level=level)
    ok = est["k2"] >= 2
    if not ok.any():
        raise ValueError(f"no K1 in {list(grid)} leaves at least 2 complete blocks of the "
                         f"{sk.n_used} usable values; choose smaller block lengths.")
    for name in ("k1", "alpha", "inv_alpha", "se", "low", "high", "k2", "n_used"):
        est[name] = est[name][ok]
    if np.any(np.isneginf(est["inv_alpha"])):
        raise ValueError("some Mohammadi block sums are exactly zero (discrete or heavily tied "
                         f"data, K1 = {est['k1'][np.isneginf(est['inv_alpha'])].tolist()}): "
                         "log|Y| = -inf, so the estimator is undefined; it needs continuous data.")
    a = est["alpha"]
    bad = (a > 2) | (a < 0) | ~np.isfinite(a)
    if bad.any():
        notes.append(warn(f"Mohammadi α̂ outside (0, 2] for K1 = {est['k1'][bad].tolist()}: "
                          f"{np.round(a[bad], 4).tolist()}; reported as computed, not clipped "
                          "(α̂ > 2 or < 0 means the stable model does not describe these "
                          "block sums).", BoundaryWarning, stacklevel=3))
    single = est["k1"].size == 1
    if single:
        alpha = float(a[0])
        ci = (ConfidenceInterval(float(est["low"][0]), float(est["high"][0]), level,
                                 "normal (1/α scale)") if level is not None else None)
        se = float(est["se"][0])
        kk: int | None = int(est["k1"][0])
        n_used = int(est["n_used"][0])
    else:
        alpha = float(np.median(a))
        ci = None
        se = float("nan")
        kk = None
        n_used = int(est["n_used"].max())
        notes.append("alpha is the median of α̂ over the K1 grid; per-K1 intervals are in "
                     "k_path (no interval is attached to the median).")
    trimmed = sk.n_used - n_used
    fin = sk.n - sk.n_nonfinite
    k_path = {"k": est["k1"], "alpha": a, "xi": est["inv_alpha"], "low": est["low"],
              "high": est["high"]}
    diag = {"k2": est["k2"], "n_trimmed": int(trimmed), "permute": permute,
            "vector_dim": sk.dim, "se_by_k1": est["se"]}
    return TailIndexResult(
        alpha=alpha, xi=1.0 / alpha if alpha != 0 else math.inf, confidence_interval=ci,
        standard_error=se, k=kk, n=sk.n, n_used=n_used, n_dropped=sk.n - n_used,
        zero_fraction=sk.n_zero / fin if fin else 0.0, method="mohammadi", tail="abs",
        k_method=None, k_path=k_path, diagnostics=diag, warnings=tuple(notes))


def _permuted_chunks(arr: np.ndarray, gen: np.random.Generator, chunk: int = 1 << 20):
    perm = gen.permutation(arr.shape[0])
    rows = max(1, chunk // max(1, int(np.prod(arr.shape[1:], dtype=np.int64))))
    for i in range(0, perm.size, rows):
        yield arr[perm[i:i + rows]]
