"""Build a sketch over a ``dask.array``: ``update`` per block on the workers, a balanced
tree of ``merge`` in stream order, the finished state sent back to the client.

Tasks receive and return plain sketch states (dicts of small numpy arrays), never closures
over data. Order-insensitive sketches (TailSketch, MomentSketch, LogMomentSketch without
block lengths) are one map + tree-merge. LogMomentSketch with block lengths ``K1`` needs the
position of every block boundary in the stream of usable values, which zeros and non-finite
values shift; it takes a cheap counting pass, then one pass of aligned segments (see the
comment above :func:`_segment`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._sketch import Sketch, sketch_from_state
from ..tail import _fastlog
from ..tail._sketches import LogMomentSketch, _chan, _moments
from ._array import import_dask

__all__ = ["sketch_dask", "stream_blocks", "block_counts"]

#: values fed to a sketch per ``update`` call inside a task
PIECE = 1 << 20


def stream_blocks(darr) -> list:
    """The blocks of ``darr`` as delayed objects, in stream (row-major pooled) order.

    1-D arrays: their blocks. 2-D arrays: columns are first merged into one block per row
    range (so a block is whole rows and flattening blocks in order is the row-major stream).
    """
    if darr.ndim == 2 and len(darr.chunks[1]) > 1:
        darr = darr.rechunk({1: -1})
    if darr.ndim not in (1, 2):
        raise ValueError(f"a dask.array for the sketches must be 1-D or 2-D; got {darr.ndim}-D.")
    return list(darr.to_delayed().ravel())


def _update(proto: dict, block: np.ndarray) -> dict:
    """Feed one block in pieces of ``PIECE`` values, in order.

    Same state as one ``update`` (the protocol guarantees chunking does not matter), but a
    TailSketch's threshold filter starts working after the first piece instead of pushing a
    whole 64 MB block through its candidate buffers.
    """
    sk = sketch_from_state(proto)
    x = np.asarray(block)
    width = int(np.prod(x.shape[1:], dtype=np.int64)) if x.ndim > 1 else 1
    rows = max(1, PIECE // max(width, 1))
    for i in range(0, max(x.shape[0], 1), rows):
        sk.update(x[i:i + rows])
    return sk.state()


def _merge(a: dict, b: dict) -> dict:
    return sketch_from_state(a).merge(sketch_from_state(b)).state()


def _tree(parts: list, fn: Callable) -> Any:
    """Balanced pairwise tree (left before right: stream order kept), as in merge_sketches."""
    import dask

    merge = dask.delayed(fn, pure=True)
    while len(parts) > 1:
        nxt = [merge(parts[i], parts[i + 1]) for i in
               range(0, len(parts) - 1, 2)]
        if len(parts) % 2:
            nxt.append(parts[-1])
        parts = nxt
    return parts[0]


def _compute(obj: Any, client: Any) -> Any:
    import dask

    if client is not None:
        return client.compute(obj).result()
    return dask.compute(obj)[0]


def sketch_dask(factory: Callable[[], Sketch] | Sketch, darr, *, client: Any = None,
                counts: np.ndarray | None = None) -> Sketch:
    """Build ``factory()``'s sketch over every value of the dask array ``darr``.

    Parameters
    ----------
    factory : callable or Sketch
        Returns an empty sketch (its state is what travels to the workers).
    darr : dask.array.Array
        1-D values, or 2-D ``(rows, d)`` for row sketches; blocks are taken in stream order.
    client : distributed.Client, optional
        Defaults to dask's current scheduler (a default ``Client`` if one exists).
    counts : ndarray, optional
        Usable values per block (:func:`block_counts`) when already known; spares the
        LogMomentSketch-with-``K1`` path its first pass.

    Returns
    -------
    Sketch
        Equal to feeding the blocks in order to one sketch: exactly for order statistics and
        counts, to float64 rounding (~1e-13 relative) for merged moment sums.
    """
    da = import_dask()
    if not isinstance(darr, da.Array):
        raise TypeError(f"`darr` must be a dask.array; got {type(darr).__name__}.")
    proto = factory if isinstance(factory, Sketch) else factory()
    if isinstance(proto, LogMomentSketch) and proto.k1.size:
        return _logmoment_blocks(proto, darr, client, counts)
    import dask

    state = proto.state()
    upd = dask.delayed(_update, pure=True)
    parts = [upd(state, b) for b in stream_blocks(darr)]
    if not parts:
        return proto
    return sketch_from_state(_compute(_tree(parts, _merge), client))


# -------------------------------------------------------------------------------------
# LogMomentSketch with block lengths: segments with known offsets
# -------------------------------------------------------------------------------------
#
# Pass 1 gives each block's count of usable values (finite, non-zero). Pass 2 hands each block its offset o_j = (usable values before it) mod K1 for
# every K1 and returns a *segment*: the head (values before the first block boundary inside
# it), the complete blocks after that boundary (moments of log|Y|, sum of log|x|), and the
# tail (values after the last boundary). Segments merge associatively in stream order: the
# left tail and the right head form exactly one complete block. The root segment starts at
# offset 0, so its head is empty and its tail is the final carry. Segments also carry the
# plain log|x| moments and the zero / non-finite counts, merged as the sketch merges them.

def _usable(proto_state: dict, block: np.ndarray):
    """Rows/values that the LogMomentSketch keeps, their log|x| (same code path), and the
    counts of non-finite and zero rows it skips."""
    dim = int(proto_state["dim"])
    x = np.asarray(block)
    if x.dtype.kind in "iu" or x.dtype == np.float16:
        x = x.astype(np.float64)
    if dim == 1:
        x = x.reshape(-1)
        n0 = x.size
        x = x[np.isfinite(x)]
        n1 = x.size
        x = x[x != 0]
        if _fastlog.usable(x):  # float32 with numba: the in-memory sketch's log kernel
            return x, _fastlog.log_abs_f32(x), n0 - n1, n1 - x.size
        return x, np.log(np.abs(x)), n0 - n1, n1 - x.size
    x = x.reshape(-1, dim)
    n0 = x.shape[0]
    x = x[np.isfinite(x).all(axis=1)]
    n1 = x.shape[0]
    nrm = np.sqrt(np.einsum("ij,ij->i", x, x, dtype=np.float64))
    nz = nrm > 0
    return x[nz], np.log(nrm[nz]), n0 - n1, n1 - int(np.count_nonzero(nz))


def _log_abs_y(y: np.ndarray, dim: int) -> np.ndarray:
    y = y.reshape(-1, dim)
    ny = np.sqrt(np.einsum("ij,ij->i", y, y)) if dim > 1 else np.abs(y[:, 0])
    with np.errstate(divide="ignore"):
        return np.log(ny)


def _segment(proto_state: dict, offsets: np.ndarray, block: np.ndarray) -> dict:
    k1 = np.asarray(proto_state["k1"], dtype=np.int64)
    dim = int(proto_state["dim"])
    rows, logx, nonfin, zeros = _usable(proto_state, block)
    m = logx.size
    out = {"head_n": np.zeros(k1.size, np.int64), "head_sum": np.zeros((k1.size, dim)),
           "head_logx": np.zeros(k1.size), "bnd": np.zeros(k1.size, bool),
           "blk": np.zeros((k1.size, 3)), "blk_sumlogx": np.zeros(k1.size),
           "tail_n": np.zeros(k1.size, np.int64), "tail_sum": np.zeros((k1.size, dim)),
           "tail_logx": np.zeros(k1.size)}
    for j, K1 in enumerate(k1.tolist()):
        h = (K1 - int(offsets[j])) % K1
        h = min(h, m) if h > m else h
        out["head_n"][j] = h
        out["head_sum"][j] = rows[:h].reshape(h, dim).sum(axis=0, dtype=np.float64)
        out["head_logx"][j] = float(np.sum(logx[:h], dtype=np.float64))
        if (K1 - int(offsets[j])) % K1 > m:
            continue  # no boundary inside this block: all of it is head
        out["bnd"][j] = True
        nfull = (m - h) // K1
        end = h + nfull * K1
        if nfull:
            y = rows[h:end].reshape(nfull, K1, dim).sum(axis=1, dtype=np.float64)
            out["blk"][j] = _moments(_log_abs_y(y, dim))
            out["blk_sumlogx"][j] = float(np.sum(logx[h:end], dtype=np.float64))
        rest = m - end
        out["tail_n"][j] = rest
        out["tail_sum"][j] = rows[end:].reshape(rest, dim).sum(axis=0, dtype=np.float64)
        out["tail_logx"][j] = float(np.sum(logx[end:], dtype=np.float64))
    out["k1"] = k1
    out["dim"] = dim
    out["log"] = np.asarray(_moments(logx))
    out["n_zero"], out["n_nonfinite"] = zeros, nonfin
    return out


def _seg_merge(a: dict, b: dict) -> dict:
    k1, dim = a["k1"], a["dim"]
    out = {key: np.array(v, copy=True) for key, v in a.items() if key not in ("k1", "dim")}
    out["k1"], out["dim"] = k1, dim
    out["log"] = np.asarray(_chan(tuple(a["log"]), tuple(b["log"])))
    out["n_zero"] = a["n_zero"] + b["n_zero"]
    out["n_nonfinite"] = a["n_nonfinite"] + b["n_nonfinite"]
    for j, K1 in enumerate(k1.tolist()):
        if not a["bnd"][j]:  # a is all head: prepend it to b
            out["head_n"][j] = a["head_n"][j] + b["head_n"][j]
            out["head_sum"][j] = a["head_sum"][j] + b["head_sum"][j]
            out["head_logx"][j] = a["head_logx"][j] + b["head_logx"][j]
            for key in ("bnd", "blk", "blk_sumlogx", "tail_n", "tail_sum", "tail_logx"):
                out[key][j] = b[key][j]
            continue
        if not b["bnd"][j]:  # b is all head: it extends a's tail
            out["tail_n"][j] = a["tail_n"][j] + b["head_n"][j]
            out["tail_sum"][j] = a["tail_sum"][j] + b["head_sum"][j]
            out["tail_logx"][j] = a["tail_logx"][j] + b["head_logx"][j]
            continue
        jn = int(a["tail_n"][j] + b["head_n"][j])
        blk = tuple(a["blk"][j])
        s = a["blk_sumlogx"][j]
        if jn == K1:
            y = a["tail_sum"][j] + b["head_sum"][j]
            blk = _chan(blk, _moments(_log_abs_y(y, dim)))
            s = s + a["tail_logx"][j] + b["head_logx"][j]
        elif jn:
            raise RuntimeError(f"internal: K1={K1} segments misaligned ({jn} values at a "
                               "junction).")
        out["blk"][j] = _chan(blk, tuple(b["blk"][j]))
        out["blk_sumlogx"][j] = s + b["blk_sumlogx"][j]
        for key in ("tail_n", "tail_sum", "tail_logx"):
            out[key][j] = b[key][j]
    return out


def _count(dim: int, block: np.ndarray) -> int:
    """Usable (finite, non-zero) values or rows of one block: the cheap first pass."""
    a = np.asarray(block)
    if dim == 1:
        a = a.reshape(-1)
        return int(np.count_nonzero(np.isfinite(a) & (a != 0)))
    a = a.reshape(-1, dim)
    return int(np.count_nonzero(np.isfinite(a).all(axis=1) & (a != 0).any(axis=1)))


def block_counts(darr, dim: int, client: Any = None) -> np.ndarray:
    """Usable values (rows for ``dim > 1``) per block of ``darr``, in stream order."""
    import dask

    cnt = dask.delayed(_count, pure=True)
    return np.asarray(_compute([cnt(dim, b) for b in stream_blocks(darr)], client),
                      dtype=np.int64)


def _logmoment_blocks(proto: LogMomentSketch, darr, client: Any,
                      counts: np.ndarray | None = None) -> LogMomentSketch:
    import dask

    blocks = stream_blocks(darr)
    if not blocks:
        return proto
    if counts is None:
        counts = block_counts(darr, proto.dim, client)
    before = np.concatenate([[0], np.cumsum(counts)[:-1]])
    k1 = proto.k1
    seg = dask.delayed(_segment, pure=True)
    segs = [seg(proto.state(), before[i] % k1, b) for i, b in enumerate(blocks)]
    root = _compute(_tree(segs, _seg_merge), client)
    if int(root["log"][0]) != int(counts.sum()):
        raise RuntimeError("internal: usable-value counts changed between the two passes.")
    n = int(darr.shape[0]) if proto.dim > 1 or darr.ndim == 1 else int(darr.size)
    st = proto.state()
    st.update(n=n, n_zero=int(root["n_zero"]), n_nonfinite=int(root["n_nonfinite"]),
              log=np.asarray(root["log"], dtype=np.float64),
              blk_log=np.asarray(root["blk"], dtype=np.float64),
              blk_sumlogx=np.asarray(root["blk_sumlogx"], dtype=np.float64),
              carry_n=np.asarray(root["tail_n"], dtype=np.int64),
              carry_sum=np.asarray(root["tail_sum"], dtype=np.float64),
              carry_logx=np.asarray(root["tail_logx"], dtype=np.float64))
    return LogMomentSketch.from_state(st)
