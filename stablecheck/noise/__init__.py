"""Noise datasets: safe readers, the run-directory store, views and chunked iteration."""

from __future__ import annotations

from ._store import ChunkEntry, RunReader, RunWriter, SnapshotInfo, open_run

__all__ = ["RunWriter", "RunReader", "open_run", "ChunkEntry", "SnapshotInfo"]
