"""Compiled (numba) parts of the shared-grid engine (``_shared``), point by point.

The same sums as the numpy code in ``_shared`` (``_sums_numpy``, ``_moments_numpy``): one
loop over each point's window of nodes instead of a padded 2-D gather, and the series below
the window from the moments. Optional like ``_numerics_jit``.
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["window_sums", "moments"]

_JIT = dict(cache=True, error_model="numpy", fastmath=False)


@numba.njit(**_JIT)
def _sums(Ls, jl, jh, w, ratio, h, Q, Sh, coef, want_cdf, pdf, icdf, jcdf):
    K = coef.size - 2  # series terms k = 0..K
    for i in range(Ls.size):
        L = Ls[i]
        j0 = jl[i]
        G0 = math.exp(L + w[j0])
        # below the window: sums of g^m h from the moments, times (-1)^k / k!
        sp = 0.0
        si = 0.0
        sj = 0.0
        p = 1.0  # G0^k
        for k in range(K + 1):
            q0 = Q[k, j0] * p
            q1 = Q[k + 1, j0] * p * G0
            sp += coef[k] * q1
            if want_cdf:
                si += coef[k] * q0
                if k >= 1:
                    sj -= coef[k] * q0
            p *= G0
        G = G0
        for j in range(j0, jh[i]):
            # G >= e^-1 in the window (S_CUT = -1): 1 - e^{-G} loses at most ~2 ulp
            eg = math.exp(-G)
            hj = h[j]
            sp += G * eg * hj
            if want_cdf:
                si += eg * hj
                sj += (1.0 - eg) * hj
            G *= ratio[j]  # exp(w_{j+1} - w_j): one exp per node
        pdf[i] = sp
        if want_cdf:
            icdf[i] = si
            jcdf[i] = sj + Sh[jh[i]]


@numba.njit(**_JIT)
def _moments(w, h, q):
    m_count = q.shape[0]
    n = w.size
    for j in range(n):
        d = (w[j] - w[j + 1]) if j + 1 < n else 0.0
        r = math.exp(d)
        f = 1.0
        for m in range(m_count):
            q[m, j + 1] = (q[m, j] + h[j]) * f
            f *= r


def moments(w, h, m_count):
    """Q[m, j] = sum_{i<j} h_i exp(m (w_i - w_j)), m = 0..m_count-1, j = 0..len(w)."""
    q = np.zeros((m_count, w.size + 1))
    _moments(w, h, q)
    return q


def window_sums(Ls, jl, jh, w, ratio, h, Q, Sh, want_cdf):
    """Per point: sums of g e^{-g} h, e^{-g} h and (1 - e^{-g}) h over all nodes."""
    from ._shared import _COEF
    n = Ls.size
    out = [np.empty(n) for _ in range(3)]
    c = np.ascontiguousarray
    _sums(c(Ls, dtype=np.float64), c(jl, dtype=np.int64), c(jh, dtype=np.int64), w, ratio, h, Q, Sh,
          _COEF, bool(want_cdf), *out)
    return out
