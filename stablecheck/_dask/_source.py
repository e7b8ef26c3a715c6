"""A ``dask.array`` as a chunk source of the tail engine (``tail/_source.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..tail._source import Source
from ._reduce import block_counts, sketch_dask, stream_blocks

__all__ = ["dask_source"]


def dask_source(x: Any, name: str = "x") -> Source:
    """Wrap a dask array: ``build`` runs the sketch on the cluster; ``chunks()`` (used only by
    code paths without ``build``) computes the blocks one at a time on the client."""
    if x.ndim not in (1, 2):
        raise ValueError(f"`{name}` must be 1-D values or 2-D rows; got a {x.ndim}-D dask array.")
    if x.dtype.kind not in "iuf":
        raise TypeError(f"`{name}` must be numeric; got dtype {x.dtype}.")
    if any(np.isnan(c) for cs in x.chunks for c in cs):
        raise ValueError(f"`{name}` has unknown chunk sizes; call compute_chunk_sizes() first.")
    if x.size == 0:
        raise ValueError(f"`{name}` is empty.")

    def chunks() -> Iterator[np.ndarray]:
        for b in stream_blocks(x):
            yield np.asarray(b.compute())

    dim = int(x.shape[1]) if x.ndim == 2 else 1
    memo: dict[str, np.ndarray] = {}

    def counts() -> np.ndarray:  # usable values per block; computed once per source
        if "c" not in memo:
            memo["c"] = block_counts(x, dim)
        return memo["c"]

    def build(factory):
        from ..tail._sketches import LogMomentSketch

        proto = factory()
        if isinstance(proto, LogMomentSketch) and proto.k1.size:
            return sketch_dask(proto, x, counts=counts())
        return sketch_dask(proto, x)

    return Source(chunks=chunks, array=None, n=int(x.shape[0]), ndim=x.ndim, reiterable=True,
                  integer=x.dtype.kind in "iu",
                  build=build, dim=dim, count=lambda: int(counts().sum()))
