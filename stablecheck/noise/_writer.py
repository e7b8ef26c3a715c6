"""RunWriter: create or resume a run directory and commit chunks crash-safely.

The protocol (see ``docs/noise-format.md`` and :mod:`stablecheck.noise._store`): every file
is written to a temporary name, fsynced, renamed and its directory fsynced; a chunk becomes
visible only when its manifest line has been appended and fsynced, an attachment when its
``files.jsonl`` line has. Chunk commits may run on one background thread, in order.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from .._validation import check_int, check_layer_table, check_option, check_store_name, warn
from ..errors import DataWarning, NoiseFormatError
from ._durable import (
    FileEntry,
    append_line,
    atomic_write,
    check_file_name,
    fsync_dir,
    stream_write,
)
from ._meta import SCHEMA_VERSION, check_meta, library_versions
from ._npy import npy_header
from ._safetensors import safetensors_bytes
from ._store import (
    _EXT,
    _FLOATS,
    FORMAT_NAME,
    FORMAT_VERSION,
    ChunkEntry,
    RunReader,
    SnapshotInfo,
    _dump,
    _load_json,
    _read_files,
    _read_manifest,
    _snapshot_from_json,
    config_fingerprint,
    is_run_dir,
)

try:  # POSIX advisory lock; released by the kernel when the writer dies
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["RunWriter"]


class RunWriter:
    """Create or resume a run directory and commit noise chunks crash-safely.

    Parameters
    ----------
    path : str or os.PathLike
        Run directory. Created if missing; resumed if it holds a run with the same
        ``run_id`` and ``config``.
    run_id : str
        Identifier of the run (1-64 characters from ``[A-Za-z0-9_-]``).
    config : dict, optional
        Everything that determines the data (model, data, seed, K, B, ...); its fingerprint
        decides whether an existing directory may be resumed. JSON values only.
    meta : dict, optional
        Run metadata (schema in ``docs/noise-format.md``); library versions are added.
        Written when the run is created; a resumed run keeps the stored metadata.
    chunk_format : {"npy", "safetensors"}
        File format of new chunks.

    Raises
    ------
    NoiseFormatError
        The directory belongs to a different run (other ``run_id`` or config fingerprint),
        is not a run directory, or its manifest/chunks are damaged.
    RuntimeError
        Another live process holds the writer lock of this directory.

    Notes
    -----
    One writer per directory (an advisory ``flock`` on ``.lock``, released by the kernel if
    the writer dies). Resuming deletes ``*.tmp*`` leftovers and chunk files that were never
    committed, and truncates torn last lines of ``manifest.jsonl`` and ``files.jsonl``.
    Each commit costs three ``fsync`` calls (chunk, directory, manifest; ~20 ms on a shared
    cloud disk), so make chunks a few MB rather than one row each. ``.npy`` chunks are
    streamed from the array's memory (no serialised copy); :meth:`write_chunk_async` moves
    the whole commit to a background thread so that writing overlaps the caller's next
    chunk. Files that are not chunks (weights, reference gradients) are *attachments*:
    :meth:`write_file` commits them with their sha256 in ``files.jsonl``.

    Examples
    --------
    >>> import numpy as np, tempfile
    >>> from stablecheck.noise import RunWriter, open_run
    >>> rng = np.random.default_rng(0)
    >>> path = tempfile.mkdtemp() + "/run"
    >>> with RunWriter(path, run_id="demo", config={"K": 8}) as w:
    ...     _ = w.add_snapshot("t000000", n_rows=8, layers=[("w", (3, 4))],
    ...                        meta={"iteration": 0, "batch_size": 16})
    ...     for r0 in (0, 4):
    ...         _ = w.write_chunk("t000000", rng.standard_normal((4, 12)).astype(np.float32),
    ...                           row_start=r0)
    >>> run = open_run(path)
    >>> run.verify(), run.is_complete("t000000")
    (2, True)
    >>> with RunWriter(path, run_id="demo", config={"K": 8}) as w:  # resume: already there
    ...     w.write_chunk("t000000", np.zeros((4, 12), np.float32), row_start=0)
    False
    """

    def __init__(self, path: str | os.PathLike, *, run_id: str, config: dict | None = None,
                 meta: dict | None = None, chunk_format: str = "npy"):
        self.path = Path(path)
        self.run_id = check_store_name("run", run_id)
        self.config = dict(config or {})
        self.fingerprint = config_fingerprint(self.config)
        self.chunk_format = check_option("chunk_format", chunk_format, tuple(_EXT))
        run_meta = check_meta(meta, name="meta")
        run_meta.setdefault("versions", library_versions())
        self._lock_fd: int | None = None
        self._state = threading.RLock()      # guards the index against the commit thread
        self._executor: ThreadPoolExecutor | None = None
        # chunks being committed (for overlap checks), every queued job, queued attachments
        self._pending: list[tuple[str, tuple[int, int], tuple[int, int], Future]] = []
        self._queue: list[Future] = []
        self._pending_files: dict[str, tuple[str, Future]] = {}
        self._failed: BaseException | None = None
        self.path.mkdir(parents=True, exist_ok=True)
        self._lock()
        try:
            self.resumed = is_run_dir(self.path)
            if self.resumed:
                self._resume()
            else:
                self._create(run_meta)
        except BaseException:
            self.close()
            raise

    # -- setup ----------------------------------------------------------------------
    def _lock(self) -> None:
        if fcntl is None:  # pragma: no cover
            return
        fd = os.open(self.path / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise RuntimeError(f"{self.path}: another process is writing this run (its .lock "
                               "is held); wait for it or use another directory.") from None
        self._lock_fd = fd

    def _create(self, run_meta: dict) -> None:
        stray = [p.name for p in self.path.iterdir()
                 if p.name != ".lock" and ".tmp" not in p.name]
        if stray:
            raise NoiseFormatError(f"{self.path}: not empty and not a stablecheck run "
                                   f"(found {sorted(stray)[:5]}); use an empty directory.")
        self._remove_tmp(self.path)
        atomic_write(self.path / "run.json", _dump({
            "format": FORMAT_NAME, "format_version": FORMAT_VERSION, "run_id": self.run_id,
            "fingerprint": self.fingerprint, "config": self.config, "meta": run_meta}))
        for sub in ("chunks", "snapshots"):  # after run.json: a crash leaves a resumable run
            (self.path / sub).mkdir(exist_ok=True)
        fsync_dir(self.path)
        self._reader = RunReader(self.path)

    def _resume(self) -> None:
        run = _load_json(self.path / "run.json")
        theirs = (run.get("run_id"), run.get("fingerprint")) if isinstance(run, dict) else None
        if theirs != (self.run_id, self.fingerprint):
            raise NoiseFormatError(
                f"{self.path} belongs to another run (run_id {theirs and theirs[0]!r}, "
                f"config {theirs and str(theirs[1])[:19]}...), not run_id {self.run_id!r} with "
                f"config {self.fingerprint[:19]}...; use a new directory or the same config.")
        for sub in ("chunks", "snapshots"):
            (self.path / sub).mkdir(exist_ok=True)
            self._remove_tmp(self.path / sub)
        self._remove_tmp(self.path)
        for sub in self.path.iterdir():  # attachment folders (weights/, gradients/, ...)
            if sub.is_dir() and sub.name not in ("chunks", "snapshots"):
                for folder in (sub, *(d for d in sub.rglob("*") if d.is_dir())):
                    self._remove_tmp(folder)
        for log, parse in (("manifest.jsonl", _read_manifest), ("files.jsonl", _read_files)):
            _, committed, total = parse(self.path / log)
            if committed < total:  # torn last line: never committed
                fd = os.open(self.path / log, os.O_WRONLY)
                try:
                    os.ftruncate(fd, committed)
                    os.fsync(fd)
                finally:
                    os.close(fd)
        self._reader = RunReader(self.path)
        known = {e.chunk for s in self._reader.snapshots for e in self._reader.chunks(s)}
        for f in (self.path / "chunks").iterdir():
            if f"chunks/{f.name}" not in known:
                f.unlink()  # renamed into place but never committed
        fsync_dir(self.path / "chunks")

    @staticmethod
    def _remove_tmp(folder: Path) -> None:
        removed = False
        for f in folder.glob("*.tmp*"):
            if f.is_file():
                f.unlink()
                removed = True
        if removed:
            fsync_dir(folder)

    # -- public API -----------------------------------------------------------------
    @property
    def snapshots(self) -> dict[str, SnapshotInfo]:
        """Snapshots declared so far (including those found when resuming)."""
        return dict(self._reader.snapshots)

    def add_snapshot(self, name: str, *, n_rows: int, layers: Any, dtype: str = "float32",
                     meta: dict | None = None) -> SnapshotInfo:
        """Declare a snapshot: K = ``n_rows`` noise vectors over the columns of ``layers``.

        ``layers`` is a sequence of ``(name, shape)`` (offsets assigned in order) or a dict
        name → shape. Re-declaring an existing snapshot with the same content is a no-op
        (this is what a resumed run does). A different shape, layer table or dtype raises
        ``ValueError``; different metadata keeps the stored one with a ``DataWarning``.
        """
        self._check_open()
        name = check_store_name("snapshot", name)
        n_rows = check_int("n_rows", n_rows, min=1)
        try:
            dtype = np.dtype(dtype).name
        except TypeError:
            pass
        dtype = check_option("dtype", dtype, _FLOATS)
        table = check_layer_table(layers)
        n_cols = max(d["offset"] + d["size"] for d in table)
        smeta = check_meta(meta)
        smeta.update(schema_version=SCHEMA_VERSION, n_minibatches=n_rows, dtype=dtype)
        doc = {"format_version": FORMAT_VERSION, "name": name, "n_rows": n_rows,
               "n_cols": n_cols, "dtype": dtype, "layers": table, "meta": smeta}
        info = _snapshot_from_json(json.loads(_dump(doc)), self.path / "snapshots" / f"{name}.json")
        old = self._reader.snapshots.get(name)
        if old is not None:
            if dataclasses.replace(old, meta={}) != dataclasses.replace(info, meta={}):
                raise ValueError(f"snapshot {name!r} already exists in {self.path} with a "
                                 "different shape, layer table or dtype.")
            if old.meta != info.meta:
                warn(f"snapshot {name!r} already exists in {self.path} with different "
                     "metadata; the stored metadata (under which its chunks were written) "
                     "is kept.", DataWarning)
            return old
        with self._state:
            if self._queued():  # after the queued commits, before the chunks that follow
                self._submit(atomic_write, self.path / "snapshots" / f"{name}.json", _dump(doc))
            else:
                atomic_write(self.path / "snapshots" / f"{name}.json", _dump(doc))
            self._reader._declare(info)
        return info

    def has_chunk(self, snapshot: str, *, rows: tuple[int, int],
                  cols: tuple[int, int] | None = None) -> bool:
        """True when exactly this block (``rows``, ``cols``; default all columns) is committed."""
        info = self._info(snapshot)
        cols = (0, info.n_cols) if cols is None else tuple(cols)
        with self._state:
            return self._reader._index[snapshot].get(tuple(rows), cols) is not None

    def is_complete(self, snapshot: str) -> bool:
        """True when every (row, column) of ``snapshot`` is committed."""
        self._info(snapshot)
        with self._state:
            return self._reader.is_complete(snapshot)

    def write_chunk(self, snapshot: str, data: Any, *, row_start: int, col_start: int = 0) -> bool:
        """Commit ``data`` (rows × cols) at ``[row_start, ...) × [col_start, ...)``.

        Returns False (and writes nothing) when exactly this block is already committed, so a
        resumed loop can simply call it again; True after a new commit. A block that
        overlaps committed data differently raises ``ValueError``. ``data`` must have the
        snapshot's dtype; a 1-D array is one row. Chunks submitted earlier with
        :meth:`write_chunk_async` are committed first (commit order = call order).
        """
        return self.write_chunk_async(snapshot, data, row_start=row_start,
                                      col_start=col_start, _inline=True).result()

    def write_chunk_async(self, snapshot: str, data: Any, *, row_start: int,
                          col_start: int = 0, _inline: bool = False) -> Future:
        """Like :meth:`write_chunk`, but commit on a background thread; return a ``Future``.

        The arguments are checked now (errors are raised here); the chunk file is then
        written, hashed and fsynced and its manifest line appended by one commit thread, in
        submission order, while the caller goes on computing. The future's result is what
        :meth:`write_chunk` returns. **Do not modify** ``data`` until the future is done.
        :meth:`flush` (called by :meth:`close`) waits for every pending commit; a failed
        commit is re-raised there and refuses later submissions.

        A process killed with pending commits leaves the store as after any crash: the
        chunks whose manifest line was written are committed, the others are not.
        """
        self._check_open()
        if self._failed is not None:
            raise RuntimeError(f"{self.path}: an earlier commit failed "
                               f"({self._failed!r}); close and resume the run.")
        info = self._info(snapshot)
        arr = np.asarray(data)
        if arr.ndim == 1:
            arr = arr.reshape(1, -1)
        if arr.ndim != 2:
            raise ValueError(f"chunk data must be 2-D (rows x columns); got shape {arr.shape}.")
        if arr.dtype != np.dtype(info.dtype):
            raise TypeError(f"chunk dtype {arr.dtype} differs from snapshot {snapshot!r} dtype "
                            f"{info.dtype}; convert it with .astype({info.dtype!r}) first.")
        r0 = check_int("row_start", row_start, min=0)
        c0 = check_int("col_start", col_start, min=0)
        rows, cols = (r0, r0 + arr.shape[0]), (c0, c0 + arr.shape[1])
        if arr.size == 0 or rows[1] > info.n_rows or cols[1] > info.n_cols:
            raise ValueError(f"chunk rows {rows} x cols {cols} is empty or outside snapshot "
                             f"{snapshot!r} ({info.n_rows} x {info.n_cols}).")
        with self._state:
            self._pending = [p for p in self._pending if not p[3].done()]
            index = self._reader._index[snapshot]
            if index.get(rows, cols) is not None:
                done: Future = Future()
                done.set_result(False)
                return done
            for e in index.overlapping(rows, cols):
                raise ValueError(f"chunk rows {rows} x cols {cols} overlaps committed chunk "
                                 f"{e.chunk}.")
            for s, r, c, _ in self._pending:
                if s == snapshot and r[0] < rows[1] and rows[0] < r[1] and c[0] < cols[1] \
                        and cols[0] < c[1]:
                    raise ValueError(f"chunk rows {rows} x cols {cols} overlaps a chunk still "
                                     f"being committed (rows {r}, cols {c}).")
            if _inline and not self._queued():  # synchronous and nothing queued: no thread
                fut = Future()
                try:
                    fut.set_result(self._commit(snapshot, info, arr, rows, cols))
                except BaseException as exc:
                    fut.set_exception(exc)
                return fut
            fut = self._submit(self._commit, snapshot, info, arr, rows, cols)
            self._pending.append((snapshot, rows, cols, fut))
        if _inline:
            fut.exception()  # wait; .result() re-raises in the caller
        return fut

    def _commit(self, snapshot: str, info: SnapshotInfo, arr: np.ndarray,
                rows: tuple[int, int], cols: tuple[int, int]) -> bool:
        """Write the chunk file (streamed, hashed), then append its manifest line."""
        fmt = self.chunk_format
        fname = f"{snapshot}.r{rows[0]}-{rows[1]}.c{cols[0]}-{cols[1]}{_EXT[fmt]}"
        if fmt == "npy":
            arr = np.ascontiguousarray(arr)
            parts = (npy_header(arr), memoryview(arr))
        else:
            parts = (safetensors_bytes({"data": arr}),)
        size, sha = stream_write(self.path / "chunks" / fname, parts)
        entry = ChunkEntry(chunk=f"chunks/{fname}", snapshot=snapshot, rows=rows, cols=cols,
                           dtype=info.dtype, format=fmt, bytes=size, sha256=sha)
        append_line(self.path / "manifest.jsonl", entry.line())  # the commit
        with self._state:
            self._reader._add(entry)
        return True

    def _queued(self) -> bool:
        """True while any job is queued on the commit thread (caller holds ``_state``)."""
        self._queue = [f for f in self._queue if not f.done()]
        return bool(self._queue)

    def _submit(self, fn, *args) -> Future:
        """Queue ``fn(*args)`` on the one commit thread (FIFO); caller holds ``_state``."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1,
                                                thread_name_prefix="stablecheck-commit")
        fut = self._executor.submit(self._in_background, fn, *args)
        self._queue.append(fut)
        return fut

    def _in_background(self, fn, *args):
        """Run a queued job; the first failure stops every later one."""
        if self._failed is not None:
            raise RuntimeError(f"not committed: an earlier commit failed ({self._failed!r}).")
        try:
            return fn(*args)
        except BaseException as exc:
            self._failed = exc
            raise

    def flush(self) -> None:
        """Wait until every queued commit (:meth:`write_chunk_async`, :meth:`write_file_async`,
        declarations queued behind them) is done; re-raise the first commit error, if any.
        """
        with self._state:
            queue, self._queue, self._pending = self._queue, [], []
        for fut in queue:
            fut.exception()
        for fut in queue:
            if fut.exception() is not None:
                raise fut.exception()

    # -- attachments ----------------------------------------------------------------
    @property
    def files(self) -> dict[str, FileEntry]:
        """Committed attachments (name -> :class:`FileEntry`)."""
        return dict(self._reader.files)

    def has_file(self, name: str) -> bool:
        """True when the attachment ``name`` is committed."""
        return check_file_name(name) in self._reader.files

    def write_file(self, name: str, data: Any) -> str:
        """Commit ``data`` (bytes or any buffer) as the attachment ``name``; return its sha256.

        Attachments are the run's files that are not noise chunks: model weights, reference
        gradients, optimizer state, notes. ``name`` is a path relative to the run directory
        such as ``"weights/t00000100.safetensors"`` (1-4 segments of ``[A-Za-z0-9_.-]``; not
        ``chunks/``, ``snapshots/`` or the run's own files). The file is written atomically
        (temp file, fsync, rename, fsync directory) and then committed by one fsynced line
        of ``files.jsonl`` with its size and sha256, which :meth:`RunReader.verify` and
        :meth:`RunReader.read_file` check.

        Attachments are write-once: writing the same bytes again is a no-op (a resumed run
        does this), different bytes under a committed name raise ``ValueError``. A file
        lying under that name without a committed line (a crash before the commit, or a run
        written before ``files.jsonl`` existed) is replaced.
        """
        return self.write_file_async(name, data, _inline=True).result()

    def write_file_async(self, name: str, data: Any, *, _inline: bool = False) -> Future:
        """Like :meth:`write_file`, committed on the background thread after every job queued
        before it (chunks submitted later are committed after it). The future's result is
        the sha256; ``data`` must not change until it is done.
        """
        self._check_open()
        if self._failed is not None:
            raise RuntimeError(f"{self.path}: an earlier commit failed ({self._failed!r}); "
                               "close and resume the run.")
        name = check_file_name(name)
        view = memoryview(data).cast("B")
        sha = hashlib.sha256(view).hexdigest()
        with self._state:
            old = self._reader.files.get(name)
            queued = self._pending_files.get(name)
            if old is not None or queued is not None:
                if (old.sha256 if old is not None else queued[0]) != sha:
                    raise ValueError(f"attachment {name!r} is already committed in {self.path} "
                                     "with other content; attachments are write-once.")
                if old is not None:
                    done: Future = Future()
                    done.set_result(sha)
                    return done
                return queued[1]
            if _inline and not self._queued():
                fut = Future()
                try:
                    fut.set_result(self._commit_file(name, view))
                except BaseException as exc:
                    fut.set_exception(exc)
                return fut
            fut = self._submit(self._commit_file, name, view)
            self._pending_files[name] = (sha, fut)
        if _inline:
            fut.exception()
        return fut

    def _commit_file(self, name: str, view: memoryview) -> str:
        path = self.path / name
        created = []
        for parent in reversed(path.relative_to(self.path).parents[:-1]):
            folder = self.path / parent
            if not folder.is_dir():
                folder.mkdir()
                created.append(folder)
        for folder in created:  # make new folders durable before the file inside them
            fsync_dir(folder.parent)
        size, sha = stream_write(path, (view,))
        entry = FileEntry(file=name, bytes=size, sha256=sha)
        append_line(self.path / "files.jsonl", entry.line())  # the commit
        with self._state:
            self._reader.files[name] = entry
            self._pending_files.pop(name, None)
        return sha

    def read_file(self, name: str, *, verify: bool = True) -> bytes | None:
        """The committed attachment ``name``, or None when it is not committed."""
        if check_file_name(name) not in self._reader.files:
            return None
        return self._reader.read_file(name, verify=verify)

    def reader(self) -> RunReader:
        """A fresh :class:`RunReader` of what is committed now."""
        return RunReader(self.path)

    def close(self) -> None:
        """Wait for pending commits, then release the writer lock (idempotent).

        A commit error of a pending chunk is re-raised after the lock is released.
        """
        try:
            self.flush()
        finally:
            if self._executor is not None:
                self._executor.shutdown(wait=True)
                self._executor = None
            if self._lock_fd is not None:
                os.close(self._lock_fd)  # closing releases the flock
                self._lock_fd = None

    def __enter__(self) -> RunWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- helpers --------------------------------------------------------------------
    def _check_open(self) -> None:
        if self._lock_fd is None and fcntl is not None:
            raise RuntimeError("this RunWriter is closed.")

    def _info(self, snapshot: str) -> SnapshotInfo:
        info = self._reader.snapshots.get(snapshot)
        if info is None:
            raise KeyError(f"snapshot {snapshot!r} is not declared; call add_snapshot first "
                           f"(declared: {sorted(self._reader.snapshots)}).")
        return info
