"""One pass over a stream that feeds every tail sketch from the same chunk.

:func:`tail_sketches` reads its input once and updates a :class:`TailSketch` and a
:class:`LogMomentSketch` from each chunk, sharing the work both need: ``|x|`` is computed once
(into a reused work array), the tail threshold filter runs on it, and the same array then
becomes ``log|x|`` in place. For random-access inputs (arrays, memmaps) a helper thread
touches the pages of the next chunk while the current one is processed, so the page-cache
copy / page-fault cost of reading overlaps with the arithmetic (numpy releases the GIL in
both).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from .._validation import check_bool, check_int
from . import _fastlog
from ._reader import raw_chunks
from ._sketches import LogMomentSketch, TailSketch, _scratch
from ._source import as_source

__all__ = ["tail_sketches", "feed", "default_threads"]

#: values per chunk for the one-pass builder (4 MiB of float32; measured on the 1e8 file:
#: 2^20 used ~10% less CPU than 2^18 and ~40% less than 2^16, whose per-chunk overhead shows)
STREAM_CHUNK = 1 << 20


class _Pass:
    """Work arrays and the optional helper thread of one pass.

    Each chunk is cut into ``threads`` pieces. The per-value work — ``|x|``, the threshold
    filter, ``log|x|`` (in the data's dtype), its float64 widening and the sums of the logs
    and their squares — runs on the pieces concurrently (numpy releases the GIL); the
    sketches' bookkeeping (candidate offers, block sums, moment merges) then runs once per
    chunk on the main thread. Thresholds only change in that bookkeeping, so the pieces read
    a consistent state. On the numba path with ``threads > 1`` the kernel of chunk i+1 runs
    on the pool while the main thread settles chunk i (see :meth:`feed32`), so the serial
    bookkeeping overlaps the parallel work; :meth:`finish` settles the last chunk.
    """

    def __init__(self, ts: TailSketch | None, lm: LogMomentSketch | None, threads: int):
        self.ts, self.lm, self.threads = ts, lm, threads
        # with more than one thread the kernel path is pipelined: every piece of chunk i+1
        # runs on the pool while this thread does chunk i's bookkeeping
        self.pool = ThreadPoolExecutor(max_workers=threads) if threads > 1 else None
        self.bufs: dict[str, np.ndarray] = {}
        self._prev: tuple | None = None     # launched, not yet settled kernel job
        self._carry = np.zeros(0, dtype=np.int64)
        self._flip = 0

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()

    def _buf(self, name: str, size: int, dtype: Any) -> np.ndarray:
        return _scratch(self, name, size, dtype)

    def _piece(self, x: np.ndarray, a: np.ndarray, mask: np.ndarray, lf: np.ndarray,
               xf: np.ndarray | None, sq: np.ndarray, cut: Any
               ) -> tuple[np.ndarray | None, float, float]:
        np.abs(x, out=a)
        idx = None
        if self.ts is not None:
            idx = np.flatnonzero(np.greater(a, cut, out=mask))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            np.log(a, out=a)
            np.copyto(lf, a)
            total = float(lf.sum())
            np.square(lf, out=sq)
            s2 = float(sq.sum())
        if xf is not None:
            np.copyto(xf, x)
        return idx, total, s2

    def _piece32(self, x: np.ndarray, cutbits: int, ends: np.ndarray, seg: np.ndarray,
                 cand: np.ndarray) -> tuple[int, int]:
        return _fastlog.chunk_stats(x, cutbits, ends, seg[0], seg[1], seg[2], cand)

    def _launch(self, x: np.ndarray) -> tuple:
        """Start the kernel on every piece of chunk ``x`` (on the pool when pipelined).

        Segment ends come from the block carry *predicted* for the start of ``x`` (the
        previous chunk, not settled yet, assumed clean: carry + n mod K1); the threshold is
        the one in force now — possibly lower than after the pending chunk's offers, which
        only lets more candidates through (the kept values stay exact)."""
        ts, lm = self.ts, self.lm
        n = x.size
        bounds = np.linspace(0, n, self.threads + 1).astype(np.int64)
        ends = lm._seg_ends(n, bounds[1:-1], carry=self._carry)
        seg = np.empty((3, ends.size))
        self._flip ^= 1     # two candidate buffers: the pending job keeps the other one
        cand = self._buf(f"cand{self._flip}", n, np.int32)
        cutbits = int(ts._cut(np.float32).view(np.int32)) if ts is not None else 0x7FFFFFFF
        # piece p owns the segments ending in (bounds[p], bounds[p+1]] (none if empty)
        cuts = np.searchsorted(ends, bounds, side="right")
        args = []
        for p in range(self.threads):
            s, e, a, b = bounds[p], bounds[p + 1], cuts[p], cuts[p + 1]
            args.append((x[s:e], cutbits, ends[a:b] - s, seg[:, a:b], cand[s:e]))
        if self.pool is not None:
            parts: Any = [self.pool.submit(self._piece32, *p) for p in args]
        else:
            parts = [self._piece32(*p) for p in args]
        if lm.k1.size:
            self._carry = (self._carry + n) % lm.k1
        return x, bounds, ends, seg, cand, parts

    def _settle(self, job: tuple) -> bool:
        """Bookkeeping of a launched job; False if its chunk held zeros or non-finite
        values (then counted by the sketches' own paths, and the block alignment of the
        chunks launched after it no longer holds)."""
        ts, lm = self.ts, self.lm
        x, bounds, ends, seg, cand, parts = job
        parts = [p.result() if hasattr(p, "result") else p for p in parts]
        n = x.size
        if any(p[1] for p in parts):
            if ts is not None:
                ts.update(x)
            lm.update(x)
            return False
        if ts is not None:
            ts.n += n
            vals = np.concatenate([cand[s:s + p[0]] for p, s in zip(parts, bounds[:-1])])
            ts._take_values(vals.view(np.float32))
        lm._commit_segs(n, 0, 0, ends, seg)
        return True

    def finish(self) -> None:
        """Settle the pending chunk (call once after the last chunk)."""
        job, self._prev = self._prev, None
        if job is not None:
            self._settle(job)

    def feed32(self, x: np.ndarray) -> None:
        """The numba path for a contiguous float32 chunk: one kernel call per piece does
        everything per value (threshold count, zero/non-finite count, log, the float64
        sums per block segment); chunks holding zeros or non-finite values go through the
        sketches' own (counting) paths, which use the same kernel for the logs. With a
        pool, chunk ``x`` is launched before the previous chunk is settled."""
        if self._prev is None:
            self._carry = self.lm.carry_n.copy()
        job = self._launch(x)
        prev, self._prev = self._prev, job
        if prev is not None and not self._settle(prev):
            for f in job[-1]:   # launched on a wrong block alignment: redo it
                if hasattr(f, "result"):
                    f.result()
            self._carry = self.lm.carry_n.copy()
            self._prev = self._launch(x)
        if self.pool is None:
            self.finish()

    def feed(self, x: np.ndarray) -> None:
        ts, lm = self.ts, self.lm
        n = x.size
        if _fastlog.usable(x) and lm is not None:
            self.feed32(np.ascontiguousarray(x))
            return
        self.finish()
        a = self._buf("a", n, x.dtype)
        mask = self._buf("mask", n, np.bool_)
        lf = self._buf("lf", n, np.float64)
        sq = self._buf("sq", n, np.float64)
        xf = None
        if lm is not None and lm.k1.size and x.dtype != np.float64:
            xf = self._buf("xf", n, np.float64)
        cut = ts._cut(x.dtype) if ts is not None else None
        bounds = np.linspace(0, n, self.threads + 1).astype(np.int64)
        args = [(x[s:e], a[s:e], mask[s:e], lf[s:e], None if xf is None else xf[s:e],
                 sq[s:e], cut) for s, e in zip(bounds[:-1], bounds[1:])]
        futs = [self.pool.submit(self._piece, *p) for p in args[1:]] if self.pool else []
        parts = [self._piece(*args[0])] + [f.result() for f in futs]
        total = sum(p[1] for p in parts)
        if not np.isfinite(total):
            # zeros, NaN or ±inf somewhere: the sketches' own (counting) paths, sequentially
            if ts is not None:
                ts.update(x)
            if lm is not None:
                lm.update(x)
            return
        if ts is not None:
            ts.n += n          # a finite log-sum certifies: no zero, NaN or ±inf
            idx = np.concatenate([p[0] + s for p, s in zip(parts, bounds[:-1])])
            ts._take(x, idx)
        if lm is not None:
            lm._commit(x, lf, total, sum(p[2] for p in parts),
                       xf if xf is not None else (x if lm.k1.size else None))


def feed(chunk: Any, ts: TailSketch | None, lm: LogMomentSketch | None,
         _pass: _Pass | None = None) -> None:
    """Update ``ts`` and ``lm`` (either may be None) from one 1-D chunk in one fused pass."""
    x = np.asarray(chunk)
    if x.dtype.kind not in "iuf":
        raise TypeError(f"tail sketches need numeric chunks; got dtype {x.dtype}.")
    x = x.reshape(-1)
    if x.dtype.kind in "iu" or x.dtype == np.float16:
        x = x.astype(np.float64)
    if x.size == 0:
        return
    if lm is None:
        if ts is not None:
            ts.update(x)
        return
    if lm.dim != 1:
        raise ValueError("feed() needs a scalar LogMomentSketch (dim=1).")
    if _pass is None:
        _pass = _Pass(ts, lm, 1)
        _pass.feed(x)
        _pass.finish()
    else:
        _pass.feed(x)


def _touch(c: np.ndarray) -> None:
    """Fault in every page of ``c`` (one element per 4 KiB page)."""
    v = c.reshape(-1)
    step = max(1, 4096 // v.itemsize)
    np.add.reduce(v[::step], dtype=np.float64)


def _prefetched(chunks: Iterator[np.ndarray], pool: ThreadPoolExecutor
                ) -> Iterator[np.ndarray]:
    nxt = next(chunks, None)
    fut = pool.submit(_touch, nxt) if nxt is not None else None
    while nxt is not None:
        cur = nxt
        if fut is not None:
            fut.result()
        nxt = next(chunks, None)
        fut = pool.submit(_touch, nxt) if nxt is not None else None
        yield cur


def default_threads() -> int:
    """CPUs this process may run on (``os.sched_getaffinity``; ``os.cpu_count`` where that
    is missing), at most 64: the default ``threads`` of :func:`tail_sketches`."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):   # pragma: no cover - macOS, Windows
        n = os.cpu_count() or 1
    return max(1, min(64, n))


def tail_sketches(x: Any, *, k_max: int = 200_000, k1: Any = (), chunk: int | None = None,
                  threads: int | None = None, prefetch: bool = True, dtype: Any = np.float32
                  ) -> tuple[TailSketch, LogMomentSketch]:
    """Build a :class:`TailSketch` and a :class:`LogMomentSketch` in one pass over ``x``.

    Parameters
    ----------
    x : array_like, memmap, iterable of 1-D arrays, object with ``iter_chunks()``, or path
        The data (1-D), read once. A ``str``/``os.PathLike`` names a raw binary file of
        ``dtype`` values (no header), read by a helper thread two 16 MiB units ahead of
        the arithmetic: units in the page cache are memory-mapped, the others read with
        ``O_DIRECT`` into three rotating buffers (see :mod:`._reader`).
    k_max : int
        Tail values kept per tail by the :class:`TailSketch`.
    k1 : int or sequence of int
        Mohammadi block lengths for the :class:`LogMomentSketch` (empty: log-moments only).
    dtype : dtype
        Value type of a raw file (ignored for other inputs).
    chunk : int, optional
        Values per chunk for arrays, memmaps and files (other inputs keep their own
        chunks). Default: :data:`STREAM_CHUNK` (2²⁰), or ``threads × 2¹⁸`` when larger, so
        each thread's piece stays big enough to amortise the per-chunk bookkeeping.
    threads : int, optional
        Threads sharing the per-value work of each chunk (``|x|``, threshold filter, logs,
        sums). Default: the CPUs this process may use (:func:`default_threads`). The result
        does not depend on it beyond float64 rounding of the log sums.
    prefetch : bool
        For arrays and memmaps, fault in the next chunk's pages on a helper thread while the
        current chunk is processed.

    Returns
    -------
    (TailSketch, LogMomentSketch)
        Pass either to :func:`~stablecheck.tail_index` (order-statistic methods read the
        first, ``logmoment``/``mohammadi`` the second). The result equals feeding every chunk
        to each sketch's own ``update``.

    Examples
    --------
    >>> import numpy as np
    >>> import stablecheck as sc
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_cauchy(100_000).astype(np.float32)
    >>> ts, lm = sc.tail_sketches(x, k_max=5_000, k1=316)
    >>> round(sc.tail_index(ts, k=1000).alpha, 1), round(sc.tail_index(lm, method="logmoment").alpha, 1)
    (1.0, 1.0)
    """
    k_max = check_int("k_max", k_max, min=11)
    threads = default_threads() if threads is None else check_int("threads", threads,
                                                                   min=1, max=64)
    chunk = max(STREAM_CHUNK, threads << 18) if chunk is None else check_int(
        "chunk", chunk, min=1024)
    prefetch = check_bool("prefetch", prefetch)
    ks = [int(check_int("k1", v, min=2)) for v in np.atleast_1d(np.asarray(k1, dtype=object))
          ] if np.size(k1) else []
    ts = TailSketch(k_max)
    lm = LogMomentSketch(k1=tuple(ks))
    if isinstance(x, (str, os.PathLike)):
        dt = np.dtype(dtype)
        if dt.kind not in "iuf":
            raise TypeError(f"`dtype` must be a numeric dtype; got {dt}.")
        work = _Pass(ts, lm, threads)
        try:
            with ThreadPoolExecutor(max_workers=1) as pool:
                for c in raw_chunks(os.fspath(x), dt, chunk, pool):
                    feed(c, ts, lm, work)
                    del c
                work.finish()
        finally:
            work.close()
        return ts, lm
    src = as_source(x, chunk=chunk)
    if src.ndim != 1:
        raise ValueError("tail_sketches needs 1-D data; got rows of vectors (use "
                         "LogMomentSketch(dim=d) for the vector Mohammadi estimator).")
    chunks = src.chunks()
    work = _Pass(ts, lm, threads)
    try:
        if prefetch and src.array is not None:
            with ThreadPoolExecutor(max_workers=1) as pool:
                for c in _prefetched(iter(chunks), pool):
                    feed(c, ts, lm, work)
        else:
            for c in chunks:
                feed(c, ts, lm, work)
        work.finish()
    finally:
        work.close()
    return ts, lm
