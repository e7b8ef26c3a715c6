"""Run directories: layout, durable-I/O helpers, records and the reader.

The writer lives in :mod:`stablecheck.noise._writer`.

Layout (specified in ``docs/noise-format.md``)::

    run/
      run.json               run id, config fingerprint, config, run metadata   (atomic)
      snapshots/<name>.json  K, P, dtype, layer table, snapshot metadata        (atomic)
      chunks/<file>          one .npy or .safetensors file per chunk            (atomic)
      manifest.jsonl         one JSON line per committed chunk (append + fsync)
      files.jsonl            one JSON line per committed attachment (optional)
      <folder>/<file>        attachments: weights, reference gradients, ...      (atomic)
      .lock                  held (flock) by the one live writer

A chunk is written to ``<file>.tmp.<pid>``, flushed, fsynced, renamed with ``os.replace``
and the directory fsynced; only then is its manifest line appended and fsynced. The
manifest line is the commit: readers trust nothing else, verify each chunk's sha256, and
ignore files without a line. Attachments are committed the same way by ``files.jsonl``.
A resumed writer deletes ``*.tmp*`` files and uncommitted chunk files, truncates torn last
log lines and skips chunks already committed.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._validation import check_int, check_layer_table, check_option, check_store_name
from ..errors import NoiseFormatError
from ._durable import (
    FileEntry,
    append_line,
    atomic_write,
    file_entry_from_json,
    fsync_dir,
    read_log,
    write_all,
)
from ._index import RectIndex
from ._meta import check_meta
from ._npy import open_npy, read_npy_header
from ._safetensors import open_safetensors

__all__ = ["RunReader", "open_run", "ChunkEntry", "SnapshotInfo", "FileEntry", "is_run_dir",
           "config_fingerprint", "atomic_write", "FORMAT_NAME", "FORMAT_VERSION"]

FORMAT_NAME = "stablecheck.noise-run"
FORMAT_VERSION = 1
_FLOATS = ("float16", "float32", "float64")
_EXT = {"npy": ".npy", "safetensors": ".safetensors"}
_MAX_JSON = 64 << 20  # refuse absurd metadata/manifest files before parsing


# durable-I/O helpers live in _durable; the old private names stay importable from here
_fsync_dir, _write_all, _append_line = fsync_dir, write_all, append_line


def _dump(obj: Any) -> bytes:
    return (json.dumps(obj, sort_keys=True, indent=1, allow_nan=False) + "\n").encode()


def _load_json(path: Path) -> Any:
    try:
        if path.stat().st_size > _MAX_JSON:
            raise NoiseFormatError(f"{path}: larger than {_MAX_JSON} bytes; refused.")
        return json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise NoiseFormatError(f"{path}: not valid UTF-8 JSON ({exc}).") from None


def config_fingerprint(config: dict) -> str:
    """sha256 of the canonical JSON of ``config`` (sorted keys, no whitespace)."""
    try:
        text = json.dumps(config, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"`config` must contain only JSON values: {exc}.") from None
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def is_run_dir(path: str | os.PathLike) -> bool:
    """True when ``path`` is a directory holding a ``run.json``."""
    return (Path(path) / "run.json").is_file()


# -------------------------------------------------------------------------------------
# records
# -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SnapshotInfo:
    """One snapshot's declaration: K rows × P columns of ``dtype`` and its layer table."""

    name: str
    n_rows: int
    n_cols: int
    dtype: str
    layers: tuple[dict, ...]
    meta: dict


@dataclass(frozen=True)
class ChunkEntry:
    """One committed manifest line: rows ``[r0, r1)`` × columns ``[c0, c1)`` of a snapshot."""

    chunk: str
    snapshot: str
    rows: tuple[int, int]
    cols: tuple[int, int]
    dtype: str
    format: str
    bytes: int
    sha256: str

    def line(self) -> bytes:
        """The manifest line (compact JSON, sorted keys, newline-terminated)."""
        d = {"chunk": self.chunk, "snapshot": self.snapshot, "rows": list(self.rows),
             "cols": list(self.cols), "shape": [self.rows[1] - self.rows[0],
                                                self.cols[1] - self.cols[0]],
             "dtype": self.dtype, "format": self.format, "bytes": self.bytes,
             "sha256": self.sha256}
        return (json.dumps(d, sort_keys=True, separators=(",", ":")) + "\n").encode()


