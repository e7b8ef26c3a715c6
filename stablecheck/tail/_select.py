"""Choice of the number ``k`` of upper order statistics.

All rules read a decreasing array of log tail values (a :class:`TailSketch` buffer or a sorted
sample) plus the sample size ``n``:

* :func:`double_bootstrap` — Danielsson, de Haan, Peng & de Vries (2001) with the
  prefactor of Qi (2008); resamples through the tail-only Poisson scheme, vectorised over
  replicates *and* over several populations at once (used to re-select ``k`` inside every
  replicate of a bootstrap CI);
* :func:`drees_kaufmann` — Drees & Kaufmann (1998) sequential stopping rule;
* :func:`ks_min` — the ``k`` minimising the Kolmogorov–Smirnov distance between the top
  ``k`` values and the fitted Pareto tail (Clauset, Shalizi & Newman 2009);
* :func:`path_stability` — the longest stable run of the rounded Hill path (Caeiro & Gomes
  2016, simplified).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from . import _fastlog
from ._kernels import hill_path

__all__ = ["double_bootstrap", "analytic_double_bootstrap", "ADBPlan", "drees_kaufmann", "ks_min", "path_stability", "K_METHODS",
           "db_grid"]

#: elements of the (replicates × k) work arrays handled at once (bounds memory ~100 MB)
_WORK = 1 << 16


def db_grid(n: int, depth: int, epsilon: float, k_frac: float) -> tuple[int, int, int, int]:
    """Sizes ``(n1, n2, kmax1, kmax2)`` of the two bootstrap stages for ``n`` and a buffer
    of ``depth`` values; the ``k`` grids stop where the buffer could run out."""
    n1 = max(20, int(n ** (1.0 - epsilon)))
    n1 = min(n1, n - 1)
    n2 = max(10, int(n1 * n1 / n))
    scale = n1 / n
    reach = (depth - 1) * scale
    kmax1 = int(min(k_frac * n1, reach - 6.0 * math.sqrt(max(reach, 1.0)) - 2))
    kmax2 = int(kmax1 * n2 / n1)
    return n1, n2, kmax1, kmax2


def exponentials_ahead(rng: np.random.Generator, shapes: list[tuple[int, int]], *,
                       reuse: bool = False) -> Iterator[np.ndarray]:
    """``rng.standard_exponential(shape)`` for each of ``shapes`` in turn — the same draws
    in the same order as calling it in a loop — with the next block drawn on a helper thread
    while the caller works on the current one (numpy releases the GIL while filling). The
    caller must not use ``rng`` until the iterator is exhausted. Without a second CPU, or
    for a single block, no thread is started.

    ``reuse=True``: the blocks are drawn (``out=``, the same values) into two buffers used
    in turn, so a block is valid only until the next one is requested. Fresh blocks of a
    few MB each cost more than the draws themselves (measured: 38 M exponentials in 16-row
    blocks of 24 MB, 0.97 s fresh against 0.26 s into reused memory: every fresh block is
    mapped, zeroed and faulted in by the kernel).
    """
    bufs: list[np.ndarray] = []

    def draw(i: int) -> np.ndarray:
        shp = shapes[i]
        if not reuse:
            return rng.standard_exponential(shp)
        if not bufs:
            size = max(int(np.prod(s_)) for s_ in shapes)
            bufs.extend(np.empty(size) for _ in range(2))
        out = bufs[i % 2][: int(np.prod(shp))].reshape(shp)
        return rng.standard_exponential(out=out)

    if len(shapes) < 2 or (os.cpu_count() or 1) < 2:
        for i in range(len(shapes)):
            yield draw(i)
        return
    with ThreadPoolExecutor(max_workers=1) as pool:
        fut = pool.submit(draw, 0)
        for i in range(len(shapes)):
            cur = fut.result()
            if i + 1 < len(shapes):
                # block i+1 goes to the buffer of block i-1, which the caller is done with
                fut = pool.submit(draw, i + 1)
            yield cur


def _stage_argmin(pop: np.ndarray, n: int, m: int, kmax: int, B: int,
                  rng: np.random.Generator) -> np.ndarray:
    """argmin_k of the bootstrap MSE proxy ``E*[(M2* - 2 M1*²)²]`` for each population row.

    Replicates are rows of ``(batch, kmax + 1)`` arrays sized to stay in cache. Ranks of a
    replicate's order statistics are ``floor(T_j)`` for the arrival times ``T_j`` of a
    Poisson process of rate ``m / n`` (equal to :class:`PoissonTail`'s ``ceil(T_j) − 1``
    with probability 1). Moments are cumulated from the raw (row-max-centred) values; the
    replicate maximum cancels from ``M1`` and ``M2`` about the threshold.
    """
    R, P = pop.shape
    scale = n / m
    ik = 1.0 / np.arange(1, kmax + 1, dtype=np.float64)
    out = np.empty(R, dtype=np.int64)
    b = max(1, _WORK // (kmax + 1))
    nb = _fastlog.boot_kernels(R * B * (kmax + 1))
    exps = exponentials_ahead(rng, [(min(b, B - s0), kmax + 1) for _ in range(R)
                                    for s0 in range(0, B, b)], reuse=True)
    for r in range(R):
        row = pop[r] - pop[r, 0]
        q = np.zeros(kmax)
        for s0 in range(0, B, b):
            bb = min(b, B - s0)
            t = next(exps)
            if nb is not None:   # the same d, bitwise, in one fused pass (see _boot_nb)
                d = np.empty((bb, kmax))
                nb.stage_proxy(t, float(scale), np.ascontiguousarray(row), ik, d)
                q += np.einsum("bk,bk->k", d, d)
                continue
            np.cumsum(t, axis=1, out=t)
            if scale != 1.0:
                t *= scale
            L = np.take(row, t.astype(np.intp), mode="clip")
            a1 = np.cumsum(L[:, :kmax], axis=1)
            a1 *= ik
            a2 = np.square(L[:, :kmax])
            np.cumsum(a2, axis=1, out=a2)
            a2 *= ik
            thr = L[:, 1:]
            # d = M2 − 2 M1² with M1 = a1 − thr and M2 = a2 − thr (2 a1 − thr)
            m1 = a1 - thr
            a1 *= 2.0
            a1 -= thr
            a1 *= thr
            a2 -= a1
            np.square(m1, out=m1)
            m1 *= 2.0
            a2 -= m1
            q += np.einsum("bk,bk->k", a2, a2)
        out[r] = np.argmin(q[1:]) + 2   # k >= 2
    return out


def double_bootstrap(logs: np.ndarray, n: int, rng: np.random.Generator, *,
                     n_resamples: int = 200, epsilon: float = 0.1, k_frac: float = 0.1,
                     ) -> tuple[np.ndarray, dict]:
    """Double-bootstrap choice of ``k`` for the Hill estimator.

    Parameters
    ----------
    logs : ndarray, shape (P,) or (R, P)
        Decreasing log tail values of one sample or of ``R`` samples (rows), each the top of
        a sample of size ``n``.
    n : int
        Sample size.
    rng : Generator
    n_resamples : int
        Bootstrap replicates per stage.
    epsilon : float
        First-stage size ``n1 = n^(1 - epsilon)``; second stage ``n2 = n1² / n``.
    k_frac : float
        Largest ``k / n_j`` searched in stage ``j``.

    Returns
    -------
    k : ndarray of int, shape (R,) (or a 0-d array for 1-D input)
    info : dict
        ``n1, n2, k1, k2, rho`` (Qi's second-order estimate), grids.

    Notes
    -----
    In stage ``j`` the proxy ``M2(k) − 2 M1(k)²`` (zero in expectation without bias; ``M1``
    is Hill, ``M2`` the mean squared log-excess) is bootstrapped from resamples of size
    ``n_j``; ``k_j`` minimises its bootstrap mean square. With ``n2 = n1²/n`` the ratio
    ``k1²/k2`` estimates the optimal ``k`` of the proxy at size ``n``, and Qi's factor
    ``(1 − 1/ρ̂)^(−1/(1−2ρ̂))``, ``ρ̂ = log k1 / (2 log k1 − 2 log n1)``, converts it to the
    optimal ``k`` of Hill. Resamples are tail-only Poisson resamples (their top order
    statistics are drawn directly), so each costs ``O(k)`` whatever ``n`` is.

    References
    ----------
    J. Danielsson, L. de Haan, L. Peng, C. G. de Vries, "Using a bootstrap method to choose
    the sample fraction in tail index estimation", J. Multivariate Anal. 76 (2001) 226–248.
    Y. Qi, "Bootstrap and empirical likelihood methods in extremes", Extremes 11 (2008)
    81–97.
    """
    pop = np.atleast_2d(np.asarray(logs, dtype=np.float64))
    R, P = pop.shape
    n1, n2, kmax1, kmax2 = db_grid(n, P, epsilon, k_frac)
    if kmax2 < 4:
        if P >= n:
            raise ValueError(f"n = {n} is too small for the double bootstrap (its second stage "
                             f"would search only {max(kmax2, 0)} values of k); pass an explicit "
                             "k or use k_method='ks'.")
        raise ValueError(f"the double bootstrap needs a deeper tail: with n={n} and {P} kept "
                         f"values the second-stage grid has only {kmax2} values of k; keep more "
                         "values (TailSketch k_max) or pass an explicit k.")
    k1 = _stage_argmin(pop, n, n1, kmax1, n_resamples, rng).astype(np.float64)
    k2 = _stage_argmin(pop, n, n2, kmax2, n_resamples, rng).astype(np.float64)
    kstar, rho = _qi_kstar(k1, k2, n1, n, P)
    info = {"n1": n1, "n2": n2, "kmax1": kmax1, "kmax2": kmax2, "k1": k1.astype(np.int64),
            "k2": k2.astype(np.int64), "rho": rho, "n_resamples": n_resamples,
            "epsilon": epsilon}
    if np.ndim(logs) == 1:
        kstar = kstar[0]
        info = {k: (v[0] if isinstance(v, np.ndarray) else v) for k, v in info.items()}
    return kstar, info


def _qi_kstar(k1: np.ndarray, k2: np.ndarray, n1: int, n: int, P: int
              ) -> tuple[np.ndarray, np.ndarray]:
    k1 = np.asarray(k1, dtype=np.float64)
    k2 = np.asarray(k2, dtype=np.float64)
    lk1, ln1 = np.log(k1), math.log(n1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = lk1 / (2.0 * (lk1 - ln1))
        pref = ((2.0 * ln1 - lk1) / lk1) ** (lk1 / ln1 - 1.0)
        kstar = np.floor(k1 * k1 / k2 * pref)
    kstar = np.where(np.isfinite(kstar), kstar, 2.0 * math.sqrt(n))
    return np.clip(kstar, 5, min(P - 1, n - 1)).astype(np.int64), rho


def analytic_double_bootstrap(logs: np.ndarray, n: int, *, epsilon: float = 0.1,
                              k_frac: float = 0.1, grid_size: int = 400,
                              kmax1_cap: int | None = None) -> tuple[np.ndarray, dict]:
    """Conditional-expectation form of :func:`double_bootstrap`, deterministic and ``O(k)``.

    A tail-only Poisson resample of size ``n_j`` puts its ``k``-th largest value near the
    sample's ``k n / n_j``-th, so its proxy ``d = M2 − 2 M1²`` has bootstrap mean
    ``≈ d(k n / n_j)`` computed on the sample itself and variance ``≈ 4 γ⁴ / k`` (the
    variance of ``d`` for exact Pareto excesses). The bootstrap MSE is replaced by
    ``Q_j(k) = d(k n / n_j)² + 4 γ̂⁴ / k`` (``γ̂`` = Hill at ``2 sqrt(n)``), minimised over a
    geometric grid of ``grid_size`` values; ``k1, k2`` then enter Qi's formula as in the
    Monte-Carlo version. Used to re-select ``k`` inside every bootstrap replicate, where the
    Monte-Carlo double bootstrap would cost ``n_resamples`` times more. ``kmax1_cap``
    narrows the stage-1 grid (and the stage-2 grid in proportion), e.g. to a few times the
    ``k1`` found on the original sample, so replicates read only the depth they need.
    """
    pop = np.atleast_2d(np.asarray(logs, dtype=np.float64))
    plan = ADBPlan(n, pop.shape[1], epsilon=epsilon, k_frac=k_frac, grid_size=grid_size,
                   kmax1_cap=kmax1_cap)
    # centred on each row's maximum: the raw second moments then stay O(k)
    kstar, info = plan.select(np.ascontiguousarray(pop - pop[:, :1]))
    if np.ndim(logs) == 1:
        kstar = kstar[0]
        info = {k: (v[0] if isinstance(v, np.ndarray) else v) for k, v in info.items()}
    return kstar, info


class ADBPlan:
    """Grids of :func:`analytic_double_bootstrap` for one ``(n, depth)``, computed once and
    applied to batches of populations (rows) by :meth:`select`.

    Only the stage grids' ``k`` are read, so instead of cumulative sums over every ``k`` the
    rows are cut at the grid points and summed per segment (``np.add.reduceat``, vectorised
    pairwise sums), then cumulated over the few hundred segments: the same prefix sums for
    about a third of the work. Second moments are cumulated from raw values (``M2 =
    mean x² − 2 u mean x + u²`` about the threshold ``u``: exact algebra), which is
    accurate because callers pass logs centred on a maximum (values O(1), sums O(k)).
    """

    def __init__(self, n: int, depth: int, *, epsilon: float = 0.1, k_frac: float = 0.1,
                 grid_size: int = 400, kmax1_cap: int | None = None):
        P = depth
        n1, n2, kmax1, kmax2 = db_grid(n, P, epsilon, k_frac)
        if kmax1_cap is not None:
            # replicate populations were drawn exactly as deep as the capped grid needs
            full1 = int(k_frac * n1)
            kmax1 = max(4, min(full1, int(kmax1_cap)))
            kmax2 = max(4, int(kmax1 * n2 / n1))
            kmax1 = max(kmax1, kmax2)
        elif kmax2 < 4:
            raise ValueError(f"the double bootstrap needs a deeper tail: with n={n} and {P} "
                             f"kept values the second-stage grid has only {kmax2} values of k; "
                             "keep more values (TailSketch k_max) or pass an explicit k.")
        self.n, self.P, self.epsilon = n, P, epsilon
        self.n1, self.n2, self.kmax1, self.kmax2 = n1, n2, kmax1, kmax2
        kk = int(min(P - 2, math.ceil((kmax1 + 1) * n / n1) + 1))
        self.kg = min(kk, max(2, int(2 * math.sqrt(n))))
        self.stages = []
        ends = [self.kg]
        for m, km in ((n1, kmax1), (n2, kmax2)):
            k = np.unique(np.geomspace(2, km, grid_size).astype(np.int64))
            kp = np.minimum(np.round(k * n / m).astype(np.int64), kk)
            self.stages.append((k, kp))
            ends.append(kp)
        #: prefix lengths whose sums are needed; segment starts for reduceat
        self.ends = np.unique(np.concatenate([np.atleast_1d(e) for e in ends]))
        self.starts = np.concatenate([[0], self.ends[:-1]])
        self.where = [np.searchsorted(self.ends, kp) for _, kp in self.stages]
        self.where_g = int(np.searchsorted(self.ends, self.kg))

    def prefix(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sums of the first ``ends`` values and of their squares, shape ``(R, len(ends))``."""
        top = rows[:, : int(self.ends[-1])]
        s1 = np.add.reduceat(top, self.starts, axis=1)
        np.cumsum(s1, axis=1, out=s1)
        sq = np.square(top)
        s2 = np.add.reduceat(sq, self.starts, axis=1)
        np.cumsum(s2, axis=1, out=s2)
        return s1, s2

    def select(self, rows: np.ndarray, sums: tuple[np.ndarray, np.ndarray] | None = None
               ) -> tuple[np.ndarray, dict]:
        """Selected ``k`` for every row (decreasing, centred log values)."""
        s1, s2 = self.prefix(rows) if sums is None else sums
        kg = self.kg
        gam = s1[:, self.where_g] / kg - rows[:, kg]
        ks = []
        for (k, kp), w in zip(self.stages, self.where):
            kpf = kp.astype(np.float64)
            a1 = s1[:, w] / kpf
            a2 = s2[:, w] / kpf
            thr = rows[:, kp]
            m1 = a1 - thr
            # mean squared log-excess over thr: a2 − 2 thr a1 + thr²
            d = a2 - thr * (2.0 * a1 - thr) - 2.0 * m1 * m1
            q = d * d + 4.0 * gam[:, None] ** 4 / k
            ks.append(k[np.argmin(q, axis=1)])
        kstar, rho = _qi_kstar(ks[0], ks[1], self.n1, self.n, self.P)
        info = {"n1": self.n1, "n2": self.n2, "kmax1": self.kmax1, "kmax2": self.kmax2,
                "k1": ks[0], "k2": ks[1], "rho": rho, "epsilon": self.epsilon,
                "analytic": True}
        return kstar, info

    def hill_at(self, rows: np.ndarray, s1: np.ndarray, k: np.ndarray) -> np.ndarray:
        """Hill ``ξ̂`` of each row at its own ``k`` (``k <= depth − 1``) from the prefix sums:
        the largest grid prefix not beyond ``k`` plus the short remainder."""
        R = rows.shape[0]
        r = np.arange(R)
        j = np.searchsorted(self.ends, k, side="right") - 1
        base = np.where(j >= 0, s1[r, np.maximum(j, 0)], 0.0)
        start = np.where(j >= 0, self.ends[np.maximum(j, 0)], 0)
        rem = k - start
        w = int(rem.max()) if R else 0
        if w > 0:
            idx = start[:, None] + np.arange(w)
            vals = np.take_along_axis(rows, np.minimum(idx, rows.shape[1] - 1), axis=1)
            base = base + np.where(idx < k[:, None], vals, 0.0).sum(axis=1)
        return base / k - rows[r, k]


def _max_dev(h: np.ndarray, k: int) -> float:
    i = np.arange(1, k + 1)
    return float(np.max(np.sqrt(i) * np.abs(h[:k] - h[k - 1])))


def _first_exceed(h: np.ndarray, r: float, kmax: int) -> int | None:
    """Smallest k <= kmax with max_{i<=k} sqrt(i)|h_i - h_k| > r (geometric scan + refine)."""
    prev = 1
    k = 2
    while k <= kmax:
        if _max_dev(h, k) > r:
            for kk in range(prev + 1, k + 1):
                if _max_dev(h, kk) > r:
                    return kk
            return k
        prev = k
        k = max(k + 1, int(k * 1.05))
    return None


def drees_kaufmann(logs: np.ndarray, n: int, *, r: float = 1.0, xi: float = 0.7,
                   lam: float = 0.6) -> tuple[int, dict]:
    """Drees & Kaufmann (1998) sequential choice of ``k`` for Hill.

    ``k̄(r) = min{k : max_{i<=k} sqrt(i) |γ̂(i) − γ̂(k)| > r}`` with ``r_n = 2.5 γ̃ n^(1/4)``
    (``γ̃`` = Hill at ``2 sqrt(n)``), at ``r_n`` and ``r_n^xi``; ``ρ`` is estimated from the
    ratio of the maximal deviations at ``λ k̄`` and ``k̄``, and
    ``k̂ = (1 − 2ρ)^(1/ρ) (−2ρ γ̃²)^(1/(1−2ρ)) (k̄(r^xi) / k̄(r)^xi)^(1/(1−xi))``.

    References
    ----------
    H. Drees, E. Kaufmann, "Selecting the optimal sample fraction in univariate extreme
    value estimation", Stoch. Proc. Appl. 75 (1998) 149–172.
    """
    P = logs.size
    kmax = P - 1
    h = hill_path(logs, kmax)
    k0 = int(min(max(2, 2 * math.sqrt(n)), kmax))
    g = float(h[k0 - 1])
    rn = r * 2.5 * g * n ** 0.25
    kb = _first_exceed(h, rn, kmax)
    kbx = _first_exceed(h, rn ** xi, kmax)
    info: dict = {"r_n": rn, "kbar": kb, "kbar_xi": kbx, "no_bias_detected": False}
    if kb is None or kbx is None or kbx < 4:
        # The Hill path never leaves the band: no bias detectable within the kept values.
        info["no_bias_detected"] = True
        return kmax, info
    lo = max(2, int(lam * kbx))
    z = math.log(_max_dev(h, lo)) - math.log(_max_dev(h, kbx))
    rho = min(-(z / math.log(lam)) + 0.5, -0.05)
    info["rho"] = rho
    e = 1.0 / (1.0 - 2.0 * rho)
    k = ((1 - 2 * rho) ** (1 / rho) * (-2 * rho * g * g) ** e
         * (kbx / kb ** xi) ** (1 / (1 - xi)))
    k = int(np.clip(np.floor(k), 5, kmax))
    return k, info


def _ks_grid(kmax: int, kmin: int = 10) -> np.ndarray:
    dense = np.arange(kmin, min(kmax, 1000) + 1)
    geo = np.unique(np.geomspace(1000, max(kmax, 1000), 300).astype(np.int64))
    return np.unique(np.concatenate([dense, geo[geo <= kmax]]))


def ks_min(logs: np.ndarray, n: int, *, k_max: int | None = None) -> tuple[int, dict]:
    """``k`` minimising the KS distance between the top ``k`` and the fitted Pareto tail.

    For each ``k`` the tail above ``u = X_(k+1)`` is fitted by Pareto with Hill's ``α̂(k)``;
    ``D(k) = max |F_emp − F_fit|`` over the ``k`` exceedances (Clauset et al. 2009's rule).
    ``k`` runs over every value to 1000, then a geometric grid of 300 values.
    """
    kmax = min(logs.size - 1, k_max or logs.size - 1)
    grid = _ks_grid(kmax)
    if grid.size == 0:
        raise ValueError(f"KS-min needs at least 11 tail values; got {logs.size}.")
    xi = hill_path(logs, int(grid[-1]))
    d = np.empty(grid.size)
    for j, k in enumerate(grid):
        e = logs[:k][::-1] - logs[k]          # increasing log-excesses
        a = 1.0 / xi[k - 1] if xi[k - 1] > 0 else np.inf
        fit = 1.0 - np.exp(-a * e)            # fitted CDF of the excesses
        emp_hi = np.arange(1, k + 1) / k
        emp_lo = np.arange(0, k) / k
        d[j] = max(np.max(emp_hi - fit), np.max(fit - emp_lo))
    j = int(np.argmin(d))
    return int(grid[j]), {"ks_distance": float(d[j]), "grid": grid, "ks_path": d}


def path_stability(logs: np.ndarray, n: int, *, k_min: int = 10, digits_extra: int = 2
                   ) -> tuple[int, dict]:
    """Path-stability choice: the longest run of ``k`` with the same rounded Hill ``ξ̂(k)``.

    Following Caeiro & Gomes (2016): find the smallest number of decimals ``j0`` at which
    the rounded path is not constant, round to ``j0 + digits_extra`` decimals, take the
    longest run of consecutive ``k`` with one rounded value and return the middle ``k`` of
    that run.
    """
    kmax = logs.size - 1
    if kmax < k_min + 2:
        raise ValueError(f"path stability needs at least {k_min + 3} tail values; got {logs.size}.")
    h = hill_path(logs, kmax)[k_min - 1:]
    j0 = 0
    while j0 < 12 and np.unique(np.round(h, j0)).size == 1:
        j0 += 1
    a = np.round(h, j0 + digits_extra)
    change = np.flatnonzero(np.diff(a) != 0)
    starts = np.concatenate([[0], change + 1])
    ends = np.concatenate([change, [a.size - 1]])
    lens = ends - starts + 1
    j = int(np.argmax(lens))
    k = k_min + int((starts[j] + ends[j]) // 2)
    return k, {"run": (int(starts[j] + k_min), int(ends[j] + k_min)), "decimals": j0 + digits_extra}


K_METHODS = ("double_bootstrap", "drees_kaufmann", "ks", "path_stability")
