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

import math

import numba
import numpy as np

__all__ = ["eval_jit", "eval1d_jit", "fixed_jit", "mixed_jit"]

_K = 5
#: reassociation (the 6-term dot products vectorise) but IEEE inf/nan semantics kept
_FAST = {"reassoc", "contract", "nsz", "arcp"}


@numba.njit(cache=True, inline="always")
def _bucket(gp, nbk, x):
    """Guide bucket of ``x`` (uniform buckets over the knot span, clamped; NaN -> 0)."""
    j = (x - gp[0]) * gp[1]
    return 0 if not j > 0.0 else (nbk - 1 if j >= nbk - 1 else int(j))


@numba.njit(cache=True, inline="always")
def _lead(zc, lpc, a, l2sp):
    """The lead term log(N(0, 2) density + c+ (1 + z^2)^(-(1+a)/2)) at ``zc`` >= 0, with
    ``lpc`` = log c+ (``_table.lead_term``). Returns (lead, lp, l1z): lp is the power part."""
    z2 = zc * zc
    l1z = math.log1p(z2)
    lg = -0.25 * z2 - l2sp
    lp = lpc - 0.5 * (1.0 + a) * l1z
    lead = lp + math.log1p(math.exp(lg - lp)) if lp > lg else lg + math.log1p(math.exp(lp - lg))
    return lead, lp, l1z


@numba.njit(cache=True, inline="always")
def _basis(ax, x, w, dw, prev, want_d):
    """First non-zero basis index; fills ``w`` (and ``dw``) with the K + 1 values at ``x``.

    ``ax`` is an axis bundle from ``_table.axis_bundle``: the knots ``t``, the reciprocal knot
    spans ``rc[j, m] = 1 / (t[m + j] - t[m])`` (so Cox-de Boor multiplies instead of
    dividing), and a guide table over uniform buckets of the knot span that gives the knot
    interval in O(1) (a binary search's unpredictable branches cost more than the basis).
    """
    t, rc, guide, gp = ax
    n_coef = t.size - _K - 1
    i = guide[_bucket(gp, guide.size, x)]  # the last knot <= the bucket's start (<= x when x is inside the span)
    while i + 1 < t.size and t[i + 1] <= x:  # = searchsorted(t, x, side="right") - 1
        i += 1
    if i < _K:
        i = _K
    if i > n_coef - 1:
        i = n_coef - 1
    w[0] = 1.0
    for j in range(1, _K + 1):
        if j == _K:
            for r in range(_K):
                prev[r] = w[r]
        saved = 0.0
        for r in range(j):
            m = i + r + 1 - j
            temp = w[r] * rc[j, m]
            w[r] = saved + (t[i + r + 1] - x) * temp
            saved = (x - t[m]) * temp
        w[j] = saved
    if want_d:
        for r in range(_K + 1):
            jj = i - _K + r
            term = 0.0
            if r >= 1:
                term += prev[r - 1] * rc[_K, jj]
            if r <= _K - 1:
                term -= prev[r] * rc[_K, jj + 1]
            dw[r] = _K * term
    return i - _K