def _entry_from_json(d: Any, where: str) -> ChunkEntry:
    try:
        e = ChunkEntry(chunk=d["chunk"], snapshot=d["snapshot"], rows=tuple(d["rows"]),
                       cols=tuple(d["cols"]), dtype=d["dtype"], format=d["format"],
                       bytes=d["bytes"], sha256=d["sha256"])
        ok = (isinstance(e.chunk, str) and e.chunk.startswith("chunks/") and "/" not in e.chunk[7:]
              and ".." not in e.chunk and isinstance(e.snapshot, str) and e.format in _EXT
              and all(type(v) is int and v >= 0 for v in (*e.rows, *e.cols, e.bytes))
              and len(e.rows) == 2 and len(e.cols) == 2 and e.rows[0] < e.rows[1]
              and e.cols[0] < e.cols[1] and isinstance(e.sha256, str) and len(e.sha256) == 64
              and list(d.get("shape", [])) == [e.rows[1] - e.rows[0], e.cols[1] - e.cols[0]])
    except (KeyError, TypeError, ValueError):
        ok = False
    if not ok:
        raise NoiseFormatError(f"{where}: malformed manifest line {json.dumps(d)[:200]}.")
    return e


def _read_manifest(path: Path) -> tuple[list[ChunkEntry], int, int]:
    """Parse committed lines; return (entries, committed_bytes, total_bytes)."""
    records, end, total = read_log(path)
    return [_entry_from_json(d, f"{path}:{i}") for i, d in records], end, total


def _read_files(path: Path) -> tuple[list[FileEntry], int, int]:
    """Parse committed ``files.jsonl`` lines; return (entries, committed_bytes, total_bytes)."""
    records, end, total = read_log(path)
    return [file_entry_from_json(d, f"{path}:{i}") for i, d in records], end, total


# -------------------------------------------------------------------------------------
# reader
# -------------------------------------------------------------------------------------

