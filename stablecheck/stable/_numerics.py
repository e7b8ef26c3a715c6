"""Exact float64 engine: Zolotarev/Nolan integral representation of the standard S0 law.

Everything here works on *standardised* S0 variables (scale 1, location 0) and flat float64
arrays of equal length.  The public layer (``_distribution``) converts scale/location and S1.

Method (Nolan 1997, Theorem 1; Nolan 2020, Ch. 3)
-------------------------------------------------
For x > zeta (x < zeta by the reflection f(x; a, b) = f(-x; a, -b)) the density and the
distribution function are integrals over theta in (-theta0, pi/2) of ``g e^{-g}`` and ``e^{-g}``
with ``g(theta)`` monotone.  The engine

* evaluates ``log g`` in a cancellation-free form: angles are carried as the distance ``t``
  from the left end and ``eta`` from the right end (whichever is small is exact), the
  ``alpha -> 1`` terms are rewritten with ``tau = tan(pi (1-alpha)/2)`` (no ``tan(pi alpha/2)``
  overflow, ``log1p`` for the O(alpha-1) pieces), and at alpha = 1 the term
  ``(tan theta - x)/beta`` is evaluated as ``sin(theta - arctan x)/(cos theta cos arctan x)``;
* locates the level sets ``log g = c`` (c from -40 to the right-hand tail of ``g e^{-g}``) by a
  vectorised safeguarded Newton iteration with geometric bisection, so the integrand's peak
  (g = 1) and its flanks fall on panel boundaries;
* integrates each of the 11 panels with a 32-point Gauss-Legendre rule, graded
  (u = b w^6, u = a + (b - a) w^3) on panels that touch an end or span decades; a graded
  panel wider than b/a = 30 is first cut into geometric pieces of ratio <= 30 (one graded
  panel over 3+ decades lost up to 5e-7 at |beta| -> 1);
* factors ``exp(-min g)`` out of all integrals, so the super-exponentially small densities in
  the light tail of beta = +-1 (Nolan 2020, Prop. 3.1 regime) keep an exact logarithm.

With |beta| >= 0.1 the tau-rewritten alpha != 1 form has no cancellation at any alpha != 1.
For |beta| < 0.1 and ``|alpha - 1| < ALPHA1_WINDOW`` it would lose ~1e-16/|alpha-1|; there the
result is the degree-4 Lagrange interpolant in alpha through the evaluations at
alpha = 1 + {-2, -1, 0, 1, 2} * ALPHA1_WINDOW (the S0 density is analytic in alpha).

Two regions bypass the integral (``_series``): x within 1e-2 of zeta, where the power series
about zeta converges to 1e-17 (the integral degenerates as x - zeta -> 0), and the far tails
|x| >= 1e3 at |alpha - 1| <= 6e-3 (alpha = 1 included), where log g has O(|x|) terms that
cancel; there the tail series in (x - zeta)^(-alpha) or its interpolant in alpha is used.
Callers with the S1 variable (= x - zeta, exact) pass it as ``x0`` so that zeta is never
rounded near zeta.

The per-point integration runs in the compiled kernel ``_numerics_jit`` (numba, optional) when
it is importable and here otherwise; ``_integrator`` picks it.
"""

from __future__ import annotations

import os

import numpy as np

from ._series import SER_ALPHA1, SER_XMAX, far_tail, series_near_zeta

__all__ = ["std_eval", "ALPHA1_WINDOW"]

PI = np.pi
HALF_PI = np.pi / 2
LOG_PI = np.log(np.pi)
ALPHA1_WINDOW = 5e-3
_WINDOW_BETA = 0.1
_NGL = 32
_GL_X, _GL_W = np.polynomial.legendre.leggauss(_NGL)
_GL_X = (_GL_X + 1.0) / 2.0  # nodes on [0, 1]
_GL_W = _GL_W / 2.0
_LEFT_LEVELS = np.array([-40.0, -32.0, -24.0, -16.0, -8.0, 0.0])
_RIGHT_OFFSETS = np.array([3.0, 11.0, 39.0])  # g = max(g_min, 1) + offset
_LIGHT_OFFSETS = np.array([1.0 / 64, 1.0 / 16, 0.25, 0.5, 1.0, 2.0])  # g - g_min, light tails
_TINY = 1e-250
_K_END = 6.0
_K_WIDE = 3.0
_N_ITER = 60
_SPLIT_RATIO = 30.0  # widest ratio b/a of one graded 'wide' panel
_MAX_SPLIT = 16  # wide panels have b/a < 1e18 (else they touch the end): <= 13 pieces


