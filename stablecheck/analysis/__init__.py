"""Analysis layer: noise dataset × axis × layer → estimators and tests → AnalysisResult."""

from ._analyze import DEFAULT_ESTIMATORS, DEFAULT_TESTS, ESTIMATORS, analyze
from ._io import load_analysis, save_analysis
from ._result import COLUMNS, AnalysisResult, LayerDetail

__all__ = ["analyze", "AnalysisResult", "LayerDetail", "COLUMNS", "ESTIMATORS",
           "DEFAULT_ESTIMATORS", "DEFAULT_TESTS", "save_analysis", "load_analysis"]