@numba.njit(cache=True)
def eval_jit(coef, ax_s, ax_a, ax_b, s, a, bb, want_grad):
    """Spline value and (if ``want_grad``) d/ds, d/dalpha, d/db at each point."""
    n = s.size
    val = np.empty(n)
    m = n if want_grad else 0
    d_s, d_a, d_b = np.empty(m), np.empty(m), np.empty(m)
    ws, wa, wb = np.empty(_K + 1), np.empty(_K + 1), np.empty(_K + 1)
    dws, dwa, dwb = np.zeros(_K + 1), np.zeros(_K + 1), np.zeros(_K + 1)
    prev = np.empty(_K + 1)
    for k in range(n):
        i_s = _basis(ax_s, s[k], ws, dws, prev, want_grad)
        i_a = _basis(ax_a, a[k], wa, dwa, prev, want_grad)
        i_b = _basis(ax_b, bb[k], wb, dwb, prev, want_grad)
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
def eval1d_jit(ax, c, c_a, c_b, s, want_grad):
    """One (alpha, beta): the 1-D splines in s (value, d/dalpha, d/db coefficients contracted
    beforehand) and d/ds of the value at each point."""
    n = s.size
    val = np.empty(n)
    m = n if want_grad else 0
    d_s, d_a, d_b = np.empty(m), np.empty(m), np.empty(m)
    w, dw = np.empty(_K + 1), np.zeros(_K + 1)
    prev = np.empty(_K + 1)
    for k in range(n):
        i = _basis(ax, s[k], w, dw, prev, want_grad)
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
def fixed_jit(ax, coefs, consts, z, want_grad):
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
    prev = np.empty(_K + 1)
    for k in range(n):
        refl = z[k] < 0.0
        zr = abs(z[k])
        g = 3 if refl else 0
        lpc = lpc_m if refl else lpc_p
        br = -b if refl else b
        far = zr > z_max
        zc = z_max if far else zr
        i = _basis(ax, np.arcsinh(zc / c), w, dw, prev, want_grad)
        v = 0.0
        for r in range(_K + 1):
            v += coefs[g, i + r] * w[r]
        lead, lp, l1z = _lead(zc, lpc, a, l2sp)
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
                    wt * (-(1.0 + a) * zc / (1.0 + zc * zc))
            sign = -1.0 if refl else 1.0
            d_z[k] = sign * dz
            d_a[k] = va + wt * (da_c - 0.5 * l1z) - logr
            d_b[k] = sign * (vb * inv_1mb2 + wt / (1.0 + br))
    return val, d_z, d_a, d_b


def _prefetch_intrinsic():
    """``prefetch(arr, i)``: a read prefetch of ``arr.flat[i]`` (LLVM ``llvm.prefetch``), or a
    no-op where this numba/llvmlite cannot lower it (checked once by compiling a probe)."""
    try:
        from llvmlite import ir
        from numba import types
        from numba.extending import intrinsic

        @intrinsic
        def prefetch(typingctx, arr, idx):
            def codegen(context, builder, signature, args):
                ary = context.make_array(signature.args[0])(context, builder, args[0])
                i8p = ir.IntType(8).as_pointer()
                ptr = builder.bitcast(builder.gep(ary.data, [args[1]]), i8p)
                i32 = ir.IntType(32)
                fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
                name = "llvm.prefetch.p0i8"
                fn = builder.module.globals.get(name) or ir.Function(builder.module, fnty, name)
                builder.call(fn, [ptr, i32(0), i32(3), i32(1)])  # read, high locality, data
                return context.get_dummy_value()
            return types.void(arr, idx), codegen

        @numba.njit
        def _probe(a):
            prefetch(a, 1)
            return a[1]

        _probe(np.zeros(2))
        return prefetch
    except Exception:  # noqa: BLE001 - any lowering failure: run without prefetching
        @numba.njit(inline="always")
        def prefetch(arr, idx):
            return None
        return prefetch


prefetch = _prefetch_intrinsic()
#: points per prefetch batch: bases and knot indices of B points first (their 36 coefficient
#: rows each prefetched), then their contractions; the rows of one point are scattered over
#: a 19 MB array, and one point's ~600 instructions fill the reorder buffer before the next
#: point's loads would issue (measured ~10% per point on the 2-core development VM)
_BATCH = 32