class _Problem:
    """Per-point constants of the reflected problem x0 = x - zeta > 0 (flat arrays)."""

    def __init__(self, x: np.ndarray, a: np.ndarray, b: np.ndarray, x0=None):
        self.x, self.a, self.b = x, a, b
        self.one = a == 1.0
        n = x.size
        # one alpha and beta = +-b0 for all points (a batch at one (alpha, beta), reflected):
        # the parameter-only constants are computed for the two values and gathered
        pick = None
        xa, xb = a, b
        if n > 8 and bool(np.all(a == a[0])):
            neg = b != b[0]
            if bool(np.all(b[neg] == -b[0])):
                pick = neg.astype(np.intp)
                a, b = np.full(2, a[0]), np.array([b[0], -b[0]])
        one = a == 1.0
        with np.errstate(all="ignore"):
            am1 = np.where(one, 1.0, a - 1.0)
            tau = np.tan(HALF_PI * (1.0 - a))  # = cot(pi a / 2); 0 at alpha = 1
            absb = np.abs(b)
            taus = np.where(one, 1.0, tau)
            sigma = np.where(b * tau < 0.0, -1.0, 1.0)
            phi = np.arctan2(np.abs(taus), absb)  # pi/2 - |alpha theta0|
            # Delta = phi - arctan(tau) without cancellation (small when |beta| -> 1, alpha < 1)
            delta_pos = np.arctan2(taus * (1.0 - absb), absb + taus * taus)
            delta_neg = phi + np.arctan(np.abs(taus))
            delta = np.where(taus > 0, delta_pos, delta_neg)
            psi = np.where(sigma > 0, delta / a, HALF_PI + (HALF_PI - phi) / a)  # pi/2 - theta0
            kappa = sigma * delta / a  # epsilon = (1 - alpha) t + kappa
            # epsilon at theta = pi/2: sigma phi + arctan(tau); 0 on the light end of beta = -+1
            at = np.abs(taus)
            # and -Delta on the thin side of alpha < 1 (sigma < 0 < tau), where -phi +
            # arctan(tau) cancels (5e-10 off in the pdf at 1 - |beta| ~ 2e-7 near zeta)
            eps_r = np.where((sigma > 0) & (taus < 0),
                             np.arctan2(at * (1.0 - absb), absb + at * at),
                             np.where((sigma < 0) & (taus > 0), -delta,
                                      sigma * phi + np.arctan(taus)))
            if pick is not None:
                am1, tau, taus, sigma, phi, delta, psi, kappa, eps_r = (
                    v[pick] for v in (am1, tau, taus, sigma, phi, delta, psi, kappa, eps_r))
                a, b = xa, xb
            # x0 = x - zeta = x + beta / tau and A = log(x0 cos(alpha theta0))
            x0 = np.where(self.one, x, x + b / taus if x0 is None else x0)
            ratio = x * taus / np.where(b == 0.0, 1.0, b)
            a_small_tau = np.where(sigma > 0, np.log1p(ratio), np.log(-1.0 - ratio)) - \
                0.5 * np.log1p((taus / np.where(b == 0.0, 1.0, b)) ** 2)
            a_big_tau = np.log(np.abs(x * taus + b)) - 0.5 * np.log(taus * taus + b * b)
            big = np.abs(b) < np.abs(taus)
            A = np.where(big, a_big_tau, a_small_tau)
            # x within |zeta|/32 of zeta: x tau + b = tau x0 cancels (relative error
            # 1e-16 |zeta|/x0, amplified by alpha/(alpha-1) in log g); log x0 + log cos(alpha
            # theta0) instead is as accurate as x0 itself (exact when given, e.g. from S1)
            near = ~self.one & (32.0 * np.abs(x0) < np.abs(b / taus))
            A = np.where(near, np.log(np.abs(x0)) + np.log(np.sin(phi)), A)
            self.A = np.where(b == 0.0, np.log(np.abs(x)), A)
        self.am1, self.tau, self.sigma, self.phi, self.psi, self.kappa = \
            am1, tau, sigma, phi, psi, kappa
        self.eps_r = eps_r
        self.x0 = x0
        self.lx0 = np.log(np.where(x0 > 0, x0, 1.0))
        self.psi = np.where(self.one, 0.0, psi)
        # L = pi/2 + theta0, the length of the theta range.  For alpha < 1, beta < 0 it is
        # delta/alpha = O(1 - |beta|): pi - psi would cancel (relative error 1e-16/L, 1.2e-9 in
        # the pdf at 1 - |beta| ~ 1e-6 near zeta)
        self.L = np.where(~self.one & (sigma < 0) & (taus > 0), delta / a, PI - self.psi)
        # alpha = 1: theta_x = arctan x carried as tx = theta_x + pi/2 and ex = pi/2 - theta_x
        if not np.any(self.one):  # only the alpha = 1 formula reads them
            self.tx = self.ex = self.cx = np.zeros(n)
        else:
            self._arctan_x(x)
        self.bsafe = np.where(b == 0.0, 1.0, b)
        # log g increases with theta for alpha <= 1, decreases for alpha > 1
        self.inc = a <= 1.0
        self.n = n
        self.kind = "one" if np.all(self.one) else ("other" if not np.any(self.one) else "mixed")

    def _arctan_x(self, x):
        with np.errstate(all="ignore"):
            self.tx = np.where(x < 0, np.arctan(-1.0 / np.where(x < 0, x, -1.0)),
                               HALF_PI + np.arctan(x))
            self.ex = np.where(x > 0, np.arctan(1.0 / np.where(x > 0, x, 1.0)),
                               HALF_PI - np.arctan(x))
            self.cx = 1.0 / np.hypot(1.0, x)  # cos(theta_x)

    def logg(self, t: np.ndarray, e: np.ndarray, idx=None, deriv: bool = False):
        """log g and optionally d log g / d theta at theta = -theta0 + t = pi/2 - e."""
        P = self if idx is None else _Sub(self, idx)
        col = (lambda v: v[:, None]) if t.ndim == 2 else (lambda v: v)
        a, psi = col(P.a), col(P.psi)
        right = e <= t
        with np.errstate(all="ignore"):
            # cos(theta) = sin(t + psi) = sin(e): e is exact when psi > pi/2 (t + psi near pi)
            via_e = right | (psi > HALF_PI)
            ctheta = np.where(via_e, np.sin(e), np.sin(t + psi))
            stheta = np.where(via_e, np.cos(e), -np.cos(t + psi))
            tan_th = stheta / ctheta
            theta = np.where(right, HALF_PI - e, t + psi - HALF_PI)
            one = col(P.one)
            kind = P.kind  # "one", "other" or "mixed"
        if kind == "one":
            return self._logg_one(P, col, t, e, right, ctheta, tan_th, theta, deriv)
        with np.errstate(all="ignore"):
            # ---- alpha != 1
            am1 = col(P.am1)
            # epsilon = (1 - alpha) theta + sigma phi, from the exact end coordinate
            eps = np.where(right, col(P.eps_r) + am1 * e, -am1 * t + col(P.kappa))
            sig = col(P.sigma)
            # sin(alpha (theta0 + theta)) = sigma sin(eps_r + alpha eta) near the right end
            sin_at = np.where(right, sig * np.sin(col(P.eps_r) + a * e), np.sin(a * t))
            r = tan_th * np.sin(eps) - 2.0 * np.sin(0.5 * eps) ** 2
            use_r = (sig > 0) & (np.abs(r) < 0.5)
            B = np.where(use_r, -np.log1p(np.where(use_r, r, 0.0)), -np.log(sin_at / ctheta))
            C = np.log(sig * np.sin(eps)) - np.log(ctheta)
            lg_a = (col(P.A) + a * B) / am1 + col(P.lx0) + C
            if kind == "other":
                if not deriv:
                    return lg_a
                cot_at = np.cos(a * t) / sin_at
                return lg_a, (a / am1) * (-tan_th - a * cot_at) - \
                    am1 * np.cos(eps) / np.sin(eps) + tan_th
        r1 = self._logg_one(P, col, t, e, right, ctheta, tan_th, theta, deriv)
        with np.errstate(all="ignore"):
            if not deriv:
                return np.where(one, r1, lg_a)
            cot_at = np.cos(a * t) / sin_at
            d_a = (a / am1) * (-tan_th - a * cot_at) - am1 * np.cos(eps) / np.sin(eps) + tan_th
            return np.where(one, r1[0], lg_a), np.where(one, r1[1], d_a)

    @staticmethod
    def _logg_one(P, col, t, e, right, ctheta, tan_th, theta, deriv):
        """alpha == 1 (beta > 0 after reflection)."""
        with np.errstate(all="ignore"):
            b = col(P.bsafe)
            dth = np.where(right, col(P.ex) - e, t - col(P.tx))  # theta - arctan x
            D = np.sin(dth) / (ctheta * col(P.cx))  # tan(theta) - x
            u = np.where(right, (1.0 + b) * HALF_PI - b * e, (1.0 - b) * HALF_PI + b * t)
            # (pi/2 + beta theta) tan(theta)/beta - pi x/(2 beta) = D u / beta + theta x
            lg_1 = D * u / b + theta * col(P.x) + np.log(2.0 / PI) + np.log(u) - np.log(ctheta)
            if not deriv:
                return lg_1
            sec2 = 1.0 / (ctheta * ctheta)
            return lg_1, sec2 * (HALF_PI / b + theta) + 2.0 * tan_th + b / u


