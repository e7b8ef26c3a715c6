"""Fast tabulated S0 log-density: a tensor-product quintic B-spline in (s, alpha, b).

Coordinates (standardised S0 variable z >= 0; z < 0 by the exact reflection
f(z; alpha, beta) = f(-z; alpha, -beta)):

* ``s = asinh(z / C)`` with ``C = 0.5``: uniform knots (spacing 0.02) over the body
  ``0 <= z <= 20``, then spacing growing geometrically (5 % per knot) to
  ``s_max = asinh(2e8)``.  In ``s`` the power-law tail ``log f ~ log c+ - (1 + alpha) log z``
  is linear and the corrections are smooth powers of ``e^{-s}``, so coarse knots suffice there.
* ``alpha`` itself: spacing 0.00833 on [0.75, 0.95] (the alpha < 1 mode sharpens), 0.0125 on
  [0.95, 1.9].
* ``b = atanh(beta)``: the thin-side tail of ``|beta| -> 1`` behaves like ``log(1 +- beta)``,
  which is a smooth (softplus-like) function of ``b``.  The b nodes are denser at beta = 0
  (``b = bmax sinh(0.8 u) / sinh(0.8)``, u uniform): for alpha < 1 the mode region moves fastest
  with beta near beta = 0.

The tabulated value is the exact engine's log density at the nodes minus the analytic
:func:`lead_term` (Gaussian body + exact power-law tail coefficient), interpolated by a
not-a-knot quintic along each axis (``tools/build_stable_table.py`` writes the coefficients).
The knots span alpha in [0.75, 1.9] and |beta| <= 0.9; :func:`load` advertises the part where
the measured error meets the acceptance bounds, alpha in [0.81, 1.86], |beta| <= 0.875
(``docs/stable.md``, "Fast table": below 0.81 the mode region at beta ~ 0, for |beta| > 0.875
the thin side next to the b knots' end, above 1.86 the Gaussian/power-law crossover that moves
like log(2 - alpha) miss 1e-8).
Beyond ``z_max = C sinh(s_max)`` (= 1e8) the tail is continued analytically as the pure power
law ``T(s_max) - (1 + alpha) log(z / z_max)`` (the neglected relative correction is
O(z^-alpha) for alpha < 1, O(log z / z) at alpha = 1 and O(1 / z) above: measured within
3e-8 relative at alpha = 0.81, see ``docs/stable.md``).

Outside the covered parameter box the table either falls back to the exact engine (default)
or raises ``ValueError``.
"""

from __future__ import annotations

import functools
import os
from importlib import resources

import numpy as np
from scipy.interpolate import BSpline, PPoly

from .._validation import check_stable_params, check_stable_x, check_table_domain

__all__ = ["StableTable", "load", "grid_nodes", "TABLE_FILE", "K"]

K = 5  # quintic
C = 0.5
ALPHA_RANGE = (0.75, 1.9)
BETA_MAX = 0.9
N_ALPHA = 101  # spacing 0.0125 on [0.95, 1.9], 0.00833 on [0.75, 0.95]
ALPHA_FINE_END = 0.95
N_ALPHA_FINE = 24
N_B = 87  # b = atanh(beta) nodes: bmax sinh(B_LAMBDA u) / sinh(B_LAMBDA), u uniform in [-1, 1]
B_LAMBDA = 0.8  # node spacing in b: 0.031 at beta = 0 (alpha < 0.9 needs it), 0.041 at 0.9
S_BODY = 4.4  # z = C sinh(4.4) ~ 20.3
H_S = 0.02
S_GROWTH = 1.05
Z_MAX = 1e8
# domain advertised by load() (inside the knot span; see docs/stable.md for the measurement)
DOMAIN_ALPHA = (0.81, 1.86)
DOMAIN_BETA_MAX = 0.875  # the b knots end at 0.9: the last 0.025 misses 1e-8 for alpha < 0.86
TABLE_FILE = "stable_table.npz"
_CHUNK = 4096  # points per tensor gather (bounds the (n, 216) temporary)
FORMAT_VERSION = 2  # 2: the table holds log f minus lead_term


