"""Dask back end (the ``stablecheck[dask]`` extra): the same sketches, mapped over blocks.

Private. Nothing here imports dask at module import time; every entry point imports it
lazily and raises an ImportError naming the extra when it is missing.

    open_run_array(path, snapshot, layer=None)   a run directory as a lazy dask.array
    sketch_dask(factory, darr, client=None)      build a sketch over a dask.array
    is_dask_array(x)                             duck check without importing dask
"""

from __future__ import annotations

from ._array import is_dask_array, open_run_array
from ._reduce import sketch_dask

__all__ = ["is_dask_array", "open_run_array", "sketch_dask"]
