"""Validate estimators the way scikit-learn's ``check_estimator`` validates models.

Needs the ``testing`` extra (``pip install stablecheck[testing]``, i.e. hypothesis);
``import stablecheck`` itself never imports this package or hypothesis.

Catalogue
---------
strategies
    hypothesis strategies: ``stable_params``, ``stable_samples``, ``heavy_tailed_samples``,
    ``hostile_arrays``, ``noise_datasets``, ``domain_values``
check_tail_estimator, assert_tail_estimator
    property suite for tail-index estimators ``est(x, *, rng=None) -> .alpha``
check_stable_fitter, assert_stable_fitter
    property suite for α-stable fitters ``fit(x, *, rng=None) -> .alpha, .beta, .scale, .loc``
check_gof_test, assert_gof_test
    property suite for goodness-of-fit tests ``test(x, *, rng=None) -> (statistic, pvalue)``
    (null Gaussian by default; ``null=`` / ``alternative=`` samplers for other nulls)
check_analysis, assert_analysis
    property suite for dataset-level analyses ``analysis(matrix, *, rng=None) -> .table``
    (per-row invariances; ``stablecheck.analyze`` is its first subject)
matrix_adapter
    gives a test of a K × P matrix (e.g. ``scale_aware_null``) the suites' 1-D interface
CheckResult, PropertyFailure
    the report: ``passed``, ``failures`` (property, message, shrunk counterexample),
    ``summary()``, ``raise_if_failed()``
calibrate_coverage, calibrate_size, CalibrationResult
    Monte Carlo coverage of an interval / size of a test on pinned seeds, judged against the
    99.9% binomial band (``benchmarks/calibration.py`` runs every package method through them)

Examples
--------
>>> import numpy as np
>>> from stablecheck.testing import check_tail_estimator
>>> def hill(x, *, rng=None):
...     a = np.sort(np.abs(np.asarray(x, dtype=float)))[::-1]
...     k = int(np.sqrt(a.size))
...     return float(1 / np.mean(np.log(a[:k] / a[k])))
>>> check_tail_estimator(hill, properties=["sign_invariance"]).passed
True
"""

from __future__ import annotations

try:
    import hypothesis  # noqa: F401
except ImportError as e:  # pragma: no cover - exercised in a subprocess test
    raise ImportError("stablecheck.testing needs hypothesis: pip install 'stablecheck[testing]'"
                      ) from e

from . import strategies
from ._adapters import matrix_adapter
from ._calibration import CalibrationResult, calibrate_coverage, calibrate_size
from ._checks_analysis import (
    ANALYSIS_PROPERTIES,
    ANALYZE_ORDER_DEPENDENT,
    assert_analysis,
    check_analysis,
)
from ._checks_fit import FIT_PROPERTIES, assert_stable_fitter, check_stable_fitter
from ._checks_gof import GOF_PROPERTIES, assert_gof_test, check_gof_test
from ._checks_tail import TAIL_PROPERTIES, assert_tail_estimator, check_tail_estimator
from ._report import CheckResult, PropertyFailure

__all__ = [
    "strategies",
    "check_tail_estimator",
    "assert_tail_estimator",
    "check_stable_fitter",
    "assert_stable_fitter",
    "check_gof_test",
    "assert_gof_test",
    "matrix_adapter",
    "check_analysis",
    "assert_analysis",
    "ANALYSIS_PROPERTIES",
    "ANALYZE_ORDER_DEPENDENT",
    "CheckResult",
    "PropertyFailure",
    "calibrate_coverage",
    "calibrate_size",
    "CalibrationResult",
    "TAIL_PROPERTIES",
    "FIT_PROPERTIES",
    "GOF_PROPERTIES",
]