def grid_nodes() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Interpolation nodes ``(s, alpha, b)`` of the table (``b = atanh(beta)``)."""
    s = list(np.linspace(0.0, S_BODY, int(round(S_BODY / H_S)) + 1))
    s_max = np.arcsinh(Z_MAX / C)
    h = H_S
    while s[-1] < s_max:
        h *= S_GROWTH
        s.append(s[-1] + h)
    s = np.array(s)
    s[-1] = max(s[-1], s_max)
    a = np.concatenate([np.linspace(ALPHA_RANGE[0], ALPHA_FINE_END, N_ALPHA_FINE + 1)[:-1],
                        np.linspace(ALPHA_FINE_END, ALPHA_RANGE[1], N_ALPHA - N_ALPHA_FINE)])
    bmax = np.arctanh(BETA_MAX)
    b = bmax * np.sinh(B_LAMBDA * np.linspace(-1.0, 1.0, N_B)) / np.sinh(B_LAMBDA)
    b[0], b[-1] = -bmax, bmax
    return s, a, b


def _basis(t: np.ndarray, x: np.ndarray, want_d: bool):
    """Degree-K B-spline basis at ``x`` for knots ``t`` (Cox-de Boor, vectorised).

    Returns the index of the first non-zero basis function, the K + 1 values and (optionally)
    their derivatives, each of shape (n, K + 1).
    """
    n_coef = t.size - K - 1
    i = np.searchsorted(t, x, side="right") - 1
    i = np.clip(i, K, n_coef - 1)
    left = [None] + [x - t[i + 1 - j] for j in range(1, K + 1)]
    right = [None] + [t[i + j] - x for j in range(1, K + 1)]
    N = [np.ones_like(x)]
    prev = None
    for j in range(1, K + 1):
        if j == K:
            prev = N
        saved = np.zeros_like(x)
        new = []
        for r in range(j):
            temp = N[r] / (right[r + 1] + left[j - r])
            new.append(saved + right[r + 1] * temp)
            saved = left[j - r] * temp
        new.append(saved)
        N = new
    W = np.stack(N, axis=1)
    dW = None
    if want_d:
        # dB_{j,K} = K [B_{j,K-1}/(t_{j+K}-t_j) - B_{j+1,K-1}/(t_{j+K+1}-t_{j+1})], j = i-K+r
        d = []
        for r in range(K + 1):
            j = i - K + r
            term = np.zeros_like(x)
            if r >= 1:
                term = term + prev[r - 1] / (t[j + K] - t[j])
            if r <= K - 1:
                term = term - prev[r] / (t[j + K + 1] - t[j + 1])
            d.append(K * term)
        dW = np.stack(d, axis=1)
    return i - K, W, dW


class StableTable:
    """Tabulated standard S0 log-density with analytic derivatives.

    Use :func:`load` (or ``stablecheck.stable.table()``) rather than the constructor.

    Attributes
    ----------
    alpha_range : tuple of float
        Closed interval of alpha covered by the table.
    beta_range : tuple of float
        Closed interval of beta covered by the table.
    z_max : float
        Standardised |x| beyond which the tail is continued as an exact power law.
    """

    def __init__(self, coef: np.ndarray, t_s: np.ndarray, t_a: np.ndarray, t_b: np.ndarray,
                 c: float, z_max: float, alpha_range: tuple[float, float] | None = None,
                 beta_max: float | None = None):
        self.coef = np.ascontiguousarray(coef, dtype=np.float64)
        self.t_s, self.t_a, self.t_b = t_s, t_a, t_b
        self.c = float(c)
        self.z_max = float(z_max)
        self.s_max = float(np.arcsinh(self.z_max / self.c))
        # the advertised domain: at most the knot span (narrower where the measured error
        # near the knot span's edge does not meet the acceptance bounds)
        lo, hi = alpha_range if alpha_range is not None else (t_a[0], t_a[-1])
        self.alpha_range = (max(float(lo), float(t_a[0])), min(float(hi), float(t_a[-1])))
        bmax = float(np.tanh(t_b[-1]))  # the ulp beyond it is a harmless extrapolation
        bmax = bmax if beta_max is None else min(float(beta_max), bmax + 1e-12)
        self.beta_range = (-bmax, bmax)
        ns, na, nb = self.coef.shape
        self._flat = self.coef.ravel()
        # breakpoints of the s-pieces, as PPoly.from_spline lays them out
        self._brk = PPoly.from_spline(BSpline(t_s, np.zeros(ns), K)).x
        r = np.arange(K + 1)
        self._off = ((r[:, None, None] * na + r[None, :, None]) * nb + r[None, None, :]).ravel()
        # knots with their reciprocal spans and guide tables, for the compiled kernels
        self._ax = tuple(axis_bundle(t) for t in (t_s, t_a, t_b))

    # ------------------------------------------------------------------ core evaluation
    def _std(self, z, a, b, want_grad, fixed):
        """Standard S0 log-density (and d/dz, d/dalpha, d/dbeta) inside the table box.

        ``fixed``: alpha and beta are one scalar each (the likelihood-fitting case).
        """
        if z.size == 0:
            return tuple(np.empty(0) for _ in range(4 if want_grad else 1))
        kern = _jit_kernel(2 if fixed else 3)
        if kern is not None and fixed:
            res = self._fixed_jit(z, float(a[0]), float(b[0]), want_grad, kern)
            return res if want_grad else res[:1]
        if kern is not None and not want_grad:  # per-point values: one fused loop
            consts = np.array([self.c, self.z_max, _LOG_2SQRTPI, _LOG_PI])
            return (kern(self.coef, *self._ax, consts, np.ascontiguousarray(z, dtype=float),
                         np.ascontiguousarray(a, dtype=float),
                         np.ascontiguousarray(b, dtype=float)),)
        refl = z < 0
        zr = np.abs(z)
        s = np.arcsinh(zr * (1.0 / self.c))
        far_any = bool(zr.size) and float(zr.max()) > self.z_max
        if far_any:
            far = zr > self.z_max
            s = np.minimum(s, self.s_max)
        if fixed:
            out = self._fixed(s, float(a[0]), float(b[0]), refl, want_grad)
        else:
            bb = np.arctanh(np.where(refl, -b, b))
            jit = _jit_kernel()
            if jit is not None:
                res = jit(self.coef, *self._ax, np.ascontiguousarray(s),
                          np.ascontiguousarray(a, dtype=np.float64), bb, want_grad)
                out = res if want_grad else res[:1]
            else:
                parts = [self._mixed(s[i:i + _CHUNK], a[i:i + _CHUNK], bb[i:i + _CHUNK],
                                     want_grad) for i in range(0, z.size, _CHUNK)]
                out = tuple(np.concatenate(p) for p in zip(*parts, strict=True))
        br = np.where(refl, -b, b)
        zc = np.minimum(zr, self.z_max) if far_any else zr
        # one (alpha, beta): the lead term's special functions once, not per point
        lead = lead_term(zc, a[:1] if fixed else a, br, want_grad)
        val = out[0] + (lead[0] if want_grad else lead)
        if far_any:
            logr = np.log(np.where(far, zr, 1.0) / self.z_max)
            val = np.where(far, val - (1.0 + a) * logr, val)
        if not want_grad:
            return (val,)
        _, d_s, d_a, d_bb = out
        dz = d_s / np.hypot(zr, self.c) + lead[1]
        d_a = d_a + lead[2]
        if far_any:
            dz = np.where(far, -(1.0 + a) / np.where(far, zr, 1.0), dz)
            d_a = np.where(far, d_a - logr, d_a)
        d_b = d_bb / (1.0 - b * b) + lead[3]  # d atanh(beta)/d beta is even in beta
        sign = np.where(refl, -1.0, 1.0)
        return val, sign * dz, d_a, sign * d_b

    def _fixed_jit(self, z, a0, b0, want_grad, kern):
        """One (alpha, beta) in the compiled kernel: contract alpha and b (for beta and, for
        the reflected points, -beta) into 1-D splines in s, pass the lead term's constants."""
        from scipy.special import digamma, gammaln
        i_a, Wa, dWa = _basis(self.t_a, np.array([a0]), want_grad)
        i_a = int(i_a[0])
        rows = []
        for bv in (b0, -b0):
            i_b, Wb, dWb = _basis(self.t_b, np.array([np.arctanh(bv)]), want_grad)
            blk = self.coef[:, i_a:i_a + K + 1, i_b[0]:i_b[0] + K + 1]
            cb = blk @ Wb[0]
            rows.append(cb @ Wa[0])
            rows.append(cb @ dWa[0] if want_grad else rows[-1])
            rows.append(blk @ dWb[0] @ Wa[0] if want_grad else rows[-1])
        lpc = float(gammaln(1.0 + a0) + np.log(np.sin(0.5 * np.pi * a0)) - _LOG_PI)
        consts = np.array([a0, b0, np.log1p(b0) + lpc, np.log1p(-b0) + lpc,
                           digamma(1.0 + a0) + 0.5 * np.pi / np.tan(0.5 * np.pi * a0), self.c,
                           self.z_max, 1.0 / (1.0 - b0 * b0), _LOG_2SQRTPI])
        return kern(self._ax[0], np.ascontiguousarray(np.stack(rows)), consts,
                    np.ascontiguousarray(z, dtype=np.float64), want_grad)

    def _mixed(self, s, a, bb, want_grad):
        """Full tensor evaluation: 6 x 6 x 6 coefficients per point."""
        n = s.size
        _, na, nb = self.coef.shape
        i_s, Ws, dWs = _basis(self.t_s, s, want_grad)
        i_a, Wa, dWa = _basis(self.t_a, a, want_grad)
        i_b, Wb, dWb = _basis(self.t_b, bb, want_grad)
        base = (i_s * na + i_a) * nb + i_b
        G = self._flat[base[:, None] + self._off[None, :]].reshape(n, K + 1, K + 1, K + 1)
        Hb = np.einsum("nrpq,nq->nrp", G, Wb)
        Ha = np.einsum("nrp,np->nr", Hb, Wa)
        val = np.einsum("nr,nr->n", Ha, Ws)
        if not want_grad:
            return (val,)
        d_s = np.einsum("nr,nr->n", Ha, dWs)
        d_a = np.einsum("nr,nr->n", np.einsum("nrp,np->nr", Hb, dWa), Ws)
        Hdb = np.einsum("nrpq,nq->nrp", G, dWb)
        d_bb = np.einsum("nr,nr->n", np.einsum("nrp,np->nr", Hdb, Wa), Ws)
        return val, d_s, d_a, d_bb

    def _fixed(self, s, a0, b0, refl, want_grad):
        """One (alpha, beta): contract alpha and b once into piecewise quintics in s and
        evaluate them by Horner's rule; the reflected points use -beta."""
        n = s.size
        i_a, Wa, dWa = _basis(self.t_a, np.array([a0]), want_grad)
        out = [np.empty(n) for _ in range(4 if want_grad else 1)]
        groups = [(None, b0)] if b0 == 0.0 else [(~refl, b0), (refl, -b0)]
        for m, bv in groups:
            if m is not None and not np.any(m):
                continue
            i_b, Wb, dWb = _basis(self.t_b, np.array([np.arctanh(bv)]), want_grad)
            blk = self.coef[:, i_a[0]:i_a[0] + K + 1, i_b[0]:i_b[0] + K + 1]
            cols = [blk @ Wb[0] @ Wa[0]]
            if want_grad:
                cols += [blk @ Wb[0] @ dWa[0], blk @ dWb[0] @ Wa[0]]
            sm = s if m is None else s[m]
            jit = _jit_kernel(1)
            if jit is not None:  # compiled 1-D B-spline evaluation
                c_a, c_b = (cols[1], cols[2]) if want_grad else (cols[0], cols[0])
                res = jit(self._ax[0], cols[0], c_a, c_b, np.ascontiguousarray(sm), want_grad)
                for o, r in zip(out, res, strict=False):
                    if m is None:
                        o[:] = r
                    else:
                        o[m] = r
                continue
            pps = [PPoly.from_spline(BSpline(self.t_s, c, K)).c for c in cols]
            j = np.searchsorted(self._brk, sm, side="right") - 1
            np.clip(j, 0, self._brk.size - 2, out=j)
            ds = sm - self._brk[j]
            res = [_horner(pps[0], j, ds)]
            if want_grad:
                dc = pps[0][:-1] * np.arange(K, 0, -1)[:, None]  # d/ds of each piece
                res += [_horner(dc, j, ds), _horner(pps[1], j, ds), _horner(pps[2], j, ds)]
            for o, r in zip(out, res, strict=True):
                if m is None:
                    o[:] = r
                else:
                    o[m] = r
        return tuple(out)

    # ------------------------------------------------------------------ public methods
    def covers(self, alpha, beta):
        """Whether (alpha, beta) lies in the domain where the table meets its accuracy bounds.

        Parameters
        ----------
        alpha, beta : array_like
            Stable parameters (broadcast); not validated beyond the comparison.

        Returns
        -------
        bool or ndarray of bool
            True where ``alpha_range[0] <= alpha <= alpha_range[1]`` and likewise for beta:
            there :meth:`logpdf` uses the table; elsewhere it falls back to the exact engine
            (or raises with ``outside="raise"``).  The likelihood fitter uses the table when it
            covers the start and confines its search to this box.
        """
        a, b = np.broadcast_arrays(np.asarray(alpha, dtype=np.float64),
                                   np.asarray(beta, dtype=np.float64))
        inside = check_table_domain(a, b, self.alpha_range, self.beta_range, raise_=False)
        return bool(inside) if inside.ndim == 0 else inside

    def _prepare(self, x, alpha, beta, scale, loc, outside):
        from .._validation import check_option
        outside = check_option("outside", outside, ("exact", "raise"))
        a, b, s, m = check_stable_params(alpha, beta, scale, loc)
        fixed = a.size == 1 and b.size == 1
        x = check_stable_x(x)
        x, a, b, s, m = np.broadcast_arrays(x, a, b, s, m)
        shape = x.shape
        z = ((x - m) / s).ravel()
        a, b, s = a.ravel(), b.ravel(), s.ravel()
        inside = check_table_domain(a, b, self.alpha_range, self.beta_range, raise_=(
            outside == "raise"))
        return shape, z, a, b, s, inside, fixed

    def logpdf(self, x, alpha, beta, scale=1.0, loc=0.0, *, outside="exact"):
        """S0 log-density from the table (broadcasting, like ``stable.logpdf(..., param="S0")``).

        Parameters
        ----------
        x, alpha, beta, scale, loc : array_like
            As in :func:`stablecheck.stable.logpdf` with ``param="S0"``.
        outside : {"exact", "raise"}, keyword-only
            Points with alpha or beta outside ``alpha_range``/``beta_range``: evaluate them
            with the exact engine (default) or raise ``ValueError``.

        Returns
        -------
        ndarray or float
        """
        shape, z, a, b, s, inside, fixed = self._prepare(x, alpha, beta, scale, loc, outside)
        fin = np.isfinite(z)
        if fin.all() and inside.all():
            out = self._std(z, a, b, False, fixed)[0]
        else:
            out = np.full(z.size, -np.inf)
            tab = inside & fin
            if np.any(tab):
                out[tab] = self._std(z[tab], a[tab], b[tab], False, fixed)[0]
            ex = ~inside & fin
            if np.any(ex):
                out[ex] = _exact(z[ex], a[ex], b[ex])
        out = out - (np.log(s[0]) if s.size and fixed and np.all(s == s[0]) else np.log(s))
        return out.reshape(shape)[()] if shape == () else out.reshape(shape)

    def logpdf_grad(self, x, alpha, beta, scale=1.0, loc=0.0, *, outside="exact"):
        """Log-density and its derivatives with respect to alpha, beta, scale and loc.

        Parameters
        ----------
        x, alpha, beta, scale, loc, outside
            As in :meth:`logpdf`.

        Returns
        -------
        tuple of ndarray
            ``(logpdf, d/dalpha, d/dbeta, d/dscale, d/dloc)``, each of the broadcast shape.
            Inside the table the derivatives are the exact derivatives of the spline; points
            evaluated by the exact engine (``outside="exact"``) get central differences
            (step 1e-5, one-sided at the parameter bounds; accurate to about 1e-6).
        """
        shape, z, a, b, s, inside, fixed = self._prepare(x, alpha, beta, scale, loc, outside)
        n = z.size
        val = np.full(n, -np.inf)
        dz, da, db = np.zeros(n), np.zeros(n), np.zeros(n)
        fin = np.isfinite(z)
        tab = inside & fin
        if np.any(tab):
            val[tab], dz[tab], da[tab], db[tab] = self._std(z[tab], a[tab], b[tab], True, fixed)
        ex = ~inside & fin
        if np.any(ex):
            val[ex], dz[ex], da[ex], db[ex] = _exact_grad(z[ex], a[ex], b[ex])
        dscale = -(z * dz + 1.0) / s
        dloc = -dz / s
        dscale = np.where(fin, dscale, 0.0)
        val = val - np.log(s)
        res = (val, da, db, dscale, dloc)
        return tuple(r.reshape(shape)[()] if shape == () else r.reshape(shape) for r in res)