class _Sub:
    """View of a _Problem restricted to an index array (for per-row parameters)."""

    def __init__(self, P: _Problem, idx):
        for k in ("x", "a", "psi", "one", "am1", "kappa", "eps_r", "sigma", "A", "lx0", "bsafe", "ex", "tx",
                  "cx"):
            setattr(self, k, getattr(P, k)[idx])
        self.kind = P.kind


def _te(s: np.ndarray, L: np.ndarray, left: np.ndarray):
    """(t, e) for a variable s measured from the left end (left=True) or the right end."""
    other = L - s
    return np.where(left, s, other), np.where(left, other, s)


def _integrate(P: _Problem, want_cdf: bool):
    """Return (log int g e^{-(g-gref)}, log int e^{-g}, int -expm1(-g)) (reflected problems)."""
    n = P.n
    L = P.L
    half = 0.5 * L
    lg_mid = P.logg(half, half)
    # g_min end: the left end when log g increases with theta
    tiny = _TINY * L
    t_gm = np.where(P.inc, tiny, L - tiny)
    e_gm = np.where(P.inc, L - tiny, tiny)
    lgmin = P.logg(t_gm, e_gm)
    lgmin = np.where(np.isnan(lgmin), -np.inf, lgmin)
    gref_pos = lgmin > 0  # factor exp(-g_min) out only when g_min > 1 (light tails)
    base = np.where(gref_pos, lgmin, 0.0)
    with np.errstate(all="ignore"):
        right_t = base[:, None] + np.log1p(_RIGHT_OFFSETS[None, :] * np.exp(-base)[:, None])
    # left levels spread evenly between max(log g_min, -40) and 0 (spacing <= 8)
    low = np.clip(lgmin, -40.0, 0.0)[:, None]
    left_t = low * np.linspace(1.0, 0.0, _LEFT_LEVELS.size)[None, :]
    # light tails (no peak, g >= g_min > 1): levels at g - g_min = 1/64 ... 2 instead
    with np.errstate(all="ignore"):
        light_t = base[:, None] + np.log1p(_LIGHT_OFFSETS[None, :] * np.exp(-base)[:, None])
    left_t = np.where(gref_pos[:, None], light_t, left_t)
    targets = np.concatenate([left_t, right_t], axis=1)  # ascending
    K = targets.shape[1]
    inc = P.inc[:, None]
    # each level set is solved in the distance u from its nearer end (exact coordinate)
    side_left = np.where(inc, lg_mid[:, None] > targets, lg_mid[:, None] < targets)
    inc_u = inc == side_left
    Hc = np.broadcast_to(half[:, None], (n, K))
    lo = np.zeros((n, K))
    hi = Hc.copy()
    u = 0.5 * Hc
    tinyc = np.broadcast_to(tiny[:, None], (n, K))
    active = np.ones((n, K), dtype=bool)
    Lc = L[:, None]
    for _ in range(_N_ITER):
        rows = np.nonzero(active.any(axis=1))[0]
        if rows.size == 0:
            break
        uu = u[rows]
        sl = side_left[rows]
        t, e = _te(uu, Lc[rows], sl)
        with np.errstate(all="ignore"):
            lg, d = P.logg(t, e, idx=rows, deriv=True)
            d = np.where(sl, d, -d)  # d/du
            f = lg - targets[rows]  # inf - inf (NaN) is handled just below
        up = (f < 0) == inc_u[rows]  # root lies at larger u
        up = np.where(np.isnan(f), uu < 0.5 * Hc[rows], up)
        lo_r = np.where(up, uu, lo[rows])
        hi_r = np.where(up, hi[rows], uu)
        with np.errstate(all="ignore"):
            step = f / d
            # Newton in log u near the end (log-like behaviour), linear elsewhere
            newton = np.where(uu < 0.1 * Hc[rows], uu * np.exp(-np.clip(step / uu, -50, 50)),
                              uu - step)
            geo = np.sqrt(np.maximum(lo_r, tinyc[rows]) * hi_r)
        wide = hi_r > 8.0 * np.maximum(lo_r, tinyc[rows])
        # geometric bisection while the bracket spans decades, then safeguarded Newton
        ok = np.isfinite(newton) & (newton > lo_r) & (newton < hi_r) & ~wide
        new = np.where(ok, newton, np.where(wide, geo, 0.5 * (lo_r + hi_r)))
        conv = np.abs(f) <= 1e-14 * (1.0 + np.abs(targets[rows]))
        conv |= (hi_r - lo_r) <= 4e-16 * hi_r
        lo[rows], hi[rows] = lo_r, hi_r
        u[rows] = np.where(conv, uu, new)
        active[rows] = active[rows] & ~conv
    u = np.clip(u, 0.0, Hc)
    # boundaries in theta order: left end, left-side roots, middle, right-side roots, right end
    order = np.where(inc, np.arange(K)[None, :], np.arange(K)[None, ::-1])
    ru = np.take_along_axis(u, order, axis=1)
    rside = np.take_along_axis(side_left, order, axis=1)
    nl = rside.sum(axis=1)
    rank = np.arange(K)[None, :] + 1 + (~rside)
    B = np.empty((n, K + 3))
    B[:, 0] = 0.0
    B[:, -1] = 0.0
    np.put_along_axis(B, rank, ru, axis=1)
    B[np.arange(n), nl + 1] = half
    pidx = np.arange(K + 2)[None, :]
    pleft = pidx <= nl[:, None]
    la_ = np.where(pleft, B[:, :-1], B[:, 1:])
    lb_ = np.where(pleft, B[:, 1:], B[:, :-1])
    la_ = np.maximum(la_, 0.0)
    # panels touching an end: u = b w^K_END (integrands are bounded and behave like powers of
    # the distance to the end); panels spanning a wide ratio: u = a + (b - a) w^K_WIDE
    # (power-law flanks of g); other panels: plain Gauss-Legendre
    touch = la_ <= 1e-18 * lb_
    la_ = np.where(touch, 0.0, la_)
    wide = ~touch & (lb_ > 2.0 * la_)
    kexp = np.where(touch, _K_END, np.where(wide, _K_WIDE, 1.0))
    # wide panels spanning more than _SPLIT_RATIO are cut into geometric pieces of ratio
    # <= _SPLIT_RATIO (each still graded): one graded panel over 3+ decades missed 1e-10
    with np.errstate(all="ignore"):
        m = np.where(wide & (lb_ > _SPLIT_RATIO * la_),
                     np.minimum(np.ceil(np.log(lb_ / la_) / np.log(_SPLIT_RATIO)), _MAX_SPLIT),
                     1.0).astype(np.int64)
    # flat list of (sub)panels: owning point, side, grading and end points
    mf = m.ravel()
    pt = np.repeat(np.repeat(np.arange(n), la_.shape[1]), mf)
    first = np.repeat(np.cumsum(mf) - mf, mf)
    sub = np.arange(pt.size) - first
    mm = np.repeat(mf, mf).astype(float)
    pa, pb = np.repeat(la_.ravel(), mf), np.repeat(lb_.ravel(), mf)
    with np.errstate(all="ignore"):
        ratio = pb / pa
        sa = np.where(mm > 1, pa * ratio ** (sub / mm), pa)
        sb = np.where((mm > 1) & (sub < mm - 1), pa * ratio ** ((sub + 1) / mm), pb)
    ks = np.repeat(kexp.ravel(), mf)[:, None]
    h = (sb - sa)[:, None]
    wk = _GL_X ** (ks - 1.0)
    nodes = sa[:, None] + h * wk * _GL_X
    wts = h * ks * wk * _GL_W
    Lp = L[pt][:, None]
    empty = ~(sb > sa)[:, None]
    nodes = np.where(empty, 0.5 * Lp, nodes)
    wts = np.where(empty | ~np.isfinite(wts), 0.0, wts)
    from_left = np.repeat(pleft.ravel(), mf)[:, None]
    t, e = _te(nodes, Lp, from_left)
    lgmin_p = lgmin[pt]
    gref_p = gref_pos[pt]

    def _per_point(v):
        return np.bincount(pt, weights=np.sum(v, axis=1), minlength=n)

    with np.errstate(all="ignore"):
        lg = P.logg(t, e, idx=pt)
        dl = lg - lgmin_p[:, None]
        lgminc = lgmin_p[:, None]
        # g - g_ref, computed without overflow
        gdiff = np.where(gref_p[:, None], np.exp(lgminc + np.log(np.expm1(np.maximum(dl, 0)))),
                         np.exp(lg))
        dens = np.exp(lg - gdiff)  # g e^{-(g - g_ref)}
        dens = np.where(np.isnan(dens), 0.0, dens)
        ipdf = _per_point(wts * dens)
        logI = J = None
        if want_cdf:
            ex = np.exp(-gdiff)
            ex = np.where(np.isnan(ex), 0.0, ex)
            logI = np.log(_per_point(wts * ex)) - np.where(gref_pos, np.exp(lgmin), 0.0)
            logI = np.where(np.isneginf(logI) & gref_pos, -np.exp(lgmin), logI)
            om = -np.expm1(-np.exp(lg))
            om = np.where(np.isnan(om), np.where(lg > 0, 1.0, 0.0), om)
            J = _per_point(wts * om)
        lint = np.log(ipdf) - np.where(gref_pos, np.exp(lgmin), 0.0)
        # g_min so large that g - g_min is below the resolution of g (relative 1e-16): the
        # integral underflows, but log f = -g_min (1 + O(1e-14)) is still exact relative
        lint = np.where((ipdf == 0) & gref_pos, -np.exp(lgmin), lint)
        # g_min > 1.8e308: log f < -1.8e308 is not representable, -inf is the right answer
        lint = np.where(lgmin > np.log(np.finfo(float).max), -np.inf, lint)
    return lint, logI, J


