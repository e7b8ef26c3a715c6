"""Fisher information per observation of the S0(alpha, beta, scale, loc) model, by quadrature.

Provenance for the Cramer-Rao bounds quoted in ``docs/stable.md`` and checked in
``tests/stable/test_fit_polish.py``. Independent of the fitter: only the exact density engine
(``stablecheck.stable.logpdf``, Nolan's integral representation) is used.

    I_jk = int s_j(z) s_k(z) f(z) dz,   s = grad_theta log f(z; theta) at theta = (a, b, 1, 0)

Scores: d/dalpha, d/dbeta by 5-point central differences of the exact log-density (step
h = 1e-3: truncation O(h^4) ~ 1e-12, round-off ~ 1e-13 / h ~ 1e-10); d/dloc = -d/dz log f and
d/dscale = -1 - z d/dz log f (scale 1), with d/dz by 5-point differences of relative step
1e-3 (1 + |z|). Quadrature: z = +-(e^t - 1), t in [0, T], composite Gauss-Legendre (panels of
width 0.5 in t); the integrand decays like e^(-alpha t) t^2 in t, so T = 40 / alpha leaves a
tail below 1e-15. Convergence is checked by rerunning with 8 instead of 16 nodes per panel and
a shorter T; sanity checks: int f = 1 and int s f = 0.

Run:  PYTHONPATH=. python tests/reference/stable/make_fisher_information.py
Output: tests/reference/stable/fisher_information.json (plus a printed summary).
"""

from __future__ import annotations

import json
import pathlib
import time

import numpy as np

from stablecheck.stable import logpdf

H = 1e-3
W5 = np.array([1.0, -8.0, 8.0, -1.0]) / 12.0  # f'(0) ~ sum W5 * f([-2, -1, 1, 2] h) / h
OFF = np.array([-2.0, -1.0, 1.0, 2.0])


def nodes(alpha: float, per_panel: int, t_max: float):
    g, w = np.polynomial.legendre.leggauss(per_panel)
    edges = np.arange(0.0, t_max + 1e-12, 0.5)
    t = ((edges[:-1, None] + edges[1:, None]) / 2 + 0.25 * g[None, :]).ravel()
    wt = np.tile(0.25 * w, edges.size - 1)
    zpos = np.expm1(t)
    jac = np.exp(t) * wt
    z = np.concatenate([-zpos[::-1], zpos])
    wz = np.concatenate([jac[::-1], jac])
    return z, wz


def scores(z: np.ndarray, alpha: float, beta: float):
    lf = logpdf(z, alpha, beta)
    # alpha stencil: keep inside (0, 2]
    da = sum(c * logpdf(z, alpha + o * H, beta) for c, o in zip(W5, OFF, strict=True)) / H
    db = sum(c * logpdf(z, alpha, beta + o * H) for c, o in zip(W5, OFF, strict=True)) / H
    hz = H * (1.0 + np.abs(z))
    dz = sum(c * logpdf(z + o * hz, alpha, beta) for c, o in zip(W5, OFF, strict=True)) / hz
    s = np.stack([da, db, -1.0 - z * dz, -dz])
    return lf, s


def information(alpha: float, beta: float, per_panel: int = 16, t_max: float | None = None):
    t_max = 40.0 / alpha if t_max is None else t_max
    z, wz = nodes(alpha, per_panel, t_max)
    lf, s = scores(z, alpha, beta)
    f = np.exp(lf) * wz
    info = (s * f) @ s.T
    return info, float(np.sum(f)), s @ f


def main() -> None:
    out = {"method": __doc__.split("\n\n")[2].strip(), "cells": []}
    for alpha, beta in [(1.5, 0.0), (1.5, 0.5)]:
        t0 = time.perf_counter()
        info, mass, mean_score = information(alpha, beta)
        info_c, _, _ = information(alpha, beta, per_panel=8, t_max=30.0 / alpha)
        cov = np.linalg.inv(info)
        sd1 = np.sqrt(np.diag(cov))
        sd1_c = np.sqrt(np.diag(np.linalg.inv(info_c)))
        cell = {
            "alpha": alpha, "beta": beta, "scale": 1.0, "loc": 0.0, "param": "S0",
            "params": ["alpha", "beta", "scale", "loc"],
            "fisher_information_per_observation": info.tolist(),
            "asymptotic_sd_sqrt_n": sd1.tolist(),
            "cramer_rao_sd_n1000": (sd1 / np.sqrt(1000)).tolist(),
            "cramer_rao_sd_n10000": (sd1 / np.sqrt(10000)).tolist(),
            "check_integral_of_density": mass,
            "check_mean_score": mean_score.tolist(),
            "check_rel_change_coarser_rule": float(np.max(np.abs(sd1_c / sd1 - 1))),
            "seconds": time.perf_counter() - t0,
        }
        out["cells"].append(cell)
        print(f"alpha={alpha} beta={beta}: sqrt(n)*sd = {np.round(sd1, 5)}; "
              f"CR sd at n=1000 = {np.round(sd1 / np.sqrt(1000), 5)}; int f = {mass:.12f}; "
              f"mean score = {np.abs(mean_score).max():.1e}; coarse-rule change "
              f"{cell['check_rel_change_coarser_rule']:.1e}")
    path = pathlib.Path(__file__).with_name("fisher_information.json")
    path.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
