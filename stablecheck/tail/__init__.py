"""Tail-index estimation: pure kernels on sorted tails, k selection, streaming sketches.

Public
    tail_index, TailIndexResult       one entry point for every method
    TailSketch, LogMomentSketch       mergeable streaming summaries
    tail_sketches                     one pass over a stream feeding both sketches
    robust_standardize                per-coordinate (x − median)/IQR before pooling
    register_method                   plug another estimator into ``tail_index``
    powerlaw_fit, PowerLawResult      Clauset–Shalizi–Newman power-law fit, GoF, comparisons
"""

from ._api import METHODS, register_method, tail_index
from ._powerlaw import PowerLawResult, powerlaw_fit, powerlaw_plugin, powerlaw_tail_index
from ._powerlaw_compare import PowerLawComparison
from ._result import TailIndexResult
from ._sketches import LogMomentSketch, TailSketch
from ._standardize import robust_standardize
from ._stream import tail_sketches

# Default interval: asymptotic at the chosen xmin (milliseconds, like powerlaw_fit's
# default); ci="bootstrap" re-selects xmin in each of n_resamples replicates (one full fit
# each: ~7 s of CPU for 1000 replicates at n = 1e4), so it is opt-in.
register_method("powerlaw", powerlaw_plugin, cis=("bootstrap", "normal", None),
                default_ci="normal")

__all__ = ["tail_index", "TailIndexResult", "TailSketch", "LogMomentSketch",
           "robust_standardize", "register_method", "tail_sketches", "METHODS", "powerlaw_fit",
           "powerlaw_tail_index", "powerlaw_plugin", "PowerLawResult", "PowerLawComparison"]
