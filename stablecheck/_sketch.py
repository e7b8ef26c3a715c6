"""Mergeable summaries ("sketches"): one code path for arrays, memmaps, chunk files and Dask.

A sketch is fed chunks with ``update(chunk)``, combined with ``merge(other)`` and finished by
an estimator that reads only the sketch. Its state is a flat ``dict`` of plain numpy arrays,
ints, floats and strings (``state()`` / ``from_state()``), so it moves between processes
without pickle (:func:`dumps_state` / :func:`loads_state` use ``.npz`` with
``allow_pickle=False``).

Contract every implementation keeps (tests check it for each sketch):

* ``update`` on chunks c1, c2, ... and ``update`` on their concatenation give the same state
  (exactly for order statistics and counts; to ~1e-12 relative for float sums);
* ``a.merge(b)`` equals updating one sketch with a's chunks then b's chunks;
* ``update``/``merge`` mutate and return ``self``; ``copy()`` is independent.
"""

from __future__ import annotations

import io
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from typing import Any, ClassVar, cast

import numpy as np

__all__ = [
    "Sketch",
    "MomentSketch",
    "register_sketch",
    "sketch_from_state",
    "merge_sketches",
    "build_sketch",
    "dumps_state",
    "loads_state",
]

_REGISTRY: dict[str, type[Sketch]] = {}

#: Elements processed per block inside ``update`` (bounds float64 temporaries to ~8 MB each).
BLOCK = 1 << 20


def register_sketch(cls: type[Sketch]) -> type[Sketch]:
    """Class decorator: make ``cls`` reconstructible by :func:`sketch_from_state`."""
    _REGISTRY[cls.kind] = cls
    return cls


class Sketch(ABC):
    """Base class of mergeable summaries."""

    kind: ClassVar[str] = "sketch"

    @abstractmethod
    def update(self, chunk: Any) -> Sketch:
        """Absorb one chunk of data; return ``self``."""

    @abstractmethod
    def merge(self, other: Sketch) -> Sketch:
        """Absorb another sketch of the same kind and configuration; return ``self``."""

    @abstractmethod
    def state(self) -> dict[str, Any]:
        """Plain-data state: numpy arrays, ints, floats, strings (must include ``kind``)."""

    @classmethod
    @abstractmethod
    def from_state(cls, state: dict[str, Any]) -> Sketch:
        """Rebuild a sketch from :meth:`state`."""

    def copy(self) -> Sketch:
        """An independent copy."""
        st = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in self.state().items()}
        return type(self).from_state(st)

    def _check_mergeable(self, other: Sketch, *keys: str) -> None:
        if type(other) is not type(self):
            raise TypeError(f"cannot merge {type(other).__name__} into {type(self).__name__}.")
        a, b = self.state(), other.state()
        for k in keys:
            if not np.array_equal(np.asarray(a[k]), np.asarray(b[k])):
                raise ValueError(f"cannot merge {self.kind} sketches with different `{k}` "
                                 f"({a[k]!r} vs {b[k]!r}).")


def sketch_from_state(state: dict[str, Any]) -> Sketch:
    """Rebuild any registered sketch from its state (dispatch on ``state['kind']``)."""
    kind = str(state["kind"])
    if kind not in _REGISTRY:
        raise ValueError(f"unknown sketch kind {kind!r}; known: {sorted(_REGISTRY)}.")
    return _REGISTRY[kind].from_state(state)


def merge_sketches(sketches: Iterable[Sketch]) -> Sketch:
    """Merge sketches pairwise as a balanced tree (the same order Dask's tree reduction uses)."""
    items = list(sketches)
    if not items:
        raise ValueError("merge_sketches needs at least one sketch.")
    items = [s.copy() for s in items]
    while len(items) > 1:
        nxt = [items[i].merge(items[i + 1]) for i in range(0, len(items) - 1, 2)]
        if len(items) % 2:
            nxt.append(items[-1])
        items = nxt
    return items[0]


def build_sketch(factory: Callable[[], Sketch], chunks: Iterable[Any]) -> Sketch:
    """Create a sketch with ``factory()`` and feed it every chunk."""
    sk = factory()
    for chunk in chunks:
        sk.update(chunk)
    return sk


def dumps_state(state: dict[str, Any]) -> bytes:
    """Serialise a sketch state to ``.npz`` bytes (no pickle)."""
    buf = io.BytesIO()
    arrays = {k: np.asarray(v) for k, v in state.items()}
    for k, v in arrays.items():
        if v.dtype.kind == "O":
            raise TypeError(f"sketch state entry {k!r} is not plain data (dtype object).")
    np.savez(buf, **arrays)
    return buf.getvalue()


def loads_state(data: bytes) -> dict[str, Any]:
    """Inverse of :func:`dumps_state` (``allow_pickle=False``)."""
    out: dict[str, Any] = {}
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        for k in z.files:
            v = z[k]
            if v.ndim == 0:
                v = v.item()
            out[k] = v
    return out


