"""Compiled (numba) per-point evaluation of the fast table's tensor-product quintic spline.

A scalar transcription of ``_table._basis`` (Cox-de Boor, with the degree-K derivative from the
degree K - 1 values) and ``StableTable._mixed`` (6 x 6 x 6 coefficients per point): the numpy
path gathers an (n, 216) block of coefficients per chunk and contracts it with einsum, which
dominates the per-point (alpha, beta) cost; here each point reads its 216 coefficients in
place.  Same arithmetic up to the summation order (agreement to rounding is checked in
``tests/stable/test_table.py``).

Importing this module imports numba; ``_table`` does so lazily and falls back to the numpy
path when numba is absent (optional extra ``fast``) or ``STABLECHECK_NO_NUMBA=1``.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["eval_jit", "eval1d_jit", "fixed_jit"]

_K = 5


@numba.njit(cache=True, inline="always")
def _basis(t, x, w, dw, prev, left, right, want_d):
    """First non-zero basis index; fills ``w`` (and ``dw``) with the K + 1 values at ``x``."""
    n_coef = t.size - _K - 1
    lo, hi = 0, t.size
    while lo < hi:  # searchsorted(t, x, side="right")
        mid = (lo + hi) // 2
        if t[mid] <= x:
            lo = mid + 1
        else:
            hi = mid
    i = lo - 1
    if i < _K:
        i = _K
    if i > n_coef - 1:
        i = n_coef - 1
    w[0] = 1.0
    for j in range(1, _K + 1):
        if j == _K:
            for r in range(_K):
                prev[r] = w[r]
        left[j] = x - t[i + 1 - j]
        right[j] = t[i + j] - x
        saved = 0.0
        for r in range(j):
            temp = w[r] / (right[r + 1] + left[j - r])
            w[r] = saved + right[r + 1] * temp
            saved = left[j - r] * temp
        w[j] = saved
    if want_d:
        for r in range(_K + 1):
            jj = i - _K + r
            term = 0.0
            if r >= 1:
                term += prev[r - 1] / (t[jj + _K] - t[jj])
            if r <= _K - 1:
                term -= prev[r] / (t[jj + _K + 1] - t[jj + 1])
            dw[r] = _K * term
    return i - _K


@numba.njit(cache=True)
def eval_jit(coef, t_s, t_a, t_b, s, a, bb, want_grad):
    """Spline value and (if ``want_grad``) d/ds, d/dalpha, d/db at each point."""
    n = s.size
    val = np.empty(n)
    m = n if want_grad else 0
    d_s, d_a, d_b = np.empty(m), np.empty(m), np.empty(m)
    ws, wa, wb = np.empty(_K + 1), np.empty(_K + 1), np.empty(_K + 1)
    dws, dwa, dwb = np.zeros(_K + 1), np.zeros(_K + 1), np.zeros(_K + 1)
    prev, left, right = np.empty(_K + 1), np.empty(_K + 1), np.empty(_K + 1)
    for k in range(n):
        i_s = _basis(t_s, s[k], ws, dws, prev, left, right, want_grad)
        i_a = _basis(t_a, a[k], wa, dwa, prev, left, right, want_grad)
        i_b = _basis(t_b, bb[k], wb, dwb, prev, left, right, want_grad)
        v = 0.0
        vs = 0.0
        va = 0.0
        vb = 0.0
        for r in range(_K + 1):
            hr = 0.0
            hra = 0.0
            hrb = 0.0
            for p in range(_K + 1):
                hp = 0.0
                hpb = 0.0
                for q in range(_K + 1):
                    c = coef[i_s + r, i_a + p, i_b + q]
                    hp += c * wb[q]
                    if want_grad:
                        hpb += c * dwb[q]
                hr += hp * wa[p]
                if want_grad:
                    hra += hp * dwa[p]
                    hrb += hpb * wa[p]
            v += hr * ws[r]
            if want_grad:
                vs += hr * dws[r]
                va += hra * ws[r]
                vb += hrb * ws[r]
        val[k] = v
        if want_grad:
            d_s[k] = vs
            d_a[k] = va
            d_b[k] = vb
    return val, d_s, d_a, d_b


@numba.njit(cache=True)
def eval1d_jit(t, c, c_a, c_b, s, want_grad):
    """One (alpha, beta): the 1-D splines in s (value, d/dalpha, d/db coefficients contracted
    beforehand) and d/ds of the value at each point."""
    n = s.size
    val = np.empty(n)
    m = n if want_grad else 0
    d_s, d_a, d_b = np.empty(m), np.empty(m), np.empty(m)
    w, dw = np.empty(_K + 1), np.zeros(_K + 1)
    prev, left, right = np.empty(_K + 1), np.empty(_K + 1), np.empty(_K + 1)
    for k in range(n):
        i = _basis(t, s[k], w, dw, prev, left, right, want_grad)
        v = 0.0
        for r in range(_K + 1):
            v += c[i + r] * w[r]
        val[k] = v
        if want_grad:
            vs = 0.0
            va = 0.0
            vb = 0.0
            for r in range(_K + 1):
                vs += c[i + r] * dw[r]
                va += c_a[i + r] * w[r]
                vb += c_b[i + r] * w[r]
            d_s[k] = vs
            d_a[k] = va
            d_b[k] = vb
    return val, d_s, d_a, d_b


@numba.njit(cache=True)
def fixed_jit(t, coefs, consts, z, want_grad):
    """One (alpha, beta), the whole of ``StableTable._std``: reflection, the spline in s
    (``coefs`` rows 0-2 for z >= 0, 3-5 for z < 0: value, d/dalpha, d/db), the lead term and
    the power-law continuation beyond z_max.  Returns log f and d/dz, d/dalpha, d/dbeta."""
    a, b, lpc_p, lpc_m, da_c, c, z_max, inv_1mb2, l2sp = (
        consts[0], consts[1], consts[2], consts[3], consts[4], consts[5], consts[6], consts[7],
        consts[8])
    n = z.size
    val = np.empty(n)
    m = n if want_grad else 0
    d_z, d_a, d_b = np.empty(m), np.empty(m), np.empty(m)
    w, dw = np.empty(_K + 1), np.zeros(_K + 1)
    prev, left, right = np.empty(_K + 1), np.empty(_K + 1), np.empty(_K + 1)
    for k in range(n):
        refl = z[k] < 0.0
        zr = abs(z[k])
        g = 3 if refl else 0
        lpc = lpc_m if refl else lpc_p
        br = -b if refl else b
        far = zr > z_max
        zc = z_max if far else zr
        i = _basis(t, np.arcsinh(zc / c), w, dw, prev, left, right, want_grad)
        v = 0.0
        for r in range(_K + 1):
            v += coefs[g, i + r] * w[r]
        z2 = zc * zc
        l1z = np.log1p(z2)
        lg = -0.25 * z2 - l2sp
        lp = lpc - 0.5 * (1.0 + a) * l1z
        mx = max(lg, lp)
        lead = mx + np.log(np.exp(lg - mx) + np.exp(lp - mx))
        logr = np.log(zr / z_max) if far else 0.0
        val[k] = v + lead - (1.0 + a) * logr
        if want_grad:
            vs = 0.0
            va = 0.0
            vb = 0.0
            for r in range(_K + 1):
                vs += coefs[g, i + r] * dw[r]
                va += coefs[g + 1, i + r] * w[r]
                vb += coefs[g + 2, i + r] * w[r]
            wt = np.exp(lp - lead)
            if far:
                dz = -(1.0 + a) / zr
            else:
                dz = vs / np.hypot(zr, c) + (1.0 - wt) * (-0.5 * zc) + \
                    wt * (-(1.0 + a) * zc / (1.0 + z2))
            sign = -1.0 if refl else 1.0
            d_z[k] = sign * dz
            d_a[k] = va + wt * (da_c - 0.5 * l1z) - logr
            d_b[k] = sign * (vb * inv_1mb2 + wt / (1.0 + br))
    return val, d_z, d_a, d_b
