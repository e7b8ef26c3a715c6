"""Parameter domains declared as data.

One declaration serves two consumers: :mod:`stablecheck._validation` derives its range
checks and messages from it, and :mod:`stablecheck.testing.strategies` derives hypothesis
strategies (typical values, edges, invalid values) from it. Adding a parameter here gives it
both for free, so the two can never drift apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["RealDomain", "DOMAINS"]


@dataclass(frozen=True)
class RealDomain:
    """A real interval with open/closed ends and a typical sub-range.

    Parameters
    ----------
    low, high : float
        Interval ends (may be infinite).
    low_closed, high_closed : bool
        Whether each end belongs to the domain.
    typical : tuple of float
        A sub-range where "ordinary" values live (used by strategies and docs).
    edges : tuple of float
        Hard values inside the domain that numerics must handle (e.g. alpha = 1).
    """

    low: float
    high: float
    low_closed: bool = False
    high_closed: bool = False
    typical: tuple[float, float] | None = None
    edges: tuple[float, ...] = ()

    def contains(self, value: float) -> bool:
        """Return True when ``value`` lies in the domain (NaN never does)."""
        if not isinstance(value, (int, float)) or math.isnan(value):
            return False
        lo_ok = value >= self.low if self.low_closed else value > self.low
        hi_ok = value <= self.high if self.high_closed else value < self.high
        return bool(lo_ok and hi_ok)

    def describe(self) -> str:
        """Interval notation, e.g. ``(0, 2]``."""
        left = "[" if self.low_closed else "("
        right = "]" if self.high_closed else ")"
        return f"{left}{_fmt(self.low)}, {_fmt(self.high)}{right}"


def _fmt(v: float) -> str:
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return f"{v:g}"


DOMAINS: dict[str, RealDomain] = {
    # alpha-stable law (Nolan's conventions)
    "alpha": RealDomain(0.0, 2.0, low_closed=False, high_closed=True, typical=(0.5, 2.0),
                        edges=(1.0, 2.0, 0.5)),
    "beta": RealDomain(-1.0, 1.0, low_closed=True, high_closed=True, typical=(-1.0, 1.0),
                       edges=(-1.0, 0.0, 1.0)),
    "scale": RealDomain(0.0, math.inf, typical=(1e-3, 1e3), edges=(1e-300, 1e300)),
    "loc": RealDomain(-math.inf, math.inf, typical=(-1e3, 1e3)),
    # probabilities and levels
    "confidence_level": RealDomain(0.0, 1.0, typical=(0.8, 0.99)),
    "probability": RealDomain(0.0, 1.0, low_closed=True, high_closed=True, typical=(0.0, 1.0)),
    "significance": RealDomain(0.0, 1.0, typical=(0.001, 0.1)),
    # tail index (P(|X| > x) ~ x^-alpha) is any positive number
    "tail_index": RealDomain(0.0, math.inf, typical=(0.5, 5.0)),
}
