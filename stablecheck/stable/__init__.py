"""The alpha-stable law: exact and fast evaluation, quantiles and random variates.

Functions (``param="S0"`` or ``"S1"``, broadcasting over all arguments)
    pdf, logpdf, cdf, sf, logcdf, logsf     f(x, alpha, beta, scale=1, loc=0, *, param="S0")
    ppf, isf                                 quantiles (safeguarded Newton on log F / log S)
    rvs                                      Chambers-Mallows-Stuck in S0, ``rng`` only
    AlphaStable                              frozen law with the same methods
    s1_to_s0_loc, s0_to_s1_loc               location conversion between parameterisations
    table                                    the fast S0 log-density table (StableTable):
                                             table().logpdf / .logpdf_grad for likelihoods
"""

from __future__ import annotations

from ._distribution import AlphaStable, cdf, isf, logcdf, logpdf, logsf, pdf, ppf, rvs, sf
from ._params import s0_to_s1_loc, s1_to_s0_loc
from ._table import StableTable
from ._table import load as table

__all__ = ["pdf", "logpdf", "cdf", "sf", "logcdf", "logsf", "ppf", "isf", "rvs", "AlphaStable",
           "s1_to_s0_loc", "s0_to_s1_loc", "table", "StableTable"]
