"""Resampling engine: bootstrap schemes and confidence-interval methods.

Schemes (one ``indices`` method each, vectorised over replicates)
    IID, MOutOfN, PoissonTail (tail-only, O(k) per replicate), MovingBlock, CircularBlock,
    StationaryBlock, optimal_block_length (Politis & White 2004)
Intervals
    percentile_ci, basic_ci, bca_ci, grouped_jackknife, interval
Engine
    bootstrap, BootstrapResult, make_scheme
"""

from ._ci import basic_ci, bca_ci, grouped_jackknife, percentile_ci
from ._engine import BootstrapResult, bootstrap, interval, make_scheme
from ._schemes import (
    IID,
    CircularBlock,
    MOutOfN,
    MovingBlock,
    PoissonTail,
    Scheme,
    StationaryBlock,
    optimal_block_length,
)

__all__ = [
    "Scheme",
    "IID",
    "MOutOfN",
    "PoissonTail",
    "MovingBlock",
    "CircularBlock",
    "StationaryBlock",
    "optimal_block_length",
    "percentile_ci",
    "basic_ci",
    "bca_ci",
    "grouped_jackknife",
    "interval",
    "bootstrap",
    "BootstrapResult",
    "make_scheme",
]
