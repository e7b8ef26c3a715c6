"""Exact-engine polish of the approximate ML fit, and the exact observed information.

The approximate log-density (FFT or spline table, :mod:`._fit_mle`) differs from the exact
engine (:func:`stablecheck.stable.logpdf`, Nolan's integral) by a small, smooth function
delta(z; alpha, beta) = log f_exact - log f_approx: ~1e-11 near the centre, but 1e-4..1e-2 in
log f beyond |z| ~ 10 for alpha < 1.5 (the FFT's image removal keeps only the leading tail
term). Evaluating the exact engine at every data point in every optimiser step would cost
~0.4 ms x n per call; instead :class:`CorrectedLikelihood` evaluates it on a few dozen nodes:

* delta is computed exactly on nodes uniform in w = asinh(z) (spacing <= 0.25, covering the
  data, one node set per smooth piece of the approximation) at a stencil in (alpha, beta)
  around the anchor (step 1e-3): 3 points (forward differences) for the polish, 9 points
  (central, with corners) when the observed information is wanted; a cubic spline in w
  carries delta and its (alpha, beta) derivatives to every point, and a Taylor expansion in
  (alpha, beta) to nearby parameters;
* points where the approximation is not smooth (its round-off floor, seams) are modelled
  one by one by a second-order Taylor expansion of the exact log-density in (alpha, beta, z).

The corrected log-likelihood equals the exact one to the spline's interpolation error
(relative ~1e-4 of delta, i.e. <= 1e-6 in log f per point, checked in
``tests/stable/test_fit_polish.py`` against full exact evaluation) within a radius of the
anchor that the polish keeps small (it re-anchors after any step above 1e-3 in alpha or
beta). Cost: 3 (or 9) exact evaluations per node plus 7 (or 19) per individually modelled
point -- about 100-150 (300-450) in all, independent of n (``bench_fit`` reports them).

Below alpha = :data:`ALPHA_EXACT` the FFT density is too far off for a local correction (its
frequencies are truncated at 62.8, and its search box ends at alpha = 0.5): there the search
is redone on :class:`ExactDensity`, the exact engine itself with difference-quotient
derivatives, down to alpha = :data:`ALPHA_MIN` (7 exact evaluations per point per gradient,
~0.3-1 s at n = 2000).
"""

from __future__ import annotations

import numpy as np
from scipy.interpolate import CubicSpline

from ._distribution import _std_all
from ._fit_mle import ALPHA_LO, FFTDensity, Likelihood, StdDensity, mle_fit

__all__ = ["CorrectedLikelihood", "polish", "exact_logpdf_std", "ml_search", "ExactDensity",
           "ALPHA_EXACT", "ALPHA_MIN"]

#: below this approximate optimum the ML search is redone on the exact engine
ALPHA_EXACT = 0.75
#: lower end of the exact-engine search (the engine is validated down to alpha = 0.1)
ALPHA_MIN = 0.1
H_EXACT = 1e-5    # difference step of ExactDensity (alpha, beta; z relative to max(1, |z|))
LOG_FLOOR = -1e4  # log f the exact search sees outside the support (see logpdf_grad)

