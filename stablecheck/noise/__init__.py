"""Noise datasets: safe readers, the crash-safe run-directory store, views, chunked iteration.

Reading
    load_noise(path)            run directories, .npy, .npz, safetensors, .csv/.txt, .parquet, .pt
    NoiseDataset                snapshots (K x P at one frozen weight vector), layers, metadata
        .matrix / .pooled / .standardized / .projections / .iter_chunks / .info
    NoiseInfoResult             what ``.info()`` and ``stablecheck info`` report
    Layer, Snapshot, StandardizedNoise
Writing (run directories; format in docs/noise-format.md)
    RunWriter                   create or resume a run, declare snapshots, commit chunks
                                (write_chunk / write_chunk_async) and attachments (write_file)
    RunReader, open_run         committed chunks and attachments only, sha256-verified
    ChunkEntry, SnapshotInfo    manifest lines and snapshot declarations
    FileEntry                   files.jsonl lines (attachments)
Metadata
    SCHEMA_VERSION, META_FIELDS, DATA_KINDS
"""

from __future__ import annotations

from ._dataset import Layer, NoiseDataset, Snapshot, StandardizedNoise
from ._durable import FileEntry
from ._info import NoiseInfoResult
from ._meta import DATA_KINDS, META_FIELDS, SCHEMA_VERSION
from ._readers import FORMATS, load_noise
from ._store import ChunkEntry, RunReader, SnapshotInfo, open_run
from ._writer import RunWriter

__all__ = [
    "load_noise",
    "FORMATS",
    "NoiseDataset",
    "NoiseInfoResult",
    "Layer",
    "Snapshot",
    "StandardizedNoise",
    "RunWriter",
    "RunReader",
    "open_run",
    "ChunkEntry",
    "FileEntry",
    "SnapshotInfo",
    "SCHEMA_VERSION",
    "META_FIELDS",
    "DATA_KINDS",
]
