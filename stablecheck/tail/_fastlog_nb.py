"""The numba kernels of :mod:`._fastlog` (imported on first use: numba costs ~1 s and
~100 MB at import, so ``import stablecheck`` does not pay for it)."""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
from numba import types
from numba.extending import intrinsic

from ._fastlog import _BLOCK, _CACHE, _P


def _bitcast(src: Any, dst: Any) -> Any:
    def impl(typingctx: Any, v: Any) -> Any:
        if src == types.int32 and isinstance(v, types.Integer):
            def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
                x = args[0]
                if v.bitwidth > 32:   # numba widens int32 arithmetic; keep the low bits
                    x = builder.trunc(x, context.get_value_type(types.int32))
                return builder.bitcast(x, context.get_value_type(dst))
            return dst(v), codegen
        if v != src:
            return None

        def codegen2(context: Any, builder: Any, sig: Any, args: Any) -> Any:
            return builder.bitcast(args[0], context.get_value_type(dst))
        return dst(src), codegen2
    return intrinsic(impl)

_as_f32 = _bitcast(types.int32, types.float32)   # no-op reinterpretations LLVM vectorises
_as_i32 = _bitcast(types.float32, types.int32)

_LN2 = 0.6931471805599453
_SQRTH = np.int32(0x3F3504F3)       # bits of float32(√½)
_MINNORM = np.int32(0x00800000)
_INF = np.int32(0x7F800000)
_ABS = np.int32(0x7FFFFFFF)
_opts: dict[str, Any] = dict(nogil=True, cache=_CACHE, error_model="numpy",
                             boundscheck=False, fastmath={"reassoc", "contract"})
c0, c1, c2, c3, c4, c5, c6, c7 = (np.float32(c) for c in _P)

@numba.njit(inline="always", **_opts)
def _log_abs(b: Any) -> Any:
    """The float32 part of log of the float32 whose magnitude bits are ``b`` (finite,
    non-zero): ``(k, f, q)`` with ``log = k·log 2 + f − f²/2 + q`` (see ``_combine``)."""
    i32 = np.int32
    sub = b < _MINNORM
    a = _as_f32(b)
    bb = _as_i32(a * np.float32(8388608.0)) if sub else b   # subnormal: exact 2^23 scale
    e = i32(i32(bb - _SQRTH) >> 23)
    m = _as_f32(i32(bb - i32(e << 23)))
    k = i32(e - (i32(23) if sub else i32(0)))
    f = m - np.float32(1.0)
    p = c7
    p = p * f + c6
    p = p * f + c5
    p = p * f + c4
    p = p * f + c3
    p = p * f + c2
    p = p * f + c1
    p = p * f + c0
    q = (f * f) * (f * p)
    return k, f, q

@numba.njit(inline="always", **_opts)
def _combine(k: Any, f: Any, q: Any) -> Any:
    """log = k·log 2 + f − f²/2 + q, in float64 (f, q float32; k int32)."""
    fd = np.float64(f)
    return np.float64(k) * _LN2 + (fd - 0.5 * fd * fd + np.float64(q))

@numba.njit(**_opts)
def _log_kernel(xi: Any, out: Any) -> None:
    for i in range(xi.size):
        k, f, q = _log_abs(np.int32(xi[i] & _ABS))
        out[i] = _combine(k, f, q)

@numba.njit(**_opts)
def _stats_kernel(xi: Any, cutbits: Any, ends: Any, segx: Any, segl: Any, segl2: Any,
                  cand: Any) -> Any:
    """Per segment ``[ends[s-1], ends[s])``: float64 sums of x, log|x|, log²|x|;
    the values (int32 bits) with ``|x| > cut`` into ``cand``, in order (copied while their
    block is in L1: gathering them later from the chunk costs a cache miss each). Returns
    (n candidates, n zero/inf/NaN)."""
    nc_tot = 0
    nbad = 0
    lo = 0
    kb = np.empty(_BLOCK, dtype=np.int32)
    fb = np.empty(_BLOCK, dtype=np.float32)
    qb = np.empty(_BLOCK, dtype=np.float32)
    for s in range(ends.size):
        hi = ends[s]
        sx = 0.0
        sl = 0.0
        sl2 = 0.0
        j = lo
        while j < hi:
            h = min(j + _BLOCK, hi)
            blk = xi[j:h]
            n = blk.size
            nc = np.int32(0)
            nb = np.int32(0)
            # 1) 32-bit work only (8 lanes): counts and the float32 part of the log
            for t in range(n):      # from 0: no negative-index wraparound code
                b = np.int32(blk[t] & _ABS)
                nc = np.int32(nc + np.int32(b > cutbits))
                bad = (b == 0) | (b >= _INF)
                nb = np.int32(nb + np.int32(bad))
                k, f, q = _log_abs(np.int32(0x3F800000) if bad else b)   # log 1 = 0
                kb[t] = k
                fb[t] = f
                qb[t] = q
            # 2) float64 (4 lanes): finish the logs, the three sums
            for t in range(n):
                L = _combine(kb[t], fb[t], qb[t])
                sx += np.float64(_as_f32(blk[t]))
                sl += L
                sl2 += L * L
            if nc:   # find the 64-value groups with hits (vectorised counts), then a
                # branch-free compaction of those groups: always write, advance on a hit
                for g in range(0, n, 64):
                    grp = blk[g:min(g + 64, n)]
                    hc = np.int32(0)
                    for t in range(grp.size):
                        hc = np.int32(hc + np.int32((grp[t] & _ABS) > cutbits))
                    if hc:
                        for t in range(grp.size):
                            cand[nc_tot] = grp[t]
                            nc_tot += np.int64((grp[t] & _ABS) > cutbits)
            nbad += nb
            j = h
        segx[s] = sx
        segl[s] = sl
        segl2[s] = sl2
        lo = hi
    return nc_tot, nbad