_JIT_STATE: dict = {}


def _integrator():
    """The compiled integration kernel when numba is importable, else the numpy one.

    numba is optional (extra ``fast``); ``STABLECHECK_NO_NUMBA=1`` forces the numpy path.
    """
    fn = _JIT_STATE.get("fn")
    if fn is None:
        fn = _integrate
        if os.environ.get("STABLECHECK_NO_NUMBA", "") not in ("1", "true", "yes"):
            try:
                from ._numerics_jit import integrate_jit
                fn = integrate_jit
            except ImportError:  # numba not installed
                pass
            except RuntimeError:  # numba present but unusable here (e.g. no cache location)
                pass
        _JIT_STATE["fn"] = fn
    return fn


def _direct(x, a, b, want_cdf, x0=None):
    """Exact engine without the alpha ~ 1 window; returns logpdf, logcdf, logsf.

    ``x0`` (optional) is x - zeta computed by the caller without rounding zeta (e.g. the S1
    variable); by default it is x + beta / tau, exact up to the rounding of zeta.
    """
    from . import _shared  # imports this module: kept out of the module's import time
    n = x.size
    logpdf = np.full(n, -np.inf)
    logcdf = np.full(n, -np.inf)
    logsf = np.full(n, -np.inf)
    one = a == 1.0
    with np.errstate(all="ignore"):
        tau = np.tan(HALF_PI * (1.0 - a))
        if x0 is None:
            x0 = x + b / np.where(one, 1.0, tau)
        x0 = np.where(one, x, x0)
    # x0 = 0: the representation has log x0 = -inf; f(zeta), F(zeta) in closed form.  Near
    # zeta the integral degenerates (the spike of g e^{-g} moves to within ~|x0| of an end:
    # at alpha >= 1.5 it is 3e-12..2e-9 off below |x0| ~ 1e-25; near alpha = 1 it fails below
    # ~1e-60 |zeta|).  Away from alpha = 1 the series about zeta takes over; within
    # SER_ALPHA1 of alpha = 1 (|zeta| > 30, f varies on the scale |zeta|) f(zeta) itself is
    # used for |x0| <= 1e-15 max(1, |zeta|) (measured within 2e-13 of the integral there).
    # Not for small alpha: at alpha = 0.1 the density varies on the scale |x0| ~ 1e-12 near
    # zeta (f(zeta) is 4.6e-5 off at |x0| = 1e-16; at alpha = 0.05 a factor e^11.6).
    with np.errstate(all="ignore"):
        near1 = (np.abs(a - 1.0) <= SER_ALPHA1) & \
            (np.abs(x0) <= 1e-15 * np.maximum(1.0, np.abs(b / tau)))
    at_z = (~one) & ((x0 == 0.0) | near1) & ~((a < 1) & (np.abs(b) == 1.0))
    # near zeta (alpha away from 1): the series about zeta where it converges to 1e-17
    ser = (~one) & (np.abs(a - 1.0) > SER_ALPHA1) & ~((a < 1) & (np.abs(b) == 1.0)) & \
        (np.abs(x0) <= SER_XMAX)
    if np.any(ser):
        iz = np.nonzero(ser)[0]
        sp, sc_, ss, ok = series_near_zeta(x0[iz], a[iz], b[iz])
        iz = iz[ok]
        logpdf[iz], logcdf[iz], logsf[iz] = sp[ok], sc_[ok], ss[ok]
        ser[:] = False
        ser[iz] = True
        at_z &= ~ser
    refl = np.where(one, b < 0, x0 < 0)
    xr = np.where(refl, -x, x)
    x0r = np.where(refl, -x0, x0)
    br = np.where(refl, -b, b)
    if np.any(at_z):
        # the k = 0 term of the series about zeta: cos(theta0) and F(zeta) = (pi/2 -
        # theta0)/pi from pi/2 - |theta0| without cancellation (|theta0| -> pi/2 as alpha -> 1)
        lp, lc, ls, _ = series_near_zeta(np.zeros(int(at_z.sum())), a[at_z], b[at_z])
        logpdf[at_z] = np.where(np.isnan(lp), -np.inf, lp)  # support end of |beta| = 1
        logcdf[at_z], logsf[at_z] = lc, ls
    cau = one & (b == 0.0)  # Cauchy (window node at alpha = 1 with beta = 0)
    if np.any(cau):
        from ._special import closed_form
        logpdf[cau], logcdf[cau], logsf[cau] = closed_form(x[cau], a[cau], b[cau])
    gen = ~at_z & ~cau & ~ser
    if np.any(gen):
        ia = np.nonzero(gen)[0]
        P = _Problem(xr[ia], a[ia], br[ia], x0r[ia])
        valid = P.L > 0
        lp = np.full(ia.size, -np.inf)
        lI = np.full(ia.size, -np.inf)
        J = np.zeros(ia.size)
        for grp in (valid & P.one, valid & ~P.one):  # keep each problem single-branch
            if not np.any(grp):
                continue
            iv = np.nonzero(grp)[0]
            Pv = P if iv.size == ia.size else _Problem(xr[ia][iv], a[ia][iv], br[ia][iv],
                                                       x0r[ia][iv])
            lint, logI, Jv = _shared.integrate_any(Pv, want_cdf)
            av = Pv.a
            with np.errstate(divide="ignore"):
                pref = np.where(Pv.one, -np.log(2.0 * np.abs(Pv.b)),
                                np.log(av) - LOG_PI - np.log(np.abs(Pv.am1)) - Pv.lx0)
            lp[iv] = pref + lint
            if want_cdf:
                lI[iv], J[iv] = logI, Jv
        logpdf[ia] = lp
        if want_cdf:
            ag = a[ia]
            with np.errstate(all="ignore"):
                lIpi = lI - LOG_PI
                c1 = P.psi / PI  # alpha < 1 constant
                lc_gt = np.log1p(-np.exp(lIpi))
                ls_gt = lIpi
                lc_lt = np.logaddexp(np.log(c1), lIpi)
                ls_lt = np.log(J) - LOG_PI
                lc = np.where(ag > 1, lc_gt, np.where(ag < 1, lc_lt, lIpi))
                ls = np.where(ag > 1, ls_gt, ls_lt)
            r = refl[ia]
            # probabilities <= 1: c1 + I/pi may round to 1 + few ulp
            logcdf[ia] = np.minimum(np.where(r, ls, lc), 0.0)
            logsf[ia] = np.minimum(np.where(r, lc, ls), 0.0)
    return logpdf, logcdf, logsf


