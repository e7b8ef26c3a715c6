"""Optional numba kernel: one SIMD pass over a float32 chunk for both tail sketches.

Used by :mod:`._stream` and :class:`~._sketches.LogMomentSketch` for float32 data when numba
is importable (extra ``fast``); otherwise the numpy path (``np.log`` in float32, widened to
float64) runs. Per value the kernel computes, branch-free and vectorised (AVX2: 8 float32
lanes), the threshold test ``|x| > cut`` (a count; positions are collected by a scalar
re-scan of the few 1024-value blocks that have any), the count of zeros/±inf/NaN, and
``log|x|`` with its square, summed in float64 per segment together with ``x`` itself
(segments are cut at every Mohammadi block boundary, so block sums need no second pass).

``log|x|``: with ``b`` the bits of ``|x|`` (subnormals first scaled by 2²³), ``k = (b −
bits(√½)) >> 23`` and ``m = bits⁻¹(b − k·2²³) ∈ [√½, √2)``, ``f = m − 1`` (exact), and
``log|x| = k·log 2 + f − f²/2 + f³·P(f)``. ``P`` (degree 7) is a weighted least-squares fit
to ``(log1p(f) − f + f²/2)/f³`` (script: ``tests/reference/tail/fit_log_poly.py``), evaluated
in float32; everything after it — ``f − f²/2``, ``+ k·log 2``, the sums — is float64. The
error is dominated by the float32 ``f³·P(f)``; measured exhaustively over every float32 in
``[½, 2)`` (which covers all mantissas of both reduction branches) it is at most
:data:`LOG_MAX_REL_ERR` relative to ``log m`` (below one float32 ulp), and the absolute
error of ``log|x|`` is at most :data:`LOG_MAX_ABS_ERR` for every float32 ``x`` — smaller
than numpy's own float32 ``log`` (rounded to float32, so ≈ 2⁻²⁴·|log|x|| absolute).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["HAVE_NUMBA", "USE", "usable", "chunk_stats", "log_abs_f32", "LOG_MAX_ABS_ERR",
           "LOG_MAX_REL_ERR"]

#: bounds measured exhaustively over [½, 2) (0.18 float32 ulp, 1.54e-8 relative, 5.33e-9
#: absolute) and rounded up; tests/tail/test_fastlog.py re-measures them
LOG_MAX_REL_ERR = 2.0e-8      # |Δ log m| / |log m| over all m in [√½, √2)
LOG_MAX_ABS_ERR = 6.0e-9      # |Δ log|x|| over all finite non-zero float32 x

#: P(f) coefficients, lowest degree first (tests/reference/tail/fit_log_poly.py)
_P = (0.3333332903049032, -0.25000846213122113, 0.20001412357383297, -0.1662275245843411,
      0.14197876634108728, -0.13161605747295074, 0.12786330529280734, -0.07660818946334869)
_BLOCK = 512    # values per vectorised block; blocks with candidates are re-scanned
_CACHE = not __import__("os").environ.get("STABLECHECK_NUMBA_NOCACHE")

try:  # pragma: no cover - exercised only where numba is installed
    import numba
    from numba import types
    from numba.extending import intrinsic
except ImportError:  # pragma: no cover
    numba = None

HAVE_NUMBA = numba is not None
#: switch for the kernel path (tests set it to False to run the numpy path)
USE = HAVE_NUMBA


def usable(x: np.ndarray) -> bool:
    """Whether the kernel path applies to chunk ``x``: float32 and numba available."""
    return USE and x.dtype == np.float32

if HAVE_NUMBA:
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
        positions with ``|x| > cut`` into ``cand``. Returns (n candidates, n zero/inf/NaN)."""
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
                                cand[nc_tot] = j + g + t
                                nc_tot += np.int64((grp[t] & _ABS) > cutbits)
                nbad += nb
                j = h
            segx[s] = sx
            segl[s] = sl
            segl2[s] = sl2
            lo = hi
        return nc_tot, nbad


def log_abs_f32(x: np.ndarray) -> np.ndarray:
    """float64 ``log|x|`` of finite non-zero float32 ``x`` by the kernel's approximation."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    out = np.empty(x.size, dtype=np.float64)
    _log_kernel(x.view(np.int32), out)
    return out


def chunk_stats(x: np.ndarray, cutbits: int, ends: np.ndarray, segx: np.ndarray,
                segl: np.ndarray, segl2: np.ndarray, cand: np.ndarray) -> tuple[int, int]:
    """Run the fused kernel on a contiguous float32 chunk (see the module docstring).

    Fills, for each segment ``[ends[s-1], ends[s])`` (``ends`` increasing int64, last =
    ``x.size``), ``segx[s]``, ``segl[s]``, ``segl2[s]`` with the float64 sums of ``x``,
    ``log|x|`` and ``log²|x|``, and writes the positions with ``|x| > cut`` (``cutbits``: the
    int32 bits of the float32 ``cut >= 0``) to ``cand`` (size ``>= x.size``). Returns the
    number of candidates and of zeros/±inf/NaN; when the latter is non-zero the sums count
    those values as ``log|x| = 0`` and must not be used. Releases the GIL.
    """
    nc, nb = _stats_kernel(x.view(np.int32), np.int32(cutbits), ends, segx, segl, segl2, cand)
    return int(nc), int(nb)
