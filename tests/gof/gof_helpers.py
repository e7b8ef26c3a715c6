"""Test helpers for the gof tests: a small symmetric alpha-stable generator.

The stable engine lives elsewhere; these tests only need SαS variates, drawn with the
Chambers–Mallows–Stuck (1976) formula for β = 0 (scale 1, where S0 and S1 coincide):
X = sin(αV) / cos(V)^(1/α) · (cos((1 − α)V) / W)^((1 − α)/α), V ~ U(−π/2, π/2), W ~ Exp(1).
"""

from __future__ import annotations

import numpy as np


def sas_rvs(alpha: float, size, rng: np.random.Generator) -> np.ndarray:
    """Symmetric alpha-stable variates (β = 0, scale 1, location 0)."""
    v = rng.uniform(-np.pi / 2, np.pi / 2, size=size)
    w = rng.standard_exponential(size=size)
    if alpha == 1.0:
        return np.tan(v)
    return (np.sin(alpha * v) / np.cos(v) ** (1.0 / alpha)
            * (np.cos((1.0 - alpha) * v) / w) ** ((1.0 - alpha) / alpha))
