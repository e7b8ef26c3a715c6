"""Coefficients of P in log1p(f) = f - f²/2 + f³·P(f), f in [√½ − 1, √2 − 1].

Used by stablecheck/tail/_fastlog.py (the float32 log of the numba streaming kernel).
Provenance: our own fit, no library's coefficients. The target
g(f) = (log1p(f) − f + f²/2)/f³ is evaluated with mpmath at 40 digits on 400 Chebyshev
nodes and fitted by least squares with weight f² (the error that matters is f³·Δg relative
to log1p(f) ≈ f). Run: ``python tests/reference/tail/fit_log_poly.py``; degree 7 printed
a weighted max error of 0.11·2⁻²⁴ on a 400-point check grid; the exhaustive check over all
float32 mantissas lives in tests/tail/test_fastlog.py.
"""

import mpmath as mp
import numpy as np

mp.mp.dps = 40
lo, hi = float(mp.sqrt(0.5) - 1), float(mp.sqrt(2) - 1)


def g(f):
    f = mp.mpf(f)
    if f == 0:
        return mp.mpf(1) / 3
    return (mp.log1p(f) - f + f * f / 2) / f**3


N = 400
t = np.cos(np.pi * (np.arange(N) + 0.5) / N)
fs = (lo + hi) / 2 + (hi - lo) / 2 * t
gs = np.array([float(g(f)) for f in fs])
for deg in range(4, 9):
    w = fs**2
    V = np.vander(fs, deg + 1, increasing=True)
    c, *_ = np.linalg.lstsq(V * w[:, None], gs * w, rcond=None)
    ff = np.linspace(lo, hi, 401)
    gg = np.array([float(g(f)) for f in ff])
    err = np.max(np.abs((np.vander(ff, deg + 1, increasing=True) @ c - gg) * ff**2))
    print(deg, f"{err / 2**-24:.3f}", [float(v) for v in c])
