"""stablecheck — is it Gaussian or heavy-tailed α-stable?

Rigorous, fast answers for data in general and for the stochastic gradient noise (SGN) of
neural networks in particular.

API catalogue
-------------
Core
    ConfidenceInterval, TestResult          result building blocks (``stablecheck._results``)
    MomentSketch, sketch_from_state         mergeable summaries (``stablecheck._sketch``)
    errors                                  warning hierarchy and exceptions
Noise datasets
    load_noise, NoiseDataset                read noise runs and plain files safely
    collect (subpackage, torch extra)       collect gradient noise at frozen weights
α-stable law
    stable                                  pdf/logpdf/cdf/sf/ppf/isf/rvs in S0/S1, AlphaStable
    fit_stable                              quantile / ECF / ML fits with CIs
Tail index
    tail_index                              Hill, DEdH, Pickands, smoothed Hill, log-moment,
                                            Mohammadi, power law; TailSketch, LogMomentSketch
    powerlaw_fit                            Clauset–Shalizi–Newman fit, GoF p-value, comparisons
    resample (subpackage)                   bootstrap schemes and CI methods
Gaussianity and model comparison
    gaussianity, adjust_pvalues, pvalue_summary, subsample_rejection_rate
    scale_aware_null                        is a pooled α̂ < 2 just a scale mixture?
    gaussian_vs_stable, stable_gof          LR test with bootstrap null; GoF of a fitted stable
Analysis and reports
    analyze, AnalysisResult, report
"""

from __future__ import annotations

from . import errors
from ._results import ConfidenceInterval, TestResult
from ._sketch import MomentSketch, merge_sketches, sketch_from_state

__version__ = "0.1.0.dev0"

__all__ = [
    "__version__",
    "errors",
    "ConfidenceInterval",
    "TestResult",
    "MomentSketch",
    "merge_sketches",
    "sketch_from_state",
]

# --- noise (datasets, I/O) -----------------------------------------------------------
from . import noise  # noqa: E402
from .noise import NoiseDataset, load_noise  # noqa: E402

__all__ += ["noise", "load_noise", "NoiseDataset"]


# --- stable (distribution, fitting) --------------------------------------------------
from . import stable  # noqa: E402
from .stable._fit import StableFitResult, fit_stable  # noqa: E402

__all__ += ["stable", "fit_stable", "StableFitResult"]


# --- tail (tail index, resampling) ---------------------------------------------------
from . import resample  # noqa: E402
from .tail import (  # noqa: E402
    LogMomentSketch,
    TailIndexResult,
    TailSketch,
    robust_standardize,
    tail_index,
    tail_sketches,
)

__all__ += ["tail_index", "TailIndexResult", "TailSketch", "LogMomentSketch",
            "robust_standardize", "resample", "tail_sketches"]

from .tail import PowerLawComparison, PowerLawResult, powerlaw_fit  # noqa: E402

__all__ += ["powerlaw_fit", "PowerLawResult", "PowerLawComparison"]


# --- gof (Gaussianity, model comparison) ---------------------------------------------
from . import gof  # noqa: E402
from .gof import (  # noqa: E402
    GaussianityResult,
    PValueSummaryResult,
    SubsampleRejectionResult,
    adjust_pvalues,
    gaussianity,
    pvalue_summary,
    storey_pi0,
    subsample_rejection_rate,
)

__all__ += [
    "gof",
    "gaussianity",
    "GaussianityResult",
    "adjust_pvalues",
    "storey_pi0",
    "pvalue_summary",
    "PValueSummaryResult",
    "subsample_rejection_rate",
    "SubsampleRejectionResult",
]


from .gof._scale_null import ScaleAwareNullResult, scale_aware_null  # noqa: E402

__all__ += ["scale_aware_null", "ScaleAwareNullResult"]
from .gof._lr import GaussianVsStableResult, gaussian_vs_stable  # noqa: E402
from .gof._stable_gof import StableGofResult, stable_gof  # noqa: E402

__all__ += ["gaussian_vs_stable", "GaussianVsStableResult", "stable_gof", "StableGofResult"]


# --- analysis / report ---------------------------------------------------------------
from .analysis import AnalysisResult, analyze  # noqa: E402

__all__ += ["analyze", "AnalysisResult"]
from .report import report  # noqa: E402

__all__ += ["report"]


# --- scale-out (dask extra; imported lazily inside) ----------------------------------
from ._dask import open_run_array, sketch_dask  # noqa: E402

__all__ += ["open_run_array", "sketch_dask"]
