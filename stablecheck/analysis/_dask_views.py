"""Pooled views as ``dask.array`` inputs for ``analyze(engine="dask")``."""

from __future__ import annotations

import numpy as np

from .._dask._array import import_dask, open_run_array
from ..tail._source import CHUNK
from ._views import PooledView

__all__ = ["pooled_dask"]


def pooled_dask(view: PooledView):
    """The row-major pooled values of ``view`` as a 1-D dask array.

    Complete run directories open lazily, one block per chunk file (workers read the files
    themselves: the path must be on storage every worker sees). Other datasets are read once
    on the client and handed to Dask in blocks of ``CHUNK`` values.
    """
    da = import_dask()
    ds, snap, layer = view._ds, view._snap, view._layer
    arr = None
    if ds.file_format == "run" and snap not in getattr(ds, "incomplete", ()):
        try:
            arr = open_run_array(ds.source, snap, layer)
        except ValueError:  # no rectangular chunk grid: fall back to reading on the client
            arr = None
    if arr is None:
        x = np.concatenate([np.asarray(c).reshape(-1) for c in view.iter_chunks()])
        return da.from_array(x, chunks=CHUNK)
    arr = arr.rechunk({1: -1})  # whole rows per block: ravel keeps the row-major stream
    if view._keep is not None:
        keep = np.flatnonzero(view._keep)
        center, scale = view._center, view._scale
        arr = arr[:, keep].astype(np.float64)
        arr = (arr - center) / scale
    return arr.reshape(-1)
