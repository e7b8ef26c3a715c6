"""The collector's view of a run directory: the noise store plus weights and gradients.

Noise chunks go through :class:`stablecheck.noise.RunWriter` (streamed chunk files,
manifest commit log, resume), committed on the writer's background thread while the next
chunk is computed. Side files are the store's *attachments* (``RunWriter.write_file``:
atomic, committed by a ``files.jsonl`` line with their sha256, checked on every read):

``weights/t<iteration>.safetensors``
    the frozen model state (parameters and buffers) at the collected iteration;
``weights/t<iteration>.optimizer.safetensors``
    SGD momentum buffers (``train_and_collect`` only), so training can resume there;
``gradients/t<iteration>[_b<B>].safetensors``
    the float64 reference gradient ``grad f`` (key ``"full_gradient"``) and the full loss.

Runs written before attachments were committed (no ``files.jsonl``) resume: their side
files count as uncommitted, are recomputed (bit-identical for the same run) and committed.
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import NoiseFormatError
from ..noise import RunWriter
from ..noise._store import is_run_dir

__all__ = ["RunSink", "snapshot_name", "weights_name", "gradient_name", "sha256_bytes"]


def snapshot_name(iteration: int, batch_size: int) -> str:
    """``t00000200_b32``: the store name of the noise at ``iteration`` for batch size B."""
    return f"t{iteration:08d}_b{batch_size}"


def weights_name(iteration: int) -> str:
    """Relative path of the frozen weights of ``iteration``."""
    return f"weights/t{iteration:08d}.safetensors"


def optimizer_name(iteration: int) -> str:
    """Relative path of the optimizer state saved at ``iteration``."""
    return f"weights/t{iteration:08d}.optimizer.safetensors"


def gradient_name(iteration: int, batch_size: int | None) -> str:
    """Relative path of the reference gradient (per batch size for ``partition_mean``)."""
    suffix = "" if batch_size is None else f"_b{batch_size}"
    return f"gradients/t{iteration:08d}{suffix}.safetensors"


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


class RunSink:
    """Open (create or resume) the run and write noise chunks and side files.

    Parameters
    ----------
    out : path
    run_id : str
    config : dict
        Everything that determines the data (fingerprinted by the store).
    meta : dict
        Run metadata (versions, mode, sampling, ...).
    resume : bool
        When False an existing run directory is refused; when True it is continued (and
        refused by the store if it belongs to a different run).
    """

    def __init__(self, out: str | os.PathLike, *, run_id: str, config: dict, meta: dict,
                 resume: bool):
        self.path = Path(out)
        if is_run_dir(self.path) and not resume:
            raise NoiseFormatError(
                f"{self.path} already holds a stablecheck run; pass resume=True (CLI: --resume) "
                "to continue it, or choose a new directory.")
        self.writer = RunWriter(self.path, run_id=run_id, config=config, meta=meta)
        self.resumed = self.writer.resumed  # the writer removed torn temp files everywhere
        self.bytes_written = 0
        self.chunks_written = 0
        self.chunks_skipped = 0

    # -- side files -------------------------------------------------------------------
    def write_file(self, rel: str, data: bytes) -> str:
        """Queue a side file for commit as a store attachment; return its sha256.

        It is committed on the store's commit thread before any chunk submitted after it;
        :meth:`flush` waits for it.
        """
        self.writer.write_file_async(rel, data)
        self.bytes_written += len(data)
        return sha256_bytes(data)

    def read_file(self, rel: str, sha256: str | None = None) -> bytes | None:
        """A committed side file (sha256 checked by the store), or None when not committed.

        ``sha256`` (optional) must also match.
        """
        data = self.writer.read_file(rel)
        if data is None:
            return None
        if sha256 is not None and sha256_bytes(data) != sha256:
            raise NoiseFormatError(f"{self.path / rel}: sha256 differs from the one recorded "
                                   "in the run; the file was modified or damaged.")
        return data

    def adopt(self, rel: str | None, sha256: str | None) -> None:
        """Commit an uncommitted side file whose sha256 was recorded in snapshot metadata.

        Runs written before attachments were committed hold their reference gradients as
        plain files; when the snapshot is complete they are not recomputed, so a file whose
        bytes match the recorded sha256 is committed as it is.
        """
        if not rel or not sha256 or self.writer.has_file(rel):
            return
        path = self.path / rel
        if path.is_file():
            data = path.read_bytes()
            if sha256_bytes(data) == sha256:
                self.write_file(rel, data)

    def save_tensors(self, rel: str, tensors: dict[str, Any],
                     metadata: dict[str, str] | None = None) -> str:
        """Serialise torch tensors with safetensors and write them atomically; return sha256."""
        from safetensors.torch import save

        return self.write_file(rel, save(tensors, metadata=metadata))

    def load_tensors(self, rel: str, sha256: str | None = None):
        """``(tensors, metadata)`` of a side safetensors file, or None when it is missing."""
        data = self.read_file(rel, sha256)
        if data is None:
            return None
        from safetensors.torch import load

        try:
            tensors = load(data)
        except Exception as exc:  # safetensors raises its own error types
            raise NoiseFormatError(f"{self.path / rel}: not a valid safetensors file ({exc}).") \
                from None
        return tensors, _safetensors_metadata(data)

    # -- noise chunks -----------------------------------------------------------------
    def declare(self, name: str, *, n_rows: int, layers, dtype: str, meta: dict):
        """Declare a snapshot (a no-op when it already exists with the same content)."""
        old = self.writer.snapshots.get(name)
        if old is not None and old.meta.get("weights_sha256") not in (
                None, meta.get("weights_sha256")):
            raise NoiseFormatError(
                f"{self.path}: snapshot {name} was collected at different weights (sha256 "
                f"{str(old.meta.get('weights_sha256'))[:12]}... vs "
                f"{str(meta.get('weights_sha256'))[:12]}... now); the model being collected is "
                "not the one this run saw. Use a new directory.")
        try:
            return self.writer.add_snapshot(name, n_rows=n_rows, layers=layers, dtype=dtype,
                                            meta=meta)
        except ValueError as exc:
            raise NoiseFormatError(f"{self.path}: cannot resume snapshot {name}: {exc}") from None

    def has_rows(self, name: str, r0: int, r1: int) -> bool:
        """True when rows ``[r0, r1)`` of snapshot ``name`` are committed."""
        return name in self.writer.snapshots and self.writer.has_chunk(name, rows=(r0, r1))

    def is_complete(self, name: str) -> bool:
        """True when snapshot ``name`` is declared and fully committed."""
        return name in self.writer.snapshots and self.writer.is_complete(name)

    def write_rows(self, name: str, data: np.ndarray, r0: int) -> Future:
        """Submit rows ``[r0, r0 + len(data))`` of snapshot ``name`` for commit.

        The commit runs on the store's commit thread; ``data`` must stay unchanged until the
        returned future is done (its result: True = committed, False = already there).
        """
        fut = self.writer.write_chunk_async(name, data, row_start=r0)
        if fut.done() and fut.exception() is None and fut.result() is False:
            self.chunks_skipped += 1
        else:
            self.chunks_written += 1
            self.bytes_written += data.nbytes
        return fut

    def flush(self) -> None:
        """Wait until every submitted chunk is committed (re-raises a commit error)."""
        self.writer.flush()

    def close(self) -> None:
        """Wait for pending commits and release the writer lock."""
        self.writer.close()


def _safetensors_metadata(data: bytes) -> dict[str, str]:
    """The ``__metadata__`` of a safetensors payload (header parsed with a size cap)."""
    import json

    if len(data) < 8:
        return {}
    n = int(np.frombuffer(data[:8], dtype="<u8")[0])
    if n > min(len(data) - 8, 100 << 20):
        raise NoiseFormatError("safetensors header length exceeds the file; damaged file.")
    header = json.loads(data[8:8 + n].decode("utf-8"))
    meta = header.get("__metadata__") or {}
    return {str(k): str(v) for k, v in meta.items()}
