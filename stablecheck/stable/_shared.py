"""Exact engine for many points that share one (alpha, beta): one quadrature grid for all.

For alpha != 1 the exponent in the Zolotarev/Nolan integrals separates (see ``_numerics``):

    log g(theta; x) = L(x) + w(theta),   L(x) = (alpha / (alpha - 1)) log(x - zeta) + const,

so every point of a batch integrates the *same* function of theta, shifted in ``w``:
``int g e^{-g} dtheta = int K(L + w) dtheta`` with ``K(s) = exp(s - e^s)`` (pdf) and
``exp(-e^s)`` (cdf).  In the variable

    u(theta) = sgn * w(theta) + C_MIX * log(t / e)     (t, e: distances to the two ends)

the integrands are analytic in a strip around the real axis and decay exponentially at both
ends, so the trapezoidal rule with a fixed step converges geometrically (step 0.3 gives
~1e-15 relative against the panel engine and mpmath; see ``tests/stable/test_shared.py``).
The ``log(t / e)`` term keeps du/dtheta away from zero where ``w`` is flat (alpha near 2,
|beta| near 1); without it the step would have to shrink there.  The nodes theta_j, their
``w_j`` and weights ``dtheta/du`` are computed once per (alpha, beta); each point then sums
only the ~170 nodes where its kernel is not below 1e-20 of its peak (``K`` underflows to
exactly 0 beyond ``s = log 745``).  The cdf integrals need the whole theta-mass: below a
point's window ``e^{-g} = 1 - g`` to rounding and above it ``1 - e^{-g} = 1``, so those parts
are prefix sums over the nodes, exact to the trapezoid's accuracy, and the grid extends until
the remaining mass is below 1e-18 of the smallest one used.

Not handled here (the caller keeps the per-point panel engine): alpha = 1 (``log g`` is not
separable), the light tails of beta = +-1 (``g`` stays away from 0 at the end: ``w`` is
bounded), and points whose window leaves the representable grid (|x - zeta| below ~1e-250
of the scale or astronomically large).
"""

from __future__ import annotations

import os

import numpy as np

from . import _numerics

__all__ = ["integrate_any", "integrate_shared", "MIN_POINTS"]

#: weight of the log(t/e) term in the quadrature variable
C_MIX = 1.0
#: trapezoid step in u (0.4 still gives 1e-12 on the hardest grids measured; 0.3 ~ 1e-15)
STEP = 0.3
#: grid reach in s = L + w: the pdf terms below S_LO are < 1e-13 of the total (measured:
#: -40 lost 4e-10 at alpha = 1.9, where dtheta/du grows away from the peak); e^{-e^s} = 0
#: above S_HI
S_LO = -46.0
S_HI = float(np.log(745.0))
#: each point sums its nodes with s in [S_CUT, S_HI] directly; below S_CUT (g < e^-1) the sums
#: are power series in g (< e^-1 there) over precomputed moments Q_m, N_SERIES + 1 terms:
#: e^-16 / 16! < 1e-20
S_CUT = -1.0
N_SERIES = 15
#: pdf-only calls stop at g = 45 (g e^{-g} < 1.3e-18; measured on the hard grids: no change)
S_HI_PDF = float(np.log(45.0))
#: extra theta-mass digits kept at the ends for the cdf prefix sums (dist ratio e^-42)
_Y_PAD = 42.0
_Y_MAX = 690.0  # L e^{-690} ~ 1e-300: the ends' distances stay normal floats
#: a batch this large (per (alpha, beta) and side) amortises the grid
MIN_POINTS = 48
#: |alpha - 1| below this stays on the per-point engine: w_j carries rounding of
#: B / (alpha - 1) (~1e7 at alpha = 1 + 1e-7), which the shared grid turns into node noise
#: (pdf integral 1.5e-10 off at alpha = 1 + 1e-7, beta = -0.7)
ALPHA1_GAP = 0.01
#: largest grid built (|alpha - 1| ~ 0.01 with the cdf's end masses needs ~1e4)
MAX_NODES = 12000


def _theta(y, L):
    """Distances (t, e) from the two ends for y = log(t / e)."""
    t = L / (1.0 + np.exp(-y))
    e = L / (1.0 + np.exp(y))
    return t, e


