"""Generate ``mpmath_reference.csv``: high-precision alpha-stable pdf/cdf values (S0, gamma=1).

Provenance
----------
Independent of stablecheck's float64 engine: the Zolotarev/Nolan (1997, Theorem 1) integral
representation is evaluated with mpmath at ``DPS`` decimal digits.  The integrand's level sets
log g = c are located on a 400-point scan plus mpmath bisection (no monotonicity assumed), the
integral is split at each of them and integrated with mpmath's adaptive tanh-sinh ``quad`` (the
error estimate is recorded).  Log values are computed by factoring ``exp(-min g)`` out of the
integral so that densities far below 1e-308 keep their logarithm.  cdf and sf are both computed
as integrals of non-negative integrands (``exp(-g)`` or ``-expm1(-g)``), never as ``1 - F``.

S0 with gamma = 1, delta = 0 (Nolan 2020, Def. 1.7).  Equations (Nolan 1997):

* alpha != 1:  zeta = -beta tan(pi alpha / 2), theta0 = arctan(beta tan(pi alpha/2)) / alpha,
  for x > zeta::

      g(t) = (x-zeta)^(alpha/(alpha-1)) V(t),
      V(t) = cos(alpha theta0)^(1/(alpha-1)) (cos t / sin(alpha(theta0+t)))^(alpha/(alpha-1))
             * cos(alpha theta0 + (alpha-1) t) / cos t
      f    = alpha / (pi |alpha-1| (x-zeta)) int_{-theta0}^{pi/2} g e^{-g} dt
      F    = c1 + sign(1-alpha)/pi int e^{-g} dt,  c1 = (pi/2-theta0)/pi (alpha<1), 1 (alpha>1)

  x < zeta by reflection f(x; a, b) = f(-x; a, -b), F(x; a, b) = 1 - F(-x; a, -b).
* alpha = 1, beta > 0: g(t) = exp(-pi x/(2 beta)) (2/pi)(pi/2 + beta t)/cos t
  exp((pi/2 + beta t) tan t / beta), f = 1/(2 beta) int g e^{-g}, F = 1/pi int e^{-g};
  beta < 0 by reflection, beta = 0 is Cauchy.

Run once (single process, ~tens of minutes):
``PYTHONPATH=. python tests/reference/stable/make_mpmath_reference.py``
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

import mpmath as mp

DPS = 30
OUT = Path(__file__).with_name("mpmath_reference.csv")
mp.mp.dps = DPS
PI = mp.pi


def _logg_factory(x, a, b):
    """Return (log g(u), L, prefactor) for the reflected problem (x > zeta).

    ``u`` is the distance from the end where g is smallest (the left end -theta0 for
    alpha <= 1, the right end pi/2 for alpha > 1), so that the light-tail end is exact.
    """
    if a == 1:
        def logg(u):  # theta = -pi/2 + u
            th = -PI / 2 + u
            v = PI / 2 + b * th
            return (-PI * x / (2 * b) + mp.log(2 / PI) + mp.log(v / mp.sin(u))
                    - v * mp.cos(u) / mp.sin(u) / b)
        return logg, PI, 1 / (2 * abs(b))
    zeta = -b * mp.tan(PI * a / 2)
    th0 = PI / 2 if (a < 1 and b == 1) else mp.atan(b * mp.tan(PI * a / 2)) / a
    # end constants, exactly 0 on the light-tail side of beta = +-1 (no cancellation there)
    psi = 0 if (a < 1 and b == 1) else PI / 2 - th0
    c1 = 0 if (a > 1 and b == -1) else PI - a * PI / 2 - a * th0
    L = PI / 2 + th0
    x0 = x - zeta
    e = a / (a - 1)

    def logg(u):
        if a < 1:  # u = t = theta + theta0
            cth = mp.sin(u + psi)                       # cos(theta)
            sat = mp.sin(a * u)                         # sin(alpha (theta0 + theta))
            cc = mp.sin(psi + (1 - a) * u)              # cos(alpha theta0 + (alpha-1) theta)
        else:  # u = eta = pi/2 - theta
            cth = mp.sin(u)
            sat = mp.sin(c1 + a * u)
            cc = mp.sin(c1 + (a - 1) * u)
        return (e * mp.log(x0) + mp.log(mp.cos(a * th0)) / (a - 1)
                + e * mp.log(cth / sat) + mp.log(cc / cth))
    return logg, L, a / (PI * abs(a - 1) * x0)


def _splits(logg, lo, hi):
    """Level-set points of the monotone log g (bisection; monotonicity is checked on a scan)."""
    ts = [lo + (hi - lo) * mp.mpf(i) / 200 for i in range(0, 201)]
    vals = [logg(t) for t in ts]
    inc = vals[-1] > vals[0]
    d = [v2 - v1 for v1, v2 in zip(vals, vals[1:], strict=False)]
    scale = max(abs(v) for v in vals if mp.isfinite(v)) if any(mp.isfinite(v) for v in vals) else 1
    if any(((dd < 0) if inc else (dd > 0)) and abs(dd) > mp.mpf(10) ** (10 - mp.mp.dps) * scale
           for dd in d):
        raise RuntimeError("log g not monotone on the scan")
    pts = [lo, hi]
    levels = [-60, -20, -6, -1, 0, 1, 2, 3, 4]
    lgmin = min(vals[0], vals[-1])
    if lgmin > 0:  # light tail: split where g - g_min = 1/4, 1, 4, 16, 64
        gmin = mp.exp(lgmin)
        levels += [lgmin + mp.log1p(k / gmin) for k in (0.25, 1, 4, 16, 64)]
    for c in levels:
        if not (min(vals[0], vals[-1]) < c < max(vals[0], vals[-1])):
            continue
        a, b = lo, hi
        for _ in range(mp.mp.prec + 10):
            m = (a + b) / 2
            if (logg(m) < c) == inc:
                a = m
            else:
                b = m
        pts.append((a + b) / 2)
    return sorted(set(pts)), vals


def _integrals(x, a, b):
    """Return (log pdf, I_exp = int e^{-g}, I_1mexp = int -expm1(-g)) for x > zeta (reflected)."""
    logg0, hi, pref = _logg_factory(x, a, b)
    lo = mp.mpf(0)
    if hi - lo <= 0:
        return mp.mpf("-inf"), mp.mpf("-inf"), mp.mpf("-inf")
    eps = (hi - lo) * mp.mpf(10) ** (5 - DPS)

    def logg(t):  # tanh-sinh nodes within 1e-35 of an endpoint are clamped (rounding guard)
        return logg0(min(max(t, lo + eps), hi - eps))
    lo, hi = lo + eps, hi - eps
    pts, vals = _splits(logg, lo, hi)
    lgmin = min(vals[0], vals[-1])
    gmin = mp.exp(lgmin) if lgmin > 0 else mp.mpf(0)

    cap = mp.log(gmin + 5000)  # beyond: exp(-(g - gmin)) < e^-5000 relative to the maximum

    def dens(t):
        lg = logg(t)
        if lg > cap:
            return mp.mpf(0)
        return mp.exp(lg - (mp.exp(lg) - gmin))

    def eneg(t):
        lg = logg(t)
        return mp.mpf(0) if lg > cap else mp.exp(-(mp.exp(lg) - gmin))

    def onem(t):
        lg = logg(t)
        return mp.mpf(1) if lg > 20 else -mp.expm1(-mp.exp(lg))

    ipdf = mp.quad(dens, pts)
    logpdf = mp.log(pref) + mp.log(ipdf) - gmin if ipdf > 0 else mp.mpf("-inf")
    iexp = mp.quad(eneg, pts)
    log_iexp = mp.log(iexp) - gmin if iexp > 0 else mp.mpf("-inf")
    i1m = mp.quad(onem, pts)
    log_i1m = mp.log(i1m) if i1m > 0 else mp.mpf("-inf")
    return logpdf, log_iexp, log_i1m


def reference(x, a, b):
    """Return dict of log pdf, cdf, sf (mpf) at x for S0(a, b, 1, 0)."""
    x, a, b = mp.mpf(x), mp.mpf(a), mp.mpf(b)
    if a == 2:
        lp = -x * x / 4 - mp.log(2 * mp.sqrt(PI))
        cdf = mp.ncdf(x / mp.sqrt(2))
        return lp, cdf, mp.ncdf(-x / mp.sqrt(2))
    if a == 1 and b == 0:
        return (-mp.log(PI * (1 + x * x)), mp.mpf(1) / 2 + mp.atan(x) / PI,
                mp.mpf(1) / 2 - mp.atan(x) / PI)
    zeta = mp.mpf(0) if a == 1 else -b * mp.tan(PI * a / 2)
    if a != 1 and x == zeta:
        th0 = mp.atan(b * mp.tan(PI * a / 2)) / a
        lp = mp.log(mp.gamma(1 + 1 / a) * mp.cos(th0) / (PI * (1 + zeta**2) ** (1 / (2 * a))))
        c = (PI / 2 - th0) / PI
        return lp, c, 1 - c
    reflect = (x < zeta) if a != 1 else (b < 0)
    xr, br = (-x, -b) if reflect else (x, b)
    lp, liexp, li1m = _integrals(xr, a, br)
    iexp, i1m = mp.exp(liexp), mp.exp(li1m)
    if a == 1:
        F, S = iexp / PI, i1m / PI
    elif a > 1:
        F, S = 1 - iexp / PI, iexp / PI
    else:
        th0 = mp.atan(br * mp.tan(PI * a / 2)) / a
        # exactly 0 at beta = 1 (theta0 = pi/2): the rounded (pi/2 - theta0) would swamp the
        # super-exponentially small F near the support end
        c1 = mp.mpf(0) if br == 1 else (PI / 2 - th0) / PI
        F = c1 + iexp / PI
        # 1 - c1 - iexp/pi = ((pi/2 + th0) - iexp)/pi = int (1 - e^{-g})/pi over (-th0, pi/2)
        S = i1m / PI
    if reflect:
        F, S = S, F
    return lp, F, S


def design():
    """The (alpha, beta, x) points: body, far tails to 1e6, alpha near 1, beta = +-1 light tails."""
    pts = []
    alphas = [0.3, 0.5, 0.7, 0.9, 0.98, 0.99, 0.999, 0.99999, 1.0, 1.00001, 1.001, 1.01,
              1.02, 1.1, 1.3, 1.5, 1.7, 1.9, 1.99]
    betas = [-1.0, -0.5, 0.0, 0.3, 1.0]
    xs = [-1e6, -1e3, -20.0, -3.0, -0.7, 0.1, 1.3, 7.0, 150.0, 1e6]
    for a in alphas:
        for b in betas:
            for x in xs:
                if abs(b) == 1 and ((a > 1 and x * b < -30) or (a == 1 and x * b < -4)
                                    or (a < 1 and x * b < -1e3)):
                    continue  # astronomically light tail: covered by the light-tail block below
                pts.append((a, b, x))
    # light tails of beta = +-1 (Nolan 2020 Prop. 3.1 regime): density decays super-exponentially
    for a in [1.1, 1.3, 1.5, 1.8, 1.95]:
        for x in [-2.0, -5.0, -10.0, -30.0]:
            pts.append((a, 1.0, x))
            pts.append((a, -1.0, -x))
    for x in [-1.0, -2.0, -3.0, -4.0]:
        pts.append((1.0, 1.0, x))
        pts.append((1.0, -1.0, -x))
    for a in [0.3, 0.6, 0.9]:
        zeta = -float(mp.tan(mp.pi * a / 2))  # beta = 1 support starts at zeta
        for d in [1.0, 0.3, 0.1, 0.03]:
            pts.append((a, 1.0, zeta + d))
            pts.append((a, -1.0, -zeta - d))
    return pts


def main() -> None:
    pts = design()
    # light-tail points first, then the rest (an interrupted run keeps the rarest coverage)
    n_grid = len(pts) - 4 * 5 * 2 - 4 * 2 - 3 * 4 * 2
    pts = pts[n_grid:] + pts[:n_grid]
    t0 = time.time()
    done = set()
    if OUT.exists():  # resume an interrupted run: skip the points already written
        with OUT.open() as fh:
            for r in csv.DictReader(fh):
                done.add((float(r["alpha"]), float(r["beta"]), float(r["x"])))
    with OUT.open("a" if done else "w", newline="") as fh:
        w = csv.writer(fh)
        if not done:
            w.writerow(["alpha", "beta", "x", "pdf", "logpdf", "cdf", "sf", "logcdf", "logsf"])
        for i, (a, b, x) in enumerate(pts):
            if (a, b, x) in done:
                continue
            # alpha near 1: the representation cancels ~log10(1/|alpha-1|) digits -> more digits
            with mp.workdps(DPS + 25 if abs(a - 1) < 0.05 else DPS):
                lp, F, S = reference(x, a, b)

            def f(v):
                return mp.nstr(v, 20, min_fixed=1, max_fixed=0) if mp.isfinite(v) else str(v)

            def lg(v):
                return f(mp.log(v)) if v > 0 else "-inf"
            w.writerow([repr(a), repr(b), repr(x), f(mp.exp(lp)), f(lp), f(F), f(S), lg(F), lg(S)])
            fh.flush()
            if i % 20 == 0:
                sys.stderr.write(f"{i}/{len(pts)} {time.time() - t0:.0f}s\n")


if __name__ == "__main__":
    main()