class RunReader:
    """Read-only view of a run directory; trusts only committed manifest lines.

    Parameters
    ----------
    path : str or os.PathLike
        The run directory.

    Attributes
    ----------
    run_id, fingerprint : str
    config, meta : dict
        Run configuration (fingerprinted) and run metadata.
    snapshots : dict[str, SnapshotInfo]
        Declared snapshots (complete or not; see :meth:`is_complete`).
    files : dict[str, FileEntry]
        Committed attachments (``files.jsonl``; empty for runs written before it existed).

    Raises
    ------
    NoiseFormatError
        Missing/invalid ``run.json``, a corrupted manifest line, a chunk outside its snapshot,
        overlapping chunks, or a committed chunk file that is missing or has the wrong size.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        run_file = self.path / "run.json"
        if not run_file.is_file():
            raise NoiseFormatError(f"{self.path}: not a stablecheck run directory (no run.json).")
        run = _load_json(run_file)
        if not isinstance(run, dict) or run.get("format") != FORMAT_NAME:
            raise NoiseFormatError(f"{run_file}: 'format' is not {FORMAT_NAME!r}.")
        if run.get("format_version") != FORMAT_VERSION:
            raise NoiseFormatError(f"{run_file}: format_version {run.get('format_version')!r} "
                                   f"is not supported (this reader knows {FORMAT_VERSION}).")
        self.run_id = str(run.get("run_id"))
        self.fingerprint = str(run.get("fingerprint"))
        self.config = run.get("config") or {}
        self.meta = run.get("meta") or {}
        self.snapshots: dict[str, SnapshotInfo] = {}
        snap_dir = self.path / "snapshots"
        if snap_dir.is_dir():
            for f in sorted(snap_dir.glob("*.json")):
                info = _snapshot_from_json(_load_json(f), f)
                self.snapshots[info.name] = info
        entries, _, _ = _read_manifest(self.path / "manifest.jsonl")
        self._chunks: dict[str, list[ChunkEntry]] = {name: [] for name in self.snapshots}
        self._index: dict[str, RectIndex] = {name: RectIndex() for name in self.snapshots}
        seen: set[str] = set()
        for e in entries:
            self._check_entry(e, seen)
            self._add(e)
        self._verified: set[str] = set()
        self.files: dict[str, FileEntry] = {}
        for f in _read_files(self.path / "files.jsonl")[0]:
            self._check_file(f)
            self.files[f.file] = f

    def _add(self, e: ChunkEntry) -> None:
        self._chunks[e.snapshot].append(e)
        self._index[e.snapshot].add(e.rows, e.cols, e)

    def _declare(self, info: SnapshotInfo) -> None:
        self.snapshots[info.name] = info
        self._chunks[info.name] = []
        self._index[info.name] = RectIndex()

    def _check_file(self, f: FileEntry) -> None:
        where = self.path / "files.jsonl"
        if f.file in self.files:
            raise NoiseFormatError(f"{where}: attachment {f.file} is committed twice.")
        p = self.path / f.file
        if not p.is_file() or p.stat().st_size != f.bytes:
            state = "missing" if not p.is_file() else f"{p.stat().st_size} bytes"
            raise NoiseFormatError(f"{p}: committed attachment is {state}; files.jsonl says "
                                   f"{f.bytes} bytes. The store is damaged.")

    def _check_entry(self, e: ChunkEntry, seen: set[str]) -> None:
        where = f"{self.path / 'manifest.jsonl'}"
        info = self.snapshots.get(e.snapshot)
        if info is None:
            raise NoiseFormatError(f"{where}: chunk {e.chunk} belongs to undeclared snapshot "
                                   f"{e.snapshot!r}.")
        if e.rows[1] > info.n_rows or e.cols[1] > info.n_cols or e.dtype != info.dtype:
            raise NoiseFormatError(f"{where}: chunk {e.chunk} (rows {e.rows}, cols {e.cols}, "
                                   f"{e.dtype}) does not fit snapshot {e.snapshot!r} "
                                   f"({info.n_rows}x{info.n_cols} {info.dtype}).")
        if e.chunk in seen:
            raise NoiseFormatError(f"{where}: chunk {e.chunk} is committed twice.")
        for o in self._index[e.snapshot].overlapping(e.rows, e.cols):
            raise NoiseFormatError(f"{where}: chunks {o.chunk} and {e.chunk} overlap.")
        seen.add(e.chunk)
        f = self.path / e.chunk
        if not f.is_file() or f.stat().st_size != e.bytes:
            state = "missing" if not f.is_file() else f"{f.stat().st_size} bytes"
            raise NoiseFormatError(f"{f}: committed chunk is {state}; the manifest says "
                                   f"{e.bytes} bytes. The store is damaged.")

    # -- queries --------------------------------------------------------------------
    def chunks(self, snapshot: str) -> list[ChunkEntry]:
        """Committed chunks of ``snapshot`` in commit order."""
        if snapshot not in self.snapshots:
            raise KeyError(f"no snapshot {snapshot!r}; known: {sorted(self.snapshots)}.")
        return list(self._chunks[snapshot])

    def is_complete(self, snapshot: str) -> bool:
        """True when committed chunks tile the whole K × P rectangle of ``snapshot``."""
        info = self.snapshots[snapshot]
        area = sum((e.rows[1] - e.rows[0]) * (e.cols[1] - e.cols[0])
                   for e in self._chunks[snapshot])
        return area == info.n_rows * info.n_cols  # chunks never overlap (checked above)

    def read_chunk(self, entry: ChunkEntry, *, verify: bool = True,
                   rows: tuple[int, int] | None = None) -> np.ndarray:
        """The chunk as a read-only (rows × cols) array (memory-mapped when possible).

        The sha256 is checked once per reader (``verify=False`` skips it). ``rows=(a, b)``
        (``.npy`` chunks only) returns the chunk's rows ``[a, b)``, mapping only those.
        """
        f = self.path / entry.chunk
        if verify and entry.chunk not in self._verified:
            h = hashlib.sha256()
            with open(f, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 22), b""):
                    h.update(block)
            if h.hexdigest() != entry.sha256:
                raise NoiseFormatError(f"{f}: sha256 mismatch (file {h.hexdigest()[:16]}..., "
                                       f"manifest {entry.sha256[:16]}...); the chunk is "
                                       "corrupted.")
            self._verified.add(entry.chunk)
        if rows is not None:
            return self._chunk_rows(f, entry, rows)
        if entry.format == "npy":
            arr = open_npy(f)
        else:
            tensors, _ = open_safetensors(f)
            if set(tensors) != {"data"}:
                raise NoiseFormatError(f"{f}: a safetensors chunk must hold one tensor 'data'.")
            arr = tensors["data"]
        shape = (entry.rows[1] - entry.rows[0], entry.cols[1] - entry.cols[0])
        if arr.shape != shape or arr.dtype != np.dtype(entry.dtype):
            raise NoiseFormatError(f"{f}: holds {arr.shape} {arr.dtype}; the manifest says "
                                   f"{shape} {entry.dtype}.")
        return arr

    def read_file(self, name: str, *, verify: bool = True) -> bytes:
        """The bytes of the committed attachment ``name`` (see ``RunWriter.write_file``).

        Raises ``KeyError`` when no attachment of that name is committed and
        ``NoiseFormatError`` when its size or sha256 differs from ``files.jsonl``.
        """
        entry = self.files.get(name)
        if entry is None:
            raise KeyError(f"no attachment {name!r} is committed in {self.path}; known: "
                           f"{sorted(self.files)[:10]}.")
        p = self.path / entry.file
        data = p.read_bytes()
        if len(data) != entry.bytes or (
                verify and hashlib.sha256(data).hexdigest() != entry.sha256):
            raise NoiseFormatError(f"{p}: size or sha256 differs from files.jsonl; the "
                                   "attachment is corrupted.")
        return data

    def _chunk_rows(self, f: Path, entry: ChunkEntry, rows: tuple[int, int]) -> np.ndarray:
        n_rows, n_cols = entry.rows[1] - entry.rows[0], entry.cols[1] - entry.cols[0]
        a, b = rows
        if entry.format != "npy" or not 0 <= a < b <= n_rows:
            raise ValueError(f"rows {rows} of a {entry.format} chunk of {n_rows} rows.")
        hdr = read_npy_header(f)
        if hdr.shape != (n_rows, n_cols) or hdr.dtype != np.dtype(entry.dtype):
            raise NoiseFormatError(f"{f}: holds {hdr.shape} {hdr.dtype}; the manifest says "
                                   f"{(n_rows, n_cols)} {entry.dtype}.")
        if hdr.fortran_order:  # rows are not contiguous: map the file, copy the rows
            return np.array(open_npy(f)[a:b])
        return np.memmap(f, dtype=hdr.dtype, mode="r", shape=(b - a, n_cols),
                         offset=hdr.data_offset + a * n_cols * hdr.dtype.itemsize)

    def verify(self) -> int:
        """Check the sha256 of every committed chunk and attachment; return how many."""
        n = 0
        for name in self.snapshots:
            for e in self._chunks[name]:
                self.read_chunk(e, verify=True)
                n += 1
        for f in self.files:
            h = hashlib.sha256()
            with open(self.path / f, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 22), b""):
                    h.update(block)
            if h.hexdigest() != self.files[f].sha256:
                raise NoiseFormatError(f"{self.path / f}: sha256 mismatch with files.jsonl; "
                                       "the attachment is corrupted.")
            n += 1
        return n


def _snapshot_from_json(d: Any, where: Path) -> SnapshotInfo:
    try:
        info = SnapshotInfo(name=check_store_name("snapshot", d["name"]),
                            n_rows=check_int("n_rows", d["n_rows"], min=1),
                            n_cols=check_int("n_cols", d["n_cols"], min=1),
                            dtype=check_option("dtype", d["dtype"], _FLOATS),
                            layers=tuple(check_layer_table(d["layers"], d["n_cols"])),
                            meta=check_meta(d.get("meta") or {}))
    except (KeyError, TypeError, ValueError) as exc:
        raise NoiseFormatError(f"{where}: invalid snapshot declaration ({exc}).") from None
    if where.stem != info.name:
        raise NoiseFormatError(f"{where}: declares snapshot {info.name!r}; file name differs.")
    return info


def open_run(path: str | os.PathLike) -> RunReader:
    """Open a run directory for reading (see :class:`RunReader`)."""
    return RunReader(path)