class _Grid:
    """Nodes of one (alpha, beta): w_j ascending, weights h_j = STEP dtheta/du."""

    def __init__(self, R, sgn: float, w_lo: float, w_hi: float, want_cdf: bool):
        self.R, self.sgn = R, sgn
        L = float(R.L[0])
        self.ok = False
        yc = np.linspace(-_Y_MAX, _Y_MAX, 1381)  # coarse table, spacing 1
        t, e = _theta(yc, L)
        wc = R.logg(t, e, idx=np.zeros(yc.size, dtype=np.intp))
        if not np.all(np.isfinite(wc)):
            return
        # (a weight scaled down to w's end slopes saves nodes at small alpha but loses
        # accuracy there: 4e-7 at alpha = 0.1 with 0.35, 3e-11 with 0.5; 1.8e-14 with 1)
        self.c = C_MIX
        uc = sgn * wc + self.c * yc
        if np.any(np.diff(uc) <= 0):
            return
        wi, yi = (wc, yc) if sgn > 0 else (wc[::-1], yc[::-1])  # w ascending
        if not wi[-1] > 500.0:  # g must grow without bound at its large end
            return
        ya, yb = np.interp([w_lo, w_hi], wi, yi)
        ylo, yhi = min(ya, yb) - 1.0, max(ya, yb) + 1.0
        pad_lo = pad_hi = _Y_PAD if want_cdf else 0.0
        self.flat = False
        if w_lo < wi[0] + 1e-8 * (1.0 + abs(wi[0])):
            # g bounded away from 0 at its small end (beta = +-1, alpha < 1, heavy side): w
            # flattens out there and every node down to the end carries mass (h ~ distance);
            # start where w leaves the floor and keep 42 more e-folds of distance
            k = int(np.argmax(wi > wi[0] + 1e-8 * (1.0 + abs(wi[0]))))
            yk = yi[max(k - 1, 0)]
            self.flat = True
            if sgn > 0:
                ylo, pad_lo = yk, _Y_PAD
            else:
                yhi, pad_hi = yk, _Y_PAD
        ylo, yhi = ylo - pad_lo, yhi + pad_hi
        ylo, yhi = max(ylo, -_Y_MAX), min(yhi, _Y_MAX)
        u_lo, u_hi = np.interp([ylo, yhi], yc, uc)
        j0, j1 = int(np.floor(u_lo / STEP)), int(np.ceil(u_hi / STEP))
        if j1 - j0 > MAX_NODES:  # alpha very close to 1: w spans decades per unit of y
            return
        ut = np.arange(j0, j1 + 1) * STEP
        y = np.interp(ut, uc, yc)
        # Newton on u(y) = ut (u is smooth and increasing in y), to rounding: a node off its
        # place by d costs ~d/STEP of its term, so stop only at a few ulp of u
        tol = 8.0 * np.finfo(float).eps * (1.0 + np.abs(ut))
        act = np.arange(ut.size)
        for _ in range(10):  # only the nodes not yet converged are iterated
            w, u, dudy = self._wu(y[act], L, deriv=True)
            miss = np.abs(u - ut[act]) > tol[act]
            y[act] = np.clip(y[act] - (u - ut[act]) / dudy, -_Y_MAX - 5.0, _Y_MAX + 5.0)
            act = act[miss]
            if act.size == 0:
                break
        w, u, dudy, dtheta_du = self._wu(y, L, deriv=True, weights=True)
        # a few nodes stop at ~30 ulp (rounding of w where |w| is large): still ~1e-14 of STEP
        good = np.isfinite(w) & np.isfinite(dtheta_du) & \
            (np.abs(u - ut) <= 1e-12 * (1.0 + np.abs(ut)))
        if not np.all(good):
            return
        order = np.argsort(w) if sgn < 0 else np.arange(w.size)
        self.w = w[order]
        self.h = (STEP * dtheta_du)[order]
        # moments below each node j: Q[m, j] = sum_{i<j} h_i exp(m (w_i - w_j)), m = 0..K+1
        self.Q = _moments(self.w, self.h, N_SERIES + 2)
        self.ratio = np.exp(np.diff(self.w, append=self.w[-1]))  # g_{j+1} / g_j
        # suffix sums (index k = sum over nodes >= k), summed from the end: a difference of
        # prefix sums would cancel where the remaining mass is small (far tails)
        self.Sh = np.concatenate([np.cumsum(self.h[::-1])[::-1], [0.0]])
        self.ok = True

    def _wu(self, y, L, deriv=False, weights=False):
        t, e = _theta(y, L)
        idx = np.zeros(y.size, dtype=np.intp)
        if not deriv:
            w = self.R.logg(t, e, idx=idx)
            return w, self.sgn * w + self.c * y
        w, dw = self.R.logg(t, e, idx=idx, deriv=True)
        u = self.sgn * w + self.c * y
        dudth = np.abs(dw) + self.c * (1.0 / t + 1.0 / e)
        dudy = dudth * (t * e / L)
        if weights:
            return w, u, dudy, 1.0 / dudth
        return w, u, dudy


