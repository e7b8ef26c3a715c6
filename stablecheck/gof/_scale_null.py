"""Scale-aware Gaussian null for pooled tail estimators.

Pooling the coordinates of a noise vector mixes Gaussians of different scales, and a scale
mixture of Gaussians is heavy-tailed: the seed paper's pooled Mohammadi estimate falls well
below 2 for data whose every coordinate is exactly Gaussian (FIELD-NOTES §2). This module
answers the direct question "is the pooled α̂ < 2 just a scale mixture?": simulate Gaussian
noise with the observed per-coordinate scales (and zero fractions), pool and block it exactly
as the observed data were, and see where the observed α̂ falls in that null distribution.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from scipy import special

from .._results import ResultMixin
from .._validation import as_matrix, as_rng, check_bool, check_int, warn
from ..errors import DataWarning

__all__ = ["ScaleAwareNullResult", "scale_aware_null", "scale_null_from_scales",
           "robust_column_scales"]

#: IQR of the standard normal: a Gaussian's sigma is IQR / 1.349
_IQR_N01 = 2.0 * float(special.ndtri(0.75))


@dataclass(frozen=True, repr=False)
class ScaleAwareNullResult(ResultMixin):
    """Where a pooled Mohammadi α̂ falls under Gaussian nulls; unpacks as (statistic, pvalue).

    Attributes
    ----------
    statistic : float
        The observed pooled α̂ (Mohammadi, seed pooling: rows of the K × P matrix
        concatenated).
    pvalue : float
        One-sided p-value against the scale-aware Gaussian null: the probability that
        Gaussian data with the observed per-coordinate scales give an α̂ at most as large.
    pvalue_iid : float
        The same against an iid Gaussian null (one scale for every coordinate) — what a
        naive comparison with "α = 2" tests.
    pvalue_method : str
        ``"monte_carlo"`` (``(1 + #{null ≤ observed}) / (R + 1)``) or ``"normal_tail"``
        when the observed value lies beyond every simulated one: then the p-value is the
        normal approximation on the 1/α scale, capped at ``1 / (R + 1)``.
    null_distribution, iid_null_distribution : ndarray
        Simulated α̂ under each null (kept for plots and re-use).
    null_median : float
        Median α̂ under the scale-aware null ("what a scale mixture alone gives").
    k1 : int
        Block length used (the observed estimator's).
    log_scale_spread : float
        Standard deviation of log σ̂ over coordinates (0 for equal scales).
    n_columns, n_columns_excluded : int
        Coordinates received, and those without a usable scale (constant columns).
    n_resamples : int
    permute : bool
    warnings : tuple of str
    """

    statistic: float
    pvalue: float
    pvalue_iid: float
    pvalue_method: str
    null_median: float
    k1: int
    log_scale_spread: float
    n_columns: int
    n_columns_excluded: int
    n_resamples: int
    permute: bool
    null_distribution: np.ndarray = field(default_factory=lambda: np.zeros(0))
    iid_null_distribution: np.ndarray = field(default_factory=lambda: np.zeros(0))
    warnings: tuple[str, ...] = ()

    _title: ClassVar[str] = "Scale-aware Gaussian null for pooled α̂"
    _unpack: ClassVar[tuple[str, ...]] = ("statistic", "pvalue")
    _hidden: ClassVar[tuple[str, ...]] = ("null_distribution", "iid_null_distribution")

    def __repr__(self) -> str:
        return (f"ScaleAwareNullResult(statistic={self.statistic!r}, pvalue={self.pvalue!r}, "
                f"pvalue_iid={self.pvalue_iid!r}, null_median={self.null_median!r})")


def robust_column_scales(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-column Gaussian scale ``IQR/1.349`` of the non-zero values, and the zero fraction.

    Columns whose non-zero values have zero IQR fall back to their standard deviation; a
    column with no spread at all gets scale 0 (excluded by the caller).
    """
    a = np.asarray(x, dtype=np.float64)
    zero = a == 0
    zfrac = zero.mean(axis=0)
    nz = np.where(zero, np.nan, a)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns (all zeros)
        q25, q75 = _nan_quartiles(nz)
        sd = np.nanstd(nz, axis=0)
    scale = (q75 - q25) / _IQR_N01
    scale = np.where(np.isfinite(scale) & (scale > 0), scale, np.where(np.isfinite(sd), sd, 0.0))
    return scale, zfrac


def _nan_quartiles(nz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.nanpercentile(nz, [25, 75], axis=0)`` of a 2-D array, value for value.

    numpy's NaN-aware percentile calls Python once per column (~2.5 µs per value: an hour
    on a 1-GB layer); here the columns are grouped by their number ``c`` of non-NaN values
    and each group goes through one vectorised ``np.percentile`` of its ``c`` smallest
    sorted values, which are exactly the column's non-NaN values (NaN sorts last).
    """
    if nz.ndim != 2:
        return tuple(np.nanpercentile(nz, [25, 75], axis=0))
    q = np.full((2, nz.shape[1]), np.nan)
    count = np.count_nonzero(~np.isnan(nz), axis=0)
    full = count == nz.shape[0]
    if np.any(full):
        q[:, full] = np.percentile(nz[:, full], [25, 75], axis=0)
    part = np.flatnonzero(~full & (count > 0))  # all-NaN columns stay NaN, as in numpy
    if part.size:
        srt = np.sort(nz[:, part], axis=0)
        for c in np.unique(count[part]):
            cols = count[part] == c
            q[:, part[cols]] = np.percentile(srt[:c, cols], [25, 75], axis=0)
    return q[0], q[1]


def _mohammadi_alpha(pooled: np.ndarray, k1: int) -> float:
    from ..tail import LogMomentSketch
    from ..tail._logmoment import mohammadi_estimate

    with np.errstate(divide="ignore", invalid="ignore"):  # zero block sums: refused below
        sk = LogMomentSketch(k1=k1).update(pooled)
        est = mohammadi_estimate(sk, confidence_level=None)
    if np.isneginf(est["inv_alpha"][0]):
        raise ValueError(f"some Mohammadi block sums (K1 = {k1}) are exactly zero (discrete or "
                         "heavily tied data): log|Y| = -inf, so the pooled α̂ is undefined; it "
                         "needs continuous data.")
    return float(est["alpha"][0])


#: Values simulated per piece of a null replicate (bounds its memory at ~16 MB float32); a
#: constant, so a replicate's random stream does not depend on how the data were read.
_PIECE = 1 << 22


def _pieces(k: int, p: int):
    """Row-major pieces ``(row0, row1, col0, col1)`` of a k × p matrix, each ≤ _PIECE values
    (whole rows when a row fits, else column pieces of one row)."""
    if p <= _PIECE:
        step = max(1, _PIECE // p)
        for r0 in range(0, k, step):
            yield r0, min(r0 + step, k), 0, p
    else:
        for r in range(k):
            for c0 in range(0, p, _PIECE):
                yield r, r + 1, c0, min(c0 + _PIECE, p)


def _simulate(scale: np.ndarray, zfrac: np.ndarray, k: int, k1: int, permute: bool,
              gen: np.random.Generator) -> float:
    """One null replicate of Mohammadi's α̂, computed directly (same blocking as the sketch:
    zeros dropped, blocks over the stream of usable values, incomplete last block dropped).

    Without ``permute`` the K × P replicate is simulated in row-major pieces with block sums
    carried across pieces, so memory stays bounded whatever K × P; ``permute`` needs the whole
    pooled vector (K·P float32 values) in memory.
    """
    scale32 = scale.astype(np.float32)
    inject = bool(np.any(zfrac > 0))

    def piece(r0, r1, c0, c1):
        z = gen.standard_normal((r1 - r0, c1 - c0), dtype=np.float32)
        z *= scale32[c0:c1]
        out = z.reshape(-1)
        if inject:
            out = out[(gen.random((r1 - r0, c1 - c0), dtype=np.float32)
                       >= zfrac[c0:c1]).reshape(-1)]
        # float32 normals are exactly 0 with probability ~1e-7; the estimator drops zeros
        return out[out != 0]

    if permute:
        stream = gen.permutation(np.concatenate([piece(*pc) for pc in _pieces(k, scale.size)]))
        parts = [stream]
    else:
        parts = (piece(*pc) for pc in _pieces(k, scale.size))
    carry = np.zeros(0, dtype=np.float32)
    n_blocks, sum_logx, sum_logy = 0, 0.0, 0.0
    for part in parts:
        stream = np.concatenate([carry, part]) if carry.size else part
        nb = stream.size // k1
        used = stream[: nb * k1]
        if nb:
            y = used.reshape(nb, k1).sum(axis=1, dtype=np.float64)
            sum_logy += float(np.sum(np.log(np.abs(y))))
            sum_logx += float(np.sum(np.log(np.abs(used).astype(np.float64))))
            n_blocks += nb
        carry = stream[nb * k1:]
    if n_blocks < 2:
        raise ValueError(f"too few usable values for blocks of K1 = {k1}.")
    inv = (sum_logy / n_blocks - sum_logx / (n_blocks * k1)) / np.log(k1)
    return 1.0 / inv


def _pvalue(obs: float, null: np.ndarray) -> tuple[float, str]:
    """One-sided p-value for "heavier than the null", on the 1/α scale: α̂ is reported as
    computed, so it may be negative (1/α̂ < 0: lighter than any stable law) or infinite,
    and "α̂ ≤ null" alone would count a negative α̂ as heavier than every replicate."""
    r = null.size
    with np.errstate(divide="ignore"):
        inv = 1.0 / np.asarray(null, dtype=np.float64)
        inv_obs = float(np.float64(1.0) / np.float64(obs))
    count = int(np.count_nonzero(inv >= inv_obs))
    if count:
        return (1.0 + count) / (r + 1.0), "monte_carlo"
    sd = float(np.std(inv, ddof=1))
    zscore = (inv_obs - float(np.mean(inv))) / sd if sd > 0 else np.inf
    return min(float(special.ndtr(-zscore)), 1.0 / (r + 1.0)), "normal_tail"


def scale_aware_null(
    x: Any,
    *,
    k1: Any = "sqrt",
    permute: bool = False,
    n_resamples: int = 200,
    iid: bool = True,
    rng: Any = None,
) -> ScaleAwareNullResult:
    """Test a pooled Mohammadi α̂ against Gaussian noise with the observed coordinate scales.

    Parameters
    ----------
    x : array_like, shape (K, P)
        Noise matrix: K minibatch noise vectors (rows) over P coordinates. Pooling is the
        seed paper's: rows concatenated (row-major flattening).
    k1 : "sqrt" or int
        Mohammadi block length, as in :func:`stablecheck.tail_index` (``"sqrt"``: the seed's
        largest divisor of the pooled size not above its square root).
    permute : bool
        Permute the pooled values before blocking (observed and simulated alike).
    n_resamples : int
        Replicates of each null.
    iid : bool
        Also simulate the iid Gaussian null (``pvalue_iid``; NaN when False).
    rng : None, int, SeedSequence or Generator

    Returns
    -------
    ScaleAwareNullResult

    Notes
    -----
    Null model: coordinate ``j`` is ``N(0, σ_j²)`` with ``σ_j`` the robust scale (IQR/1.349)
    of its non-zero values, set to exactly zero with the observed zero fraction of that
    coordinate (the estimator drops zeros). The scales are estimated from K values each, so
    the null's scale spread slightly exceeds the truth; this makes the test conservative
    (it is less likely to reject), never liberal. The iid null uses one scale (the estimator
    is scale invariant) and the overall zero fraction.

    Examples
    --------
    >>> import numpy as np
    >>> import stablecheck as sc
    >>> rng = np.random.default_rng(0)
    >>> sigma = np.exp(2.0 * rng.standard_normal(2000))       # log-normal coordinate scales
    >>> x = rng.standard_normal((50, 2000)) * sigma            # every coordinate Gaussian
    >>> res = sc.scale_aware_null(x, n_resamples=50, rng=1)
    >>> bool(res.statistic < 1.5), bool(res.pvalue_iid < 0.001), bool(res.pvalue > 0.05)
    (True, True, True)
    """
    a = as_matrix(x, name="x", min_rows=2)
    permute = check_bool("permute", permute)
    iid = check_bool("iid", iid)
    n_resamples = check_int("n_resamples", n_resamples, min=19)
    gen = as_rng(rng)
    k_rows, p = a.shape
    scale, zfrac = robust_column_scales(a)
    notes: list[str] = []
    n_excl = int(p - np.count_nonzero(scale > 0))
    if n_excl:
        notes.append(warn(f"{n_excl} of {p} coordinates have no spread (constant) and are left "
                          "out of the scale-aware null; the observed α̂ uses them as they are "
                          "(constant zeros are dropped by the estimator).", DataWarning))
    if n_excl == p:
        raise ValueError("every coordinate of `x` is constant; there is no scale to simulate.")
    pooled = a.reshape(-1)
    if permute:
        pooled = gen.permutation(pooled)
    k1v = _resolve_k1(k1, int(np.count_nonzero(pooled)))
    observed = _mohammadi_alpha(pooled, k1v)
    return scale_null_from_scales(observed, scale, zfrac, k_rows, k1=k1v, permute=permute,
                                  n_resamples=n_resamples, iid=iid, rng=gen, notes=notes)


def _resolve_k1(k1: Any, n_usable: int) -> int:
    if isinstance(k1, str) and k1 == "sqrt":
        from ..tail._logmoment import seed_k1

        k1v = seed_k1(n_usable)
        if k1v < max(2, int(np.sqrt(n_usable)) // 2):
            k1v = int(np.sqrt(n_usable))
        return k1v
    return check_int("k1", k1, min=2, max=max(2, n_usable // 2))


def scale_null_from_scales(
    observed: float,
    scale: np.ndarray,
    zero_fraction: np.ndarray,
    n_rows: int,
    *,
    k1: int,
    permute: bool = False,
    n_resamples: int = 200,
    iid: bool = True,
    rng: Any = None,
    notes: list[str] | None = None,
) -> ScaleAwareNullResult:
    """The nulls of :func:`scale_aware_null` from per-coordinate summaries (streaming use).

    ``scale`` and ``zero_fraction`` are per coordinate (see :func:`robust_column_scales`);
    coordinates with ``scale <= 0`` are left out. ``observed`` is the pooled α̂ computed with
    the same ``k1`` and ``permute``.
    """
    gen = as_rng(rng)
    n_resamples = check_int("n_resamples", n_resamples, min=19)
    scale = np.asarray(scale, dtype=np.float64)
    zfrac = np.asarray(zero_fraction, dtype=np.float64)
    keep = scale > 0
    if not np.any(keep):
        raise ValueError("every coordinate is constant; there is no scale to simulate.")
    p = int(scale.size)
    n_excl = int(p - np.count_nonzero(keep))
    k_rows = int(n_rows)
    k1v = int(k1)
    notes = list(notes or [])
    # the estimator is scale invariant: simulate with scales relative to their median, so the
    # float32 replicates (and the p-values) do not depend on the data's unit
    sc_, zf = scale[keep], zfrac[keep]
    sc_ = sc_ / float(np.median(sc_))
    null = np.array([_simulate(sc_, zf, k_rows, k1v, permute, gen) for _ in range(n_resamples)])
    p_null, how = _pvalue(observed, null)
    iid_null = np.zeros(0)
    p_iid = float("nan")
    if iid:
        zall = np.full(sc_.size, float(np.mean(zfrac)))
        ones = np.ones(sc_.size)
        iid_null = np.array([_simulate(ones, zall, k_rows, k1v, permute, gen)
                             for _ in range(n_resamples)])
        p_iid, _ = _pvalue(observed, iid_null)
    spread = float(np.std(np.log(sc_))) if sc_.size > 1 else 0.0
    return ScaleAwareNullResult(
        statistic=observed, pvalue=p_null, pvalue_iid=p_iid, pvalue_method=how,
        null_median=float(np.median(null)), k1=int(k1v), log_scale_spread=spread,
        n_columns=int(p), n_columns_excluded=n_excl, n_resamples=n_resamples,
        permute=permute, null_distribution=null, iid_null_distribution=iid_null,
        warnings=tuple(notes))
