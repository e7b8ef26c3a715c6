"""The collector's view of a run directory: the noise store plus weights and gradients.

Noise chunks go through :class:`stablecheck.noise.RunWriter` (atomic chunk files, manifest
commit log, resume). Two kinds of side files live next to them, written atomically and
checksummed in the snapshot metadata:

``weights/t<iteration>.safetensors``
    the frozen model state (parameters and buffers) at the collected iteration;
``weights/t<iteration>.optimizer.safetensors``
    SGD momentum buffers (``train_and_collect`` only), so training can resume there;
``gradients/t<iteration>[_b<B>].safetensors``
    the float64 reference gradient ``grad f`` (key ``"full_gradient"``) and the full loss.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import NoiseFormatError
from ..noise import RunWriter
from ..noise._store import atomic_write, is_run_dir

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
        self.resumed = self.writer.resumed
        for sub in ("weights", "gradients"):  # leftovers of a killed atomic write (lock held)
            for tmp in (self.path / sub).glob("*.tmp*") if (self.path / sub).is_dir() else ():
                tmp.unlink()
        self.bytes_written = 0
        self.chunks_written = 0
        self.chunks_skipped = 0

    # -- side files -------------------------------------------------------------------
    def _write_file(self, rel: str, data: bytes) -> str:
        path = self.path / rel
        path.parent.mkdir(exist_ok=True)
        atomic_write(path, data)
        self.bytes_written += len(data)
        return sha256_bytes(data)

    def read_file(self, rel: str, sha256: str | None = None) -> bytes | None:
        """The bytes of a side file, or None if it does not exist; checked against ``sha256``."""
        path = self.path / rel
        if not path.is_file():
            return None
        data = path.read_bytes()
        if sha256 is not None and sha256_bytes(data) != sha256:
            raise NoiseFormatError(f"{path}: sha256 differs from the one recorded in the run; "
                                   "the file was modified or damaged.")
        return data

    def save_tensors(self, rel: str, tensors: dict[str, Any],
                     metadata: dict[str, str] | None = None) -> str:
        """Serialise torch tensors with safetensors and write them atomically; return sha256."""
        from safetensors.torch import save

        return self._write_file(rel, save(tensors, metadata=metadata))

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

    def write_rows(self, name: str, data: np.ndarray, r0: int) -> None:
        """Commit rows ``[r0, r0 + len(data))`` of snapshot ``name``."""
        if self.writer.write_chunk(name, data, row_start=r0):
            self.chunks_written += 1
            self.bytes_written += data.nbytes
        else:
            self.chunks_skipped += 1

    def close(self) -> None:
        """Release the writer lock."""
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
