"""A run directory as a ``dask.array``: one block per committed chunk file, read lazily on
the worker through :class:`stablecheck.noise.RunReader` (sha256-verified)."""

from __future__ import annotations

import hashlib
import os
from typing import Any

import numpy as np

from ..noise import open_run

__all__ = ["import_dask", "is_dask_array", "open_run_array"]


def import_dask():
    """``dask.array``, or an ImportError that names the extra."""
    try:
        import dask.array as da
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError("the Dask back end needs the optional dependencies: "
                          "pip install 'stablecheck[dask]'.") from exc
    return da


def is_dask_array(x: Any) -> bool:
    """True for a ``dask.array.Array`` (checked without importing dask)."""
    t = type(x)
    return t.__name__ == "Array" and t.__module__.startswith("dask.array")


_READERS: dict[str, Any] = {}  # per worker process: one RunReader per run directory


class _RunChunks:
    """Picklable, small: the run path and the chunk grid. ``__getitem__`` with the slices of
    one block returns that chunk file's data (read-only, memory-mapped where the format
    allows; sha256 checked once per worker process)."""

    def __init__(self, path: str, snapshot: str, grid_rows: list[int], grid_cols: list[int],
                 cells: dict[tuple[int, int], str], shape: tuple[int, int], dtype: str,
                 verify: bool, token: str):
        self.path, self.snapshot = path, snapshot
        self.grid_rows, self.grid_cols, self.cells = grid_rows, grid_cols, cells
        self.shape, self.dtype, self.ndim = shape, np.dtype(dtype), 2
        self.verify, self.token = verify, token

    def __dask_tokenize__(self):
        return ("stablecheck-run", self.path, self.snapshot, self.token, self.verify)

    def __getitem__(self, key: Any) -> np.ndarray:
        rs, cs = key
        r0, r1 = rs.indices(self.shape[0])[:2]
        c0, c1 = cs.indices(self.shape[1])[:2]
        if r0 == r1 or c0 == c1:
            return np.empty((r1 - r0, c1 - c0), dtype=self.dtype)
        name = self.cells.get((r0, c0))
        entry = None
        for fresh in (False, True):  # a cached reader may predate the commit of this chunk
            reader = None if fresh else _READERS.get(self.path)
            if reader is None:
                reader = _READERS[self.path] = open_run(self.path)
            entry = next((e for e in reader.chunks(self.snapshot) if e.chunk == name), None)
            if entry is not None:
                break
        if entry is None:
            raise ValueError(f"{self.path}: no committed chunk file at rows {r0}, cols {c0}.")
        if (r1, c1) != (entry.rows[1], entry.cols[1]):
            raise ValueError(f"block {key} does not match chunk file {name}.")
        return reader.read_chunk(entry, verify=self.verify)  # read-only memmap, no copy


def open_run_array(path: str | os.PathLike, snapshot: str | None = None,
                   layer: str | None = None, *, verify: bool = True):
    """Open one snapshot of a run directory as a lazy 2-D ``dask.array`` (K × P or K × P_layer).

    Parameters
    ----------
    path : str or os.PathLike
        Run directory, readable at the same path by every worker (shared storage).
    snapshot : str, optional
        Needed when the run has more than one snapshot.
    layer : str, optional
        Keep only that layer's columns (a lazy slice).
    verify : bool
        Check each chunk file's sha256 on the worker the first time it reads it.

    Returns
    -------
    dask.array.Array
        One block per committed chunk file; nothing is read until computed.

    Raises
    ------
    ValueError
        The snapshot is incomplete, or its chunk files do not tile a rectangular grid
        (then no one-block-per-file array exists).
    """
    da = import_dask()
    reader = open_run(path)
    names = sorted(reader.snapshots)
    if snapshot is None:
        if len(names) != 1:
            raise ValueError(f"the run has {len(names)} snapshots {names}; pass `snapshot`.")
        snapshot = names[0]
    if snapshot not in reader.snapshots:
        raise ValueError(f"no snapshot {snapshot!r}; known: {names}.")
    if not reader.is_complete(snapshot):
        raise ValueError(f"snapshot {snapshot!r} is incomplete (committed chunks do not cover "
                         "it); a dask.array needs every block.")
    info = reader.snapshots[snapshot]
    entries = reader.chunks(snapshot)
    rb = sorted({e.rows[0] for e in entries} | {info.n_rows})
    cb = sorted({e.cols[0] for e in entries} | {info.n_cols})
    cells = {(e.rows[0], e.cols[0]): e.chunk for e in entries}
    ok = len(cells) == (len(rb) - 1) * (len(cb) - 1) and all(
        (rb[rb.index(e.rows[0]) + 1], cb[cb.index(e.cols[0]) + 1]) == (e.rows[1], e.cols[1])
        for e in entries)
    if not ok:
        raise ValueError(f"the {len(entries)} chunk files of snapshot {snapshot!r} do not tile a "
                         "rectangular grid; one dask block per file is impossible.")
    token = "-".join(e.sha256[:16] for e in entries)
    src = _RunChunks(os.fspath(os.path.abspath(path)), snapshot, rb, cb, cells,
                     (info.n_rows, info.n_cols), info.dtype, bool(verify),
                     f"{reader.run_id}-{hashlib.sha256(token.encode()).hexdigest()[:16]}")
    chunks = (tuple(np.diff(rb).tolist()), tuple(np.diff(cb).tolist()))
    arr = da.from_array(src, chunks=chunks, lock=False, asarray=False, fancy=False,
                        meta=np.empty((0, 0), dtype=info.dtype), inline_array=False,
                        name=f"stablecheck-run-{snapshot}-{src.token}")
    if layer is not None:
        table = {d["name"]: d for d in info.layers}
        if layer not in table:
            raise ValueError(f"no layer {layer!r} in snapshot {snapshot!r}; known: "
                             f"{sorted(table)}.")
        d = table[layer]
        arr = arr[:, int(d["offset"]):int(d["offset"]) + int(d["size"])]
    return arr
