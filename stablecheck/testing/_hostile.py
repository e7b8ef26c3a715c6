"""Hostile inputs: every way real data breaks estimators, each with what must happen.

Each case turns a clean base sample into a hostile array and states the contract an
estimator must keep on it (``expect``):

``"refuse_or_warn"``
    a ``ValueError``/``TypeError`` with a message, or a finite result together with a
    warning. A finite result with no warning ("silently accepted") and any NaN/inf result
    fail.
``"accept_or_refuse"``
    a typed error with a message, or a finite result (a warning is welcome, not required).
``"accept"``
    a finite result; refusing fails (e.g. float32, the usual dtype of gradient noise).

For every case with clean ``reference`` values (``accept``, ``equivalent*``, ``scaled``),
refusing is also accepted when the estimator refuses the reference itself with a typed
error (e.g. a sample too small for the method): the contract is consistency.
``"equivalent"``
    exactly the result obtained on ``reference`` (same values, different memory layout or
    byte order); refusing fails.
``"equivalent_or_refuse"``
    a typed error, or the result obtained on ``reference`` (masked arrays: the unmasked
    values; Python lists).
``"scaled"``
    a finite result that relates to the result on ``reference`` as the estimator's
    equivariance says (the values are ``scale`` × reference); each suite checks its own law.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["HostileArray", "HOSTILE_KINDS", "EXPECTATIONS", "make_hostile"]

EXPECTATIONS = ("refuse_or_warn", "accept_or_refuse", "accept", "equivalent",
                "equivalent_or_refuse", "scaled")


@dataclass(frozen=True, repr=False, eq=False)
class HostileArray:
    """A hostile input, what is hostile about it and the contract an estimator must keep.

    Attributes
    ----------
    x : array_like
        The hostile input (ndarray, masked array, read-only view, or list).
    label : str
        Short name of what is hostile (e.g. ``"90% exact zeros"``).
    expect : str
        One of ``"refuse_or_warn"``, ``"accept_or_refuse"``, ``"accept"``, ``"equivalent"``,
        ``"equivalent_or_refuse"``, ``"scaled"`` (see :mod:`stablecheck.testing.strategies`).
    reference : ndarray or None
        Clean float64 values the result must match (``equivalent*``) or relate to
        (``scaled``).
    scale : float
        ``x = scale * reference`` for ``"scaled"`` cases, else 1.
    seed : int
        Seed of the base sample (reproduces ``x``).
    """

    x: Any
    label: str
    expect: str
    reference: np.ndarray | None = None
    scale: float = 1.0
    seed: int = 0

    def __repr__(self) -> str:
        arr = np.asarray(self.x) if not isinstance(self.x, np.ndarray) else self.x
        return (f"HostileArray(label={self.label!r}, expect={self.expect!r}, "
                f"n={arr.size}, dtype={arr.dtype}, seed={self.seed})")


def _nan(b, r):
    x = b.copy()
    x[r.integers(b.size)] = np.nan
    return x, None, 1.0


def _pinf(b, r):
    x = b.copy()
    x[r.integers(b.size)] = np.inf
    return x, None, 1.0


def _ninf(b, r):
    x = b.copy()
    x[r.integers(b.size)] = -np.inf
    return x, None, 1.0


def _zeros_frac(frac):
    def build(b, r):
        x = b.copy()
        idx = r.permutation(b.size)[: int(round(frac * b.size))]
        x[idx] = 0.0
        return x, None, 1.0
    return build


def _masked(b, r):
    mask = np.zeros(b.size, dtype=bool)
    mask[r.permutation(b.size)[: max(1, b.size // 10)]] = True
    data = b.copy()
    data[mask] = 1e300  # garbage under the mask: using it silently changes any estimate
    return np.ma.array(data, mask=mask), b[~mask].copy(), 1.0


def _strided(b, r):
    big = np.full(2 * b.size, np.nan)
    big[::2] = b
    return big[::2], b.copy(), 1.0


def _readonly(b, r):
    x = np.frombuffer(b.astype(np.float64).tobytes(), dtype=np.float64)
    return x, b.copy(), 1.0


def _memmap(b, r):
    """A real ``np.memmap`` opened read-only; the file is unlinked once mapped (POSIX keeps
    the mapping valid), so nothing is left on disk."""
    import os
    import tempfile

    fd, path = tempfile.mkstemp(suffix=".f64")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(b.astype(np.float64).tobytes())
        x = np.memmap(path, dtype=np.float64, mode="r", shape=(b.size,))
    finally:
        try:
            os.unlink(path)
        except OSError:  # pragma: no cover - platforms that refuse to unlink a mapped file
            pass
    return x, b.copy(), 1.0


def _float16(b, r):
    x = (b / np.max(np.abs(b)) * 1000.0).astype(np.float16)
    return x, None, 1.0


def _int8(b, r):
    x = np.clip(np.round(b * 10.0), -127, 127).astype(np.int8)
    return x, None, 1.0


Builder = Callable[[np.ndarray, np.random.Generator], tuple[Any, Any, float]]

#: label → (builder, expectation). The builder receives a clean float64 base sample.
HOSTILE_KINDS: dict[str, tuple[Builder, str]] = {
    "contains NaN": (_nan, "refuse_or_warn"),
    "contains +inf": (_pinf, "refuse_or_warn"),
    "contains -inf": (_ninf, "refuse_or_warn"),
    "all NaN": (lambda b, r: (np.full(b.size, np.nan), None, 1.0), "refuse_or_warn"),
    "empty": (lambda b, r: (np.array([], dtype=np.float64), None, 1.0), "refuse_or_warn"),
    "single value": (lambda b, r: (b[:1].copy(), None, 1.0), "refuse_or_warn"),
    "tiny n (5 values)": (lambda b, r: (b[:5].copy(), None, 1.0), "refuse_or_warn"),
    "constant": (lambda b, r: (np.full(b.size, 3.25), None, 1.0), "refuse_or_warn"),
    "all zeros": (lambda b, r: (np.zeros(b.size), None, 1.0), "refuse_or_warn"),
    "90% exact zeros": (_zeros_frac(0.9), "refuse_or_warn"),
    "10% exact zeros": (_zeros_frac(0.1), "accept_or_refuse"),
    "many ties (rounded to integers)": (lambda b, r: (np.round(b), None, 1.0), "accept_or_refuse"),
    "float16": (_float16, "accept_or_refuse"),
    "int8": (_int8, "accept_or_refuse"),
    "float32": (lambda b, r: (b.astype(np.float32),
                              b.astype(np.float32).astype(np.float64), 1.0), "accept"),
    "masked array (garbage under the mask)": (_masked, "equivalent_or_refuse"),
    "Python list": (lambda b, r: (b.tolist(), b.copy(), 1.0), "equivalent_or_refuse"),
    "scaled by 1e30": (lambda b, r: (b * 1e30, b.copy(), 1e30), "scaled"),
    "scaled by 1e-30": (lambda b, r: (b * 1e-30, b.copy(), 1e-30), "scaled"),
    "non-contiguous (strided view)": (_strided, "equivalent"),
    "read-only buffer (memmap-like)": (_readonly, "equivalent"),
    "np.memmap (mode='r')": (_memmap, "equivalent"),
    "big-endian float64": (lambda b, r: (b.astype(">f8"), b.copy(), 1.0), "equivalent"),
}


def make_hostile(label: str, base: np.ndarray, seed: int, expect: str | None = None
                 ) -> HostileArray:
    """Build the hostile case ``label`` from ``base`` (clean float64), reproducibly."""
    builder, default_expect = HOSTILE_KINDS[label]
    x, ref, scale = builder(np.asarray(base, dtype=np.float64), np.random.default_rng(seed))
    return HostileArray(x=x, label=label, expect=expect or default_expect, reference=ref,
                        scale=scale, seed=seed)
