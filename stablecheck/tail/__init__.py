"""Tail-index estimation (the power-law part; the lead merges the rest of ``tail``)."""

from ._powerlaw import PowerLawResult, powerlaw_fit, powerlaw_plugin, powerlaw_tail_index
from ._powerlaw_compare import PowerLawComparison

__all__ = ["powerlaw_fit", "powerlaw_tail_index", "powerlaw_plugin", "PowerLawResult",
           "PowerLawComparison"]
