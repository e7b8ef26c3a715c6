"""Optional numba kernel: one SIMD pass over a float32 chunk for both tail sketches.

Used by :mod:`._stream` and :class:`~._sketches.LogMomentSketch` for float32 data when numba
is importable (extra ``fast``); otherwise the numpy path (``np.log`` in float32, widened to
float64) runs. Per value the kernel computes, branch-free and vectorised (AVX2: 8 float32
lanes), the threshold test ``|x| > cut`` (a count; the values passing it are copied out by
a scalar re-scan of the 64-value groups that have any), the count of zeros/±inf/NaN, and
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

import importlib.util
import os
import sys
from types import ModuleType

import numpy as np

__all__ = ["HAVE_NUMBA", "USE", "usable", "chunk_stats", "log_abs_f32", "LOG_MAX_ABS_ERR",
           "LOG_MAX_REL_ERR", "boot_kernels"]

#: bounds measured exhaustively over [½, 2) (0.18 float32 ulp, 1.54e-8 relative, 5.33e-9
#: absolute) and rounded up; tests/tail/test_fastlog.py re-measures them
LOG_MAX_REL_ERR = 2.0e-8      # |Δ log m| / |log m| over all m in [√½, √2)
LOG_MAX_ABS_ERR = 6.0e-9      # |Δ log|x|| over all finite non-zero float32 x

#: P(f) coefficients, lowest degree first (tests/reference/tail/fit_log_poly.py)
_P = (0.3333332903049032, -0.25000846213122113, 0.20001412357383297, -0.1662275245843411,
      0.14197876634108728, -0.13161605747295074, 0.12786330529280734, -0.07660818946334869)
_BLOCK = 512    # values per vectorised block; blocks with candidates are re-scanned
_CACHE = not os.environ.get("STABLECHECK_NUMBA_NOCACHE")   # for inspecting the assembly

HAVE_NUMBA = importlib.util.find_spec("numba") is not None
#: switch for the kernel path (tests set it to False to run the numpy path)
USE = HAVE_NUMBA


def usable(x: np.ndarray) -> bool:
    """Whether the kernel path applies to chunk ``x``: float32 and numba importable."""
    global USE
    if not (USE and x.dtype == np.float32):
        return False
    try:
        _nb()
    except ImportError:   # pragma: no cover - numba present but broken: numpy path
        USE = False
        return False
    return True


def _nb() -> ModuleType:
    """The compiled kernels (imports numba on first use)."""
    from . import _fastlog_nb
    return _fastlog_nb

#: bootstrap work (elements) from which importing numba (~1 s once) pays for itself
_BOOT_IMPORT_WORK = 1 << 24


def boot_kernels(work: int) -> ModuleType | None:
    """The bootstrap kernels of :mod:`._boot_nb` (bitwise the numpy path's results, faster)
    when numba is usable and either already imported or ``work`` elements justify importing
    it; else None (the caller runs its numpy path)."""
    global USE
    if not USE:
        return None
    if "stablecheck.tail._boot_nb" not in sys.modules and (
            work < _BOOT_IMPORT_WORK and "numba" not in sys.modules):
        return None
    try:
        from . import _boot_nb
    except ImportError:   # pragma: no cover - numba present but broken: numpy path
        USE = False
        return None
    return _boot_nb


def log_abs_f32(x: np.ndarray) -> np.ndarray:
    """float64 ``log|x|`` of finite non-zero float32 ``x`` by the kernel's approximation."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    out = np.empty(x.size, dtype=np.float64)
    _nb()._log_kernel(x.view(np.int32), out)
    return out


def chunk_stats(x: np.ndarray, cutbits: int, ends: np.ndarray, segx: np.ndarray,
                segl: np.ndarray, segl2: np.ndarray, cand: np.ndarray) -> tuple[int, int]:
    """Run the fused kernel on a contiguous float32 chunk (see the module docstring).

    Fills, for each segment ``[ends[s-1], ends[s])`` (``ends`` increasing int64, last =
    ``x.size``), ``segx[s]``, ``segl[s]``, ``segl2[s]`` with the float64 sums of ``x``,
    ``log|x|`` and ``log²|x|``, and writes the values with ``|x| > cut`` (``cutbits``: the
    int32 bits of the float32 ``cut >= 0``), in order, as int32 bits to ``cand`` (int32, size
    ``>= x.size``; view it as float32). Returns the
    number of candidates and of zeros/±inf/NaN; when the latter is non-zero the sums count
    those values as ``log|x| = 0`` and must not be used. Releases the GIL.
    """
    nc, nb = _nb()._stats_kernel(x.view(np.int32), np.int32(cutbits), ends, segx, segl, segl2, cand)
    return int(nc), int(nb)
