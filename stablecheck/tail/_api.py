"""``tail_index``: one entry point, a registry of methods, one streaming code path."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import (
    TAIL_BLOCK_SCHEMES,
    TAIL_CI_METHODS,
    TAIL_CIS,
    TAIL_TAILS,
    as_rng,
    check_bool,
    check_confidence_level,
    check_int,
    check_option,
    check_tail_counts,
    check_tail_k,
    check_tail_k1,
    check_tail_not_constant,
    check_tail_usable,
    warn,
)
from ..errors import DataWarning, DisagreementWarning
from ..resample._engine import make_scheme
from ._api_stable import _logmoment, _mohammadi, _mohammadi_from
from ._order import order_estimate, select_k
from ._result import TailIndexResult
from ._select import K_METHODS
from ._sketches import LogMomentSketch, TailSketch
from ._source import Source, as_source

__all__ = ["tail_index", "register_method", "METHODS"]


@dataclass(frozen=True)
class TailMethod:
    """A registry entry: which sketch the method reads and which intervals it offers."""

    family: str                      # "order" | "logmoment" | "mohammadi" | "plugin"
    cis: tuple[str | None, ...]
    default_ci: str | None
    fn: Callable[..., dict] | None = None
    missing: str = ""


METHODS: dict[str, TailMethod] = {
    "hill": TailMethod("order", ("exact", "profile", "normal", "bootstrap", "block", None),
                       "exact"),
    "moment": TailMethod("order", ("normal", "bootstrap", "block", None), "normal"),
    "pickands": TailMethod("order", ("normal", "bootstrap", "block", None), "normal"),
    "smooth_hill": TailMethod("order", ("normal", "bootstrap", "block", None), "normal"),
    "logmoment": TailMethod("logmoment", ("normal", None), "normal"),
    "mohammadi": TailMethod("mohammadi", ("normal", None), "normal"),
    # The Clauset–Shalizi–Newman fit lives in stablecheck/tail/_powerlaw.py (separate issue);
    # plug it in with register_method("powerlaw", fn, cis=(...), default_ci=...).
    "powerlaw": TailMethod("plugin", ("bootstrap", "normal", None), "normal", None,
                           missing="method='powerlaw' (Clauset–Shalizi–Newman fit) is not "
                                   "available in this build yet; use method='hill' with "
                                   "k_method='ks' for the KS-minimising threshold."),
}


def register_method(name: str, fn: Callable[..., dict], *, cis: tuple[str | None, ...],
                    default_ci: str | None) -> None:
    """Plug a tail estimator into :func:`tail_index`.

    ``fn(top, n, *, ci, confidence_level, n_resamples, rng, **options)`` receives the kept
    decreasing positive tail ``top`` (all of it when ``k_max >= n``) and the sample size and
    returns a dict with ``alpha``, ``xi``, ``ci`` (ConfidenceInterval or None), ``se``, ``k``,
    and optionally ``k_path``, ``diagnostics``, ``notes`` (list of warning texts).
    """
    METHODS[name] = TailMethod("plugin", tuple(cis), default_ci, fn)


def tail_index(
    x: Any,
    *,
    method: str = "hill",
    k: Any = "auto",
    k_method: str = "double_bootstrap",
    tail: str = "abs",
    ci: str | None = "auto",
    confidence_level: float = 0.95,
    n_resamples: int = 1000,
    ci_method: str = "percentile",
    rng: Any = None,
    k1: Any = "sqrt",
    permute: bool = False,
    nan_policy: str = "raise",
    jitter: bool = False,
    k_max: int | None = None,
    block_scheme: str = "stationary",
    block_length: float | None = None,
    db_resamples: int = 200,
    undersmooth: bool = False,
    compare_k: bool = False,
) -> TailIndexResult:
    """Estimate the tail index of a sample, in memory or streamed.

    Parameters
    ----------
    x : array_like, memmap, iterable of arrays, or object with ``iter_chunks()``
        The data. Streams are read once (twice for Mohammadi with ``k1="sqrt"`` when the
        length is unknown). 2-D input is accepted only by ``method="mohammadi"`` (rows are
        vectors: the Euclidean-norm version).
    method : {"hill", "moment", "pickands", "smooth_hill", "logmoment", "mohammadi", "powerlaw"}
        Order-statistic estimators of the tail (Hill; Dekkers–Einmahl–de Haan moment,
        valid for any real ξ; Pickands; Resnick–Stărică smoothed Hill), or stable-model
        estimators that assume the whole sample is SαS (log-moment; Mohammadi et al.
        block estimator used by Simsekli et al. 2019).
    k : "auto", None, int or float
        Number of upper order statistics; a float in (0, 1) is a fraction of ``n``;
        ``"auto"``/None selects it with ``k_method``. Ignored by log-moment/Mohammadi.
    k_method : {"double_bootstrap", "drees_kaufmann", "ks", "path_stability"}
    tail : {"abs", "upper", "lower"}
        ``|x|``, the positive or the negative tail (magnitudes).
    ci : {"auto", "exact", "profile", "normal", "bootstrap", "block", None}
        ``"exact"`` (Hill: ``2kα/α̂ ~ χ²_{2k}``), ``"profile"`` (Hill: likelihood ratio),
        ``"normal"`` (asymptotic/delta method), ``"bootstrap"`` (tail-only Poisson
        bootstrap; with ``k="auto"`` k is re-selected in every replicate),
        ``"block"`` (block bootstrap of the series in its order, for dependent data; needs
        an array or memmap). ``"auto"``: exact for Hill, normal otherwise. For
        ``method="powerlaw"`` (Clauset et al.'s fit; :func:`stablecheck.powerlaw_fit`
        adds the GoF p-value and the likelihood-ratio comparisons, which ``tail_index``
        never runs) ``"normal"`` is asymptotic at the chosen xmin and ``"bootstrap"``
        re-selects xmin in every one of ``n_resamples`` resamples (one full fit each).
    confidence_level : float
    n_resamples : int
        Bootstrap replicates for ``ci="bootstrap"``/``"block"``.
    ci_method : {"percentile", "basic", "bca"}
        How a bootstrap distribution becomes an interval (BCa uses a grouped jackknife).
    rng : None, int, SeedSequence or Generator
    k1 : "sqrt", "grid", int or sequence of int
        Mohammadi's block length. ``"sqrt"``: the seed's rule, the largest divisor of ``N``
        not above ``sqrt(N)``; when that divisor is poor (< sqrt(N)/2, e.g. N prime) ``N`` is
        trimmed to ``K1·floor(N/K1)`` with ``K1 = floor(sqrt(N))`` instead. A sequence (or
        ``"grid"`` = 2, 5, 10, 20, 50, 100, 500, 1000) gives the median over the grid as
        ``alpha`` and the whole α̂-vs-K1 curve in ``k_path``. Trailing values that do not
        fill a block are dropped and counted.
    permute : bool
        Mohammadi: randomly permute (with ``rng``) before blocking, breaking dependence
        inside blocks. Needs an array or memmap.
    nan_policy : {"raise", "omit"}
    jitter : bool
        Integer data: add U(−½, ½) noise to the kept tail to break ties (a
        :class:`~stablecheck.errors.DataWarning` is emitted for integer data either way).
    k_max : int, optional
        Tail values kept by the :class:`TailSketch` (default ``min(n, 200000)``).
    block_scheme : {"stationary", "moving", "circular"}
    block_length : float, optional
        Default: Politis & White (2004) on the exceedance indicator at the chosen threshold.
    db_resamples : int
        Replicates per stage of the double bootstrap.
    undersmooth : bool
        With ``k="auto"``: use a quarter of the selected (MSE-optimal) ``k`` for the
        estimate and its interval. The MSE-optimal ``k`` balances squared bias against
        variance, so an interval built there under-covers whenever the tail is not exactly
        Pareto (measured on |t₃|, n = 1e4: exact χ² 0.557, bootstrap with k re-selected
        0.828); a quarter of it cuts bias/SE by ``4^(1/2 − ρ)`` (≈ 5× for ρ = −2/3) at about
        twice the width (measured: exact 0.919, bootstrap 0.955). See docs/tail-index.md.
    compare_k : bool
        Also run the other k-selection rules on the same tail, record their k in
        ``diagnostics["k_by_method"]`` and emit a
        :class:`~stablecheck.errors.DisagreementWarning` when double bootstrap,
        Drees–Kaufmann and KS-min disagree by more than a factor 2.

    Returns
    -------
    TailIndexResult

    Raises
    ------
    ValueError
        Bad options; all-zero data; fewer than 10 non-zero tail values; NaN/inf with
        ``nan_policy="raise"``; ``k`` beyond the kept tail.
    TypeError
        Non-numeric data (booleans, complex, strings, objects, masked arrays).

    Warns
    -----
    DataWarning
        Integer data or ties at the threshold; dropped non-finite values.
    ZeroValuesWarning
        Zeros dropped by log-moment/Mohammadi.
    BoundaryWarning
        Stable-model α̂ above 2 or negative (reported unclipped).

    Notes
    -----
    Conventions: ``alpha`` is the tail index with ``P(|X| > x) ~ x^(−α)``; ``xi = 1/α``.
    ``powerlaw``/Clauset et al. report the density exponent ``α + 1``.

    Every input goes through the same sketches — :class:`TailSketch` for order statistics,
    :class:`LogMomentSketch` for the stable-model estimators — so an array, a memmap and a
    stream of its chunks give the same answer.

    References
    ----------
    B. M. Hill (1975), Ann. Statist. 3, 1163–1174. A. L. M. Dekkers, J. H. J. Einmahl,
    L. de Haan (1989), Ann. Statist. 17, 1833–1855. J. Pickands (1975), Ann. Statist. 3,
    119–131. S. Resnick, C. Stărică (1997), Adv. Appl. Probab. 29, 271–293. X. Ma,
    C. L. Nikias (1995), IEEE Trans. Signal Process. 43, 2884–2897. M. Mohammadi,
    A. Mohammadpour, H. Ogata (2015), Metrika 78, 549–561. J. Danielsson et al. (2001),
    J. Multivariate Anal. 76, 226–248.

    Examples
    --------
    >>> import numpy as np
    >>> import stablecheck as sc
    >>> rng = np.random.default_rng(0)
    >>> x = rng.pareto(1.5, size=20_000) + 1.0
    >>> res = sc.tail_index(x, rng=rng)
    >>> bool(abs(res.alpha - 1.5) < 0.1), res.confidence_interval.method
    (True, 'exact-chi2')
    """
    check_option("method", method, tuple(METHODS))
    spec = METHODS[method]
    if spec.family == "plugin" and spec.fn is None:
        raise NotImplementedError(spec.missing)
    kk = check_tail_k(k)
    check_option("k_method", k_method, K_METHODS)
    check_option("tail", tail, TAIL_TAILS)
    check_option("ci", ci, TAIL_CIS)
    ci_eff = spec.default_ci if ci == "auto" else ci
    if ci_eff not in spec.cis:
        raise ValueError(f"ci={ci!r} is not available for method={method!r}; choose one of "
                         f"{', '.join(repr(c) for c in spec.cis)}.")
    level = check_confidence_level(confidence_level)
    B = check_int("n_resamples", n_resamples, min=50)
    check_option("ci_method", ci_method, TAIL_CI_METHODS)
    check_option("nan_policy", nan_policy, ("raise", "omit"))
    check_option("block_scheme", block_scheme, TAIL_BLOCK_SCHEMES)
    permute = check_bool("permute", permute)
    jitter = check_bool("jitter", jitter)
    dbB = check_int("db_resamples", db_resamples, min=20)
    undersmooth = check_bool("undersmooth", undersmooth)
    compare_k = check_bool("compare_k", compare_k)
    if k_max is not None:
        k_max = check_int("k_max", k_max, min=11)
    gen = as_rng(rng)
    if isinstance(x, (TailSketch, LogMomentSketch)):
        want = TailSketch if spec.family in ("order", "plugin") else LogMomentSketch
        if not isinstance(x, want):
            raise TypeError(f"method={method!r} reads a {want.__name__}; got a "
                            f"{type(x).__name__}.")
        src = Source(chunks=lambda: iter(()), array=None, n=None, ndim=1, reiterable=False)
        prebuilt: Any = x
    else:
        src = as_source(x)
        prebuilt = None
    if spec.family == "mohammadi":
        if prebuilt is not None:
            return _mohammadi_from(prebuilt, k1, level if ci_eff else None, nan_policy, [],
                                   None, False)
        return _mohammadi(src, check_tail_k1(k1), permute, level if ci_eff else None,
                          nan_policy, gen)
    if src.ndim == 2:
        raise ValueError(f"method={method!r} needs 1-D data; got rows of vectors. Flatten "
                         "explicitly (pooling coordinates is a scientific choice) or use "
                         "method='mohammadi' for the vector (row-norm) estimator.")
    if spec.family == "logmoment":
        return _logmoment(src, level if ci_eff else None, nan_policy, prebuilt)
    return _order(src, method, spec, kk, k_method, tail, ci_eff, level, B, ci_method, gen,
                  nan_policy, jitter, k_max, block_scheme, block_length, dbB, undersmooth,
                  prebuilt, compare_k)


# -------------------------------------------------------------------------------------
# order statistics
# -------------------------------------------------------------------------------------

def _order(src: Source, method: str, spec: TailMethod, k: Any, k_method: str, tail: str,
           ci: str | None, level: float, B: int, ci_method: str, gen: np.random.Generator,
           nan_policy: str, jitter: bool, k_max: int | None, block_scheme: str,
           block_length: float | None, db_resamples: int, undersmooth: bool,
           prebuilt: TailSketch | None = None, compare_k: bool = False
           ) -> TailIndexResult:
    notes: list[str] = []
    integer = src.integer
    k_cache = None
    if prebuilt is not None:
        sk = prebuilt
        # double-bootstrap answers on this sketch's tail (keyed by the tail's bytes, n, the
        # options and the generator state: see select_k); not part of the sketch's state
        k_cache = sk.__dict__.setdefault("_k_cache", {})
    else:
        cap = k_max if k_max is not None else (min(src.n, 200_000) if src.n else 200_000)
        if src.build is not None:  # Dask: update per block on the workers, merged state back
            sk = src.build(lambda: TailSketch(max(cap, 11)))
        else:
            sk = TailSketch(max(cap, 11))
            for c in src.chunks():
                integer = integer or np.asarray(c).dtype.kind in "iu"
                sk.update(c)
    msg = check_tail_counts(n=sk.n, n_nan=sk.n_nan, n_inf=sk.n_posinf + sk.n_neginf,
                            nan_policy=nan_policy)
    if msg:
        notes.append(msg)
    n = sk.n_finite
    top = sk.top(tail)
    check_tail_not_constant(top)
    check_tail_usable(top.size, n=n, n_zero=sk.n_zero, tail=tail)
    if integer:
        txt = ("integer data: tied values bias order-statistic estimators"
               + ("; U(−½, ½) jitter was added to the kept tail (jitter=True)." if jitter
                  else "; pass jitter=True to break ties with U(−½, ½) noise."))
        notes.append(warn(txt, DataWarning, stacklevel=4))
        if jitter:
            top = np.sort(top + gen.uniform(-0.5, 0.5, top.size))[::-1]
    replicate_pops = None
    if ci == "block":
        if src.array is None:
            raise ValueError("ci='block' resamples blocks of the series in its order and needs "
                             "an array or memmap; got a stream of chunks.")
        replicate_pops = _block_pops(src.array, tail, top.size, block_scheme, block_length)
    db_options = {"n_resamples": db_resamples}
    if spec.fn is not None:  # plugged-in method
        out = spec.fn(top, n, ci=ci, confidence_level=level, n_resamples=B, rng=gen)
    else:
        out = order_estimate(top, n, kernel=method, k=k, k_method=k_method, ci=ci,
                             ci_method=ci_method, level=level, n_resamples=B, rng=gen,
                             db_options=db_options, replicate_pops=replicate_pops,
                             undersmooth=4 if undersmooth else 1, k_cache=k_cache)
    kk = int(out["k"])
    if kk < top.size:
        thr = top[kk]
        ties = int(np.count_nonzero(top[: kk + 1] == thr))
        if ties > 1 and not jitter and ties == kk + 1 and top.size and top[0] == thr:
            # every order statistic used is the maximum: the estimate is degenerate
            # (log-spacings 0, alpha = inf), typically clipped or saturated data
            m = int(np.count_nonzero(top == top[0]))
            notes.append(warn(
                f"all of the top k + 1 = {kk + 1} values equal the maximum {thr:.6g}, which "
                f"{'at least ' if m == top.size else ''}{m} of the {n} values reach: the data "
                f"look clipped or saturated at {thr:.6g}, so the estimate is degenerate "
                f"(alpha = {float(out['alpha']):.6g}). The tail above the clip is not observed; "
                "drop the clipped values to estimate the tail below it (a truncated tail), "
                "or pass an integer k beyond the tie.", DataWarning, stacklevel=4))
        elif ties > 1 and not jitter:
            notes.append(warn(f"{ties} of the top {kk + 1} values tie at the threshold "
                              f"X_(k+1) = {thr:.6g}; Hill-type estimates are biased by ties "
                              "(jitter=True breaks them for integer data).", DataWarning,
                              stacklevel=4))
    for t in out.get("notes", []):
        notes.append(warn(t, DataWarning, stacklevel=4))
    diag = {"k_selection": _plain(out.get("k_info", {})), "tail_kept": int(top.size),
            "n_zero": sk.n_zero, "n_nan": sk.n_nan, "n_inf": sk.n_posinf + sk.n_neginf,
            "se_xi": out.get("se_xi"), "undersmooth": undersmooth}
    if compare_k:
        logs = np.log(top)
        kb: dict[str, int] = {}
        for meth in K_METHODS:
            try:
                kb[meth] = int(select_k(logs, n, meth, gen, db_options, k_cache)[0])
            except ValueError as exc:  # a rule that cannot run on this tail says why
                notes.append(f"k_method={meth!r} failed: {exc}")
        diag["k_by_method"] = kb
        core = [v for m_, v in kb.items() if m_ != "path_stability"]
        if len(core) >= 2 and max(core) > 2 * min(core):
            notes.append(warn(f"k-selection rules disagree by more than 2x: {kb}; look at "
                              "the k path (res.k_path) before trusting a single k.",
                              DisagreementWarning, stacklevel=4))
    boot = out.get("bootstrap")
    if boot is not None:
        diag["bootstrap_k"] = boot["k"]
        if isinstance(boot.get("block_length"), float):
            diag["block_length"] = boot["block_length"]
    if replicate_pops is not None:
        diag["block_length"] = getattr(replicate_pops, "block_length", None)
    return TailIndexResult(
        alpha=float(out["alpha"]), xi=float(out["xi"]), confidence_interval=out["ci"],
        standard_error=float(out["se"]), k=kk, n=sk.n, n_used=n, n_dropped=sk.n - n,
        zero_fraction=sk.n_zero / n if n else 0.0, method=method, tail=tail,
        k_method=k_method if k == "auto" else None, k_path=out.get("k_path", {}),
        diagnostics=diag,
        bootstrap_distribution=None if boot is None else boot["alpha"],
        warnings=tuple(notes))


def _plain(d: dict) -> dict:
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in d.items()}


class _BlockPops:
    """Top log values of block-bootstrap replicates, via multiplicities of the tail positions."""

    def __init__(self, arr: np.ndarray, tail: str, keep: int, scheme: str,
                 block_length: float | None):
        v = np.asarray(arr, dtype=np.float64)
        v = {"abs": np.abs(v), "upper": v, "lower": -v}[tail]
        v = np.where(np.isfinite(v), v, -np.inf)
        n = v.size
        keep = min(keep, n)
        pos = np.argpartition(v, n - keep)[n - keep:]
        pos = pos[np.argsort(v[pos])[::-1]]
        pos = pos[v[pos] > 0]
        self.pos = pos
        self.logs = np.log(v[pos])
        self.n = n
        if block_length is None:
            # extremal dependence: Politis–White on the indicator of the top ~sqrt(n) values
            u = v[pos[min(pos.size - 1, int(math.sqrt(n)))]]
            ind = (v > u).astype(np.float64)
            block_length = float(make_scheme(f"{scheme}_block", ind).block_length)
        self.block_length = float(block_length)
        self.scheme = make_scheme(f"{scheme}_block", None, block_length=block_length)

    def __call__(self, R: int, depth: int, rng: np.random.Generator) -> np.ndarray:
        out = np.empty((R, depth))
        step = max(1, (1 << 22) // self.n)
        for s in range(0, R, step):
            b = min(step, R - s)
            idx = self.scheme.indices(self.n, rng, b)
            for j in range(b):
                cnt = np.bincount(idx[j], minlength=self.n)[self.pos]
                row = np.repeat(self.logs, cnt)[:depth]
                if row.size < depth:
                    row = np.concatenate([row, np.full(depth - row.size,
                                                       row[-1] if row.size else 0.0)])
                out[s + j] = row
        return out


def _block_pops(arr: np.ndarray, tail: str, keep: int, scheme: str,
                block_length: float | None) -> _BlockPops:
    if arr.ndim != 1:
        raise ValueError("ci='block' needs a 1-D series.")
    return _BlockPops(arr, tail, keep, scheme, block_length)
