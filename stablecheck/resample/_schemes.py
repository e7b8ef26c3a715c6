"""Resampling schemes: one ``indices`` method per scheme, vectorised over replicates.

A scheme answers one question — *which observations make up replicate b?* — as an integer
array of shape ``(n_resamples, m)``; :meth:`Scheme.multiplicities` turns that into counts.
The tail-only Poisson scheme answers a narrower question — *which ranks of the sorted sample
are the top order statistics of replicate b?* — in ``O(k)`` per replicate, independent of
``n``, which is what makes the double bootstrap feasible on a streamed 1e9-value sample.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod

import numpy as np

__all__ = [
    "Scheme",
    "IID",
    "MOutOfN",
    "PoissonTail",
    "MovingBlock",
    "CircularBlock",
    "StationaryBlock",
    "optimal_block_length",
]


class Scheme(ABC):
    """A resampling scheme; subclasses override :meth:`indices` only."""

    #: whether the scheme keeps the time order inside blocks (for dependent data)
    ordered: bool = False

    @abstractmethod
    def indices(self, n: int, rng: np.random.Generator, size: int) -> np.ndarray:
        """Indices into ``range(n)`` for ``size`` replicates, shape ``(size, m)``."""

    def multiplicities(self, n: int, rng: np.random.Generator, size: int) -> np.ndarray:
        """How often each observation appears in each replicate, shape ``(size, n)``."""
        idx = self.indices(n, rng, size)
        rows = np.repeat(np.arange(size), idx.shape[1])
        out = np.zeros((size, n), dtype=np.int64)
        np.add.at(out, (rows, idx.reshape(-1)), 1)
        return out

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class IID(Scheme):
    """Efron's bootstrap: ``n`` draws with replacement."""

    def indices(self, n: int, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.integers(0, n, size=(size, n))


class MOutOfN(Scheme):
    """m-out-of-n bootstrap (Bickel, Götze & van Zwet 1997).

    Parameters
    ----------
    m : int or float
        Replicate size; a float in (0, 1) is a fraction of ``n``.
    replace : bool
        ``False`` gives subsampling (Politis & Romano 1994) instead.
    """

    def __init__(self, m: float = 0.1, replace: bool = True):
        self.m = m
        self.replace = replace

    def size_for(self, n: int) -> int:
        """Replicate size for a sample of ``n``."""
        m = self.m
        return max(2, int(round(m * n))) if isinstance(m, float) and m < 1 else int(m)

    def indices(self, n: int, rng: np.random.Generator, size: int) -> np.ndarray:
        m = self.size_for(n)
        if self.replace:
            return rng.integers(0, n, size=(size, m))
        if m > n:
            raise ValueError(f"subsampling needs m <= n; got m={m}, n={n}.")
        return np.argsort(rng.random((size, n)), axis=1)[:, :m]


class PoissonTail(Scheme):
    """Tail-only Poisson bootstrap on the top of a sorted sample.

    Each of the ``n`` observations enters a replicate of expected size ``m`` with an
    independent Poisson(m/n) multiplicity. The replicate's order statistics, largest first,
    are then the sorted sample at ranks ``ceil(T_j) - 1`` where ``T_j`` are the arrival times
    of a Poisson process of rate ``m/n`` — sums of exponential gaps — so the top ``k`` of a
    replicate cost ``O(k)`` whatever ``n`` is, and only the top
    ``≈ k n / m`` ranks of the sample are ever read (a :class:`~stablecheck.TailSketch`
    buffer suffices).

    Parameters
    ----------
    m : int, optional
        Expected replicate size (default ``n``).
    """

    def __init__(self, m: int | None = None):
        self.m = m

    def indices(self, n: int, rng: np.random.Generator, size: int,
                k: int | None = None) -> np.ndarray:
        """Ranks (0 = largest) of the top ``k`` order statistics of ``size`` replicates.

        Returns an int64 array ``(size, k)``; ranks may exceed the kept buffer and must be
        checked by the caller (see :func:`usable_depth`).
        """
        m = n if self.m is None else int(self.m)
        if k is None:
            k = m
        # Built in (k, size) memory order and returned as its transpose (a Fortran-ordered
        # (size, k) array): numpy's cumulative sums are several times faster along the slow
        # axis, and callers' cumsums over k then run along it too.
        out = np.empty((k, size), dtype=np.int64)
        step = max(1, (1 << 16) // max(k, 1))
        scale = n / m
        for s in range(0, size, step):
            b = min(step, size - s)
            t = rng.standard_exponential((k, b))
            np.cumsum(t, axis=0, out=t)
            if scale != 1.0:
                t *= scale
            np.ceil(t, out=t)
            out[:, s:s + b] = t
        out -= 1
        return out.T

    @staticmethod
    def depth_needed(n: int, m: int, k: int) -> int:
        """Buffer depth that holds the top ``k`` of a replicate with high probability."""
        mean = k * n / m
        return int(math.ceil(mean + 6.0 * math.sqrt(k) * n / m + n / m))


class MovingBlock(Scheme):
    """Moving block bootstrap (Künsch 1989): blocks of ``block_length`` from ``n-b+1`` starts."""

    ordered = True

    def __init__(self, block_length: int):
        self.block_length = int(block_length)

    def _starts(self, n: int, rng: np.random.Generator, size: int, nb: int) -> np.ndarray:
        return rng.integers(0, n - self.block_length + 1, size=(size, nb))

    def indices(self, n: int, rng: np.random.Generator, size: int) -> np.ndarray:
        b = min(self.block_length, n)
        nb = -(-n // b)
        starts = self._starts(n, rng, size, nb)
        idx = (starts[:, :, None] + np.arange(b)).reshape(size, -1)[:, :n]
        return idx % n


class CircularBlock(MovingBlock):
    """Circular block bootstrap (Politis & Romano 1992): the series wraps around."""

    def _starts(self, n: int, rng: np.random.Generator, size: int, nb: int) -> np.ndarray:
        return rng.integers(0, n, size=(size, nb))


class StationaryBlock(Scheme):
    """Stationary bootstrap (Politis & Romano 1994): geometric block lengths, mean ``b``."""

    ordered = True

    def __init__(self, block_length: float):
        self.block_length = float(block_length)

    def indices(self, n: int, rng: np.random.Generator, size: int) -> np.ndarray:
        p = 1.0 / max(self.block_length, 1.0)
        new = rng.random((size, n)) < p
        new[:, 0] = True
        starts = rng.integers(0, n, size=(size, n))
        # position inside the current block = steps since the last block start
        pos = np.arange(n)
        last = np.maximum.accumulate(np.where(new, pos, 0), axis=1)
        first = np.take_along_axis(starts, last, axis=1)
        return (first + pos - last) % n


def optimal_block_length(x: np.ndarray, *, kind: str = "stationary") -> float:
    """Automatic block length of Politis & White (2004) with the correction of Patton,
    Politis & White (2009).

    Parameters
    ----------
    x : ndarray
        A 1-D series in time order.
    kind : {"stationary", "circular"}
        Which bootstrap the length is for (the moving block bootstrap uses ``"circular"``).

    Returns
    -------
    float
        The estimated optimal (mean) block length, at least 1 and at most ``min(3 sqrt(n),
        n / 3)``.
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.size
    if n < 8:
        return 1.0
    x = x - x.mean()
    max_lag = min(n - 1, int(math.ceil(math.sqrt(n))) + 5 + int(math.ceil(math.sqrt(math.log10(n)))))
    # autocovariances via FFT
    f = np.fft.rfft(x, 2 * n)
    acov = np.fft.irfft(f * np.conj(f))[: max_lag + 1] / n
    if acov[0] <= 0:
        return 1.0
    rho = acov / acov[0]
    kn = max(5, int(math.ceil(math.sqrt(math.log10(n)))))
    c = 2.0 * math.sqrt(math.log10(n) / n)
    insignificant = np.abs(rho[1:]) < c
    mhat = max_lag // 2
    for m in range(0, max_lag - kn + 1):  # smallest m with rho(m+1..m+kn) insignificant
        if insignificant[m: m + kn].all():
            mhat = m
            break
    M = min(2 * max(mhat, 1), max_lag)
    lags = np.arange(-M, M + 1)
    t = np.abs(lags) / M
    lam = np.where(t <= 0.5, 1.0, np.where(t <= 1.0, 2.0 * (1.0 - t), 0.0))
    r = acov[np.abs(lags)]
    g = float(np.sum(lam * np.abs(lags) * r))
    g0 = float(np.sum(lam * r))
    d = 2.0 * g0 * g0 if kind == "stationary" else (4.0 / 3.0) * g0 * g0
    if d <= 0 or g == 0:
        return 1.0
    b = (2.0 * g * g / d) ** (1.0 / 3.0) * n ** (1.0 / 3.0)
    return float(min(max(b, 1.0), 3.0 * math.sqrt(n), n / 3.0))