# -------------------------------------------------------------------------------------
# Moment sketch
# -------------------------------------------------------------------------------------

def _block_moments(x: np.ndarray, axis: int | None):
    """Count, mean (hi, lo) and central sums M2..M4 of one block, ignoring non-finite values.

    The mean is carried as an unevaluated sum ``hi + lo`` (corrected two-pass: ``lo`` is the
    mean residual around ``hi``), so merges stay accurate when |mean| >> standard deviation.
    """
    x = np.asarray(x, dtype=np.float64)
    if axis is None:
        x = x.reshape(-1)
    fin = np.isfinite(x)
    allfin = bool(fin.all())
    n = fin.sum(axis=0).astype(np.float64)
    xs = x if allfin else np.where(fin, x, 0.0)
    nn = np.maximum(n, 1.0)
    hi = np.where(n > 0, xs.sum(axis=0) / nn, 0.0)
    d = xs - hi
    if not allfin:
        d = np.where(fin, d, 0.0)
    lo = np.where(n > 0, d.sum(axis=0) / nn, 0.0)
    d = d - lo
    if not allfin:
        d = np.where(fin, d, 0.0)
    d2 = d * d
    m2 = d2.sum(axis=0)
    m3 = (d2 * d).sum(axis=0)
    m4 = (d2 * d2).sum(axis=0)
    nonfin = x.shape[0] - n
    if allfin:
        vmin, vmax = x.min(axis=0, initial=np.inf), x.max(axis=0, initial=-np.inf)
    else:
        vmin = np.where(fin, x, np.inf).min(axis=0, initial=np.inf)
        vmax = np.where(fin, x, -np.inf).max(axis=0, initial=-np.inf)
    zeros = ((x == 0) & fin).sum(axis=0).astype(np.float64)
    return (n, (hi, lo), m2, m3, m4), vmin, vmax, nonfin, zeros


def _two_sum(a, b):
    """Error-free transformation: a + b = s + e exactly (Knuth)."""
    s = a + b
    bb = s - a
    e = (a - (s - bb)) + (b - bb)
    return s, e


def _combine(a: tuple, b: tuple) -> tuple:
    """Pébay (2008) pairwise update of (n, mean, M2, M3, M4); elementwise over arrays.

    ``mean`` is a ``(hi, lo)`` pair; the difference of means is formed from both parts so the
    update does not lose the digits that cancel when |mean| >> spread.
    """
    na, (ha, la), m2a, m3a, m4a = a
    nb, (hb, lb), m2b, m3b, m4b = b
    n = na + nb
    with np.errstate(invalid="ignore", divide="ignore"):
        safe = np.where(n > 0, n, 1.0)
        dh, dl = _two_sum(hb, -ha)
        delta = dh + (dl + (lb - la))
        d_n = delta / safe
        shift = nb * d_n
        hi, err = _two_sum(ha, shift)
        hi, lo = _two_sum(hi, la + err)
        m2 = m2a + m2b + delta * d_n * na * nb
        m3 = (m3a + m3b + delta * d_n * d_n * na * nb * (na - nb)
              + 3.0 * d_n * (na * m2b - nb * m2a))
        m4 = (m4a + m4b + delta * d_n ** 3 * na * nb * (na * na - na * nb + nb * nb)
              + 6.0 * d_n * d_n * (na * na * m2b + nb * nb * m2a)
              + 4.0 * d_n * (na * m3b - nb * m3a))
    empty = n == 0
    if np.any(empty):
        hi, lo, m2, m3, m4 = (np.where(empty, 0.0, v) for v in (hi, lo, m2, m3, m4))
    return n, (hi, lo), m2, m3, m4


