"""Streaming, mergeable summaries for tail-index estimation.

:class:`TailSketch` keeps the exact top-``k_max`` values of ``|x|``, ``x⁺`` and ``x⁻`` plus
the counts (values seen, zeros, NaN, ±inf) in one pass with a running threshold filter;
every order-statistic estimator (Hill, DEdH, Pickands, smoothed Hill, k selection, the
tail-only bootstrap) reads only this sketch.

:class:`LogMomentSketch` keeps float64 running moments of ``log|x|`` (Chan et al. merge) and,
for each block length ``K1`` of a grid, the running moments of ``log|Y_i|`` over the block
sums ``Y_i`` aligned to the global position of each value, so chunk boundaries do not change
the block sums (Mohammadi's estimator).
"""

from __future__ import annotations

from typing import Any, ClassVar, cast

import numpy as np

from .._sketch import Sketch, register_sketch
from . import _fastlog

__all__ = ["TailSketch", "LogMomentSketch"]

_TAILS = ("abs", "upper", "lower")
_NO_CUT = 0x7FFFFFFF   # float32 magnitude bits no value exceeds: the kernel collects nothing


def _compact(buf: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` largest entries of ``buf`` (unsorted)."""
    if buf.size <= k:
        return buf
    return np.partition(buf, buf.size - k)[buf.size - k:]


def _scratch(owner: Any, name: str, size: int, dtype: Any) -> np.ndarray:
    """A reusable work array of ``size`` elements kept on ``owner`` (not part of its state):
    chunk after chunk the same pages are reused instead of freshly faulted in."""
    dt = np.dtype(dtype)
    buf = owner.__dict__.get(name)
    if buf is None or buf.dtype != dt or buf.size < size:
        buf = np.empty(size, dtype=dt)
        owner.__dict__[name] = buf
    return buf[:size]


@register_sketch
class TailSketch(Sketch):
    """Exact top-``k_max`` order statistics of ``|x|``, ``x⁺`` and ``x⁻``, mergeable.

    Parameters
    ----------
    k_max : int
        How many of the largest values to keep per tail. Estimators can use any
        ``k < k_max``; the tail-only bootstrap uses the buffer as its population.

    Notes
    -----
    A value enters a buffer only when it exceeds the current ``k_max``-th largest value of
    that buffer, so after the first ``k_max`` values the work per chunk is a comparison
    pass plus a small partition of the few candidates. Zeros and non-finite values never
    enter a buffer; they are counted (``n_zero``, ``n_nan``, ``n_posinf``, ``n_neginf``).
    ``n`` counts every value seen (finite or not). Results are exact and independent of how
    the data were chunked or merged.

    Examples
    --------
    >>> import numpy as np
    >>> from stablecheck import TailSketch
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_t(3, size=100_000)
    >>> sk = TailSketch(1000)
    >>> for chunk in np.array_split(x, 7):
    ...     _ = sk.update(chunk)
    >>> bool(np.array_equal(sk.top("abs"), np.sort(np.abs(x))[::-1][:1000]))
    True
    """

    kind: ClassVar[str] = "tail_topk"

    def __init__(self, k_max: int = 100_000):
        if isinstance(k_max, bool) or not isinstance(k_max, (int, np.integer)) or k_max < 2:
            raise ValueError(f"`k_max` must be an integer >= 2; got {k_max!r}.")
        self.k_max = int(k_max)
        self.n = 0
        self.n_zero = 0
        self.n_nan = 0
        self.n_posinf = 0
        self.n_neginf = 0
        self._buf = {t: np.empty(0, dtype=np.float64) for t in _TAILS}
        self._pending: dict[str, list[np.ndarray]] = {t: [] for t in _TAILS}
        self._npending = dict.fromkeys(_TAILS, 0)
        self._thr = dict.fromkeys(_TAILS, 0.0)

    # -- protocol -----------------------------------------------------------------
    def update(self, chunk: Any) -> TailSketch:
        x = np.asarray(chunk)
        if x.dtype.kind not in "iuf":
            raise TypeError(f"TailSketch needs numeric chunks; got dtype {x.dtype}.")
        x = x.reshape(-1)
        if x.dtype.kind in "iu" or x.dtype == np.float16:
            x = x.astype(np.float64)
        if x.size == 0:
            return self
        a = np.abs(x, out=_scratch(self, "_abs", x.size, x.dtype))
        return self._scan(x, a, None)

    def _scan(self, x: np.ndarray, a: np.ndarray, finite: bool | None) -> TailSketch:
        """Update from a 1-D float chunk ``x`` and its magnitudes ``a = |x|`` (same dtype).

        ``finite`` says whether the caller already knows the chunk holds no NaN/±inf
        (``None``: find out here, with one ``max`` pass — NaN propagates through it).
        """
        self.n += x.size
        self.n_zero += x.size - int(np.count_nonzero(x))  # NaN counts as non-zero: exact
        if finite is None:
            with np.errstate(invalid="ignore"):
                finite = bool(np.isfinite(a.max()))
        if not finite:  # rare: count NaN only when something is off (±inf: in the offer)
            self.n_nan += int(np.count_nonzero(np.isnan(x)))
        mask = np.greater(a, self._cut(x.dtype), out=_scratch(self, "_mask", x.size, np.bool_))
        return self._take(x, np.flatnonzero(mask))

    def _cut(self, dtype: Any) -> Any:
        """One comparison on ``|x|`` against the smallest of the three thresholds finds the
        candidates of every tail. Exact in the data's dtype: thresholds are data values (a
        float64 threshold that rounds up in ``dtype`` is stepped down one ulp)."""
        t64 = min(self._thr.values())
        thr = np.dtype(dtype).type(t64)
        if thr > t64:
            thr = np.nextafter(thr, np.dtype(dtype).type(-np.inf))
        return thr

    def _take(self, x: np.ndarray, idx: np.ndarray) -> TailSketch:
        """Offer ``x[idx]`` (positions that passed the threshold filter)."""
        nb = _fastlog.boot_kernels(0) if idx.size else None
        if nb is not None:
            return self._take_values(x[idx], nb)
        # Until the buffers fill, most values are candidates: offer them in slices so the
        # float64 temporaries stay small (peak memory independent of the chunk size).
        step = max(1 << 16, 2 * self.k_max)
        for s0 in range(0, idx.size, step):
            c = x[idx[s0:s0 + step]].astype(np.float64)
            inf = np.isinf(c)
            if inf.any():
                self.n_posinf += int(np.count_nonzero(c == np.inf))
                self.n_neginf += int(np.count_nonzero(c == -np.inf))
                c = c[~inf]
            self._offer(c)
        return self

    def _take_values(self, vals: np.ndarray, nb: Any = None) -> TailSketch:
        """Offer the candidate values ``vals`` (1-D float; ``n`` already counted) by the
        compiled :func:`~._boot_nb.offer` (numba loaded; else :meth:`_offer`): candidates
        go into per-tail staging rows, and a tail is flushed (partitioned, its threshold
        raised) as soon as its staging row is full, so the rest of the chunk is filtered
        against the raised threshold. The kept values are the same as the numpy path's:
        exact top-``k_max``."""
        nb = nb or _fastlog.boot_kernels(0)
        if nb is None:
            return self._take(vals, np.arange(vals.size))
        st = self.__dict__.get("_stage")
        if st is None:
            st = self._stage = np.empty((3, 2 * self.k_max))
            self._sfill = np.zeros(3, dtype=np.int64)
        fill = self._sfill
        thr = np.array([self._thr[t] for t in _TAILS])
        ninf = np.zeros(2, dtype=np.int64)
        vals = np.ascontiguousarray(vals)
        pos = 0
        while pos < vals.size:
            # a tail's buffer plus its staging row stays within 2 k_max, as in _offer
            limit = np.array([2 * self.k_max - self._buf[t].size - self._npending[t]
                              for t in _TAILS], dtype=np.int64)
            pos = nb.offer(vals, pos, thr, st, fill, limit, ninf)
            for j, t in enumerate(_TAILS):
                if fill[j] >= limit[j]:
                    self._flush(t)
                    thr[j] = self._thr[t]
        self.n_posinf += int(ninf[0])
        self.n_neginf += int(ninf[1])
        return self

    def _offer(self, c: np.ndarray) -> None:
        pos = c[c > self._thr["upper"]]
        neg = -c[c < -self._thr["lower"]]
        a = np.abs(c)
        a = a[a > self._thr["abs"]]
        for tail, v in (("abs", a), ("upper", pos), ("lower", neg)):
            if v.size:
                self._pending[tail].append(v)
                self._npending[tail] += v.size
                if self._npending[tail] + self._buf[tail].size > 2 * self.k_max:
                    self._flush(tail)

    def _flush(self, tail: str) -> None:
        staged = self.__dict__.get("_stage")
        j = _TAILS.index(tail)
        nst = int(self._sfill[j]) if staged is not None else 0
        if not self._pending[tail] and not nst:
            return
        parts = [self._buf[tail], *self._pending[tail]]
        if nst:
            parts.append(staged[j, :nst])
            self._sfill[j] = 0
        buf = np.concatenate(parts)
        self._pending[tail] = []
        self._npending[tail] = 0
        buf = _compact(buf, self.k_max)
        self._buf[tail] = buf
        if buf.size >= self.k_max:
            self._thr[tail] = float(buf.min())

    def merge(self, other: Sketch) -> TailSketch:
        self._check_mergeable(other, "k_max")
        o = cast(TailSketch, other)
        self.n += o.n
        self.n_zero += o.n_zero
        self.n_nan += o.n_nan
        self.n_posinf += o.n_posinf
        self.n_neginf += o.n_neginf
        for t in _TAILS:
            o._flush(t)
            if o._buf[t].size:
                self._pending[t].append(o._buf[t].copy())
                self._npending[t] += o._buf[t].size
            self._flush(t)
        return self

    def state(self) -> dict[str, Any]:
        st: dict[str, Any] = {"kind": self.kind, "k_max": self.k_max, "n": self.n,
                              "n_zero": self.n_zero, "n_nan": self.n_nan,
                              "n_posinf": self.n_posinf, "n_neginf": self.n_neginf}
        for t in _TAILS:
            self._flush(t)
            st[f"top_{t}"] = np.sort(self._buf[t])[::-1].copy()
        return st

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> TailSketch:
        sk = cls(int(state["k_max"]))
        for key in ("n", "n_zero", "n_nan", "n_posinf", "n_neginf"):
            setattr(sk, key, int(state[key]))
        for t in _TAILS:
            buf = np.asarray(state[f"top_{t}"], dtype=np.float64).copy()
            sk._buf[t] = buf
            if buf.size >= sk.k_max:
                sk._thr[t] = float(buf.min())
        return sk

    # -- reading ------------------------------------------------------------------
    @property
    def n_nonfinite(self) -> int:
        """NaN and ±inf values seen."""
        return self.n_nan + self.n_posinf + self.n_neginf

    @property
    def n_finite(self) -> int:
        """Finite values seen (zeros included): the sample size the estimators use."""
        return self.n - self.n_nonfinite

    def top(self, tail: str = "abs") -> np.ndarray:
        """The kept largest values of the tail, sorted decreasingly (magnitudes for ``lower``)."""
        if tail not in _TAILS:
            raise ValueError(f"`tail` must be one of {_TAILS}; got {tail!r}.")
        self._flush(tail)
        return np.sort(self._buf[tail])[::-1]


# =====================================================================================
# Log-moment sketch
# =====================================================================================

def _chan(a: tuple[float, float, float], b: tuple[float, float, float]):
    """Chan, Golub & LeVeque (1979) pairwise merge of (count, mean, M2)."""
    na, ma, m2a = a
    nb, mb, m2b = b
    n = na + nb
    if n == 0:
        return 0.0, 0.0, 0.0
    d = mb - ma
    return n, ma + d * nb / n, m2a + m2b + d * d * na * nb / n


def _moments(v: np.ndarray, total: float | None = None) -> tuple[float, float, float]:
    """(count, mean, M2) of ``v`` from float64 sums of ``v`` and ``v²``.

    The products ``v*v`` are formed in float64 (exact for float32 data) and accumulated in
    float64 without a float64 copy of the chunk; log values are O(1)-O(100) with spread
    O(1), so ``S2 − S1²/n`` loses at most a couple of the 16 digits.
    """
    if v.size == 0:
        return 0.0, 0.0, 0.0
    if total is None:
        total = float(np.sum(v, dtype=np.float64))
    s2 = float(np.einsum("i,i->", v, v, dtype=np.float64))
    m = total / v.size
    return float(v.size), m, max(s2 - total * m, 0.0)


@register_sketch
class LogMomentSketch(Sketch):
    """Running moments of ``log|x|`` and Mohammadi block sums, mergeable.

    Parameters
    ----------
    k1 : int or sequence of int, optional
        Block lengths ``K1`` for Mohammadi's estimator. Block ``i`` holds the values at
        positions ``(i-1) K1 .. i K1 - 1`` of the stream of usable values (zeros and non-finite
        values are skipped and counted), whatever the chunking.
    dim : int
        1 for scalar data; ``d > 1`` for the vector version (chunks are ``(rows, d)``, a row is
        one observation, ``|x|`` is the Euclidean norm of a row).

    Notes
    -----
    ``log|x|`` moments are merged with the pairwise update of Chan, Golub & LeVeque (1979)
    in float64. Block sums carry across chunk boundaries, so ``update(c1); update(c2)``
    equals ``update(concat(c1, c2))`` up to float64 rounding of the partial sums. ``merge``
    appends another sketch's stream after this one's: it is exact for the log-moments and
    for blocks when ``self``'s stream ends on a block boundary of every ``K1``; otherwise the
    block part cannot be re-aligned and ``merge`` raises.
    """

    kind: ClassVar[str] = "logmoment"

    def __init__(self, k1: Any = (), dim: int = 1):
        ks = np.atleast_1d(np.asarray(k1, dtype=np.int64)) if np.size(k1) else np.zeros(0, np.int64)
        if np.any(ks < 2):
            raise ValueError(f"every block length `k1` must be >= 2; got {ks.tolist()}.")
        self.k1 = np.unique(ks)
        self.dim = int(dim)
        if self.dim < 1:
            raise ValueError(f"`dim` must be >= 1; got {dim!r}.")
        self.n = 0          # rows seen
        self.n_zero = 0     # zero rows skipped
        self.n_nonfinite = 0
        self.log = (0.0, 0.0, 0.0)   # count, mean, M2 of log|x| over usable rows
        m = self.k1.size
        self.blk_log = np.zeros((m, 3))            # count, mean, M2 of log|Y|
        self.blk_sumlogx = np.zeros(m)             # sum log|x| over rows in complete blocks
        self.carry_n = np.zeros(m, dtype=np.int64)
        self.carry_sum = np.zeros((m, self.dim))
        self.carry_logx = np.zeros(m)

    def update(self, chunk: Any) -> LogMomentSketch:
        x = np.asarray(chunk)
        if x.dtype.kind not in "iuf":
            raise TypeError(f"LogMomentSketch needs numeric chunks; got dtype {x.dtype}.")
        if x.dtype.kind in "iu" or x.dtype == np.float16:
            x = x.astype(np.float64)
        if self.dim == 1:
            x = x.reshape(-1)
            if x.size == 0:
                return self
            if _fastlog.usable(x):
                return self._absorb32(np.ascontiguousarray(x))
            return self._absorb(x, np.abs(x, out=_scratch(self, "_abs", x.size, x.dtype)))
        else:
            x = x.reshape(-1, self.dim)
            if x.shape[0] == 0:
                return self
            self.n += x.shape[0]
            fin = np.isfinite(x).all(axis=1)
            if not fin.all():
                self.n_nonfinite += int(x.shape[0] - np.count_nonzero(fin))
                x = x[fin]
            nrm = np.sqrt(np.einsum("ij,ij->i", x, x, dtype=np.float64))
            nz = nrm > 0
            if not nz.all():
                self.n_zero += int(x.shape[0] - np.count_nonzero(nz))
                x, nrm = x[nz], nrm[nz]
            rows = x
            logx = np.log(nrm)
        self.log = _chan(self.log, _moments(logx))
        for j, K1 in enumerate(self.k1):
            self._blocks(j, int(K1), rows, logx)
        return self

    # -- float32 kernel path (numba; see _fastlog) ---------------------------------
    def _seg_ends(self, m: int, extra: Any = (), carry: np.ndarray | None = None
                  ) -> np.ndarray:
        """Segment ends for a chunk of ``m`` usable values: every block boundary of every
        ``K1`` (given the carried partial blocks: ``carry``, default the current
        ``carry_n``), the positions in ``extra``, and ``m``."""
        carry = self.carry_n if carry is None else carry
        parts = [np.arange(int(K1) - int(c), m, int(K1), dtype=np.int64)
                 for K1, c in zip(self.k1, carry)]
        e = np.unique(np.concatenate([*parts, np.asarray(extra, dtype=np.int64),
                                      np.array([m], dtype=np.int64)]))
        return e[e > 0]

    def _absorb32(self, x: np.ndarray) -> LogMomentSketch:
        """Update from a contiguous float32 chunk with the fused kernel (zeros and
        non-finite values counted here, then dropped, and the kernel rerun on the rest)."""
        m = x.size
        ends = self._seg_ends(m)
        seg = np.empty((3, ends.size))
        cand = _scratch(self, "_cand", 0, np.int32)
        _, nbad = _fastlog.chunk_stats(x, _NO_CUT, ends, seg[0], seg[1], seg[2], cand)
        if not nbad:
            return self._commit_segs(m, 0, 0, ends, seg)
        fin = np.isfinite(x)
        nz = fin & (x != 0)
        xu = np.ascontiguousarray(x[nz])
        ends = self._seg_ends(xu.size)
        seg = np.empty((3, ends.size))
        if xu.size:
            _fastlog.chunk_stats(xu, _NO_CUT, ends, seg[0], seg[1], seg[2], cand)
        nfin = int(np.count_nonzero(fin))
        return self._commit_segs(m, nfin - xu.size, m - nfin, ends, seg)

    def _commit_segs(self, n_seen: int, n_zero: int, n_nonfinite: int, ends: np.ndarray,
                     seg: np.ndarray) -> LogMomentSketch:
        """Bookkeeping of one chunk from the kernel's per-segment sums ``seg = (Σx, Σlog|x|,
        Σlog²|x|)`` over the segments ending at ``ends`` (which include every block boundary)."""
        self.n += n_seen
        self.n_zero += n_zero
        self.n_nonfinite += n_nonfinite
        m = int(ends[-1]) if ends.size else 0
        if m == 0:
            return self
        segx, segl, segl2 = seg
        total, s2 = float(segl.sum()), float(segl2.sum())
        mean = total / m
        self.log = _chan(self.log, (float(m), mean, max(s2 - total * mean, 0.0)))
        for j, K1 in enumerate(self.k1):
            K1 = int(K1)
            bpos = np.arange(K1 - int(self.carry_n[j]), m + 1, K1)   # block ends in chunk
            if bpos.size == 0:
                self.carry_sum[j] += float(segx.sum())
                self.carry_logx[j] += total
                self.carry_n[j] += m
                continue
            si = np.searchsorted(ends, bpos)          # ends[si] == bpos: segments align
            done = int(si[-1]) + 1
            starts = np.concatenate(([0], si[:-1] + 1))
            y = np.add.reduceat(segx[:done], starts)
            y[0] += self.carry_sum[j, 0]
            lsum = float(segl[:done].sum()) + float(self.carry_logx[j])
            self.carry_sum[j] = float(segx[done:].sum())
            self.carry_logx[j] = float(segl[done:].sum())
            self.carry_n[j] = m - int(bpos[-1])
            with np.errstate(divide="ignore"):
                ly = np.log(np.abs(y))
            self.blk_log[j] = _chan(tuple(self.blk_log[j]), _moments(ly))
            self.blk_sumlogx[j] += lsum
        return self

    def _absorb(self, x: np.ndarray, a: np.ndarray) -> LogMomentSketch:
        """Update from a 1-D float chunk ``x`` and ``a = |x|`` (a work array, overwritten).

        ``log|x|`` is taken in the data's precision (float32 logs are ~4x faster than float64
        ones and within a few float32 ulps, relative ~1e-7), then widened once into a float64 work array from which every sum is taken
        (chunk totals, squares, and block pieces), so the result does not depend on the
        chunking beyond float64 rounding. Zeros give ``-inf`` and NaN/±inf give ``nan``/``inf``,
        so one finite total certifies the whole chunk (the common case); otherwise the
        unusable values are counted and dropped first.
        """
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            np.log(a, out=a)
            lf = _scratch(self, "_log64", a.size, np.float64)
            np.copyto(lf, a)
            total = float(lf.sum())
        return self._commit(x, lf, total)

    def _commit(self, x: np.ndarray, lf: np.ndarray, total: float, s2: float | None = None,
                xf: np.ndarray | None = None) -> LogMomentSketch:
        """Bookkeeping of one chunk given its float64 logs ``lf`` (a work array: may be
        overwritten), their sum, optionally the sum of their squares and ``x`` widened to
        float64 (computed by the caller, e.g. on several threads)."""
        self.n += x.size
        if not np.isfinite(total):
            fin = np.isfinite(x)
            self.n_nonfinite += int(x.size - np.count_nonzero(fin))
            nz = fin & (x != 0)
            self.n_zero += int(np.count_nonzero(fin) - np.count_nonzero(nz))
            x, lf = x[nz], lf[nz]
            total = float(lf.sum())
            s2 = xf = None
        m = lf.size
        if self.k1.size and m:
            if xf is None and x.dtype != np.float64:
                xf = _scratch(self, "_x64", m, np.float64)
                np.copyto(xf, x)
            elif xf is None:
                xf = x
            for j, K1 in enumerate(self.k1):
                self._blocks(j, int(K1), xf, lf, total)
        if m:
            if s2 is None:
                # squares in place (the logs are not needed any more); no BLAS dot: its
                # thread pool costs more CPU than the product itself
                np.square(lf, out=lf)   # lf is a work array or a fresh copy: ours
                s2 = float(lf.sum())
            mean = total / m
            self.log = _chan(self.log, (float(m), mean, max(s2 - total * mean, 0.0)))
        return self

    def _blocks(self, j: int, K1: int, rows: np.ndarray, logx: np.ndarray,
                total: float | None = None) -> None:
        m = logx.size
        if m == 0:
            return
        start = 0
        c = int(self.carry_n[j])
        sums: list[np.ndarray] = []
        lsum = 0.0
        if c:
            take = min(K1 - c, m)
            part = rows[:take].reshape(take, -1).sum(axis=0, dtype=np.float64)
            self.carry_sum[j] += part
            self.carry_logx[j] += float(np.sum(logx[:take], dtype=np.float64))
            self.carry_n[j] += take
            start = take
            if self.carry_n[j] == K1:
                sums.append(self.carry_sum[j].copy())
                lsum += self.carry_logx[j]
                self.carry_n[j] = 0
                self.carry_sum[j] = 0.0
                self.carry_logx[j] = 0.0
        nfull = (m - start) // K1
        if nfull:
            end = start + nfull * K1
            if rows.ndim == 1 and rows.dtype == np.float64:   # contiguous row sums
                blk = rows[start:end].reshape(nfull, K1).sum(axis=1)[:, None]
            else:
                blk = rows[start:end].reshape(nfull, K1, -1).sum(axis=1, dtype=np.float64)
            sums.append(blk.reshape(nfull, -1))
            if total is not None and (start + m - end) < (end - start):
                # the chunk's total minus its (short) partial ends: no extra pass
                lsum += (total - float(np.sum(logx[:start], dtype=np.float64))
                         - float(np.sum(logx[end:], dtype=np.float64)))
            else:
                lsum += float(np.sum(logx[start:end], dtype=np.float64))
            start = end
        if start < m:
            rest = m - start
            self.carry_sum[j] += rows[start:].reshape(rest, -1).sum(axis=0, dtype=np.float64)
            self.carry_logx[j] += float(np.sum(logx[start:], dtype=np.float64))
            self.carry_n[j] += rest
        if sums:
            y = np.concatenate([s.reshape(-1, self.dim) for s in sums])
            ny = np.sqrt(np.einsum("ij,ij->i", y, y)) if self.dim > 1 else np.abs(y[:, 0])
            with np.errstate(divide="ignore"):
                ly = np.log(ny)
            self.blk_log[j] = _chan(tuple(self.blk_log[j]), _moments(ly))
            self.blk_sumlogx[j] += lsum

    def merge(self, other: Sketch) -> LogMomentSketch:
        self._check_mergeable(other, "k1", "dim")
        o = cast(LogMomentSketch, other)
        for j, K1 in enumerate(self.k1):
            if self.carry_n[j] and (o.blk_log[j, 0] > 0 or self.carry_n[j] + o.carry_n[j] >= K1):
                raise ValueError(
                    f"cannot merge LogMomentSketch block sums for K1={int(K1)}: the first "
                    f"stream ends {int(self.carry_n[j])} values into a block, so the second "
                    "stream's blocks are misaligned; feed chunks in order to one sketch, or "
                    "split the stream at multiples of every K1.")
        self.n += o.n
        self.n_zero += o.n_zero
        self.n_nonfinite += o.n_nonfinite
        self.log = _chan(self.log, o.log)
        for j in range(self.k1.size):
            self.blk_log[j] = _chan(tuple(self.blk_log[j]), tuple(o.blk_log[j]))
            self.blk_sumlogx[j] += o.blk_sumlogx[j]
            self.carry_n[j] += o.carry_n[j]
            self.carry_sum[j] += o.carry_sum[j]
            self.carry_logx[j] += o.carry_logx[j]
        return self

    def state(self) -> dict[str, Any]:
        return {"kind": self.kind, "k1": self.k1.copy(), "dim": self.dim, "n": self.n,
                "n_zero": self.n_zero, "n_nonfinite": self.n_nonfinite,
                "log": np.asarray(self.log, dtype=np.float64),
                "blk_log": self.blk_log.copy(), "blk_sumlogx": self.blk_sumlogx.copy(),
                "carry_n": self.carry_n.copy(), "carry_sum": self.carry_sum.copy(),
                "carry_logx": self.carry_logx.copy()}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> LogMomentSketch:
        sk = cls(np.asarray(state["k1"], dtype=np.int64), int(state["dim"]))
        sk.n, sk.n_zero = int(state["n"]), int(state["n_zero"])
        sk.n_nonfinite = int(state["n_nonfinite"])
        sk.log = tuple(float(v) for v in np.asarray(state["log"]))  # type: ignore[assignment]
        sk.blk_log = np.asarray(state["blk_log"], dtype=np.float64).reshape(-1, 3).copy()
        sk.blk_sumlogx = np.asarray(state["blk_sumlogx"], dtype=np.float64).copy()
        sk.carry_n = np.asarray(state["carry_n"], dtype=np.int64).copy()
        sk.carry_sum = np.asarray(state["carry_sum"], dtype=np.float64).reshape(-1, sk.dim).copy()
        sk.carry_logx = np.asarray(state["carry_logx"], dtype=np.float64).copy()
        return sk

    # -- reading ------------------------------------------------------------------
    @property
    def n_used(self) -> int:
        """Usable (finite, non-zero) values absorbed."""
        return int(self.log[0])

    @property
    def log_mean(self) -> float:
        """Mean of ``log|x|``."""
        return self.log[1]

    def log_var(self, ddof: int = 1) -> float:
        """Variance of ``log|x|``."""
        n = self.log[0]
        return self.log[2] / (n - ddof) if n > ddof else float("nan")