def integrate_shared(A, lx0, R, want_cdf: bool):
    """(lint, logI, J) as ``_numerics._integrate`` for points with one (alpha, beta).

    ``A`` and ``lx0`` are the points' ``_Problem`` constants (all that depends on x when
    alpha != 1); ``R`` is a one-point ``_Problem`` with the same (alpha, beta), the reference
    for ``w``.
    Returns ``None`` where the grid cannot be built, and a boolean mask of the points it
    evaluated (the others are left to the caller).
    """
    am1 = float(R.am1[0])
    Ls = (A - R.A[0]) / am1 + (lx0 - R.lx0[0])
    fin = np.isfinite(Ls)
    if not np.any(fin):
        return None
    Lmin, Lmax = float(np.min(Ls[fin])), float(np.max(Ls[fin]))
    sgn = 1.0 if bool(R.inc[0]) else -1.0
    s_hi = S_HI if want_cdf else S_HI_PDF
    grid = _Grid(R, sgn, S_LO - Lmax, s_hi - Lmin, want_cdf)
    if not grid.ok:
        return None
    w = grid.w
    jl = np.searchsorted(w, S_CUT - Ls)
    jh = np.searchsorted(w, s_hi - Ls, side="right")
    # the grid must reach S_LO below each point (or, where g has a floor, run down to the end
    # with g < 1 there: the series then covers all of it) and end above the window
    reach = np.searchsorted(w, S_LO - Ls) > 0
    if grid.flat:
        reach |= (Ls + w[0] < S_CUT) & (jl > 0)
    inside = fin & reach & (jh < w.size)
    n = Ls.size
    lint = np.full(n, np.nan)
    logI = np.full(n, np.nan) if want_cdf else None
    J = np.full(n, np.nan) if want_cdf else None
    idx = np.nonzero(inside)[0]
    if idx.size == 0:
        return lint, logI, J, inside
    Li, jli, jhi = Ls[idx], jl[idx], jh[idx]
    jit = _jit()
    if jit is not None:
        sp, si, sj = jit[0](Li, jli, jhi, w, grid.ratio, grid.h, grid.Q, grid.Sh, want_cdf)
    else:
        sp, si, sj = _sums_numpy(Li, jli, jhi, grid, want_cdf)
    with np.errstate(divide="ignore"):
        lint[idx] = np.log(sp)
        if want_cdf:
            logI[idx] = np.log(si)
            J[idx] = sj
    return lint, logI, J, inside


def _series_coef(k_max: int) -> np.ndarray:
    """(-1)^k / k! for k = 0..k_max."""
    c = np.empty(k_max + 1)
    c[0] = 1.0
    for k in range(1, k_max + 1):
        c[k] = -c[k - 1] / k
    return c


_COEF = _series_coef(N_SERIES + 1)


def _moments_numpy(w, h, m_count):
    q = np.zeros((m_count, w.size + 1))
    m = np.arange(m_count)
    for j in range(w.size):
        q[:, j + 1] = (q[:, j] + h[j]) * np.exp(m * (w[j] - w[j + 1] if j + 1 < w.size else 0.0))
    return q


def _moments(w, h, m_count):
    jit = _jit()
    if jit is not None:
        return jit[1](w, h, m_count)
    return _moments_numpy(w, h, m_count)


