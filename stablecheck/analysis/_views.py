"""Streaming views of one snapshot × layer of a noise dataset, for the engines.

Nothing here holds the K × P matrix: pooled views re-read row chunks on every pass, and
per-coordinate summaries are formed column block by column block.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ..gof._scale_null import robust_column_scales

__all__ = ["PooledView", "ColumnSummary", "column_summary", "thinned_sample",
           "column_logmoment"]


class PooledView:
    """The seed paper's pooled sample (rows concatenated) of one snapshot × layer.

    Implements the chunk-source protocol of :func:`stablecheck.tail_index` (``iter_chunks``,
    ``size``, ``ndim``). With ``center``/``scale`` (per column), yields the robustly
    standardised values ``(x − center) / scale`` of the columns where ``keep`` is True.
    """

    ndim = 1

    def __init__(self, ds, snapshot: str, layer: str, *, max_elements: int,
                 center: np.ndarray | None = None, scale: np.ndarray | None = None,
                 keep: np.ndarray | None = None):
        self._ds, self._snap, self._layer = ds, snapshot, layer
        self._max = max_elements
        self._center, self._scale, self._keep = center, scale, keep
        k, p = ds.shape(snapshot, layer)
        self.size = int(k * (p if keep is None else int(np.count_nonzero(keep))))

    def iter_chunks(self) -> Iterator[np.ndarray]:
        """Row-major 1-D chunks (float32/float64 as stored; float64 when standardised)."""
        for blk in self._ds.iter_chunks(self._snap, self._layer, by="rows",
                                        max_elements=self._max):
            if self._keep is None:
                x = np.asarray(blk).reshape(-1)
            elif blk.shape[1] != self._keep.size:  # a row split into column pieces
                raise ValueError("robust standardisation needs whole rows per chunk; raise "
                                 "`max_elements` above the layer size.")
            else:
                x = ((np.asarray(blk, dtype=np.float64)[:, self._keep] - self._center)
                     / self._scale).reshape(-1)
            del blk
            yield x
            del x  # hold no piece while the next one is read


@dataclass(frozen=True)
class ColumnSummary:
    """Per-coordinate summaries of one snapshot × layer (one pass over column blocks)."""

    median: np.ndarray
    iqr: np.ndarray
    gauss_scale: np.ndarray       # IQR/1.349 of the non-zero values (scale-aware null)
    zero_fraction: np.ndarray
    inv_alpha: np.ndarray          # per-coordinate SαS log-moment 1/α̂ (NaN: untestable)
    n_rows: int


def column_logmoment(x: np.ndarray) -> np.ndarray:
    """Per-column SαS log-moment estimate on the 1/α scale (Ma & Nikias 1995).

    ``1/α̂² = 6 Var(log|x|)/π² − 1/2`` over the non-zero values of each column; reported as
    ``1/α̂ = sqrt(max(·, 0))`` (0 means "lighter than any stable law"), NaN where fewer than
    3 non-zero values exist or all non-zero magnitudes are equal (a constant column has no
    tail to estimate; it is not "light"). The 1/α scale keeps small-sample estimates finite and averages
    sensibly (FIELD-NOTES §2: per-coordinate α̂ from ~120 Gaussian values scatter around 2).
    """
    a = np.abs(np.asarray(x, dtype=np.float64))
    nz = a > 0
    cnt = nz.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        la = np.where(nz, np.log(np.where(nz, a, 1.0)), 0.0)
        mean = la.sum(axis=0) / cnt
        var = (np.where(nz, la - mean, 0.0) ** 2).sum(axis=0) / (cnt - 1)
        d = 6.0 * var / np.pi**2 - 0.5
    inv = np.sqrt(np.maximum(d, 0.0))
    # equal magnitudes: the rounding of the mean would leave var ~1e-32 > 0, so compare them
    spread = (np.max(np.where(nz, a, 0.0), axis=0, initial=0.0)
              > np.min(np.where(nz, a, np.inf), axis=0, initial=np.inf))
    return np.where((cnt >= 3) & spread, inv, np.nan)


#: values per slice of a column block in :func:`column_summary`: each statistic makes a few
#: float64 temporaries of the slice (2 MB each), not of the whole block
_SLICE = 1 << 18


def column_summary(ds, snapshot: str, layer: str, *, max_elements: int) -> ColumnSummary:
    """Median, IQR, Gaussian scale, zero fraction and 1/α̂ of every coordinate.

    One pass over column blocks of at most ``max_elements`` values; every statistic is per
    column, so each block is summarised in column slices of ``_SLICE`` values (same numbers,
    temporaries bounded by the slice rather than by the block).
    """
    med, iqr, gs, zf, inv = [], [], [], [], []
    k = ds.shape(snapshot, layer)[0]
    step = max(1, _SLICE // max(k, 1))
    for blk in ds.iter_chunks(snapshot, layer, by="columns", max_elements=max_elements):
        for j in range(0, blk.shape[1], step):
            x = np.asarray(blk[:, j:j + step], dtype=np.float64)
            q25, q50, q75 = np.percentile(x, [25, 50, 75], axis=0)
            med.append(q50)
            iqr.append(q75 - q25)
            s, z = robust_column_scales(x)
            gs.append(s)
            zf.append(z)
            inv.append(column_logmoment(x))
        del blk  # unmap/free before the next block is read
    cat = np.concatenate
    return ColumnSummary(median=cat(med), iqr=cat(iqr), gauss_scale=cat(gs),
                         zero_fraction=cat(zf), inv_alpha=cat(inv), n_rows=int(k))


def thinned_sample(view: PooledView, size: int, rng: np.random.Generator) -> np.ndarray:
    """About ``size`` values drawn uniformly (Bernoulli thinning) from a pooled view, in one
    pass and bounded memory; the whole view when it is smaller."""
    total = max(view.size, 1)
    prob = min(1.0, size / total)
    parts = []
    for c in view.iter_chunks():
        c = np.asarray(c, dtype=np.float64)
        if prob < 1.0:
            c = c[rng.random(c.size) < prob]
        parts.append(c)
    return np.concatenate(parts) if parts else np.zeros(0)
