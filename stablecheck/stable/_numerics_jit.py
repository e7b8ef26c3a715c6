"""Compiled (numba) kernel of the exact engine's integration step, point by point.

This is a scalar transcription of ``_numerics._integrate`` and ``_Problem.logg``: the same
level sets, the same Newton/bisection safeguards, the same panels (wide ones cut into the same
geometric pieces), 32 Gauss-Legendre nodes each with the same grading, the same
cancellation-free formulas.  Only the evaluation order differs: one point at a time, each level
set iterated until *it* converges (started from the previous root on its side), and no
``np.where`` that evaluates both branches.  The results agree with the numpy path to rounding;
``tests/stable/test_engine_jit.py`` checks the agreement.

Importing this module imports numba; ``_numerics`` does so lazily and falls back to the numpy
path when numba is absent (numba is an optional extra, ``pip install stablecheck[fast]``) or
when ``STABLECHECK_NO_NUMBA=1``.  Compiled code is cached on disk (``cache=True``): the first
call on a machine compiles for ~10 s, later processes load the cache in well under a second.
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["integrate_jit"]

_HALF_PI = math.pi / 2
_NGL = 32
_gx, _gw = np.polynomial.legendre.leggauss(_NGL)
_GL_X = (_gx + 1.0) / 2.0
_GL_W = _gw / 2.0
# x^(k-1) for the gradings k = 1 (plain), _K_WIDE and _K_END
_GL_PW = np.stack([np.ones(_NGL), _GL_X ** 2, _GL_X ** 5])
_LEFT_FRAC = np.linspace(1.0, 0.0, 6)
_RIGHT_OFFSETS = np.array([3.0, 11.0, 39.0])
_LIGHT_OFFSETS = np.array([1.0 / 64, 1.0 / 16, 0.25, 0.5, 1.0, 2.0])
_TINY = 1e-250
_K_END = 6.0
_K_WIDE = 3.0
_N_ITER = 60
_SPLIT_RATIO = 30.0
_MAX_SPLIT = 16
_LOG_FMAX = math.log(np.finfo(float).max)

_JIT = dict(cache=True, error_model="numpy", fastmath=False)


@numba.njit(**_JIT)
def _logg(t, e, one, a, psi, am1, eps_r, kappa, sig, A, lx0, b, ex, tx, cx, x, deriv):
    """(log g, d log g / d theta) at theta = -theta0 + t = pi/2 - e; d only if ``deriv``."""
    right = e <= t
    if right:
        ctheta = math.sin(e)
        stheta = math.cos(e)
        theta = _HALF_PI - e
    else:
        if psi > _HALF_PI:  # t + psi near pi: e = L - t is the exact coordinate
            ctheta = math.sin(e)
            stheta = math.cos(e)
        else:
            ctheta = math.sin(t + psi)
            stheta = -math.cos(t + psi)
        theta = t + psi - _HALF_PI
    tan_th = stheta / ctheta
    if one:
        dth = (ex - e) if right else (t - tx)
        D = math.sin(dth) / (ctheta * cx)
        u = ((1.0 + b) * _HALF_PI - b * e) if right else ((1.0 - b) * _HALF_PI + b * t)
        lg = D * u / b + theta * x + math.log(2.0 / math.pi) + np.log(u) - np.log(ctheta)
        d = 0.0
        if deriv:
            sec2 = 1.0 / (ctheta * ctheta)
            d = sec2 * (_HALF_PI / b + theta) + 2.0 * tan_th + b / u
        return lg, d
    if right:
        eps = eps_r + am1 * e
    else:
        eps = -am1 * t + kappa
    seps = math.sin(eps)
    s2 = math.sin(0.5 * eps)
    r = tan_th * seps - 2.0 * s2 * s2
    sin_at = 0.0
    use_r = sig > 0 and abs(r) < 0.5
    if deriv or not use_r:
        # sin(alpha (theta0 + theta)) = sigma sin(eps_r + alpha eta) near the right end
        sin_at = sig * math.sin(eps_r + a * e) if right else math.sin(a * t)
    if use_r:
        B = -math.log1p(r)
    else:
        B = -np.log(sin_at / ctheta)
    C = np.log(sig * seps / ctheta)
    lg = (A + a * B) / am1 + lx0 + C
    d = 0.0
    if deriv:
        cot_at = math.cos(a * t) / sin_at
        d = (a / am1) * (-tan_th - a * cot_at) - am1 * math.cos(eps) / seps + tan_th
    return lg, d


@numba.njit(**_JIT)
def _one_point(i, want_cdf, one, a, psi, am1, eps_r, kappa, sig, A, lx0, b, ex, tx, cx, x,
               L, inc, gl_x, gl_w, gl_pw, left_frac, right_off, light_off, out_lint, out_logI, out_J):
    o, aa, ps, am, er, ka, sg = one[i], a[i], psi[i], am1[i], eps_r[i], kappa[i], sig[i]
    AA, lx, bb, exi, txi, cxi, xx = A[i], lx0[i], b[i], ex[i], tx[i], cx[i], x[i]
    Li = L[i]
    ii = inc[i]
    half = 0.5 * Li
    lg_mid, _ = _logg(half, half, o, aa, ps, am, er, ka, sg, AA, lx, bb, exi, txi, cxi, xx,
                      False)
    tiny = _TINY * Li
    if ii:
        lgmin, _ = _logg(tiny, Li - tiny, o, aa, ps, am, er, ka, sg, AA, lx, bb, exi, txi,
                         cxi, xx, False)
    else:
        lgmin, _ = _logg(Li - tiny, tiny, o, aa, ps, am, er, ka, sg, AA, lx, bb, exi, txi,
                         cxi, xx, False)
    if math.isnan(lgmin):
        lgmin = -math.inf
    gref_pos = lgmin > 0
    base = lgmin if gref_pos else 0.0
    nl_lev = left_frac.size
    K = nl_lev + right_off.size
    targets = np.empty(K)
    ebase = math.exp(-base)
    low = min(max(lgmin, -40.0), 0.0)
    for j in range(nl_lev):
        if gref_pos:
            targets[j] = base + math.log1p(light_off[j] * ebase)
        else:
            targets[j] = low * left_frac[j]
    for j in range(right_off.size):
        targets[nl_lev + j] = base + math.log1p(right_off[j] * ebase)
    # ---- level sets log g = target, each in the distance u from its nearer end
    us = np.empty(K)
    sides = np.empty(K, dtype=np.bool_)
    lgroot = np.full(K, math.nan)  # log g at each root (NaN where the search did not converge)
    # last converged root per side (0: left, 1: right), its target and d log g / du there:
    # the targets ascend, so the previous root on the same side brackets the next one and
    # gives a free Newton start
    prev_u = np.full(2, -1.0)
    prev_t = np.zeros(2)
    prev_d = np.zeros(2)
    for k in range(K):
        tgt = targets[k]
        side_left = (lg_mid > tgt) if ii else (lg_mid < tgt)
        inc_u = ii == side_left
        sd = 0 if side_left else 1
        lo = 0.0
        hi = half
        u = 0.5 * half
        f = math.nan
        d = math.nan
        have_prev = prev_u[sd] >= 0.0
        if have_prev:
            u = prev_u[sd]
            f = prev_t[sd] - tgt  # log g(u_prev) - tgt, known without evaluation
            d = prev_d[sd]
        measure_prev = math.inf
        converged = False
        for it in range(_N_ITER):
            if it > 0 or not have_prev:
                if side_left:
                    lg, d = _logg(u, Li - u, o, aa, ps, am, er, ka, sg, AA, lx, bb, exi, txi,
                                  cxi, xx, True)
                else:
                    lg, d = _logg(Li - u, u, o, aa, ps, am, er, ka, sg, AA, lx, bb, exi, txi,
                                  cxi, xx, True)
                    d = -d
                f = lg - tgt
            if math.isnan(f):
                up = u < 0.5 * half
            else:
                up = (f < 0) == inc_u
            if up:
                lo = max(lo, u)
            else:
                hi = min(hi, u)
            conv = abs(f) <= 1e-14 * (1.0 + abs(tgt)) or (hi - lo) <= 4e-16 * hi
            if conv:
                converged = True
                break
            step = f / d
            if u < 0.1 * half:
                z = step / u
                z = min(max(z, -50.0), 50.0) if not math.isnan(z) else z
                newton = u * math.exp(-z)
            else:
                newton = u - step
            mlo = max(lo, tiny)
            wide = hi > 8.0 * mlo
            # safeguarded Newton: inside the bracket, and while the bracket spans decades
            # only if the previous step at least halved its log-width (else geometric
            # bisection), so convergence is never slower than every other step bisecting
            measure = math.log(hi / mlo) if wide else 0.0
            newton_ok = math.isfinite(newton) and newton > lo and newton < hi
            if newton_ok and (not wide or measure <= 0.5 * measure_prev):
                new = newton
            elif wide:
                new = math.sqrt(mlo * hi)
            else:
                new = 0.5 * (lo + hi)
            measure_prev = measure
            u = new
        if converged and math.isfinite(f):
            lgroot[k] = tgt + f
        if converged and math.isfinite(f) and math.isfinite(d):
            prev_u[sd] = u
            prev_t[sd] = tgt + f
            prev_d[sd] = d
        else:
            prev_u[sd] = -1.0
        if u < 0.0:
            u = 0.0
        elif u > half:
            u = half
        us[k] = u
        sides[k] = side_left
    # ---- panel boundaries in theta order: left end, left roots, middle, right roots, end
    Bd = np.zeros(K + 3)
    nl = 0
    for k in range(K):
        kk = k if ii else K - 1 - k
        if sides[kk]:
            nl += 1
    for k in range(K):
        kk = k if ii else K - 1 - k
        Bd[k + 1 + (0 if sides[kk] else 1)] = us[kk]
    Bd[nl + 1] = half
    # log g at the same boundaries (theta order), for skipping negligible pdf panels
    Lgb = np.full(K + 3, math.nan)
    for k in range(K):
        kk = k if ii else K - 1 - k
        Lgb[k + 1 + (0 if sides[kk] else 1)] = lgroot[kk]
    Lgb[nl + 1] = lg_mid
    Lgb[0] = lgmin if ii else math.inf
    Lgb[K + 2] = math.inf if ii else lgmin
    # pdf only, no light-tail shift: a panel without the peak (g <= 1 or g >= 1 throughout,
    # log g monotone) has integral <= width * max(g e^{-g} at its ends); such panels are
    # evaluated after the others and skipped when that bound is below 1e-17 of the total
    skip_ok = (not want_cdf) and (not gref_pos)
    ipdf = 0.0
    sumex = 0.0
    J = 0.0
    ng = gl_x.size
    for pas in range(2 if skip_ok else 1):
        for p in range(K + 2):
            pleft = p <= nl
            la = Bd[p] if pleft else Bd[p + 1]
            lb = Bd[p + 1] if pleft else Bd[p]
            if skip_ok:
                lo_l = min(Lgb[p], Lgb[p + 1])
                hi_l = max(Lgb[p], Lgb[p + 1])
                cand = False
                bound = math.inf
                if not (math.isnan(lo_l) or math.isnan(hi_l)):
                    if lo_l >= 0.0 or hi_l <= 0.0:
                        gm = math.exp(lo_l if lo_l >= 0.0 else hi_l)
                        cand = True
                        bound = abs(lb - la) * gm * math.exp(-gm)
                if (pas == 0) == cand:
                    continue  # pass 0: panels that may hold the peak; pass 1: the others
                if cand and bound <= 1e-17 * ipdf:
                    continue
            la = max(la, 0.0)
            touch = la <= 1e-18 * lb
            if touch:
                la = 0.0
            if touch:
                kexp = _K_END
                prow = 2
            elif lb > 2.0 * la:
                kexp = _K_WIDE
                prow = 1
            else:
                kexp = 1.0
                prow = 0
            # wide panels spanning more than _SPLIT_RATIO: geometric pieces, each graded
            m = 1
            if prow == 1 and lb > _SPLIT_RATIO * la:
                m = int(min(math.ceil(math.log(lb / la) / math.log(_SPLIT_RATIO)), _MAX_SPLIT))
            pa = la
            pb = lb
            ratio = pb / pa if m > 1 else 1.0
            for sp in range(m):
                if m > 1:
                    la = pa * ratio ** (sp / m)
                    lb = pa * ratio ** ((sp + 1) / m) if sp < m - 1 else pb
                h = lb - la
                empty = not (lb > la)
                for j in range(ng):
                    xj = gl_x[j]
                    wk = gl_pw[prow, j]
                    if empty:
                        node = 0.5 * Li
                        w = 0.0
                    else:
                        node = la + h * wk * xj
                        w = h * kexp * wk * gl_w[j]
                        if not math.isfinite(w):
                            w = 0.0
                    if pleft:
                        lg, _ = _logg(node, Li - node, o, aa, ps, am, er, ka, sg, AA, lx, bb, exi,
                                      txi, cxi, xx, False)
                    else:
                        lg, _ = _logg(Li - node, node, o, aa, ps, am, er, ka, sg, AA, lx, bb, exi,
                                      txi, cxi, xx, False)
                    if not gref_pos:
                        # g e^{-g}; e^{-g} is shared with the cdf integrand
                        g = math.exp(lg)
                        exv = math.exp(-g)
                        dens = g * exv
                        if math.isnan(dens):
                            dens = 0.0
                        ipdf += w * dens
                        if want_cdf:
                            if math.isnan(exv):
                                exv = 0.0
                            sumex += w * exv
                            om = -math.expm1(-g)
                            if math.isnan(om):
                                om = 1.0 if lg > 0 else 0.0
                            J += w * om
                        continue
                    # light tail: g e^{-(g - g_min)} with g - g_min computed without overflow
                    dl = lg - lgmin
                    if dl < 0.0:  # keeps NaN, like np.maximum
                        dl = 0.0
                    gdiff = math.exp(lgmin + np.log(math.expm1(dl)))
                    dens = math.exp(lg - gdiff)
                    if math.isnan(dens):
                        dens = 0.0
                    ipdf += w * dens
                    if want_cdf:
                        exv = math.exp(-gdiff)
                        if math.isnan(exv):
                            exv = 0.0
                        sumex += w * exv
                        om = -math.expm1(-math.exp(lg))
                        if math.isnan(om):
                            om = 1.0 if lg > 0 else 0.0
                        J += w * om
    gshift = math.exp(lgmin) if gref_pos else 0.0
    if want_cdf:
        logI = np.log(sumex) - gshift
        if logI == -math.inf and gref_pos:
            logI = -math.exp(lgmin)
        out_logI[i] = logI
        out_J[i] = J
    lint = np.log(ipdf) - gshift
    if ipdf == 0 and gref_pos:
        lint = -math.exp(lgmin)
    if lgmin > _LOG_FMAX:
        lint = -math.inf
    out_lint[i] = lint


@numba.njit(**_JIT)
def _integrate_all(want_cdf, one, a, psi, am1, eps_r, kappa, sig, A, lx0, b, ex, tx, cx, x, L,
                   inc, gl_x, gl_w, gl_pw, left_frac, right_off, light_off, out_lint, out_logI, out_J):
    for i in range(x.size):
        _one_point(i, want_cdf, one, a, psi, am1, eps_r, kappa, sig, A, lx0, b, ex, tx, cx, x,
                   L, inc, gl_x, gl_w, gl_pw, left_frac, right_off, light_off, out_lint, out_logI,
                   out_J)


def integrate_jit(P, want_cdf: bool):
    """Drop-in for ``_numerics._integrate`` on a ``_Problem`` (same return values)."""
    n = P.n
    lint = np.empty(n)
    logI = np.empty(n)
    J = np.empty(n)
    c = np.ascontiguousarray
    _integrate_all(bool(want_cdf), c(P.one), c(P.a), c(P.psi), c(P.am1), c(P.eps_r),
                   c(P.kappa), c(P.sigma), c(P.A), c(P.lx0), c(P.bsafe), c(P.ex), c(P.tx),
                   c(P.cx), c(P.x), c(P.L), c(P.inc), _GL_X, _GL_W, _GL_PW, _LEFT_FRAC, _RIGHT_OFFSETS,
                   _LIGHT_OFFSETS, lint, logI, J)
    return lint, (logI if want_cdf else None), (J if want_cdf else None)
