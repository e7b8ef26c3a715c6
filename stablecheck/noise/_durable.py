"""Durable file I/O for run directories and the attachment log (``files.jsonl``).

Every file of a run except the two commit logs is written the same way: to
``<final>.tmp.<pid>``, fsynced, renamed onto its final name with ``os.replace``, and the
directory fsynced. :func:`stream_write` does this for a sequence of buffers (a header and
an array's memory) without joining them into one bytes object, hashing each block right
after writing it, while it is still in the CPU cache. ``hashlib`` and ``os.write`` release
the GIL for large buffers, so a background commit thread overlaps with the caller's work.

Attachments (``RunWriter.write_file``) are files of a run that are not K x P chunks (model
weights, reference gradients, ...). Each is committed by one line of ``files.jsonl``,
exactly as chunks are committed by ``manifest.jsonl``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import NoiseFormatError

__all__ = ["atomic_write", "stream_write", "append_line", "fsync_dir", "write_all",
           "FileEntry", "check_file_name", "read_log", "RESERVED_NAMES"]

_BLOCK = 1 << 20  # write + hash per 1 MiB block: the second pass reads from cache
#: Top-level names of a run directory that attachments may not use.
RESERVED_NAMES = frozenset({"run.json", "manifest.jsonl", "files.jsonl", "chunks",
                            "snapshots", ".lock"})
_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


def fsync_dir(path: Path) -> None:
    """fsync a directory so that renames and new entries in it are durable."""
    if os.name == "nt":  # pragma: no cover - directories cannot be fsynced on Windows
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_all(fd: int, data: Any) -> None:
    """``os.write`` until every byte of ``data`` (any buffer) is written."""
    view = memoryview(data).cast("B")
    while view:
        n = os.write(fd, view)
        view = view[n:]


def stream_write(path: Path, parts: Iterable[Any], *, sync_dir: bool = True
                 ) -> tuple[int, str]:
    """Write the buffers ``parts`` atomically to ``path``; return ``(bytes, sha256 hex)``.

    Temp file ``<name>.tmp.<pid>``, each part written and hashed in 1 MiB blocks, fsync,
    ``os.replace``, then (``sync_dir``) fsync of the directory. ``parts`` are bytes or
    C-contiguous buffers (e.g. ``memoryview`` of an array); nothing is copied.
    """
    tmp = path.with_name(f"{path.name}.tmp.{os.getpid()}")
    h = hashlib.sha256()
    size = 0
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        for part in parts:
            view = memoryview(part).cast("B")
            for start in range(0, len(view), _BLOCK):
                block = view[start:start + _BLOCK]
                write_all(fd, block)
                h.update(block)
            size += len(view)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    if sync_dir:
        fsync_dir(path.parent)
    return size, h.hexdigest()


def atomic_write(path: Path, data: Any) -> str:
    """Write ``data`` to ``path`` atomically (temp file, fsync, rename, fsync directory).

    Returns the sha256 (hex) of the bytes written.
    """
    return stream_write(Path(path), (data,))[1]


def append_line(path: Path, line: bytes) -> None:
    """Append one line with a single write and fsync it (the commit of a log)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        write_all(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def check_file_name(name: Any) -> str:
    """Validate an attachment's path relative to the run directory.

    1-4 ``/``-separated segments of ``[A-Za-z0-9_.-]`` (not starting with ``.`` or ``-``),
    no ``.tmp`` (reserved for temporary files), at most 255 characters, and a first segment
    that is not one of the run's own files or folders.
    """
    if not isinstance(name, str):
        raise TypeError(f"attachment name must be a str; got {type(name).__name__}.")
    parts = name.split("/")
    ok = (0 < len(name) <= 255 and 1 <= len(parts) <= 4
          and all(_SEGMENT.match(p) and p not in (".", "..") and ".tmp" not in p for p in parts))
    if not ok:
        raise ValueError(f"attachment name {name!r} is not 1-4 '/'-separated segments of "
                         "[A-Za-z0-9_.-] (no leading '.', no '.tmp', <= 255 characters).")
    if parts[0] in RESERVED_NAMES:
        raise ValueError(f"attachment name {name!r} uses the run's own {parts[0]!r}; choose "
                         "another folder (e.g. 'weights/...').")
    return name


@dataclass(frozen=True)
class FileEntry:
    """One committed line of ``files.jsonl``: an attachment's path, size and sha256."""

    file: str
    bytes: int
    sha256: str

    def line(self) -> bytes:
        """The log line (compact JSON, sorted keys, newline-terminated)."""
        d = {"bytes": self.bytes, "file": self.file, "sha256": self.sha256}
        return (json.dumps(d, sort_keys=True, separators=(",", ":")) + "\n").encode()


def file_entry_from_json(d: Any, where: str) -> FileEntry:
    """Parse and check one ``files.jsonl`` record."""
    try:
        e = FileEntry(file=check_file_name(d["file"]), bytes=d["bytes"], sha256=d["sha256"])
        ok = (type(e.bytes) is int and e.bytes >= 0 and isinstance(e.sha256, str)
              and len(e.sha256) == 64 and set(d) == {"file", "bytes", "sha256"})
    except (KeyError, TypeError, ValueError):
        ok = False
    if not ok:
        raise NoiseFormatError(f"{where}: malformed files.jsonl line {json.dumps(d)[:200]}.")
    return e


def read_log(path: Path) -> tuple[list[Any], int, int]:
    """Parse the complete lines of a JSON-lines commit log.

    Returns ``(records, committed_bytes, total_bytes)``; a last line without its newline is
    torn (never committed) and is not returned.
    """
    if not path.exists():
        return [], 0, 0
    raw = path.read_bytes()
    end = raw.rfind(b"\n") + 1
    records = []
    for i, line in enumerate(raw[:end].splitlines(), 1):
        try:
            records.append((i, json.loads(line.decode("utf-8"))))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise NoiseFormatError(f"{path}: line {i} is not valid JSON ({exc}); the log is "
                                   "corrupted.") from None
    return records, end, len(raw)