@register_sketch
class MomentSketch(Sketch):
    """Count, mean and central moment sums (float64), mergeable by Pébay's formulas.

    Parameters
    ----------
    axis : {None, 0}
        ``None`` pools every value of every chunk (one set of moments). ``0`` keeps one set
        per column: chunks are ``(rows, P)`` blocks of the same ``P`` (per-coordinate moments
        across minibatches).

    Notes
    -----
    Non-finite values are skipped and counted (``n_nonfinite``); exact zeros are counted
    (``n_zero``). Within a chunk the sums are formed two-pass around the block mean in
    blocks of ``BLOCK`` elements, and blocks and chunks are combined with the pairwise update
    of Pébay (2008), so chunked and in-memory results agree to ~1e-13 relative.

    References
    ----------
    P. Pébay, "Formulas for robust, one-pass parallel computation of covariances and
    arbitrary-order statistical moments", Sandia Report SAND2008-6212 (2008).
    """

    kind: ClassVar[str] = "moments"

    def __init__(self, axis: int | None = None):
        if axis not in (None, 0):
            raise ValueError(f"`axis` must be None or 0; got {axis!r}.")
        self.axis = axis
        self._m: tuple | None = None  # (n, (mean_hi, mean_lo), m2, m3, m4)
        self.min: Any = np.inf
        self.max: Any = -np.inf
        self.n_nonfinite: Any = 0.0
        self.n_zero: Any = 0.0

    # -- protocol -----------------------------------------------------------------
    def update(self, chunk: Any) -> MomentSketch:
        x = np.asarray(chunk)
        if x.dtype.kind not in "iuf":
            raise TypeError(f"MomentSketch needs numeric chunks; got dtype {x.dtype}.")
        if self.axis is None:
            x = x.reshape(-1)
            blocks = [x[i:i + BLOCK] for i in range(0, max(x.size, 1), BLOCK)] if x.size else []
        else:
            if x.ndim == 1:
                x = x.reshape(1, -1)
            if x.ndim != 2:
                raise ValueError(f"MomentSketch(axis=0) needs 2-D (rows, P) chunks; got {x.shape}.")
            rows = max(1, BLOCK // max(x.shape[1], 1))
            blocks = [x[i:i + rows] for i in range(0, x.shape[0], rows)]
        for blk in blocks:
            self._absorb(*_block_moments(blk, self.axis))
        return self

    def _absorb(self, m: tuple, lo, hi, nonfin, zeros) -> None:
        if self._m is not None and np.shape(self._m[0]) != np.shape(m[0]):
            raise ValueError(f"MomentSketch column count changed: {np.shape(self._m[0])} vs "
                             f"{np.shape(m[0])}.")
        self._m = m if self._m is None else _combine(self._m, m)
        self.min = np.minimum(self.min, lo)
        self.max = np.maximum(self.max, hi)
        self.n_nonfinite = self.n_nonfinite + nonfin
        self.n_zero = self.n_zero + zeros

    def merge(self, other: Sketch) -> MomentSketch:
        self._check_mergeable(other, "axis")
        other = cast(MomentSketch, other)
        if other._m is not None:
            self._absorb(other._m, other.min, other.max, other.n_nonfinite, other.n_zero)
        return self

    def state(self) -> dict[str, Any]:
        st: dict[str, Any] = {"kind": self.kind, "axis": -1 if self.axis is None else self.axis}
        if self._m is not None:
            n, (hi, lo), m2, m3, m4 = self._m
            st.update({k: np.asarray(v, dtype=np.float64) for k, v in
                       zip(("n", "mean", "mean_lo", "m2", "m3", "m4"), (n, hi, lo, m2, m3, m4))})
        st.update(min=np.asarray(self.min, dtype=np.float64),
                  max=np.asarray(self.max, dtype=np.float64),
                  n_nonfinite=np.asarray(self.n_nonfinite, dtype=np.float64),
                  n_zero=np.asarray(self.n_zero, dtype=np.float64))
        return st

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> MomentSketch:
        axis = int(state["axis"])
        sk = cls(axis=None if axis < 0 else axis)
        if "n" in state:
            n, hi, lo, m2, m3, m4 = (np.asarray(state[k], dtype=np.float64)
                                     for k in ("n", "mean", "mean_lo", "m2", "m3", "m4"))
            sk._m = (n, (hi, lo), m2, m3, m4)
        sk.min = np.asarray(state["min"], dtype=np.float64)
        sk.max = np.asarray(state["max"], dtype=np.float64)
        sk.n_nonfinite = np.asarray(state["n_nonfinite"], dtype=np.float64)
        sk.n_zero = np.asarray(state["n_zero"], dtype=np.float64)
        return sk

    # -- estimates ----------------------------------------------------------------
    def _get(self) -> tuple:
        if self._m is None:
            raise ValueError("the MomentSketch is empty; update it with data first.")
        return self._m

    @property
    def n(self):
        """Number of finite values seen (per column for ``axis=0``)."""
        return self._get()[0]

    @property
    def mean(self):
        """Sample mean."""
        hi, lo = self._get()[1]
        return hi + lo

    def var(self, ddof: int = 0):
        """Variance with ``ddof`` delta degrees of freedom."""
        n, _, m2, _, _ = self._get()
        with np.errstate(invalid="ignore", divide="ignore"):
            return m2 / (n - ddof)

    def std(self, ddof: int = 0):
        """Standard deviation."""
        return np.sqrt(self.var(ddof))

    @property
    def skewness(self):
        """Sample skewness g1 = sqrt(n) M3 / M2^1.5 (biased, as ``scipy.stats.skew``)."""
        n, _, m2, m3, _ = self._get()
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.sqrt(n) * m3 / m2 ** 1.5

    @property
    def kurtosis(self):
        """Excess kurtosis g2 = n M4 / M2² − 3 (biased, as ``scipy.stats.kurtosis``)."""
        n, _, m2, _, m4 = self._get()
        with np.errstate(invalid="ignore", divide="ignore"):
            return n * m4 / (m2 * m2) - 3.0