def std_eval(x, a, b, want_cdf: bool = True, x0=None):
    """Standard S0 log pdf, log cdf and log sf at flat float64 arrays ``x, a, b``.

    ``x0``, optional, is x - zeta computed without rounding zeta (the S1 variable); it is
    used where alpha != 1 and the direct formula applies.  Closed forms are not applied here
    (see ``_special``); the alpha ~ 1 window is.
    """
    x, a, b = (np.ascontiguousarray(v, dtype=np.float64) for v in (x, a, b))
    if x0 is not None:
        x0 = np.ascontiguousarray(x0, dtype=np.float64)
    out = [np.empty(x.size) for _ in range(3)]
    # far tails near alpha = 1 (alpha = 1 included): tail series / interpolation in alpha
    ft = far_tail(x, a, b)
    far = ft[3]
    for o, v in zip(out, ft[:3], strict=False):
        o[far] = v[far]
    # beta away from 0: the tau-rewritten direct formula has no cancellation (see notes)
    win = (np.abs(a - 1.0) < ALPHA1_WINDOW) & (a != 1.0) & (np.abs(b) < _WINDOW_BETA) & ~far
    dirm = ~win & ~far
    if np.any(dirm):
        r = _direct(x[dirm], a[dirm], b[dirm], want_cdf, None if x0 is None else x0[dirm])
        for o, v in zip(out, r, strict=True):
            o[dirm] = v
    if np.any(win):
        xs, as_, bs = x[win], a[win], b[win]
        h = ALPHA1_WINDOW
        offs = np.array([-2.0, -1.0, 0.0, 1.0, 2.0]) * h
        m = xs.size
        res = _direct(np.tile(xs, 5), np.repeat(1.0 + offs, m), np.tile(bs, 5), want_cdf)
        u = (as_ - 1.0)
        # Lagrange weights at u for nodes offs
        w = np.ones((5, m))
        for i in range(5):
            for j in range(5):
                if i != j:
                    w[i] *= (u - offs[j]) / (offs[i] - offs[j])
        direct = None
        for k in range(3):
            V = res[k].reshape(5, m)
            good = np.all(np.isfinite(V), axis=0)
            val = np.sum(w * np.where(np.isfinite(V), V, 0.0), axis=0)
            if not np.all(good):  # a node fell outside the support (beta = +-1): go direct
                if direct is None:
                    direct = _direct(xs, as_, bs, want_cdf)
                val = np.where(good, val, direct[k])
            out[k][win] = val
    return out[0], out[1], out[2]