_LOG_2SQRTPI = float(np.log(2.0 * np.sqrt(np.pi)))
_LOG_PI = float(np.log(np.pi))


def lead_term(z, a, b, want_grad=False):
    """Analytic part subtracted before tabulating: log(N(0, 2) density + c+ (1 + z^2)^(-(1+a)/2)).

    ``z >= 0``; ``c+ = (1 + b) Gamma(1 + a) sin(pi a / 2) / pi`` is the exact right-tail
    coefficient (f ~ c+ z^(-1-a)).  Its ``log sin(pi a / 2)`` is what makes log f non-polynomial
    in alpha as alpha -> 2 (the power tail fades while the Gaussian body takes over); with this
    term removed the remainder is smooth there.  Returns g and, optionally, dg/dz, dg/da, dg/db.
    """
    from scipy.special import digamma, gammaln
    l1z = np.log1p(z * z)
    lg = -0.25 * z * z - _LOG_2SQRTPI
    lp = np.log1p(b) + gammaln(1.0 + a) + np.log(np.sin(0.5 * np.pi * a)) - _LOG_PI - \
        0.5 * (1.0 + a) * l1z
    g = np.logaddexp(lg, lp)
    if not want_grad:
        return g
    w = np.exp(lp - g)  # share of the power term
    dz = (1.0 - w) * (-0.5 * z) + w * (-(1.0 + a) * z / (1.0 + z * z))
    da = w * (digamma(1.0 + a) + 0.5 * np.pi / np.tan(0.5 * np.pi * a) - 0.5 * l1z)
    db = w / (1.0 + b)
    return g, dz, da, db