@numba.njit(cache=True, inline="always")
def _bucket_pass(v, ax, order, merge):
    """``order`` stably re-sorted by the guide bucket of ``v`` on axis ``ax``, ``merge``
    adjacent buckets taken as one (counting sort)."""
    guide, gp = ax[2], ax[3]
    nbk = guide.size
    n = order.size
    bk = np.empty(n, np.int64)
    cnt = np.zeros(nbk + 1, np.int64)
    for q in range(n):
        g = _bucket(gp, nbk, v[order[q]]) // merge
        bk[q] = g
        cnt[g + 1] += 1
    for g in range(nbk):
        cnt[g + 1] += cnt[g]
    out = np.empty(n, np.int64)
    for q in range(n):
        out[cnt[bk[q]]] = order[q]
        cnt[bk[q]] += 1
    return out


@numba.njit(cache=True, fastmath=_FAST)
def mixed_jit(coef, ax_s, ax_a, ax_b, consts, z, a, b):
    """Per-point (alpha, beta), log f only: the whole of ``StableTable._std`` in one compiled
    pass (reflection, s = asinh(z / c), b = atanh(beta), the 6 x 6 x 6 contraction, the lead
    term, the power-law continuation beyond z_max), with no per-point temporaries.

    Points are visited in order of s, then alpha (radix sort on the axes' guide buckets):
    neighbours in that order read the same six (alpha, b) slabs of coefficients and often the
    same alpha rows, which then stay in cache (measured 0.57 -> 0.46-0.50 us per point on
    1e4 random points against input order; the output is in input order)."""
    c, z_max, l2sp, lpi = consts[0], consts[1], consts[2], consts[3]
    na, nb = coef.shape[1], coef.shape[2]
    flat = coef.ravel()
    n = z.size
    # s of every point, and the visiting order: by s, then alpha (an LSD radix sort with two
    # stable counting passes over the axes' guide buckets)
    sv = np.empty(n)
    for k in range(n):
        zr = abs(z[k])
        sv[k] = math.asinh((z_max if zr > z_max else zr) / c)
    order = np.arange(n)
    order = _bucket_pass(a, ax_a, order, 1)
    order = _bucket_pass(sv, ax_s, order, 4)  # ~ one knot interval per group
    W = np.empty((_BATCH, 3, _K + 1))
    base = np.empty(_BATCH, np.int64)
    prev = np.empty(_K + 1)
    out = np.empty(n)
    for k0 in range(0, n, _BATCH):
        m = min(_BATCH, n - k0)
        for q in range(m):
            k = order[k0 + q]
            br = -b[k] if z[k] < 0.0 else b[k]
            w = W[q]
            i_s = _basis(ax_s, sv[k], w[0], w[0], prev, False)
            i_a = _basis(ax_a, a[k], w[1], w[1], prev, False)
            i_b = _basis(ax_b, math.atanh(br), w[2], w[2], prev, False)
            o0 = (i_s * na + i_a) * nb + i_b
            base[q] = o0
            for r in range(_K + 1):
                for p in range(_K + 1):
                    o = o0 + (r * na + p) * nb
                    prefetch(flat, o)
                    prefetch(flat, o + _K)
        for q in range(m):
            k = order[k0 + q]
            w = W[q]
            v = 0.0
            for r in range(_K + 1):
                hr = 0.0
                for p in range(_K + 1):
                    o = base[q] + (r * na + p) * nb
                    hp = ((flat[o] * w[2, 0] + flat[o + 1] * w[2, 1])
                          + (flat[o + 2] * w[2, 2] + flat[o + 3] * w[2, 3])
                          + (flat[o + 4] * w[2, 4] + flat[o + 5] * w[2, 5]))
                    hr += hp * w[1, p]
                v += hr * w[0, r]
            ak = a[k]
            zr = abs(z[k])
            br = -b[k] if z[k] < 0.0 else b[k]
            far = zr > z_max
            zc = z_max if far else zr
            lpc = (math.log1p(br) + math.lgamma(1.0 + ak)
                   + math.log(math.sin(0.5 * math.pi * ak)) - lpi)
            lead = _lead(zc, lpc, ak, l2sp)[0]
            logr = math.log(zr / z_max) if far else 0.0
            out[k] = v + lead - (1.0 + ak) * logr
    return out
