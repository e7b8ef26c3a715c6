"""Series expansions of the standard S0 law used where the integral representation degenerates.

* ``series_near_zeta``: the power series about x = zeta (x0 = x - zeta small).
* ``tail_series``: the Bergstrom/Zolotarev series in powers of x0^(-alpha) (x0 large).
* ``far_tail``: the far tails at |alpha - 1| small (alpha = 1 included), where the direct
  formula loses ~1e-16 |x| (its terms of size |x| cancel): the tail series at alpha itself
  where it converges, else the Lagrange interpolant in alpha through tail-series values at
  alpha = 1 +- {1, 2, 3} * FAR_H, where it converges fast (|x0| >> |zeta| = O(1/|alpha - 1|)).

Both series come from expanding one factor of the Fourier inversion integral of the S1
characteristic function phi(t) = exp(-|t|^alpha (1 - i beta tan(pi alpha / 2) sign t)) and
integrating term by term (Zolotarev 1986, Sec. 2.4; Nolan 2020, Sec. 3.4); x0 is the standard
S1 variable, i.e. x - zeta of the standard S0 one.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

__all__ = ["series_near_zeta", "tail_series", "far_tail", "SER_ALPHA1", "SER_XMAX"]

PI = np.pi
HALF_PI = np.pi / 2
LOG_PI = np.log(np.pi)


SER_ALPHA1 = 0.02  # near alpha = 1, cos(theta0) -> 0 loses relative precision: not used
SER_XMAX = 1e-2
_SER_K = 40  # terms of the series about zeta
_SER_TOL = 1e-17  # stop at the first term below this (relative to f(zeta))


def series_near_zeta(x0, a, b):
    """f, F and 1 - F about x = zeta from the power series in x0 = x - zeta (S1 variable).

    With c = cos(alpha theta0) and theta0 = arctan(beta tan(pi alpha / 2)) / alpha, expanding
    exp(-i x0 t) in the Fourier inversion of phi(t) = exp(-|t|^alpha (1 - i beta tan(pi alpha
    / 2) sign t)) and integrating term by term (Zolotarev 1986, Sec. 2.4; Nolan 2020, Ch. 3):

        f(zeta + x0) = 1/(pi alpha) sum_k x0^k / k! Gamma((k+1)/alpha) c^((k+1)/alpha)
                       cos((k+1) theta0 - k pi / 2),

    k = 0 being f(zeta) = Gamma(1 + 1/alpha) c^(1/alpha) cos(theta0) / pi; F integrates it
    term by term from F(zeta) = (pi/2 - theta0)/pi.  The series converges for alpha > 1 and is
    asymptotic for alpha < 1, where the coefficients grow like Gamma(k/alpha)/k!: at alpha =
    0.1 the first correction is 4.6e11 x0 (the density varies on the scale |x0| ~ 1e-12) and
    at alpha = 0.05 1.7e29 x0.  It is used only where some term falls below 1e-17 before any
    exceeds 1/2 (no cancellation, error below one ulp); elsewhere ``ok`` is False.  This is
    where the integral degenerates (x0 -> 0: the spike of g e^{-g} moves to within ~x0 of an
    end; at alpha >= 1.5 the integral is off by 3e-12..2e-9 below |x0| ~ 1e-25).

    Returns (logpdf, logcdf, logsf, ok) for flat arrays.
    """
    with np.errstate(all="ignore"):
        tau = np.tan(HALF_PI * (1.0 - a))
        zeta = -b / tau
        lc = -0.5 * np.log1p(zeta * zeta)  # log cos(alpha theta0)
        # psi = pi/2 - |theta0| without cancellation (|theta0| -> pi/2 as |beta| -> 1 for
        # alpha < 1): alpha psi = arctan(tau (1 - |beta|) / (|beta| + tau^2)) there
        absb = np.abs(b)
        phi = np.arctan2(np.abs(tau), absb)
        psi = np.where(a < 1, np.arctan2(tau * (1.0 - absb), absb + tau * tau) / a,
                       HALF_PI - (HALF_PI - phi) / a)
        s = np.where(b * tau < 0, -1.0, 1.0)  # theta0 = s (pi/2 - psi)
        # cos(theta0) = sin(psi); cos((k+1) theta0 - k pi/2) = s^k sin((k+1) psi)
        lp0 = gammaln(1.0 + 1.0 / a) + lc / a + np.log(np.sin(psi)) - LOG_PI
        k = np.arange(_SER_K)[None, :]
        ac = a[:, None]
        lt = (gammaln((k + 1) / ac) - gammaln(1.0 / ac) - gammaln(k + 1.0)
              + k * (lc[:, None] / ac + np.log(np.abs(x0))[:, None]))
        sgn = np.where((x0 * s < 0)[:, None] & (k % 2 == 1), -1.0, 1.0)
        t = np.where(k == 0, 1.0, sgn * np.exp(lt) * np.sin((k + 1) * psi[:, None])
                     / np.sin(psi)[:, None])
        t = np.where(np.isnan(t), np.inf, t)
        # stop on the bound |t_k| <= exp(lt_k) / sin(psi), not on t_k itself (the sine factor
        # vanishes for every odd k at beta = 0)
        small = (k > 0) & (np.exp(lt) <= _SER_TOL * np.sin(psi)[:, None])
        stop = np.where(small.any(axis=1), np.argmax(small, axis=1), _SER_K)
        used = k < stop[:, None]
        big_before = np.any(used & (k > 0) & (np.abs(t) > 0.5), axis=1)
        ok = (stop < _SER_K) & ~big_before & np.isfinite(lp0)
        tu = np.where(used, t, 0.0)
        lp = lp0 + np.log1p(np.sum(tu[:, 1:], axis=1))
        # F - F(zeta) = x0 f(zeta) sum_k t_k / (k + 1); F(zeta) = (pi/2 - theta0) / pi
        dF = x0 * np.exp(lp0) * np.sum(tu / (k + 1.0), axis=1)
        c_lo = np.where(s < 0, PI - psi, psi) / PI
        c_hi = np.where(s < 0, psi, PI - psi) / PI
        lcdf = np.log(c_lo + dF)
        lsf = np.log(c_hi - dF)
    return lp, lcdf, lsf, ok


_TAIL_K = 60
FAR_H = 2e-3  # node spacing of the interpolation in alpha (measured error ~1e-14)
FAR_NODES = np.array([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0]) * FAR_H
FAR_ALPHA1 = 3.0 * FAR_H  # |alpha - 1| up to which far_tail is tried
FAR_X = 1e3  # |x| from which far_tail is tried


def tail_series(x0, a, b):
    """log f and log(1 - F) for x0 > 0 (S1 variable) from the series in x0^(-alpha).

    With w = exp(i pi alpha / 2) (1 + i beta tan(pi alpha / 2)),

        f(x0) = 1/pi sum_{k>=1} (-1)^(k+1) Gamma(k alpha + 1)/k! Im(w^k) x0^(-k alpha - 1),
        1 - F(x0) = 1/pi sum_{k>=1} (-1)^(k+1) Gamma(k alpha)/k! Im(w^k) x0^(-k alpha)

    (convergent for alpha < 1, asymptotic for alpha > 1).  Im(w) = sin(pi alpha/2)(1 + beta)
    is factored out and Im(w^k)/Im(w) = p_k follows the Chebyshev recurrence p_(k+1) =
    2 Re(w) p_k - |w|^2 p_(k-1), exact relative to |w|^(k-1) also as beta -> -1.  The sum stops
    at the first k whose bound k |w|^(k-1) Gamma(k alpha + 1)/(k! Gamma(alpha + 1)) x0^(-(k-1)
    alpha) is below 1e-17; ``ok`` is False where that takes more than _TAIL_K terms or a term
    exceeds 1/2 (cancellation), and for beta = -1 (Im w = 0: light tail, no power law).
    """
    n = x0.size
    with np.errstate(all="ignore"):
        tau = np.tan(HALF_PI * (1.0 - a))
        sa, ca = np.sin(HALF_PI * a), np.cos(HALF_PI * a)
        rew = ca - b * sa / tau
        r2 = rew * rew + (sa * (1.0 + b)) ** 2
        lr = 0.5 * np.log(r2)
        lx = np.log(x0)
        ga1, ga = gammaln(a + 1.0), gammaln(a)
        sum_f = np.ones(n)
        sum_s = np.ones(n)
        pkm1, pk = np.zeros(n), np.ones(n)
        done = np.zeros(n, dtype=bool)
        bad = np.zeros(n, dtype=bool)
        for k in range(2, _TAIL_K + 1):
            pkm1, pk = pk, 2.0 * rew * pk - r2 * pkm1
            sgn = 1.0 if k % 2 else -1.0
            lk = gammaln(k + 1.0) + (k - 1) * a * lx
            tf = sgn * np.exp(gammaln(k * a + 1.0) - ga1 - lk) * pk
            ts = sgn * np.exp(gammaln(k * a) - ga - lk) * pk
            act = ~done
            bad |= act & ~(np.abs(tf) <= 0.5)
            sum_f = np.where(act, sum_f + tf, sum_f)
            sum_s = np.where(act, sum_s + ts, sum_s)
            bound = np.log(k) + (k - 1) * lr + gammaln(k * a + 1.0) - ga1 - lk
            done |= bound <= np.log(1e-17)
        ok = done & ~bad & (b > -1.0)
        lim = np.log(sa) + np.log1p(b) - LOG_PI
        lp = lim + ga1 - (1.0 + a) * lx + np.log(sum_f)
        ls = lim + ga - a * lx + np.log(sum_s)
    return lp, ls, ok


def _tail_both(x, a, b):
    """(logpdf, logcdf, logsf, ok) of S0 at x from the tail series (alpha != 1)."""
    with np.errstate(all="ignore"):
        tau = np.tan(HALF_PI * (1.0 - a))
        x0 = x + b / tau
    pos = x0 > 0
    lp, ls, ok = tail_series(np.abs(x0), a, np.where(pos, b, -b))
    with np.errstate(all="ignore"):
        lc_far = np.log1p(-np.exp(ls))  # the probability of the other side
    return lp, np.where(pos, lc_far, ls), np.where(pos, ls, lc_far), ok & (x0 != 0)


def far_tail(x, a, b):
    """(logpdf, logcdf, logsf, ok) in the far tails near alpha = 1 (see the module notes).

    Tried where |alpha - 1| <= FAR_ALPHA1 and |x| >= FAR_X, except on the light side of
    beta = +-1; ``ok`` marks the points it settled.
    """
    n = x.size
    out = [np.full(n, np.nan) for _ in range(3)]
    ok = np.zeros(n, dtype=bool)
    cand = (np.abs(a - 1.0) <= FAR_ALPHA1) & (np.abs(x) >= FAR_X) & \
        ~((np.abs(b) == 1.0) & (x * b < 0))
    if not np.any(cand):
        return out[0], out[1], out[2], ok
    ic = np.nonzero(cand)[0]
    xs, as_, bs = x[ic], a[ic], b[ic]
    # 1) the series at alpha itself (alpha != 1), where it converges
    direct = as_ != 1.0
    r = _tail_both(xs, np.where(direct, as_, 1.0 + FAR_H), bs)
    got = direct & r[3]
    vals = [np.where(got, v, np.nan) for v in r[:3]]
    # 2) the interpolant in alpha through the nodes
    rest = ~got
    if np.any(rest):
        ir = np.nonzero(rest)[0]
        k = FAR_NODES.size
        xr, br = np.tile(xs[ir], k), np.tile(bs[ir], k)
        rn = _tail_both(xr, np.repeat(1.0 + FAR_NODES, ir.size), br)
        good = np.all(rn[3].reshape(k, ir.size), axis=0)
        u = as_[ir] - 1.0
        w = np.ones((k, ir.size))
        for i in range(k):
            for j in range(k):
                if i != j:
                    w[i] *= (u - FAR_NODES[j]) / (FAR_NODES[i] - FAR_NODES[j])
        for q in range(3):
            V = rn[q].reshape(k, ir.size)
            val = np.sum(w * np.where(good, V, 0.0), axis=0)
            vals[q][ir] = np.where(good, val, np.nan)
        got[ir] = good
    for q in range(3):
        out[q][ic] = vals[q]
    ok[ic] = got
    return out[0], out[1], out[2], ok