def _sums_numpy(Ls, jl, jh, grid, want_cdf):
    """Per point: the window's direct sums plus the series below it (numpy fallback)."""
    w, h, Q = grid.w, grid.h, grid.Q
    K = N_SERIES
    with np.errstate(over="ignore", under="ignore"):
        G0 = np.exp(Ls + w[jl])
    powers = G0[None, :] ** np.arange(K + 2)[:, None]  # G0^m
    qm = Q[:, jl] * powers  # sum_{i < jl} g_i^m h_i
    c = _COEF[:K + 1, None]
    sp = np.sum(c * qm[1:K + 2], axis=0)  # sum g e^{-g} h below the window
    si = np.sum(c * qm[0:K + 1], axis=0) if want_cdf else None
    sj = -np.sum(c[1:] * qm[1:K + 1], axis=0) if want_cdf else None
    width = int(np.max(jh - jl))
    k = np.arange(width)
    for s in range(0, Ls.size, 4096):  # bounded temporaries
        sl = slice(s, s + 4096)
        cols = jl[sl, None] + k[None, :]
        live = cols < jh[sl, None]
        cols = np.where(live, cols, 0)
        with np.errstate(over="ignore", under="ignore"):
            G = np.exp(Ls[sl, None] + w[cols])
            eg = np.exp(-G)
        hw = np.where(live, h[cols], 0.0)
        sp[sl] += np.sum(G * eg * hw, axis=1)
        if want_cdf:
            si[sl] += np.sum(eg * hw, axis=1)
            sj[sl] += np.sum(-np.expm1(-G) * hw, axis=1) + grid.Sh[jh[sl]]
    return sp, si, sj


_JIT: dict = {}


def _jit():
    """The compiled (window sums, moments) when numba is importable and allowed, else None."""
    if "fn" not in _JIT:
        fn = None
        if os.environ.get("STABLECHECK_NO_NUMBA", "") not in ("1", "true", "yes"):
            try:
                from ._shared_jit import moments, window_sums
                fn = (window_sums, moments)
            except (ImportError, RuntimeError):
                fn = None
        _JIT["fn"] = fn
    return _JIT["fn"]


def integrate_any(P, want_cdf: bool):
    """``_numerics._integrator()`` on a ``_numerics._Problem`` P, with batches that share one
    (alpha, beta) on the shared grid.

    Groups of at least ``MIN_POINTS`` points with the same (alpha, beta) (alpha != 1)
    are integrated on one trapezoid grid (``_shared``); the rest, and every point the shared
    grid declines (light tails of beta = +-1, windows off the grid), by the per-point engine.
    ``STABLECHECK_NO_SHARED=1`` turns the shared grid off (for comparisons).
    """
    n = P.n
    if n < MIN_POINTS or os.environ.get("STABLECHECK_NO_SHARED", "") in ("1", "true"):
        return _numerics._integrator()(P, want_cdf)
    # group equal (alpha, beta) pairs through one int64 key (exactness re-checked per group)
    # (+ 0.0 folds -0.0 into 0.0: beta = 0 reflected is one problem, not two)
    key = (P.a + 0.0).view(np.int64) * np.int64(1000003) ^ (P.b + 0.0).view(np.int64)
    keys, inv, cnt = np.unique(key, return_inverse=True, return_counts=True)
    big = np.nonzero(cnt >= MIN_POINTS)[0]
    if big.size == 0:
        return _numerics._integrator()(P, want_cdf)
    inv = inv.ravel()
    groups = [np.arange(n)] if keys.size == 1 else [np.nonzero(inv == g)[0] for g in big]
    lint = np.full(n, np.nan)
    logI = np.full(n, np.nan) if want_cdf else None
    J = np.full(n, np.nan) if want_cdf else None
    done = np.zeros(n, dtype=bool)
    for g in groups:
        a0, b0 = P.a[g[0]], P.b[g[0]]
        if abs(a0 - 1.0) < ALPHA1_GAP or not (np.all(P.a[g] == a0)
                                                     and np.all(P.b[g] == b0)):
            continue
        # reference point: the one with x - zeta closest to 1
        r = int(g[np.argmin(np.abs(P.lx0[g]))])
        R = _numerics._Problem(P.x[r:r + 1], P.a[r:r + 1], P.b[r:r + 1], P.x0[r:r + 1])
        res = integrate_shared(P.A[g], P.lx0[g], R, want_cdf)
        if res is None:
            continue
        li, lI, Jg, ok = res
        sel = g[ok]
        lint[sel] = li[ok]
        if want_cdf:
            logI[sel], J[sel] = lI[ok], Jg[ok]
        done[sel] = True
    if np.all(done):
        return lint, logI, J
    rest = np.nonzero(~done)[0]
    Pr = P if rest.size == n else _numerics._Problem(P.x[rest], P.a[rest], P.b[rest], P.x0[rest])
    li, lI, Jr = _numerics._integrator()(Pr, want_cdf)
    lint[rest] = li
    if want_cdf:
        logI[rest], J[rest] = lI, Jr
    return lint, logI, J
