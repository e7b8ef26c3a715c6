"""Turn what users pass (arrays, memmaps, chunk iterables, objects with ``iter_chunks()``)
into a uniform chunk source, without loading anything that is not already in memory."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import check_tail_chunk

__all__ = ["Source", "as_source", "CHUNK"]

#: values per chunk when slicing an array or memmap (4 MB of float32)
CHUNK = 1 << 20


@dataclass
class Source:
    """A re-iterable (or one-shot) stream of chunks.

    Attributes
    ----------
    chunks : callable
        Returns a fresh iterator of ndarray chunks (raises if the source is one-shot and
        already consumed).
    array : ndarray or None
        The whole data when it allows random access (array or memmap).
    n : int or None
        Number of values (rows for 2-D) when known in advance.
    ndim : int
        1 for scalar data, 2 for rows of vectors.
    reiterable : bool
    """

    chunks: Callable[[], Iterator[np.ndarray]]
    array: np.ndarray | None
    n: int | None
    ndim: int
    reiterable: bool
    integer: bool = False
    #: builds a whole sketch at once (``build(factory) -> Sketch``) where the source has its
    #: own executor (Dask); None means "feed ``chunks()`` to one sketch".
    build: Callable[[Callable[[], Any]], Any] | None = None
    #: row width for 2-D sources without ``array`` (Dask)
    dim: int | None = None
    #: usable (finite, non-zero) values/rows, counted by the source's own executor (Dask)
    count: Callable[[], int] | None = None


def _slices(arr: np.ndarray, chunk: int) -> Callable[[], Iterator[np.ndarray]]:
    def gen() -> Iterator[np.ndarray]:
        rows = max(1, chunk // max(1, int(np.prod(arr.shape[1:], dtype=np.int64))))
        for i in range(0, arr.shape[0], rows):
            yield arr[i:i + rows]
    return gen


def _checked(it: Iterable[Any], name: str, ndim: list[int | None]) -> Iterator[np.ndarray]:
    for c in it:
        a = check_tail_chunk(c, name)
        del c
        if ndim[0] is None:
            ndim[0] = a.ndim
        yield a
        del a  # hold no chunk while the next one is read (memory-mapped pieces, RLIMIT_AS)


def as_source(x: Any, *, name: str = "x", chunk: int = CHUNK) -> Source:
    """Classify ``x`` and wrap it as a :class:`Source`.

    * ``numpy.ndarray`` / ``numpy.memmap`` / array-likes (lists of numbers): sliced views;
    * objects with ``iter_chunks()`` (noise-dataset views): that method, called per pass;
    * lists/tuples of arrays: re-iterable chunks; other iterables/iterators: one pass.
    """
    if type(x).__module__.startswith("dask.array"):  # dask: the sketches run on the workers
        from .._dask._source import dask_source

        return dask_source(x, name)
    if hasattr(x, "iter_chunks") and callable(x.iter_chunks):
        ndim: list[int | None] = [None]
        n = getattr(x, "size", None) if getattr(x, "ndim", 1) == 1 else None
        return Source(chunks=lambda: _checked(x.iter_chunks(), name, ndim), array=None,
                      n=int(n) if isinstance(n, (int, np.integer)) else None,
                      ndim=int(getattr(x, "ndim", 1) or 1), reiterable=True)
    if isinstance(x, (list, tuple)) and x and all(isinstance(c, np.ndarray) for c in x):
        first = check_tail_chunk(x[0], name)
        items = list(x)
        return Source(chunks=lambda: _checked(items, name, [None]), array=None,
                      n=sum(int(np.shape(c)[0]) if first.ndim == 2 else int(np.size(c))
                            for c in items),
                      ndim=first.ndim, reiterable=True,
                      integer=first.dtype.kind in "iu")
    if isinstance(x, (Iterator,)) or (isinstance(x, Iterable) and not isinstance(
            x, (np.ndarray, list, tuple, str, bytes)) and not hasattr(x, "__array__")):
        it = iter(x)
        used = [False]

        def once() -> Iterator[np.ndarray]:
            if used[0]:
                raise ValueError(f"`{name}` is a one-shot iterator that was already consumed; "
                                 "pass a list of chunks, an array or an object with "
                                 "iter_chunks() when a second pass is needed.")
            used[0] = True
            return _checked(it, name, [None])
        return Source(chunks=once, array=None, n=None, ndim=1, reiterable=False)
    arr = check_tail_chunk(x, name)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    return Source(chunks=_slices(arr, chunk), array=arr, n=int(arr.shape[0]), ndim=arr.ndim,
                  reiterable=True, integer=arr.dtype.kind in "iu")