H_PAR = 1e-3      # (alpha, beta) stencil step for delta's derivatives
W_STEP = 0.25     # largest node spacing in w = asinh(z)
W_MARGIN = 0.05   # nodes extend this far beyond the data (points move during the polish)
SEAM_GAP = 0.02   # points this close (in w) to a seam are modelled individually
RE_ANCHOR = 1e-3  # polish steps in alpha/beta above this rebuild the correction
# below this |delta| at every node the polish is skipped: the correction's parameter
# derivatives were measured at <= 10 |delta| for the FFT density (a spline table with
# alpha-knots 0.05 apart would give <= 20 |delta|), i.e. <= 2e-9 per point, far below the
# optimiser's gradient tolerance of 1e-7 per point
NEGLIGIBLE = 1e-10
# stencils in (alpha, beta) / H_PAR per order: the value; forward differences (the
# correction is small and smooth, so their O(h) error is ~1e-3 of an already small term);
# central differences with corners (the full Hessian, for the observed information)
_STENCIL = {
    0: np.array([(0, 0)], dtype=np.float64),
    1: np.array([(0, 0), (1, 0), (0, 1)], dtype=np.float64),
    2: np.array([(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (1, -1), (-1, 1), (-1, -1)],
                dtype=np.float64),
}


def exact_logpdf_std(z, a, b) -> np.ndarray:
    """Exact standard S0 log-density (closed forms where they exist), broadcast."""
    z, a, b = np.broadcast_arrays(np.asarray(z, np.float64), np.asarray(a, np.float64),
                                  np.asarray(b, np.float64))
    lp, _, _ = _std_all(z, a, b, want_cdf=False)
    return lp


class ExactDensity:
    """The exact engine as a :class:`~._fit_mle.StdDensity`: log f by Nolan's integral,
    its (alpha, beta, z) derivatives by central differences (step :data:`H_EXACT`; one-sided
    second-order differences within a step of alpha = 2 or |beta| = 1). The engine's log f is
    accurate to ~1e-12, so the quotients carry ~1e-7 of noise per point: far below the
    sampling error of any estimate. One gradient costs 7 evaluations per point, grouped
    into 5 (alpha, beta) grids (the engine shares one quadrature grid per pair)."""

    name = "exact"
    seams: tuple[float, ...] = ()

    def __init__(self, alpha_min: float = ALPHA_MIN) -> None:
        self.bounds = ((alpha_min, 2.0), (-1.0, 1.0))
        self.n_points = 0    # exact evaluations so far

    def logpdf(self, z, a, b):
        z = np.asarray(z, dtype=np.float64)
        self.n_points += z.size
        return exact_logpdf_std(z, a, b)

    def logpdf_grad(self, z, a, b):
        z = np.asarray(z, dtype=np.float64)
        n, h = z.size, H_EXACT
        hz = h * np.maximum(1.0, np.abs(z))
        # (step, second step): central (h, -h), or one-sided (s, 2 s) into the box
        sa = (h, -h) if a + h <= 2.0 else (-h, -2 * h)
        sb = (h, -h) if abs(b) + h <= 1.0 else ((-h, -2 * h) if b > 0 else (h, 2 * h))
        zz = np.concatenate([z, z + hz, z - hz, z, z, z, z])
        aa = np.repeat([a, a, a, a + sa[0], a + sa[1], a, a], n)
        bb = np.repeat([b, b, b, b, b, b + sb[0], b + sb[1]], n)
        self.n_points += zz.size
        v = exact_logpdf_std(zz, aa, bb).reshape(7, n)

        def quotient(f0, f1, f2, st):
            if st[1] == -st[0]:
                return (f1 - f2) / (2 * st[0])
            return (4 * f1 - f2 - 3 * f0) / (2 * st[0])   # f1 at s, f2 at 2 s

        with np.errstate(invalid="ignore"):
            da = quotient(v[0], v[3], v[4], sa)
            db = quotient(v[0], v[5], v[6], sb)
            dz = (v[1] - v[2]) / (2 * hz)
        # a point outside the support (alpha < 1, |beta| = 1) or on its edge: log f = -inf.
        # An infinite objective stalls L-BFGS-B's line search (it stopped at a start on the
        # beta = 1 corner, 330 below the optimum), so the search sees LOG_FLOOR there, with
        # zero derivatives; logpdf (values, information, the reported likelihood) keeps -inf
        bad = ~(np.isfinite(v[0]) & np.isfinite(da) & np.isfinite(db) & np.isfinite(dz))
        if bad.any():
            da, db, dz = (np.where(bad, 0.0, t) for t in (da, db, dz))
            return np.where(np.isfinite(v[0]), v[0], LOG_FLOOR), da, db, dz
        return v[0], da, db, dz

    def untrusted(self, z, a, b):
        return np.zeros(np.shape(z), dtype=bool)


def exact_search(u: np.ndarray, p: np.ndarray, free: np.ndarray):
    """Maximise the exact log-likelihood of ``u`` from ``p`` (L-BFGS-B on
    :class:`ExactDensity`). Returns ``(p_hat, loglik, converged, message, source,
    exact_evaluations)``; ``source`` serves the observed information. A fixed alpha below
    :data:`ALPHA_MIN` moves the box's lower end down to it (the box would clip it)."""
    density = ExactDensity(ALPHA_MIN if free[0] else min(ALPHA_MIN, float(p[0])))
    source = Likelihood(u, density)
    q, _ll, conv, msg, _nit = mle_fit(source, p, free)
    # the optimiser's value may hold LOG_FLOOR terms; the likelihood is the exact one
    return q, source.value(q), conv, msg, source, density.n_points


def _centre(a: float, b: float, bounds) -> tuple[float, float]:
    """Stencil centre: (a, b) moved inside the box by H_PAR (the engine needs alpha <= 2,
    |beta| <= 1 at every stencil point)."""
    (a_lo, a_hi), (b_lo, b_hi) = bounds
    return (min(max(a, a_lo + H_PAR), min(a_hi, 2.0) - H_PAR),
            min(max(b, max(b_lo, -1.0) + H_PAR), min(b_hi, 1.0) - H_PAR))


def _derivs(v: np.ndarray, order: int) -> np.ndarray:
    """Stencil values (points of ``_STENCIL[order]``, m nodes) -> (m, 6): value, d_a, d_b,
    d_aa, d_bb, d_ab (zero beyond the order)."""
    h = H_PAR
    out = np.zeros((v.shape[1], 6))
    out[:, 0] = v[0]
    if order == 1:
        out[:, 1] = (v[1] - v[0]) / h
        out[:, 2] = (v[2] - v[0]) / h
    elif order == 2:
        out[:, 1] = (v[1] - v[2]) / (2 * h)
        out[:, 2] = (v[3] - v[4]) / (2 * h)
        out[:, 3] = (v[1] - 2 * v[0] + v[2]) / h**2
        out[:, 4] = (v[3] - 2 * v[0] + v[4]) / h**2
        out[:, 5] = (v[5] - v[6] - v[7] + v[8]) / (4 * h * h)
    return out


class CorrectedLikelihood:
    """Approximate log-likelihood + exact-engine correction, valid near ``anchor``."""

    def __init__(self, u: np.ndarray, density: StdDensity, anchor: np.ndarray,
                 order: int = 2, skip_below: float | None = None) -> None:
        """``order=2``: value, gradient and full Hessian in (alpha, beta) of the correction
        (9 exact evaluations per node; for the observed information); ``order=1``: value
        and gradient (3 per node; enough for the polish, whose curvature comes from the
        optimiser); ``order=0``: the value at ``anchor`` only (one per node; for reporting
        the log-likelihood). With ``skip_below``, the stencil is not evaluated when the
        correction at the centre is below it at every node and no point needs individual
        treatment (``self.negligible``): the correction is then kept to its value."""
        u = np.asarray(u, dtype=np.float64)
        self.n = u.size
        self.bounds = density.bounds
        a0, b0, lc0, d0 = (float(t) for t in anchor)
        if order == 0:
            self.ac, self.bc = a0, b0
        else:
            self.ac, self.bc = _centre(a0, b0, self.bounds)
        st = _STENCIL[order]
        ns = st.shape[0]
        z0 = (u - d0) * np.exp(-lc0)
        w0 = np.arcsinh(z0)
        direct = density.untrusted(z0, a0, b0) | ~np.isfinite(z0)
        seams_w = np.arcsinh(np.asarray(density.seams, dtype=np.float64))
        cuts = np.sort(np.concatenate([-seams_w, seams_w]))
        for s in cuts:
            direct |= np.abs(w0 - s) < SEAM_GAP
        self.n_exact = 0
        # smooth pieces of the approximation: one spline each
        piece = np.searchsorted(cuts, w0)
        self.pieces = []
        reg = ~direct
        stencil_a = self.ac + st[:, 0] * H_PAR
        stencil_b = self.bc + st[:, 1] * H_PAR
        plans = []  # (sel, nodes) per smooth piece
        for k in np.unique(piece[reg]):
            sel = np.flatnonzero(reg & (piece == k))
            # nodes stay SEAM_GAP / 2 off the seams (the approximation switches form there;
            # points within SEAM_GAP of a seam are direct)
            lo = max(w0[sel].min() - W_MARGIN, cuts[k - 1] + SEAM_GAP / 2 if k > 0 else -np.inf)
            hi = min(w0[sel].max() + W_MARGIN,
                     cuts[k] - SEAM_GAP / 2 if k < cuts.size else np.inf)
            m = max(4, int(np.ceil((hi - lo) / W_STEP)) + 1)
            if hi - lo < 3 * 1e-3:
                lo, hi = lo - 1e-3, hi + 1e-3
            if 2 * sel.size < m:  # a sparse far tail: cheaper point by point
                direct[sel] = True
                continue
            plans.append((sel, np.linspace(lo, hi, m)))
        # pass 1: the correction itself at the stencil centre
        zn_all = np.sinh(np.concatenate([nd for _, nd in plans])) if plans else np.empty(0)
        cuts_n = np.cumsum([0] + [nd.size for _, nd in plans])
        delta0 = self._delta(density, zn_all, stencil_a[:1], stencil_b[:1])[0]
        self.max_delta = float(np.max(np.abs(delta0), initial=0.0))
        self.negligible = bool(skip_below is not None and self.max_delta < skip_below
                               and not np.any(direct))
        if self.negligible:  # value-only correction (see skip_below)
            order, ns = 0, 1
        # pass 2: the rest of the stencil
        delta = np.empty((ns, zn_all.size))
        delta[0] = delta0
        if ns > 1:
            delta[1:] = self._delta(density, zn_all, stencil_a[1:], stencil_b[1:])
        for i, (sel, nodes) in enumerate(plans):
            dl = delta[:, cuts_n[i]:cuts_n[i + 1]]
            if not np.all(np.isfinite(dl)):  # exact or approximate -inf on a node: go direct
                direct[sel] = True
                continue
            self.pieces.append((sel, CubicSpline(nodes, _derivs(dl, order), axis=0)))
        covered = np.zeros(self.n, dtype=bool)
        for sel, _ in self.pieces:
            covered[sel] = True
        direct &= ~covered
        self.base = Likelihood(u[covered], density)
        self.u_cov = u[covered]
        self.pieces = [(np.searchsorted(np.flatnonzero(covered), sel), spl)
                       for sel, spl in self.pieces]
        self._direct_setup(u[direct], z0[direct], order)

    def _delta(self, density: StdDensity, zn: np.ndarray, sa: np.ndarray, sb: np.ndarray
               ) -> np.ndarray:
        """exact - approximate log-density at nodes ``zn`` for each (sa, sb): (len(sa), m)."""
        m = zn.size
        if m == 0:
            return np.empty((sa.size, 0))
        ex = exact_logpdf_std(np.tile(zn, sa.size), np.repeat(sa, m),
                              np.repeat(sb, m)).reshape(sa.size, m)
        self.n_exact += sa.size * m
        ap = np.stack([density.logpdf(zn, a, b) for a, b in zip(sa, sb, strict=True)])
        return ex - ap

    def _direct_setup(self, ud: np.ndarray, zd: np.ndarray, order: int) -> None:
        """Second-order Taylor model of the exact log f in (alpha, beta, z) at each point."""
        self.ud, self.zd = ud, zd
        m = ud.size
        self.n_direct = m
        if m == 0:
            return
        hz = H_PAR * (1.0 + np.abs(zd))
        offs = [(0, 0, 0)]
        for i in range(3):
            for s in (1, -1):
                e = [0, 0, 0]
                e[i] = s
                offs.append(tuple(e))
        for i, j in ((0, 1), (0, 2), (1, 2)):
            for si, sj in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
                e = [0, 0, 0]
                e[i], e[j] = si, sj
                offs.append(tuple(e))
        o = np.array(offs[:{0: 1, 1: 7, 2: 19}[order]], dtype=np.float64)  # (ns, 3)
        ns = o.shape[0]
        za = zd[None, :] + o[:, 2:3] * hz[None, :]
        aa = np.broadcast_to(self.ac + o[:, 0:1] * H_PAR, za.shape)
        bb = np.broadcast_to(self.bc + o[:, 1:2] * H_PAR, za.shape)
        v = exact_logpdf_std(za.ravel(), aa.ravel(), bb.ravel()).reshape(ns, m)
        self.n_exact += ns * m
        v = np.where(np.isfinite(v), v, -1e300)
        if ns == 1:
            zero = np.zeros(m)
            self.dcoef = (v[0], np.zeros((3, m)), np.zeros((3, m)),
                          {(0, 1): zero, (0, 2): zero, (1, 2): zero})
            return
        hh = [np.full(m, H_PAR), np.full(m, H_PAR), hz]
        g = np.empty((3, m))
        hdiag = np.empty((3, m))
        for i in range(3):
            p, q = v[1 + 2 * i], v[2 + 2 * i]
            g[i] = (p - q) / (2 * hh[i])
            hdiag[i] = (p - 2 * v[0] + q) / hh[i] ** 2
        cross = {}
        for k, (i, j) in enumerate(((0, 1), (0, 2), (1, 2))):
            if ns < 19:
                cross[(i, j)] = np.zeros(m)
                continue
            pp, pm, mp, mm = v[7 + 4 * k: 11 + 4 * k]
            cross[(i, j)] = (pp - pm - mp + mm) / (4 * hh[i] * hh[j])
        self.dcoef = (v[0], g, hdiag, cross)

    # -- source protocol ----------------------------------------------------------------
    def _eval(self, p: np.ndarray, want_grad: bool):
        a, b, lc, d = (float(t) for t in p)
        if want_grad:
            val, grad = self.base(p)
            grad = grad.copy()
        else:
            val, grad = self.base.value(p), None
        c = np.exp(lc)
        da, db = a - self.ac, b - self.bc
        basis = np.array([1.0, da, db, 0.5 * da * da, 0.5 * db * db, da * db])
        for sel, spl in self.pieces:
            z = (self.u_cov[sel] - d) / c
            w = np.arcsinh(z)
            coef = spl(w)
            val += float(np.sum(coef @ basis))
            if want_grad:
                grad[0] += float(np.sum(coef[:, 1] + da * coef[:, 3] + db * coef[:, 5]))
                grad[1] += float(np.sum(coef[:, 2] + db * coef[:, 4] + da * coef[:, 5]))
                dz = (spl(w, 1) @ basis) / np.sqrt(1.0 + z * z)
                grad[2] -= float(np.dot(z, dz))
                grad[3] -= float(np.sum(dz)) / c
        if self.n_direct:
            f0, g, hd, cr = self.dcoef
            z = (self.ud - d) / c
            dz_ = z - self.zd
            val += float(np.sum(f0 + g[0] * da + g[1] * db + g[2] * dz_
                                + 0.5 * (hd[0] * da * da + hd[1] * db * db + hd[2] * dz_ * dz_)
                                + cr[(0, 1)] * da * db + cr[(0, 2)] * da * dz_
                                + cr[(1, 2)] * db * dz_)) - self.n_direct * lc
            if want_grad:
                ga = g[0] + hd[0] * da + cr[(0, 1)] * db + cr[(0, 2)] * dz_
                gb = g[1] + hd[1] * db + cr[(0, 1)] * da + cr[(1, 2)] * dz_
                gz = g[2] + hd[2] * dz_ + cr[(0, 2)] * da + cr[(1, 2)] * db
                grad[0] += float(np.sum(ga))
                grad[1] += float(np.sum(gb))
                grad[2] += -float(np.dot(z, gz)) - self.n_direct
                grad[3] += -float(np.sum(gz)) / c
        return val, grad

    def __call__(self, p: np.ndarray) -> tuple[float, np.ndarray]:
        return self._eval(p, True)

    def value(self, p: np.ndarray) -> float:
        return self._eval(p, False)[0]


def polish(u: np.ndarray, density: StdDensity, p: np.ndarray, free: np.ndarray, *,
           order: int = 1, max_rounds: int = 3
           ) -> tuple[np.ndarray, float, bool, str, CorrectedLikelihood, int]:
    """Maximise the exact-corrected likelihood from the approximate optimum ``p``.

    ``order=2`` builds the correction with its full (alpha, beta) Hessian, so that the
    returned source also serves the observed information. Returns ``(p_hat, loglik,
    converged, message, corrected_source, exact_evaluations)``; the source is anchored within
    ``RE_ANCHOR`` of ``p_hat`` in (alpha, beta).
    """
    n_exact = 0
    p = np.asarray(p, dtype=np.float64).copy()
    for _ in range(max_rounds):
        src = CorrectedLikelihood(u, density, p, order=order,
                                  skip_below=NEGLIGIBLE if order == 1 else None)
        n_exact += src.n_exact
        if src.negligible:  # the approximate optimum is the exact one to optimiser tolerance
            return p, src.value(p), True, "exact correction negligible", src, n_exact
        q, ll, conv, msg, _nit = mle_fit(src, p, free)
        step = float(np.max(np.abs(q[:2] - p[:2])))
        p = q
        if step <= RE_ANCHOR:
            break
    return p, ll, conv, msg, src, n_exact


def ml_search(u, p0, free, density, polish_exact, want_hessian, exact_start=None):
    """Quasi-Newton on the approximate likelihood, then the exact polish; moves to the FFT
    density when an optimum sits on a bound of the table that is not a bound of the model.
    An approximate optimum below :data:`ALPHA_EXACT` is searched again on the exact engine
    (no polish then; ``p_approx`` is the exact optimum, so bootstrap resamples refitted on
    ``density`` -- the exact one -- need no shift), or from ``exact_start`` when that has the
    higher exact likelihood (the approximate search cannot go below alpha = 0.5, a start such
    as the ECF estimate can; below alpha ~ 0.3 the likelihood of the location has local
    maxima near data points: the density's peak is that sharp)."""
    while True:
        # the table's box may be smaller than the model's (default_density uses it when it
        # covers the start): an optimum -- approximate or polished -- on a table bound that
        # is not a model bound means the true optimum lies outside; redo it on the FFT
        p, ll, conv, msg, nit = mle_fit(Likelihood(u, density), p0, free)
        if density.name != "fft" and _at_table_edge(p, density):
            p0, density = p, FFTDensity()
            continue
        p_approx = p
        source, n_exact = None, 0
        if polish_exact and p[0] < ALPHA_EXACT:
            # fixed coordinates from p0: the approximate search clipped them into its box
            # (a fixed alpha = 0.45 came back as 0.5)
            start = np.where(free, p, p0)
            if exact_start is not None:   # the start with the higher exact likelihood
                probe = Likelihood(u, ExactDensity())
                if probe.value(np.asarray(exact_start)) > probe.value(start):
                    start = exact_start
                n_exact += 2 * u.size
            p, ll, conv, msg, source, n_x = exact_search(u, start, free)
            n_exact += n_x
            return p, ll, conv, msg, nit, p.copy(), source, n_exact, source.density
        if polish_exact:
            p, ll, conv_x, msg_x, source, n_exact = polish(u, density, p, free,
                                                           order=2 if want_hessian else 1)
            if not conv_x:
                conv, msg = False, f"exact polish: {msg_x}"
            if density.name != "fft" and _at_table_edge(p, density):
                p0, density = p, FFTDensity()
                continue
        return p, ll, conv, msg, nit, p_approx, source, n_exact, density


def _at_table_edge(p, density) -> bool:
    """The approximate optimum sits on a bound of the table that is not a bound of the model."""
    (a_lo, a_hi), (b_lo, b_hi) = density.bounds
    eps = 1e-9
    return bool((p[0] <= a_lo + eps and a_lo > ALPHA_LO) or (p[0] >= a_hi - eps and a_hi < 2.0)
                or (p[1] <= b_lo + eps and b_lo > -1.0) or (p[1] >= b_hi - eps and b_hi < 1.0))
