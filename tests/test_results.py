"""Result mixin: summary/to_frame/to_dict/_repr_html_ on a frozen dataclass."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

import numpy as np
import pytest

from stablecheck import ConfidenceInterval, TestResult
from stablecheck._results import ResultMixin


@dataclass(frozen=True, repr=False)
class _Demo(ResultMixin):
    alpha: float
    confidence_interval: ConfidenceInterval
    n: int
    path: np.ndarray
    warnings: tuple = ()
    _title = "Demo"


def test_presentation_roundtrip():
    r = _Demo(1.5, ConfidenceInterval(1.2, 1.8, 0.9, "exact"), 100, np.arange(3.0),
              ("watch out",))
    text = r.summary()
    assert "Demo" in text and "1.5" in text and "[1.2, 1.8] (90%, exact)" in text
    assert "watch out" in text and "path" not in text
    df = r.to_frame()
    assert list(df.columns) == ["alpha", "confidence_interval_low", "confidence_interval_high",
                                "n", "warnings"]
    d = r.to_dict()
    json.dumps(d)  # JSON-ready
    assert d["path"] == [0.0, 1.0, 2.0] and d["confidence_interval"]["level"] == 0.9
    assert "<table>" in r._repr_html_()
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.alpha = 2.0  # type: ignore[misc]
    with pytest.raises(TypeError, match="cannot be unpacked"):
        tuple(r)


def test_test_result_unpacks_and_serialises_inf():
    r = TestResult(np.inf, 0.0, "ad", 10, details={"x": np.float64(np.nan)})
    stat, p = r
    assert stat == np.inf and p == 0.0
    d = r.to_dict()
    assert d["statistic"] == "inf" and d["details"]["x"] is None
    json.dumps(d)


def test_ci_helpers():
    ci = ConfidenceInterval(1.0, 3.0)
    lo, hi = ci
    assert (lo, hi) == (1.0, 3.0) and 2.0 in ci and 4.0 not in ci and ci.width == 2.0
