"""Shared helpers for the collector tests (not a test module)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from stablecheck.noise import open_run


def read_snapshot(path, name) -> np.ndarray:
    """The K x P matrix of one snapshot, assembled from its committed chunks."""
    run = open_run(path)
    info = run.snapshots[name]
    out = np.full((info.n_rows, info.n_cols), np.nan, dtype=info.dtype)
    for e in run.chunks(name):
        out[e.rows[0]:e.rows[1], e.cols[0]:e.cols[1]] = run.read_chunk(e)
    assert run.is_complete(name)
    return out


def chunk_digests(path) -> dict[str, str]:
    """sha256 of every committed chunk file, keyed by (snapshot, rows, cols)."""
    run = open_run(path)
    run.verify()
    out = {}
    for name in run.snapshots:
        for e in run.chunks(name):
            digest = hashlib.sha256((Path(path) / e.chunk).read_bytes()).hexdigest()
            out[f"{name}:{e.rows}:{e.cols}"] = digest
    return out


def side_digests(path) -> dict[str, str]:
    """sha256 of the weights/gradients side files."""
    root = Path(path)
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for sub in ("weights", "gradients") for p in sorted((root / sub).glob("*"))}
