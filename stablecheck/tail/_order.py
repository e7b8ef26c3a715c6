"""Order-statistic estimators (Hill, DEdH moment, Pickands, smoothed Hill) from a sorted tail:
k selection, the k path, and intervals (exact χ², profile likelihood, normal, tail-only
bootstrap with k re-selected in every replicate)."""

from __future__ import annotations

import copy
import hashlib
import math
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import optimize, special, stats

from .._results import ConfidenceInterval
from ..resample._ci import grouped_jackknife
from ..resample._engine import interval
from . import _fastlog
from ._kernels import KERNELS
from ._select import (
    ADBPlan,
    db_grid,
    double_bootstrap,
    drees_kaufmann,
    exponentials_ahead,
    ks_min,
    path_stability,
)

__all__ = ["select_k", "order_estimate", "hill_exact_ci", "hill_profile_ci", "poisson_pops",
           "poisson_rows"]


def select_k(logs: np.ndarray, n: int, k_method: str, rng: np.random.Generator,
             db_options: dict | None = None, cache: dict | None = None) -> tuple[int, dict]:
    """Run one k-selection rule on decreasing ``logs``.

    ``cache`` (a dict owned by the caller, e.g. kept on a :class:`TailSketch`): the double
    bootstrap's answer is stored under everything it depends on — the bytes of ``logs``,
    ``n``, the options and the generator's state before the draws — together with the
    generator's state after them. A repeated call (e.g. ``tail_index`` on one sketch with
    ``ci="exact"`` and then ``ci="bootstrap"`` and the same seed) restores that state
    instead of drawing again: the same ``k``, and the generator ends where it would have.
    """
    if k_method == "double_bootstrap":
        key = None
        if cache is not None:
            key = (hashlib.blake2b(np.ascontiguousarray(logs, dtype=np.float64).tobytes(),
                                   digest_size=20).hexdigest(), logs.shape, int(n),
                   repr(sorted((db_options or {}).items())), type(rng.bit_generator).__name__,
                   repr(rng.bit_generator.state))
            hit = cache.get(key)
            if hit is not None:
                rng.bit_generator.state = copy.deepcopy(hit[2])
                return hit[0], copy.deepcopy(hit[1])
        k, info = double_bootstrap(logs, n, rng, **(db_options or {}))
        if key is not None and cache is not None:
            while len(cache) >= 8:      # a few entries: sketches are re-read with few seeds
                cache.pop(next(iter(cache)))
            cache[key] = (int(k), copy.deepcopy(info), copy.deepcopy(rng.bit_generator.state))
        return int(k), info
    fn = {"drees_kaufmann": drees_kaufmann, "ks": ks_min, "path_stability": path_stability}
    return fn[k_method](logs, n)


def hill_exact_ci(alpha: float, k: int, level: float) -> ConfidenceInterval:
    """Exact interval at fixed ``k`` under a Pareto tail: ``2 k α / α̂ ~ χ²_{2k}``."""
    a = (1.0 - level) / 2.0
    lo = alpha * stats.chi2.ppf(a, 2 * k) / (2 * k)
    hi = alpha * stats.chi2.ppf(1.0 - a, 2 * k) / (2 * k)
    return ConfidenceInterval(float(lo), float(hi), level, "exact-chi2")


def hill_profile_ci(alpha: float, k: int, level: float) -> ConfidenceInterval:
    """Profile-likelihood interval: ``2k (r − 1 − log r) <= χ²_1(level)``, ``r = α/α̂``."""
    c = stats.chi2.ppf(level, 1) / (2 * k)
    f = lambda r: r - 1.0 - math.log(r) - c  # noqa: E731
    lo = optimize.brentq(f, 1e-12, 1.0)
    hi = optimize.brentq(f, 1.0, 1e6)
    return ConfidenceInterval(alpha * lo, alpha * hi, level, "profile-likelihood")


