"""numba kernels for the tail-only bootstrap (imported on first use, see
:func:`._fastlog.boot_kernels`).

They take the standard exponentials drawn by numpy's ``Generator`` (so the random stream is
the caller's) and fuse what the numpy path does in several passes — cumulative sum, integer
rank, gather, and for the double bootstrap the moment cumsums and the proxy arithmetic —
into one pass per replicate. Every floating-point operation is the numpy path's, in the
same order (sequential sums, no fast-math, no contraction), so the results are bitwise
identical: the choice of path changes the speed only.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from ._fastlog import _CACHE

_opts: dict[str, Any] = dict(nogil=True, cache=_CACHE, boundscheck=False)


@numba.njit(**_opts)
def poisson_gather(t: Any, logs: Any, out: Any) -> None:
    """``out[r] = logs[clip(floor(cumsum(t[r])), 0, P-1)]`` for every row ``r``."""
    last = logs.size - 1
    for r in range(t.shape[0]):
        s = 0.0
        for j in range(t.shape[1]):
            s += t[r, j]
            i = np.int64(s)
            if i > last:
                i = last
            out[r, j] = logs[i]


@numba.njit(**_opts)
def stage_proxy(t: Any, scale: float, row: Any, ik: Any, out: Any) -> None:
    """The double bootstrap's per-replicate proxy ``d_k = M2*(k) − 2 M1*(k)²`` for
    ``k = 1..kmax`` (``out[r, k-1]``), from the rank gaps ``t`` (``(bb, kmax+1)``) of
    replicates of a population ``row`` thinned by ``scale = n/m`` (see ``_stage_argmin``)."""
    last = row.size - 1
    kmax = out.shape[1]
    L = np.empty(kmax + 1)
    for r in range(t.shape[0]):
        s = 0.0
        for j in range(kmax + 1):
            s += t[r, j]
            v = s * scale if scale != 1.0 else s
            i = np.int64(v)
            if i > last:
                i = last
            L[j] = row[i]
        c1 = 0.0
        c2 = 0.0
        for j in range(kmax):
            c1 += L[j]
            c2 += L[j] * L[j]
            a1 = c1 * ik[j]
            a2 = c2 * ik[j]
            thr = L[j + 1]
            m1 = a1 - thr
            a2 = a2 - ((a1 * 2.0) - thr) * thr
            out[r, j] = a2 - (m1 * m1) * 2.0


@numba.njit(**_opts)
def offer(vals: Any, start: int, thr: Any, stage: Any, fill: Any, limit: Any,
          ninf: Any) -> int:
    """Offer ``vals[start:]`` to the three tails of a :class:`TailSketch`.

    Tail ``t`` (0 = ``|x|``, 1 = ``x⁺``, 2 = ``x⁻`` as a magnitude) appends a value above
    its threshold ``thr[t]`` to ``stage[t, :fill[t]]``; ±inf are counted in ``ninf`` (never
    kept). Stops after the value that brings any ``fill[t]`` to ``limit[t]`` (the caller
    flushes that tail, raising its threshold, and resumes) and returns the next position.
    """
    t0, t1, t2 = thr[0], thr[1], thr[2]
    f0, f1, f2 = fill[0], fill[1], fill[2]
    l0, l1, l2 = limit[0], limit[1], limit[2]
    i = start
    m = vals.size
    while i < m:
        v = np.float64(vals[i])
        i += 1
        if np.isinf(v):
            if v > 0:
                ninf[0] += 1
            else:
                ninf[1] += 1
            continue
        a = abs(v)
        if a > t0:
            stage[0, f0] = a
            f0 += 1
        if v > t1:
            stage[1, f1] = v
            f1 += 1
        elif -v > t2:
            stage[2, f2] = -v
            f2 += 1
        if f0 >= l0 or f1 >= l1 or f2 >= l2:
            break
    fill[0], fill[1], fill[2] = f0, f1, f2
    return i
