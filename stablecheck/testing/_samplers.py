"""Known-truth samplers used by the strategies and the property suites (numpy only).

Every sampler is a pure function of a ``numpy.random.Generator`` and draws its randomness
in a fixed order that does not depend on the distribution parameters. Two calls with
generators seeded alike therefore share their underlying uniforms ("common random
numbers"): a Pareto sample with tail index 1 and one with tail index 3 drawn from the same
seed are monotone transforms of one another, which is what makes "heavier tails give a
smaller estimate" a deterministic property instead of a statistical one.

α-stable variates come from ``stablecheck.stable.rvs`` when the distribution engine is
installed (:func:`stable_rvs`); :func:`cms_s0` is our own Chambers–Mallows–Stuck
implementation in Nolan's S0 parameterisation, used when it is not. Both draw V then W, so
common random numbers hold either way.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

__all__ = [
    "FAMILIES",
    "cms_s0",
    "stable_rvs",
    "pareto",
    "student_t",
    "scale_mixture",
    "sample_family",
    "family_tail_range",
]

#: Families of heavy-tailed data and the tail indices each can produce.
FAMILIES: dict[str, tuple[float, float]] = {
    # family: (lowest, highest) tail index the sampler accepts (open at 0)
    "pareto": (0.0, math.inf),
    "student_t": (0.0, math.inf),
    "stable": (0.0, 2.0),  # alpha = 2 is Gaussian: no power tail, tail index reported as inf
    "scale_mixture": (0.0, math.inf),
}


def family_tail_range(family: str) -> tuple[float, float]:
    """Typical tail indices for ``family`` (used by strategies and suites)."""
    return {"pareto": (0.5, 5.0), "student_t": (1.0, 8.0), "stable": (0.8, 1.95),
            "scale_mixture": (0.5, 5.0)}[family]


def cms_s0(alpha: float, beta: float, scale: float, loc: float, size: int,
           rng: np.random.Generator) -> np.ndarray:
    """α-stable variates in Nolan's S0 parameterisation (Chambers, Mallows & Stuck 1976).

    Uses V ~ U(−π/2, π/2) and W ~ Exp(1), drawn in that order for every α and β.
    For α ≠ 1 the S1 variate is shifted by −β tan(πα/2) (the S0 location); close to α = 1
    with β ≠ 0 this loses about −log10|α − 1| digits to cancellation, which is harmless for
    test data. α = 1 uses the dedicated formula (S0 and S1 coincide at unit scale).
    """
    v = rng.uniform(-math.pi / 2, math.pi / 2, size)
    w = rng.standard_exponential(size)
    if alpha == 1.0:
        half = math.pi / 2 + beta * v
        z = (2 / math.pi) * (half * np.tan(v)
                             - beta * np.log((math.pi / 2) * w * np.cos(v) / half))
    else:
        t = beta * math.tan(math.pi * alpha / 2)
        theta0 = math.atan(t) / alpha
        s = (1 + t * t) ** (1 / (2 * alpha))
        z1 = (s * np.sin(alpha * (v + theta0)) / np.cos(v) ** (1 / alpha)
              * (np.cos(v - alpha * (v + theta0)) / w) ** ((1 - alpha) / alpha))
        z = z1 - t
    return scale * z + loc


def stable_rvs(alpha: float, beta: float, scale: float, loc: float, size: int,
               rng: np.random.Generator) -> np.ndarray:
    """S0 variates from ``stablecheck.stable.rvs`` when the engine is present, else
    :func:`cms_s0`. Both draw V then W in the same order (common random numbers hold)."""
    try:
        from ..stable import rvs
    except ImportError:
        return cms_s0(alpha, beta, scale, loc, size, rng)
    return np.asarray(rvs(alpha, beta, scale, loc, size=size, rng=rng), dtype=np.float64)


def pareto(tail_index: float, size: int, rng: np.random.Generator) -> np.ndarray:
    """Classical Pareto on [1, ∞): P(X > x) = x^(−tail_index) exactly. Uses one uniform."""
    u = 1.0 - rng.random(size)  # in (0, 1]
    return u ** (-1.0 / tail_index)


def student_t(df: float, size: int, rng: np.random.Generator) -> np.ndarray:
    """Student-t with ``df`` degrees of freedom (tail index = df), by inversion of one uniform."""
    u = rng.random(size)
    u = np.clip(u, 1e-300, 1 - 2**-53)
    return special.stdtrit(df, u)


def scale_mixture(tail_index: float, size: int, rng: np.random.Generator) -> np.ndarray:
    """Gaussian with Pareto(tail_index) scales: σ·Z, P(|X| > x) ~ c x^(−tail_index) (Breiman).

    The pooled-coordinates situation of SGD noise: each value is exactly Gaussian given its
    scale, yet the pooled sample has a power tail.
    """
    u = 1.0 - rng.random(size)
    z = rng.standard_normal(size)
    return u ** (-1.0 / tail_index) * z


def sample_family(family: str, tail_index: float, size: int,
                  rng: np.random.Generator) -> np.ndarray:
    """Draw ``size`` values of ``family`` with the given tail index (stable: α, symmetric)."""
    if family == "pareto":
        return pareto(tail_index, size, rng)
    if family == "student_t":
        return student_t(tail_index, size, rng)
    if family == "stable":
        return stable_rvs(min(tail_index, 2.0), 0.0, 1.0, 0.0, size, rng)
    if family == "scale_mixture":
        return scale_mixture(tail_index, size, rng)
    raise ValueError(f"unknown family {family!r}")
