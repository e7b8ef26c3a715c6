"""Numerical engine of the Clauset–Shalizi–Newman power-law fit (arrays only).

The data of one tail side are held as *weighted unique values* (``Uniq``): the sorted distinct
values ``u``, their logs ``lu``, their multiplicities ``cnt`` and ``cb[k]`` = number of values
strictly below ``u[k]`` (``cb[U] = N``). Every xmin candidate is a unique value; its tail is
``u[c:]`` with ``n_t = N - cb[c]`` points. Bootstrap replicates are new count vectors over the
same (or a synthetic) support, so a replicate never sorts.

KS scan. For candidate ``c`` the fitted tail index comes from cumulative sums (continuous:
closed form; discrete: a vectorised root solve with the Hurwitz zeta function). The KS
distance needs every tail point (O(n_t) per candidate), which makes an exhaustive scan
O(N^2). We scan exactly but prune: the KS statistic restricted to ``m`` evenly spaced tail
points is a *lower bound* of the full statistic (a max over a subset), computed for all
candidates at once on a ``(n_candidates, m)`` grid with the same floating-point expression as
the full statistic. Candidates whose bound exceeds the best exact distance found so far
cannot win and are dropped; the bound is refined (m = 32, 128, 512, ...) for the
survivors, and the points where exact distances of other candidates peaked are added to
every bound (neighbours peak there too), which makes near-optimal bounds tight.
The result is bit-for-bit the argmin of the exhaustive scan (ties -> smallest xmin).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

__all__ = ["Uniq", "uniq_from_sorted", "uniq_from_counts", "candidates", "tail_params",
           "scan_xmin", "fixed_xmin", "ks_exact", "sample_powerlaw_sorted", "ScanRule",
           "gof_replicates", "refit_replicates"]

_LEVELS = (32, 128, 512, 2048, 8192, 32768, 131072)
_CHUNK = 1 << 13  # elements per (candidates x points) block: temporaries stay in cache
_COMPACT_MAX = 20_000  # nonparametric replicates up to this support size are compacted


class Uniq:
    """Weighted unique values of one tail side (see module docstring).

    Bootstrap replicates keep the support of the data and may carry zero counts
    (``has_zeros``): such entries are never candidates and never KS evaluation points, which
    saves compacting a million-entry array in every replicate.
    """

    __slots__ = ("u", "lu", "lc", "cnt", "cb", "n", "discrete", "has_zeros")

    def __init__(self, u: np.ndarray, cnt: np.ndarray, discrete: bool,
                 lu: np.ndarray | None = None, has_zeros: bool = False,
                 lc: np.ndarray | None = None, cb_buf: np.ndarray | None = None) -> None:
        self.u = u
        self.lu = np.log(u) if lu is None else lu
        # logs centred at the first support entry (given by replicates, whose body part
        # never changes), and an optional buffer for the cumulative counts: a replicate of
        # a million values then allocates no million-entry array here
        self.lc = self.lu - self.lu[0] if lc is None else lc
        self.cnt = cnt
        self.cb = np.empty(cnt.size + 1, dtype=np.int64) if cb_buf is None \
            else cb_buf[:cnt.size + 1]
        self.cb[0] = 0
        np.cumsum(cnt, out=self.cb[1:])
        self.n = int(self.cb[-1])
        self.discrete = discrete
        self.has_zeros = has_zeros

    def first_nonzero(self, c: int) -> int:
        """The first entry at or after ``c`` with a positive count."""
        return int(np.searchsorted(self.cb, self.cb[c], side="right")) - 1

    @property
    def size(self) -> int:
        return self.u.size

    def tail_logsum(self, c: np.ndarray) -> np.ndarray:
        """sum over the tail of log(x / u[c]) for candidate indices ``c`` (ascending).

        Segment sums between consecutive candidates (``np.add.reduceat``, one read of the
        data) accumulated from the top, on logs centred at the smallest value.
        """
        c = np.asarray(c)
        if c.size == 0:
            return np.empty(0)
        order = None
        if c.size > 1 and np.any(np.diff(c) <= 0):
            c, order = np.unique(c, return_inverse=True)
        c0 = int(c[0])  # entries below the smallest candidate belong to no tail
        w = self.cnt[c0:] * self.lc[c0:]
        seg = np.add.reduceat(w, c - c0)
        sl = np.cumsum(seg[::-1])[::-1]
        nt = self.n - self.cb[c]
        out = sl - nt * self.lc[c]
        return out if order is None else out[order]


def uniq_from_sorted(xs: np.ndarray, discrete: bool) -> Uniq:
    """Build the weighted-unique representation of an ascending sorted positive array."""
    mask = np.empty(xs.size, dtype=bool)
    mask[0] = True
    np.not_equal(xs[1:], xs[:-1], out=mask[1:])
    starts = np.flatnonzero(mask)
    cnt = np.diff(np.append(starts, xs.size))
    return Uniq(np.ascontiguousarray(xs[starts], dtype=np.float64), cnt, discrete)


def uniq_from_counts(base: Uniq, cnt: np.ndarray, cb_buf: np.ndarray | None = None) -> Uniq:
    """A replicate on the support of ``base`` with multiplicities ``cnt`` (zeros allowed)."""
    return Uniq(base.u, cnt, base.discrete, lu=base.lu, has_zeros=True, lc=base.lc,
                cb_buf=cb_buf)


# ---------------------------------------------------------------------------------------
# candidates and per-candidate MLE
# ---------------------------------------------------------------------------------------

def candidates(d: Uniq, lo: float = -np.inf, hi: float = np.inf,
               max_candidates: int | None = None) -> np.ndarray:
    """Candidate indices: unique values in [lo, hi], never the largest one.

    When more than ``max_candidates`` remain, keep those whose tail sizes lie closest (from
    above) to a geometric grid of ``max_candidates // 10`` tail sizes (a log grid, steps of
    ~1% in the tail size at n = 1e5 for the default 10,000; exhaustive for small data).
    The count that decides is the number of values *present* (a replicate's zero-count
    support entries are not values), so data and replicates follow one rule.
    """
    first = int(np.searchsorted(d.u, lo, side="left")) if np.isfinite(lo) else 0
    last = int(np.searchsorted(d.u, hi, side="right")) if np.isfinite(hi) else d.size
    # exclusive; the largest value present is never a candidate (a replicate's support may
    # end in entries with zero counts)
    top = int(np.searchsorted(d.cb, d.n, side="left")) - 1 if d.has_zeros else d.size - 1
    last = min(last, top)
    if last <= first:
        return np.empty(0, dtype=np.intp)
    # The exhaustive/grid decision counts the values actually present, so that a bootstrap
    # replicate (whose support keeps the zero-count body entries of the data) is scanned the
    # same way as data of its size; counting support entries sent about half of the
    # replicates of an exhaustively scanned sample near the threshold onto the coarser grid.
    many = max_candidates is not None and last - first > max_candidates
    if many and d.has_zeros:  # count present values; the top of the range usually suffices
        w = min(last - first, 2 * max_candidates + 2)
        many = (int(np.count_nonzero(d.cnt[last - w:last])) > max_candidates
                or int(np.count_nonzero(d.cnt[first:last])) > max_candidates)
    if not many:
        c = np.arange(first, last)
        return c[d.cnt[c] > 0] if d.has_zeros else c
    nt_hi = d.n - int(d.cb[first])
    # tail size at the largest value present below ``last`` (for data: entry last - 1; a
    # replicate may hold zero-count entries there, which would shift the whole grid)
    below = last - 1 if not d.has_zeros else \
        int(np.searchsorted(d.cb, d.cb[last], side="left")) - 1
    nt_lo = d.n - int(d.cb[below])
    grid = np.geomspace(nt_lo, nt_hi, max(max_candidates // 10, 2))
    # the candidate whose run contains position n - t has a tail of at least t values
    # (integer targets: cb <= v iff cb <= floor(v); a float target would make searchsorted
    # convert all of cb to float64 first)
    pos = np.searchsorted(d.cb, np.floor(d.n - grid).astype(np.int64), side="right") - 1
    c = np.unique(np.clip(pos, first, last - 1))
    return c[d.cnt[c] > 0] if d.has_zeros else c


def tail_params(d: Uniq, c: np.ndarray) -> np.ndarray:
    """MLE of the tail index alpha (P(X >= x) ~ x^-alpha) for every candidate in ``c``."""
    nt = (d.n - d.cb[c]).astype(np.float64)
    s = d.tail_logsum(c)
    with np.errstate(divide="ignore"):
        alpha_c = nt / s
    if not d.discrete:
        return alpha_c
    return _discrete_mle(d.u[c], s / nt, alpha_c)


def _dlogzeta(a: np.ndarray, q: np.ndarray) -> np.ndarray:
    """d/da log zeta(a, q) by a central difference (relative step 1e-6)."""
    h = 1e-6 * a
    return (np.log(special.zeta(a + h, q)) - np.log(special.zeta(a - h, q))) / (2 * h)


def _discrete_mle(q: np.ndarray, mlog: np.ndarray, alpha_cont: np.ndarray) -> np.ndarray:
    """Solve E_a[log(X/q)] = mlog for the zeta law on {q, q+1, ...}; return alpha = a - 1.

    ``-d/da log zeta(a, q) - log q`` is the mean log-excess and decreases in ``a``: a vectorised
    bracketed bisection on it (60 halvings of a bracket that starts at [1, a_cont + 1]).
    """
    lq = np.log(q)
    lo = np.full(q.shape, 1.0 + 1e-9)
    hi = np.where(np.isfinite(alpha_cont), alpha_cont + 2.0, 50.0)
    hi = np.minimum(hi, 200.0)
    for _ in range(20):  # expand until the mean log-excess at hi is below the target
        bad = -_dlogzeta(hi, q) - lq > mlog
        if not bad.any():
            break
        hi = np.where(bad, np.minimum(hi * 2.0, 400.0), hi)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        above = -_dlogzeta(mid, q) - lq > mlog
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    return 0.5 * (lo + hi) - 1.0


# ---------------------------------------------------------------------------------------
# KS distance (Clauset's convention) on a grid of tail points
# ---------------------------------------------------------------------------------------

def _diffs(d: Uniq, c: np.ndarray, alpha: np.ndarray, k: np.ndarray) -> np.ndarray:
    """|model CDF - empirical CDF| at unique tail points ``k`` (rows: candidates ``c``).

    Continuous (Clauset et al. and ``powerlaw``): the empirical CDF is taken as the fraction
    of tail values *strictly below* each point, the model CDF is ``1 - (xmin/x)^alpha``.
    Discrete: both one-sided limits at every data value (the sup over all integers).
    """
    cbc = d.cb[c][:, None]
    nt = (d.n - d.cb[c]).astype(np.float64)[:, None]
    below = (d.cb[k] - cbc) / nt
    if not d.discrete:
        model = 1.0 - np.exp(alpha[:, None] * (d.lu[c][:, None] - d.lu[k]))
        out = np.abs(model - below)
        if d.has_zeros:  # values absent from this replicate are not evaluation points
            out *= d.cnt[k] > 0
        return out
    a = (alpha + 1.0)[:, None]
    zc = special.zeta(a, d.u[c][:, None])
    sf = special.zeta(a, d.u[k]) / zc
    pmf = np.exp(-a * d.lu[k]) / zc
    upto = (d.cb[k + 1] - cbc) / nt
    out = np.maximum(np.abs(1.0 - sf - below), np.abs(1.0 - sf + pmf - upto))
    if d.has_zeros:
        out *= d.cnt[k] > 0
    return out


def _ks_on_grid(d: Uniq, c: np.ndarray, alpha: np.ndarray, m: int,
                hints: np.ndarray | None = None) -> np.ndarray:
    """Max of ``_diffs`` over ``m`` evenly spaced unique tail points (all when fewer).

    Candidates come in ascending order (tails of decreasing length); a block whose longest
    tail is shorter than ``m`` uses that length instead, so short tails are not evaluated
    point-by-point many times over. ``hints`` are extra points (where exact KS distances of
    other candidates peaked; neighbouring candidates tend to peak there too), clipped into
    each tail, which tightens the bound at little cost. Every point used lies in the tail, so
    the result is always a lower bound of the full KS distance.
    """
    out = np.empty(c.size)
    rows = max(1, _CHUNK // m)
    for s in range(0, c.size, rows):
        cc = c[s:s + rows]
        length = d.size - cc
        me = int(min(m, length.max()))
        k = cc[:, None] + (np.arange(me)[None, :] * length[:, None]) // me
        if hints is not None and hints.size:
            k = np.concatenate([k, np.maximum(hints[None, :], cc[:, None])], axis=1)
        out[s:s + rows] = _diffs(d, cc, alpha[s:s + rows], k).max(axis=1)
    return out


def _diffs_run(d: Uniq, c: int, alpha: float, s: int, e: int) -> np.ndarray:
    """``_diffs`` of one candidate at the consecutive points ``s .. e-1`` (slices, no gather).

    Continuous data only; the arithmetic is the same expression, operation for operation,
    so the values are bit-identical to ``_diffs`` (the bounds stay exact lower bounds).
    """
    nt = float(d.n - d.cb[c])
    below = (d.cb[s:e] - d.cb[c]) / nt
    model = np.subtract(d.lu[c], d.lu[s:e])
    model *= alpha
    np.exp(model, out=model)
    np.subtract(1.0, model, out=model)
    model -= below
    np.abs(model, out=model)
    if d.has_zeros:
        model *= d.cnt[s:e] > 0
    return model


def _ks_exact_at(d: Uniq, c: int, alpha: float, stop_above: float = np.inf
                 ) -> tuple[float, int]:
    """The KS distance of candidate ``c`` over all its tail points, and where it peaks.

    With ``stop_above`` the scan stops as soon as the running maximum exceeds it and
    returns that partial maximum: a lower bound that is already larger, so the candidate
    cannot win (nothing else is done with the value).
    """
    best, where = 0.0, c
    step = 4 * _CHUNK
    for s in range(c, d.size, step):
        e = min(s + step, d.size)
        if d.discrete:
            k = np.arange(s, e)
            v = _diffs(d, np.array([c]), np.array([alpha]), k[None, :])[0]
        else:
            v = _diffs_run(d, c, alpha, s, e)
        i = int(np.argmax(v))
        if v[i] > best:
            best, where = float(v[i]), s + i
            if best > stop_above:
                break
    return best, where


def ks_exact(d: Uniq, c: int, alpha: float) -> float:
    """The KS distance of candidate ``c`` over all its tail points."""
    return _ks_exact_at(d, c, alpha)[0]


def scan_xmin(d: Uniq, c: np.ndarray) -> tuple[int, float, float]:
    """Exact KS-minimising candidate among ``c``; returns (index into d, alpha, KS)."""
    alpha = tail_params(d, c)
    ok = np.isfinite(alpha) & (alpha > 0)
    c, alpha = c[ok], alpha[ok]
    if c.size == 0:
        raise ValueError("no xmin candidate leaves a tail with spread")
    found_c: list[int] = []
    found_d: list[float] = []
    peaks: list[int] = []
    best = np.inf

    def exact(i: int) -> float:
        v, where = _ks_exact_at(d, int(c[i]), float(alpha[i]), best)
        found_c.append(i)
        found_d.append(v)
        peaks.append(where)
        return v

    def hints() -> np.ndarray:
        if not peaks:
            return np.empty(0, dtype=np.intp)
        w = np.asarray(peaks[-8:])[:, None] + np.arange(-8, 9)[None, :]
        return np.unique(np.clip(w, 0, d.size - 1))

    alive = np.arange(c.size)
    for m in _LEVELS:
        if alive.size == 0:
            break
        lb = _ks_on_grid(d, c[alive], alpha[alive], m, hints())
        is_exact = (d.size - c[alive]) <= m
        if is_exact.any():
            found_c.extend(alive[is_exact].tolist())
            found_d.extend(lb[is_exact].tolist())
            best = min(best, float(lb[is_exact].min()))
        alive, lb = alive[~is_exact], lb[~is_exact]
        # Seed/refresh the incumbent with the most promising bound, exactly.
        if lb.size:
            i = int(np.argmin(lb))
            if lb[i] <= best:
                best = min(best, exact(int(alive[i])))
                lb[i] = np.inf  # done
        alive = alive[lb <= best]
    if alive.size:  # survivors of the finest level: exact, in order of their bounds
        lb = _ks_on_grid(d, c[alive], alpha[alive], _LEVELS[-1], hints())
        for i in np.argsort(lb, kind="stable"):
            if lb[i] > best:
                break
            best = min(best, exact(int(alive[i])))
    fc = np.asarray(found_c)
    fd = np.asarray(found_d)
    win = fc[fd == fd.min()].min()  # smallest xmin among exact ties
    return int(c[win]), float(alpha[win]), float(fd.min())


def fixed_xmin(d: Uniq, xmin: float) -> tuple[int, float, float]:
    """Fit at a given xmin: the first unique value >= xmin is the candidate."""
    c = int(np.searchsorted(d.u, xmin, side="left"))
    if c < d.size and d.has_zeros:
        c = d.first_nonzero(c)
    if c >= d.size - 1:
        raise ValueError("fewer than two distinct values lie at or above `xmin`")
    alpha = float(tail_params(d, np.array([c]))[0])
    return c, alpha, ks_exact(d, c, alpha)


# ---------------------------------------------------------------------------------------
# sampling the fitted power law (sorted, for the semi-parametric bootstrap)
# ---------------------------------------------------------------------------------------

def sample_powerlaw_sorted(rng: np.random.Generator, size: int, xmin: float, alpha: float,
                           discrete: bool) -> np.ndarray:
    """``size`` draws from the fitted power law above ``xmin``, sorted ascending.

    Continuous: inversion ``xmin * V^(-1/alpha)``. Discrete (zeta law on {xmin, xmin+1, ...}):
    exact inversion of a table of ``zeta(a, k) / zeta(a, xmin)`` for the first 10^4 integers,
    and beyond the table (probability ~ (10^4 / xmin)^-alpha) Clauset et al.'s (2009, App. D)
    rounding of a continuous power-law draw started at the table's end, whose error shrinks
    as the table's end grows.
    """
    if size == 0:
        return np.empty(0)
    if not discrete:
        # -log U_(i) of sorted uniforms are the partial sums of exponential spacings
        # E_j / (size - j) (Renyi's representation), so the sample comes out sorted.
        e = rng.standard_exponential(size)
        e /= np.arange(size, 0, -1, dtype=np.float64)
        np.cumsum(e, out=e)
        return xmin * np.exp(e / alpha)
    u = 1.0 - rng.random(size)  # uniform on (0, 1]
    u.sort()
    a = alpha + 1.0
    kk = xmin + np.arange(10_001, dtype=np.float64)
    sf = special.zeta(a, kk) / special.zeta(a, xmin)  # P(X >= k), decreasing
    # X = k  where  sf[k+1] < u <= sf[k]
    inner = u > sf[-1]
    out = np.empty(size)
    # -sf is increasing; the count of sf[i] >= u minus one is the largest such i
    idx = np.searchsorted(-sf, -u[inner], side="right") - 1
    out[inner] = kk[np.clip(idx, 0, kk.size - 1)]
    far = ~inner
    if far.any():
        k0 = kk[-1]
        out[far] = np.floor((k0 - 0.5) * (u[far] / sf[-1]) ** (-1.0 / alpha) + 0.5)
    out.sort()
    return out


# ---------------------------------------------------------------------------------------
# bootstraps: every replicate re-selects xmin (unless it was fixed) and re-fits alpha
# ---------------------------------------------------------------------------------------

class ScanRule:
    """How xmin is chosen (applied identically to the data and to every replicate)."""

    __slots__ = ("fixed", "lo", "hi", "max_candidates")

    def __init__(self, fixed: float | None, lo: float, hi: float, max_candidates: int) -> None:
        self.fixed, self.lo, self.hi, self.max_candidates = fixed, lo, hi, max_candidates

    def fit(self, d: Uniq) -> tuple[int, float, float]:
        if self.fixed is not None:
            return fixed_xmin(d, self.fixed)
        c = candidates(d, self.lo, self.hi, self.max_candidates)
        if c.size == 0:
            raise ValueError("no xmin candidate in the requested range")
        return scan_xmin(d, c)


def gof_replicates(d: Uniq, c_fit: int, alpha: float, rule: ScanRule, n_resamples: int,
                   rng: np.random.Generator) -> np.ndarray:
    """KS distances of ``n_resamples`` semi-parametric synthetic data sets (Clauset §4.1).

    Each synthetic set has ``n`` points: with probability ``n_body / n`` a point is drawn
    uniformly from the observed values below xmin, otherwise from the fitted power law above
    xmin. It is then fitted exactly like the data (xmin re-selected, alpha re-fitted). With a
    fixed xmin only the tail is simulated (``n_tail`` points) and only alpha is re-fitted.
    Replicates that leave no usable candidate (tiny data) are returned as NaN.
    """
    xmin = float(d.u[c_fit])
    n_body = int(d.cb[c_fit])
    n_tail = d.n - n_body
    # map a resampled body position to its distinct value (identity when there are no ties)
    body_uid = None if n_body == c_fit else np.repeat(np.arange(c_fit), d.cnt[:c_fit])
    size = c_fit + (n_tail if rule.fixed is not None else d.n)
    u_buf = np.empty(size)
    l_buf = np.empty(size)
    c_buf = np.zeros(size, dtype=np.int64)
    u_buf[:c_fit], l_buf[:c_fit] = d.u[:c_fit], d.lu[:c_fit]
    lc_buf = np.empty(size)  # logs centred at the smallest value (see Uniq)
    lu0 = float(d.lu[0])
    lc_buf[:c_fit] = d.lc[:c_fit]
    cb_buf = np.empty(size + 1, dtype=np.int64)
    # continuous tails are generated in place, already sorted (Renyi: the k-th smallest of
    # n standard exponentials is sum_{j<k} E_j / (n - j)); recip[-s:] = 1/s, ..., 1/1
    recip = 1.0 / np.arange(size - c_fit, 0, -1, dtype=np.float64)
    lxmin = math.log(xmin)
    out = np.full(n_resamples, np.nan)
    for b in range(n_resamples):
        if rule.fixed is not None:
            nt, nb = n_tail, 0
        else:
            nt = int(rng.binomial(d.n, n_tail / d.n))
            nb = d.n - nt
        if d.discrete:  # integer draws tie: compact them
            m = c_fit
            if nt:
                t = uniq_from_sorted(sample_powerlaw_sorted(rng, nt, xmin, alpha, True), True)
                m = c_fit + t.size
                u_buf[c_fit:m], l_buf[c_fit:m], c_buf[c_fit:m] = t.u, t.lu, t.cnt
                np.subtract(t.lu, lu0, out=lc_buf[c_fit:m])
        else:  # continuous draws are distinct (ties have probability 0)
            m = c_fit + nt
            if nt:
                e = l_buf[c_fit:m]
                rng.standard_exponential(out=e)
                e *= recip[recip.size - nt:]
                np.cumsum(e, out=e)
                e /= alpha
                e += lxmin  # log of the sorted power-law sample
                np.exp(e, out=u_buf[c_fit:m])
                np.subtract(e, lu0, out=lc_buf[c_fit:m])
                c_buf[c_fit:m] = 1
        if nb:
            pos = rng.integers(0, n_body, size=nb)
            # counts of the body values, zero-padded over the tail entries (no extra copy)
            cnt = np.bincount(pos if body_uid is None else body_uid[pos], minlength=m)
            cnt[c_fit:m] = c_buf[c_fit:m]
        else:
            cnt = c_buf[:m].copy()
            cnt[:c_fit] = 0
        if m - c_fit + min(nb, 2) < 3 and m - c_fit + np.count_nonzero(cnt[:c_fit]) < 3:
            continue
        rep = Uniq(u_buf[:m], cnt, d.discrete, lu=l_buf[:m], has_zeros=True,
                   lc=lc_buf[:m], cb_buf=cb_buf)
        try:
            out[b] = rule.fit(rep)[2]
        except ValueError:
            continue
    return out


def refit_replicates(d: Uniq, rule: ScanRule, n_resamples: int, rng: np.random.Generator
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Non-parametric bootstrap of (alpha, xmin, n_tail), xmin re-selected in each replicate.

    A replicate is a multinomial resample of the n values, represented by its counts over the
    distinct values (no sorting). Failed replicates are NaN.
    """
    uid = np.repeat(np.arange(d.size), d.cnt)
    al = np.full(n_resamples, np.nan)
    xm = np.full(n_resamples, np.nan)
    nt = np.full(n_resamples, np.nan)
    cb_buf = np.empty(d.size + 1, dtype=np.int64)
    for b in range(n_resamples):
        pos = rng.integers(0, d.n, size=d.n)
        cnt = np.bincount(pos if d.n == d.size else uid[pos], minlength=d.size)
        if d.size <= _COMPACT_MAX:
            # drop the ~37% absent values: the KS lower bounds then sample only real points
            # and prune better (measured ~2x faster at n = 1e4); same candidates, same
            # exact argmin, so the same replicate fit
            keep = np.flatnonzero(cnt)
            rep = Uniq(d.u[keep], cnt[keep], d.discrete, lu=d.lu[keep], lc=d.lc[keep])
        else:
            rep = uniq_from_counts(d, cnt, cb_buf)
        try:
            c, a, _ = rule.fit(rep)
        except ValueError:
            continue
        al[b], xm[b], nt[b] = a, rep.u[c], rep.n - rep.cb[c]
    return al, xm, nt
