"""Samplers with known tail index for the tail tests (independent of stablecheck.stable)."""

from __future__ import annotations

import numpy as np


def sas_rvs(alpha: float, size, rng: np.random.Generator) -> np.ndarray:
    """Standard symmetric α-stable draws by Chambers, Mallows & Stuck (1976), β = 0.

    ``X = sin(αV)/cos(V)^(1/α) · (cos((1−α)V)/W)^((1−α)/α)`` with ``V ~ U(−π/2, π/2)``,
    ``W ~ Exp(1)``; characteristic function ``exp(−|t|^α)``.
    """
    v = rng.uniform(-np.pi / 2, np.pi / 2, size)
    w = rng.standard_exponential(size)
    if alpha == 1.0:
        return np.tan(v)
    return (np.sin(alpha * v) / np.cos(v) ** (1.0 / alpha)
            * (np.cos((1.0 - alpha) * v) / w) ** ((1.0 - alpha) / alpha))


def pareto_rvs(alpha: float, size, rng: np.random.Generator) -> np.ndarray:
    """Pareto(α) on [1, ∞): ``P(X > x) = x^(−α)``."""
    return rng.pareto(alpha, size) + 1.0


def abs_t_rvs(nu: float, size, rng: np.random.Generator) -> np.ndarray:
    """|Student-t_ν|: tail index ν."""
    return np.abs(rng.standard_t(nu, size))