_JIT_STATE: dict = {}


def _jit_kernel(which: int = 0):
    """The compiled kernels of ``_table_jit`` -- ``which`` 0: per-point tensor evaluation
    (``eval_jit``), 1: one (alpha, beta), 1-D in s (``eval1d_jit``), 2: one (alpha, beta), the
    whole of ``_std`` (``fixed_jit``), 3: per-point values, the whole of ``_std``
    (``mixed_jit``) -- when numba is importable
    and ``STABLECHECK_NO_NUMBA`` is not set, else None (numpy paths in ``StableTable``)."""
    if "fn" not in _JIT_STATE:
        fns = None
        if os.environ.get("STABLECHECK_NO_NUMBA", "") not in ("1", "true", "yes"):
            try:
                from ._table_jit import eval1d_jit, eval_jit, fixed_jit, mixed_jit
                fns = (eval_jit, eval1d_jit, fixed_jit, mixed_jit)
            except (ImportError, RuntimeError):  # numba absent or unusable here
                fns = None
        _JIT_STATE["fn"] = fns
    fns = _JIT_STATE["fn"]
    return None if fns is None else fns[which]


def axis_bundle(t: np.ndarray, per_knot: int = 4) -> tuple:
    """Knot data for the compiled basis (``_table_jit._basis``): ``(t, rc, guide, (t0, 1/h))``.

    ``rc[j, m] = 1 / (t[m + j] - t[m])`` (0 for empty spans) for j = 1..K; ``guide[g]`` is the
    last knot index at or below ``t0 + g h``, the start of bucket g of ``per_knot`` uniform
    buckets per knot over ``[t[K], t[-K-1]]``, so a point's knot interval is ``guide[g]`` plus
    a short forward walk.
    """
    t = np.ascontiguousarray(t, dtype=np.float64)
    rc = np.zeros((K + 1, t.size))
    for j in range(1, K + 1):
        d = t[j:] - t[:-j]
        rc[j, :t.size - j] = np.divide(1.0, d, out=np.zeros_like(d), where=d > 0)
    t0, t1 = float(t[K]), float(t[t.size - K - 1])
    m = per_knot * t.size
    h = (t1 - t0) / m
    guide = np.searchsorted(t, t0 + h * np.arange(m), side="right").astype(np.int64) - 1
    return t, rc, guide, np.array([t0, 1.0 / h])