def _alpha_of_xi(xi: np.ndarray) -> np.ndarray:
    xi = np.asarray(xi, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(xi > 0, 1.0 / xi, np.inf)


def _normal_ci(xi: float, se: float, level: float) -> ConfidenceInterval:
    z = float(special.ndtri(0.5 + level / 2))
    lo_xi, hi_xi = xi - z * se, xi + z * se
    return ConfidenceInterval(float(_alpha_of_xi(hi_xi)), float(_alpha_of_xi(lo_xi)), level,
                              "normal (ξ scale)")


def _path_grid(kmax: int) -> np.ndarray:
    dense = np.arange(2, min(kmax, 200) + 1)
    geo = np.geomspace(200, max(kmax, 200), 200).astype(np.int64)
    return np.unique(np.concatenate([dense, geo[geo <= kmax]]))


def _kernel_at(kernel: str, pops: np.ndarray, ks: np.ndarray) -> np.ndarray:
    """ξ of ``kernel`` for each row of ``pops`` at that row's ``k``."""
    kk = int(ks.max())
    if kernel == "hill":   # one cumulative sum, read at each row's k
        L = pops[:, : kk + 1] - pops[:, :1]
        s1 = np.cumsum(L[:, :kk], axis=1)
        r = np.arange(pops.shape[0])
        return s1[r, ks - 1] / ks - L[r, ks]
    path_fn = KERNELS[kernel][0]
    out = np.empty(pops.shape[0])
    rows = max(1, (1 << 18) // (kk + 1))
    for r0 in range(0, pops.shape[0], rows):
        p = path_fn(pops[r0:r0 + rows], kk)
        out[r0:r0 + rows] = np.take_along_axis(p, (ks[r0:r0 + rows] - 1)[:, None], axis=1)[:, 0]
    return out


def poisson_rows(logs: np.ndarray, size: int, depth: int,
                 rng: np.random.Generator, t: np.ndarray | None = None) -> np.ndarray:
    """Top ``depth`` log values of ``size`` tail-only Poisson resamples (of the sample's own
    size), one per row of a C-ordered ``(size, depth)`` array.

    Ranks are the arrival times ``T_j`` of a rate-1 Poisson process (cumulative sums of
    standard exponentials, see :class:`~stablecheck.resample.PoissonTail`): rank
    ``ceil(T_j) − 1``, which equals ``floor(T_j)`` (the integer cast) with probability 1.
    Ranks beyond the buffer read its last value (``mode="clip"``; the caller sizes
    ``depth`` so this happens with negligible probability). ``t``: the
    ``rng.standard_exponential((size, depth))`` draws, when the caller made them already
    (overwritten).
    """
    if t is None:
        t = rng.standard_exponential((size, depth))
    nb = _fastlog.boot_kernels(size * depth)
    if nb is not None:   # the same values, one fused pass (see _boot_nb)
        nb.poisson_gather(t, logs, t)
        return t
    np.cumsum(t, axis=1, out=t)
    return np.take(logs, t.astype(np.intp), mode="clip")


def poisson_pops(logs: np.ndarray, n: int, size: int, depth: int,
                 rng: np.random.Generator) -> np.ndarray:
    """Top ``depth`` log values of ``size`` tail-only Poisson resamples of size ``n``."""
    return poisson_rows(logs, size, depth, rng)


#: float64 elements of one (depth, replicates) bootstrap work array (~1 MB: L2-sized)
_BOOT_CACHE = 1 << 18


def order_estimate(
    top: np.ndarray,
    n: int,
    *,
    kernel: str,
    k: Any,
    k_method: str,
    ci: str | None,
    ci_method: str,
    level: float,
    n_resamples: int,
    rng: np.random.Generator,
    db_options: dict,
    undersmooth: int = 1,
    replicate_pops: Callable[[int, int, np.random.Generator], np.ndarray] | None = None,
    k_cache: dict | None = None,
) -> dict[str, Any]:
    """Estimate from the decreasing positive tail ``top`` of a sample of size ``n``
    (``k_cache``: see :func:`select_k`)."""
    logs = np.log(top)
    P = logs.size
    notes: list[str] = []
    k_info: dict = {}
    auto = k == "auto"
    if auto:
        kk, k_info = select_k(logs, n, k_method, rng, db_options, k_cache)
        if k_info.get("no_bias_detected"):
            notes.append("Drees–Kaufmann found no bias within the kept tail; k = all kept "
                         "values.")
        kk = _scale_k(kernel, kk)
        if undersmooth > 1:
            kk = max(10, kk // undersmooth)
    elif isinstance(k, float):
        kk = max(2, int(round(k * n)))
    else:
        kk = int(k)
    if kk > P - 1:
        raise ValueError(f"k = {kk} needs {kk + 1} tail values but only {P} are available; "
                         "lower k or keep more (k_max).")
    path_fn, se_fn = KERNELS[kernel]
    need = kk if kernel != "pickands" else 4 * kk
    if kernel == "smooth_hill":
        need = 2 * kk
    if need > P - 1 + (1 if kernel == "pickands" else 0):
        raise ValueError(f"{kernel} at k = {kk} needs the top {need + 1} values; only {P} "
                         "are available. Lower k or keep more (k_max).")
    # -- the k path (a grid, for plots and diagnostics) --------------------------------
    kpmax = min(P - 1, max(10 * kk, 2000))
    if kernel == "pickands":
        kpmax = min(kpmax, P // 4)
    elif kernel == "smooth_hill":
        kpmax = min(kpmax, (P - 1) // 2)
    full = path_fn(logs, max(kpmax, kk))
    xi = float(full[kk - 1])
    se_xi = float(se_fn(np.array(xi), np.array(kk)))
    alpha = float(_alpha_of_xi(xi))
    grid = np.union1d(_path_grid(kpmax), [kk])
    gx = full[grid - 1]
    gse = se_fn(gx, grid)
    z = float(special.ndtri(0.5 + level / 2))
    if kernel == "hill":
        a = (1.0 - level) / 2.0
        ga = _alpha_of_xi(gx)
        glo = ga * stats.chi2.ppf(a, 2 * grid) / (2 * grid)
        ghi = ga * stats.chi2.ppf(1 - a, 2 * grid) / (2 * grid)
    else:
        ga = _alpha_of_xi(gx)
        glo, ghi = _alpha_of_xi(gx + z * gse), _alpha_of_xi(gx - z * gse)
    k_path = {"k": grid, "xi": gx, "alpha": ga, "low": glo, "high": ghi}
    se_alpha = se_xi / (xi * xi) if xi > 0 else math.inf
    # -- interval ---------------------------------------------------------------------
    conf = None
    boot = None
    if ci == "exact":
        conf = hill_exact_ci(alpha, kk, level)
    elif ci == "profile":
        conf = hill_profile_ci(alpha, kk, level)
    elif ci == "normal":
        conf = _normal_ci(xi, se_xi, level)
    elif ci in ("bootstrap", "block"):
        depth = P - int(6 * math.sqrt(P)) - 1 if replicate_pops is None else P
        cap1 = None
        if auto and k_method == "double_bootstrap":
            # the analytic re-selection reads the path up to about kmax1 * n / n1; search
            # k1 up to 4x the original sample's k1 (the full grid when that is larger)
            n1, _, kmax1, _ = db_grid(n, P, db_options.get("epsilon", 0.1),
                                      db_options.get("k_frac", 0.1))
            n2 = max(10, int(n1 * n1 / n))
            cap1 = int(min(kmax1, max(4 * int(k_info.get("k1", kmax1)),
                                      8 * n1 / n2 + 10, 50)))
            depth = min(depth, int(math.ceil((cap1 + 1) * n / n1)) + 3)
        elif not auto:
            depth = min(depth, need + 2)
        depth = max(depth, min(P, need + 2))
        R = n_resamples
        ks = np.empty(R, dtype=np.int64)
        xs = np.empty(R)
        # logs centred on the sample maximum: replicate sums stay O(k)
        logs_c = logs - logs[0]
        opts = {k: v for k, v in db_options.items() if k in ("epsilon", "k_frac")}
        plan = None
        if auto and k_method == "double_bootstrap":
            plan = ADBPlan(n, depth, kmax1_cap=cap1, **opts)
        # replicates per batch: the (batch, depth) work arrays stay near cache size
        batch = max(16, min(R, _BOOT_CACHE // max(depth, 1)))
        _fastlog.boot_kernels(R * depth)   # loads the kernels if the whole job pays for it
        exps = None
        if replicate_pops is None and (plan is not None or not auto):
            # nothing else draws from rng in the loop: the next batch's exponentials are
            # drawn on a helper thread (same draws, same order)
            exps = exponentials_ahead(rng, [(min(batch, R - r0), depth)
                                            for r0 in range(0, R, batch)], reuse=True)
        for r0 in range(0, R, batch):
            b = min(batch, R - r0)
            if replicate_pops is None:
                rows = poisson_rows(logs_c, b, depth, rng,
                                    None if exps is None else next(exps))
            else:
                rows = replicate_pops(b, depth, rng) - logs[0]
            sums = None
            if plan is not None:
                sums = plan.prefix(rows)
                kb, _ = plan.select(rows, sums)
                kb = _scale_k(kernel, kb)
            elif auto:
                kb = np.array([select_k(p, n, k_method, rng, db_options)[0] for p in rows])
                kb = _scale_k(kernel, kb)
            else:
                kb = np.full(b, kk)
            if auto and undersmooth > 1:
                kb = np.maximum(10, kb // undersmooth)
            kb = np.clip(kb, 2, need_cap(kernel, depth))
            ks[r0:r0 + b] = kb
            if kernel == "hill" and sums is not None:
                xs[r0:r0 + b] = plan.hill_at(rows, sums[0], kb)
            elif kernel == "hill":
                r = np.arange(b)
                xs[r0:r0 + b] = rows[:, :kk].sum(axis=1) / kk - rows[r, kb]
            else:
                xs[r0:r0 + b] = _kernel_at(kernel, rows, kb)
        star = _alpha_of_xi(xs)
        jack = None
        if ci_method == "bca":
            jack = _grouped_jackknife(logs, n, kernel, kk, rng)
        conf = interval(alpha, star, method=ci_method, confidence_level=level, jackknife=jack)
        conf = ConfidenceInterval(conf.low, conf.high, level,
                                  f"{'block ' if ci == 'block' else ''}bootstrap-{ci_method}"
                                  f"{' (k re-selected)' if auto else ''}")
        boot = {"alpha": star, "k": ks}
        nf = int(np.count_nonzero(~np.isfinite(star)))
        if nf:
            notes.append(f"{nf} of {R} bootstrap replicates gave a non-positive ξ (α = inf); "
                         "the interval uses the finite ones.")
    return {"alpha": alpha, "xi": xi, "se": se_alpha, "se_xi": se_xi, "k": kk, "ci": conf,
            "k_path": k_path, "k_info": k_info, "bootstrap": boot, "notes": notes}


def _scale_k(kernel: str, k: Any) -> Any:
    """The selection rules target Hill; kernels reading deeper order statistics use a
    smaller k so their deepest value matches Hill's threshold: smoothed Hill averages over
    (k, 2k], Pickands reads X_(4k)."""
    div = {"smooth_hill": 2, "pickands": 4}.get(kernel, 1)
    return np.maximum(k // div, 2) if isinstance(k, np.ndarray) else max(2, int(k) // div)


def need_cap(kernel: str, depth: int) -> int:
    """Largest k a kernel can use with ``depth`` values."""
    if kernel == "pickands":
        return depth // 4
    if kernel == "smooth_hill":
        return (depth - 1) // 2
    return depth - 1


def _grouped_jackknife(logs: np.ndarray, n: int, kernel: str, k: int,
                       rng: np.random.Generator, groups: int = 20) -> np.ndarray:
    """Delete-a-group jackknife on the tail: groups are a random partition of the whole
    sample, so each group removes about ``1/groups`` of the tail; ``k`` is scaled with the
    remaining sample size (no re-selection: the jackknife only feeds BCa's acceleration)."""
    labels = grouped_jackknife(logs.size, groups, rng)
    out = np.empty(groups)
    for g in range(groups):
        sub = logs[labels != g]
        kg = max(2, min(int(round(k * (groups - 1) / groups)), need_cap(kernel, sub.size)))
        out[g] = float(_alpha_of_xi(KERNELS[kernel][0](sub[None, :], kg)[0, kg - 1]))
    return out
