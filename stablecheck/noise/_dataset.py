"""NoiseDataset: snapshots of K × P noise matrices, layer slices, views and chunked iteration.

A *snapshot* is the noise at one frozen weight vector: K minibatch noise vectors (rows) over
P coordinates (columns), split into named *layers* (column ranges). The data live in
*blocks* — rectangles of the K × P matrix backed by memory-mapped chunk files or in-memory
arrays — and are only assembled for the region a view or chunk asks for, so
:meth:`NoiseDataset.iter_chunks` never needs K × P values in memory.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validation import (
    _check_dtype,
    _to_array,
    as_rng,
    check_bool,
    check_int,
    check_option,
    warn,
)
from ..errors import DataWarning
from ._index import RectIndex
from ._meta import check_meta

__all__ = ["Layer", "Block", "Snapshot", "NoiseDataset", "StandardizedNoise", "DEFAULT_CHUNK"]

#: Default bound on the number of values per chunk yielded by ``iter_chunks`` (16 MB float32).
DEFAULT_CHUNK = 1 << 22
#: bytes of a chunk file mapped at a time when a region is copied out of it
_WINDOW = 8 << 20


@dataclass(frozen=True)
class Layer:
    """Columns ``[offset, offset + size)`` of a snapshot, holding a tensor of ``shape``."""

    name: str
    offset: int
    size: int
    shape: tuple[int, ...]


@dataclass(frozen=True)
class Block:
    """Rows ``[r0, r1)`` × columns ``[c0, c1)`` of a snapshot; ``load()`` returns that 2-D array.

    ``load_rows(a, b)``, where given, returns only the block's rows ``[a, b)`` (relative to
    the block) and maps no more of its file than those rows.
    """

    rows: tuple[int, int]
    cols: tuple[int, int]
    load: Callable[[], np.ndarray]
    load_rows: Callable[[int, int], np.ndarray] | None = None


@dataclass(frozen=True)
class Snapshot:
    """One snapshot: its K × P shape, dtype, layer table, metadata and data blocks."""

    name: str
    n_rows: int
    n_cols: int
    dtype: np.dtype
    layers: dict[str, Layer]
    meta: dict
    blocks: tuple[Block, ...] = field(repr=False)


@dataclass(frozen=True)
class StandardizedNoise:
    """Robustly standardised per-coordinate noise: ``(x - median) / IQR`` per column.

    Attributes
    ----------
    values : ndarray, shape (K, n_kept)
        Standardised values (float64) of the kept columns.
    median, iqr : ndarray, shape (P_layer,)
        Per-column median and interquartile range (Q75 - Q25, not rescaled).
    kept : ndarray of bool, shape (P_layer,)
        Columns used; excluded are those with IQR == 0 or a non-finite median/IQR.
    n_zero_iqr, n_nonfinite : int
        Columns excluded for each reason.
    warnings : tuple of str
    """

    values: np.ndarray
    median: np.ndarray
    iqr: np.ndarray
    kept: np.ndarray
    n_zero_iqr: int
    n_nonfinite: int
    warnings: tuple[str, ...] = ()


class NoiseDataset:
    """Noise snapshots read from a run directory or a plain file (see :func:`load_noise`).

    Parameters
    ----------
    snapshots : sequence of Snapshot
    source : str
        Where the data came from (a path).
    file_format : str
        ``"run"``, ``"npy"``, ``"npz"``, ``"safetensors"``, ``"csv"``, ``"txt"``,
        ``"parquet"``, ``"pt"`` or ``"array"``.
    assumptions : sequence of str
        What the reader assumed because the file did not say (empty for run directories).
    run_meta : dict, optional
        Run-level metadata merged under every snapshot's metadata.
    incomplete : sequence of str
        Snapshots of a run directory that were skipped because not all chunks are committed.

    Notes
    -----
    Methods taking ``snapshot=None`` use the only snapshot and raise ``ValueError`` when
    there are several; ``layer=None`` means all P columns (every layer pooled).

    Examples
    --------
    >>> import numpy as np
    >>> from stablecheck.noise import NoiseDataset
    >>> rng = np.random.default_rng(0)
    >>> ds = NoiseDataset.from_arrays({"w": rng.standard_normal((32, 4, 5)),
    ...                                "b": rng.standard_normal((32, 5))})
    >>> ds.shape(), ds.shape(layer="w")
    ((32, 25), (32, 20))
    >>> ds.pooled(layer="b").shape
    (160,)
    >>> [c.shape for c in ds.iter_chunks(layer="w", by="columns", max_elements=320)]
    [(32, 10), (32, 10)]
    >>> ds.projections(n_projections=3, rng=rng).shape
    (32, 3)
    """

    def __init__(self, snapshots, *, source: str = "<memory>", file_format: str = "array",
                 assumptions=(), run_meta: dict | None = None, incomplete=()):
        self._snaps = {s.name: s for s in snapshots}
        if not self._snaps:
            raise ValueError("a NoiseDataset needs at least one snapshot.")
        self.source = source
        self.file_format = file_format
        self.assumptions = tuple(assumptions)
        self.run_meta = dict(run_meta or {})
        self.incomplete = tuple(incomplete)
        self._indexes: dict[str, RectIndex] = {}

    # -- construction from arrays -------------------------------------------------------
    @classmethod
    def from_array(cls, x: Any, *, name: str = "x", source: str = "<memory>",
                   file_format: str = "array", meta: dict | None = None,
                   extra_assumptions=()) -> NoiseDataset:
        """One snapshot, one layer from a 1-D vector (K = n, P = 1) or an (K, ...) array."""
        return cls.from_arrays({name: x}, source=source, file_format=file_format, meta=meta,
                               extra_assumptions=extra_assumptions)

    @classmethod
    def from_arrays(cls, arrays: dict[str, Any], *, source: str = "<memory>",
                    file_format: str = "array", meta: dict | None = None,
                    extra_assumptions=()) -> NoiseDataset:
        """One snapshot whose layers are the given arrays, all sharing axis 0 (K rows).

        A 1-D array of length n is read as K = n rows of one coordinate; an array of shape
        (K, d1, d2, ...) as K rows of a layer of shape (d1, d2, ...). The assumptions made
        are recorded on the dataset.
        """
        if not arrays:
            raise ValueError(f"{source}: holds no arrays.")
        meta = check_meta(meta)
        blocks, layers, assumptions = [], {}, []
        ks = {}
        clean = {}
        for lname, a in arrays.items():
            if not isinstance(lname, str) or not lname:
                raise TypeError(f"{source}: layer names must be non-empty strings; got {lname!r}.")
            a = _to_array(a, f"{source}:{lname}", "raise")  # masked arrays are refused
            _check_dtype(a.dtype, f"{source}:{lname}")
            clean[lname] = a.reshape(1) if a.ndim == 0 else a
            ks[lname] = clean[lname].shape
            if a.size == 0:
                raise ValueError(f"{source}: array {lname!r} of shape {a.shape} holds no values.")
        arrays = clean
        first = next(iter(ks.values()))[0]
        if any(s[0] != first for s in ks.values()):
            shown = ", ".join(f"{k}: {v}" for k, v in list(ks.items())[:6])
            raise ValueError(f"{source}: arrays differ in their first axis ({shown}); every "
                             "array must be (K, ...) with the same K minibatches. Save one "
                             "K x P matrix or write a run directory instead.")
        dtypes = {np.asarray(a).dtype for a in arrays.values()}
        dtype = np.result_type(*dtypes) if len(dtypes) > 1 else dtypes.pop()
        offset = 0
        for lname, a in arrays.items():
            shape = ks[lname]
            size = int(np.prod(shape[1:], dtype=np.int64)) if len(shape) > 1 else 1
            layers[lname] = Layer(lname, offset, size, tuple(shape[1:]) or (1,))
            blocks.append(Block((0, first), (offset, offset + size), _reshaper(a, first, size)))
            offset += size
        kinds = sorted({len(s) for s in ks.values()})
        if kinds == [1]:
            assumptions.append(f"1-D data of {first} values read as K = {first} observations "
                               "of a single coordinate per layer (P = 1): pooled and "
                               "per-coordinate views coincide.")
        else:
            assumptions.append(f"axis 0 read as K = {first} minibatch noise vectors; the other "
                               f"axes flattened (C order) into P = {offset} coordinates.")
        if len(arrays) == 1:
            assumptions.append("one snapshot and one layer (the file has no layer table).")
        else:
            assumptions.append(f"each of the {len(arrays)} arrays is one layer, in file order, "
                               "all from one snapshot.")
        if not meta:
            assumptions.append("no metadata: data kind (noise vs raw gradient), iteration, "
                               "batch size and how the full gradient was obtained are unknown.")
        assumptions.extend(extra_assumptions)
        snap = Snapshot("0", first, offset, np.dtype(dtype), layers, dict(meta or {}),
                        tuple(blocks))
        return cls([snap], source=source, file_format=file_format, assumptions=assumptions)

    # -- structure ----------------------------------------------------------------------
    @property
    def snapshots(self) -> tuple[str, ...]:
        """Snapshot names in order."""
        return tuple(self._snaps)

    def snapshot(self, snapshot: str | None = None) -> Snapshot:
        """The :class:`Snapshot` record (``None`` = the only one)."""
        if snapshot is None:
            if len(self._snaps) > 1:
                raise ValueError(f"the dataset holds {len(self._snaps)} snapshots "
                                 f"({', '.join(list(self._snaps)[:5])}, ...); pass snapshot=.")
            return next(iter(self._snaps.values()))
        if snapshot not in self._snaps:
            raise KeyError(f"no snapshot {snapshot!r}; known: {list(self._snaps)[:10]}.")
        return self._snaps[snapshot]

    def layers(self, snapshot: str | None = None) -> dict[str, Layer]:
        """Layer table ``name -> Layer`` of a snapshot."""
        return dict(self.snapshot(snapshot).layers)

    def shape(self, snapshot: str | None = None, layer: str | None = None) -> tuple[int, int]:
        """``(K, P)`` of a snapshot, or ``(K, P_layer)`` of one layer."""
        snap = self.snapshot(snapshot)
        c0, c1 = self._cols(snap, layer)
        return snap.n_rows, c1 - c0

    @property
    def dtype(self) -> np.dtype:
        """Common dtype of the stored values."""
        return np.result_type(*[s.dtype for s in self._snaps.values()])

    def metadata(self, snapshot: str | None = None) -> dict:
        """Run metadata overlaid with the snapshot's own metadata."""
        return {**self.run_meta, **self.snapshot(snapshot).meta}

    def __repr__(self) -> str:
        s = next(iter(self._snaps.values()))
        return (f"NoiseDataset({self.file_format!r}, {len(self._snaps)} snapshot(s), "
                f"K={s.n_rows}, P={s.n_cols}, {len(s.layers)} layer(s), dtype={s.dtype})")

    # -- reading regions ------------------------------------------------------------------
    @staticmethod
    def _cols(snap: Snapshot, layer: str | None) -> tuple[int, int]:
        if layer is None:
            return 0, snap.n_cols
        if layer not in snap.layers:
            raise KeyError(f"no layer {layer!r} in snapshot {snap.name!r}; known: "
                           f"{list(snap.layers)[:10]}.")
        ly = snap.layers[layer]
        return ly.offset, ly.offset + ly.size

    def _index(self, snap: Snapshot) -> RectIndex:
        idx = self._indexes.get(snap.name)
        if idx is None:
            idx = self._indexes[snap.name] = RectIndex()
            for b in snap.blocks:
                idx.add(b.rows, b.cols, b)
        return idx

    def _region(self, snap: Snapshot, r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
        hits = self._index(snap).overlapping((r0, r1), (c0, c1))
        if len(hits) == 1:
            b = hits[0]
            if b.rows[0] <= r0 and r1 <= b.rows[1] and b.cols[0] <= c0 and c1 <= b.cols[1]:
                if b.load_rows is not None and (c0, c1) == b.cols:  # maps just these rows
                    return np.asarray(b.load_rows(r0 - b.rows[0], r1 - b.rows[0]))
                if b.load_rows is None:
                    arr = b.load()
                    view = arr[r0 - b.rows[0]:r1 - b.rows[0], c0 - b.cols[0]:c1 - b.cols[0]]
                    if isinstance(arr, np.memmap) and view.size < arr.size:
                        # a view would keep the whole file mapped for as long as the caller
                        # holds the piece; copy the piece and unmap
                        return np.array(view)
                    return np.asarray(view)
                # else: a column strip of a file that can be read by rows: copied below
        out = np.empty((r1 - r0, c1 - c0), dtype=snap.dtype)
        filled = 0
        for b in hits:
            a0, a1 = max(r0, b.rows[0]), min(r1, b.rows[1])
            d0, d1 = max(c0, b.cols[0]), min(c1, b.cols[1])
            if b.load_rows is None:
                arr = b.load()
                out[a0 - r0:a1 - r0, d0 - c0:d1 - c0] = arr[a0 - b.rows[0]:a1 - b.rows[0],
                                                            d0 - b.cols[0]:d1 - b.cols[0]]
            else:  # copy through row windows of ~_WINDOW bytes: never the whole file mapped
                width = b.cols[1] - b.cols[0]
                step = max(1, _WINDOW // (width * snap.dtype.itemsize))
                for w0 in range(a0, a1, step):
                    w1 = min(w0 + step, a1)
                    arr = b.load_rows(w0 - b.rows[0], w1 - b.rows[0])
                    out[w0 - r0:w1 - r0, d0 - c0:d1 - c0] = arr[:, d0 - b.cols[0]:d1 - b.cols[0]]
                    del arr
            arr = None  # unmap before the next block: one chunk file mapped at a time
            filled += (a1 - a0) * (d1 - d0)
        if filled != out.size:  # gaps in a layer table that skips columns
            raise ValueError(f"snapshot {snap.name!r}: rows {r0}..{r1} x columns {c0}..{c1} "
                             "are not fully covered by stored data.")
        return out

    def iter_chunks(self, snapshot: str | None = None, layer: str | None = None, *,
                    by: str = "rows", max_elements: int = DEFAULT_CHUNK,
                    standardize: bool = False) -> Iterator[np.ndarray]:
        """Yield the (K × P_layer) matrix in bounded 2-D pieces, in its stored dtype.

        Parameters
        ----------
        snapshot, layer : str, optional
        by : {"rows", "columns"}
            ``"rows"``: consecutive row blocks (whole rows; a row longer than
            ``max_elements`` is split into column pieces), so flattening the chunks in
            order gives the row-major pooled vector. ``"columns"``: column blocks of all K
            rows (for per-coordinate statistics); each holds at least one column.
        max_elements : int
            Upper bound on values per chunk (except one full column for ``by="columns"``).
        standardize : bool
            Yield float64 ``(x - median) / IQR`` per column instead, computed by one extra
            column pass first; columns excluded by :meth:`standardized` (IQR = 0 or
            non-finite) are left out, with the same warning.

        Yields
        ------
        ndarray
            Read-only views of memory-mapped data where a chunk lies inside one stored
            block, otherwise fresh arrays.
        """
        check_option("by", by, ("rows", "columns"))
        max_elements = check_int("max_elements", max_elements, min=1)
        standardize = check_bool("standardize", standardize)
        snap = self.snapshot(snapshot)
        scale = self._robust_scale(snap, layer, max_elements)[0] if standardize else None
        return self._iter(snap, layer, by, max_elements, scale)

    def _iter(self, snap: Snapshot, layer: str | None, by: str, max_elements: int,
              scale: tuple | None) -> Iterator[np.ndarray]:
        c0, c1 = self._cols(snap, layer)
        for r0, r1, a, b in self._regions(snap, c0, c1, by, max_elements):
            x = self._region(snap, r0, r1, a, b)
            if scale is not None:
                med, iqr, kept = (v[a - c0:b - c0] for v in scale)
                if not kept.any():
                    continue
                x = (np.asarray(x, dtype=np.float64)[:, kept] - med[kept]) / iqr[kept]
            yield x
            del x  # drop this piece before reading the next: one piece alive per generator

    def _regions(self, snap: Snapshot, c0: int, c1: int, by: str,
                 max_elements: int) -> Iterator[tuple[int, int, int, int]]:
        k, p = snap.n_rows, c1 - c0
        if by == "columns":
            step = max(1, max_elements // k)
            for a in range(c0, c1, step):
                yield 0, k, a, min(a + step, c1)
            return
        if p > max_elements:
            for r in range(k):
                for a in range(c0, c1, max_elements):
                    yield r, r + 1, a, min(a + max_elements, c1)
            return
        step = max(1, max_elements // max(p, 1))
        # cut at stored row-block boundaries where possible so chunks are zero-copy views
        cuts = self._index(snap).row_ends((c0, c1))
        r = 0
        while r < k:
            end = min(r + step, k)
            last = bisect_right(cuts, end) - 1  # largest stored row bound <= end
            if last >= 0 and cuts[last] > r:
                end = cuts[last]
            yield r, end, c0, c1
            r = end

    def _robust_scale(self, snap: Snapshot, layer: str | None, max_elements: int):
        """Per-column median and IQR, the kept mask, the exclusion counts and the warning."""
        meds, iqrs = [], []
        for blk in self._iter(snap, layer, "columns", max_elements, None):
            q25, q50, q75 = np.percentile(np.asarray(blk, dtype=np.float64), [25, 50, 75],
                                          axis=0)
            meds.append(q50)
            iqrs.append(q75 - q25)
        median, iqr = np.concatenate(meds), np.concatenate(iqrs)
        nonfinite = ~(np.isfinite(median) & np.isfinite(iqr))
        zero = ~nonfinite & (iqr == 0)
        kept = ~(nonfinite | zero)
        n_zero, n_bad = int(zero.sum()), int(nonfinite.sum())
        msgs: tuple[str, ...] = ()
        if n_zero or n_bad:
            msgs = (warn(f"{n_zero + n_bad} of {kept.size} coordinates excluded from robust "
                         f"standardisation ({n_zero} with IQR = 0, {n_bad} with non-finite "
                         "median/IQR).", DataWarning, stacklevel=4),)
        return (median, iqr, kept), n_zero, n_bad, msgs

    # -- views --------------------------------------------------------------------------
    def matrix(self, snapshot: str | None = None, layer: str | None = None) -> np.ndarray:
        """The per-coordinate matrix (K × P_layer) in memory."""
        snap = self.snapshot(snapshot)
        c0, c1 = self._cols(snap, layer)
        return np.array(self._region(snap, 0, snap.n_rows, c0, c1))

    def pooled(self, snapshot: str | None = None, layer: str | None = None) -> np.ndarray:
        """The coordinate-pooled sample: the K × P_layer matrix flattened row-major."""
        return self.matrix(snapshot, layer).reshape(-1)

    def standardized(self, snapshot: str | None = None, layer: str | None = None, *,
                     max_elements: int = DEFAULT_CHUNK) -> StandardizedNoise:
        """Per-coordinate robust standardisation ``(x - median) / IQR`` across the K rows.

        Columns whose IQR is 0 (e.g. always-zero gradients) or whose median/IQR is not
        finite are excluded, counted, and reported with a :class:`~stablecheck.errors.DataWarning`.
        The result holds K × n_kept float64 values; for bounded memory use
        ``iter_chunks(..., standardize=True)``.
        """
        max_elements = check_int("max_elements", max_elements, min=1)
        snap = self.snapshot(snapshot)
        scale, n_zero, n_bad, msgs = self._robust_scale(snap, layer, max_elements)
        parts = list(self._iter(snap, layer, "columns", max_elements, scale))
        values = np.hstack(parts) if parts else np.empty((snap.n_rows, 0))
        return StandardizedNoise(values=values, median=scale[0], iqr=scale[1], kept=scale[2],
                                 n_zero_iqr=n_zero, n_nonfinite=n_bad, warnings=msgs)

    def projections(self, snapshot: str | None = None, layer: str | None = None, *,
                    n_projections: int = 16, rng: Any = None,
                    max_elements: int = DEFAULT_CHUNK) -> np.ndarray:
        """Random 1-D projections (Cramér–Wold): a (K × n_projections) float64 matrix.

        Column j holds ``U @ v_j`` for a direction ``v_j`` drawn uniformly on the unit
        sphere of R^P_layer (normalised Gaussian). Directions are drawn block by block in
        column order, so the result does not depend on ``max_elements`` (up to float64
        rounding of the block sums). Non-finite values raise ``ValueError``.
        """
        m = check_int("n_projections", n_projections, min=1)
        gen = as_rng(rng)
        snap = self.snapshot(snapshot)
        acc = np.zeros((snap.n_rows, m))
        norm2 = np.zeros(m)
        for blk in self.iter_chunks(snapshot, layer, by="columns", max_elements=max_elements):
            x = np.asarray(blk, dtype=np.float64)
            bad = x.size - int(np.count_nonzero(np.isfinite(x)))
            if bad:
                raise ValueError(f"{bad} of the values in columns of snapshot {snap.name!r} "
                                 "are non-finite (nan/inf); random projections need finite "
                                 "data. Use .standardized() (which excludes such columns) or "
                                 "clean the data first.")
            g = gen.standard_normal((blk.shape[1], m))
            acc += x @ g
            norm2 += np.einsum("ij,ij->j", g, g)
        return acc / np.sqrt(norm2)

    def info(self):
        """A :class:`~stablecheck.noise.NoiseInfoResult` (one pass over the data)."""
        from ._info import describe

        return describe(self)


def _reshaper(a: np.ndarray, k: int, size: int) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        return a.reshape(k, size)  # a view for C-ordered data (memmaps included)
    return load