def _horner(c: np.ndarray, j: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Evaluate piecewise polynomials ``c`` (highest power first, pieces in columns)."""
    v = c[0][j]
    for row in c[1:]:
        v = v * d + row[j]
    return v


def _exact(z, a, b):
    from ._distribution import _std_all
    return _std_all(z, a, b, want_cdf=False)[0]


def _exact_grad(z, a, b, h=1e-5):
    """Exact value and central-difference derivatives (fallback outside the table box)."""
    v = _exact(z, a, b)
    hz = h * np.maximum(1.0, np.abs(z))
    dz = (_exact(z + hz, a, b) - _exact(z - hz, a, b)) / (2 * hz)
    a_hi = np.minimum(a + h, 2.0)
    a_lo = np.maximum(a - h, 1e-3)
    da = (_exact(z, a_hi, b) - _exact(z, a_lo, b)) / (a_hi - a_lo)
    b_hi = np.minimum(b + h, 1.0)
    b_lo = np.maximum(b - h, -1.0)
    db = (_exact(z, a, b_hi) - _exact(z, a, b_lo)) / (b_hi - b_lo)
    return v, dz, da, db


def _data_path():
    return resources.files("stablecheck.stable").joinpath("data", TABLE_FILE)


@functools.lru_cache(maxsize=1)
def load() -> StableTable:
    """The shipped table (loaded once per process; ``allow_pickle=False``).

    Raises
    ------
    FileNotFoundError
        If the data file is missing (rebuild it with ``tools/build_stable_table.py``).
    """
    with resources.as_file(_data_path()) as p, np.load(p, allow_pickle=False) as d:
        if int(d["format_version"]) != FORMAT_VERSION:
            raise ValueError(f"{TABLE_FILE}: format {int(d['format_version'])}, expected "
                             f"{FORMAT_VERSION}; rebuild with tools/build_stable_table.py.")
        return StableTable(d["coef"], d["t_s"], d["t_a"], d["t_b"], float(d["c"]),
                           float(d["z_max"]), DOMAIN_ALPHA, DOMAIN_BETA_MAX)
