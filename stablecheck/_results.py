"""Result objects: one vocabulary, presentation on the result.

Every public function returns a frozen dataclass that mixes in :class:`ResultMixin`, which
provides ``summary()`` (plain text), ``to_dict()`` (JSON-ready), ``to_frame()`` (one-row
``pandas.DataFrame``) and ``_repr_html_()`` (Jupyter). Large arrays (bootstrap distributions,
paths) stay on the result for reuse but are left out of ``summary``/``to_frame``.
"""

from __future__ import annotations

import dataclasses
import html
import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

__all__ = ["ConfidenceInterval", "ResultMixin", "TestResult", "to_jsonable"]


@dataclass(frozen=True)
class ConfidenceInterval:
    """A confidence interval ``[low, high]`` at ``level`` computed by ``method``.

    Unpacks as ``low, high = ci``.
    """

    low: float
    high: float
    level: float = 0.95
    method: str = ""

    def __iter__(self):
        yield self.low
        yield self.high

    def __contains__(self, value: float) -> bool:
        return bool(self.low <= value <= self.high)

    @property
    def width(self) -> float:
        """``high - low``."""
        return self.high - self.low

    def __str__(self) -> str:
        return f"[{_fmt(self.low)}, {_fmt(self.high)}]"


def to_jsonable(value: Any) -> Any:
    """Convert numpy scalars/arrays, dataclasses and tuples into JSON-ready Python objects."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if isinstance(value, ResultMixin):
            return value.to_dict()
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, np.generic):
        return to_jsonable(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if hasattr(value, "to_dict") and hasattr(value, "columns"):  # a DataFrame
        return value.to_dict(orient="list")
    return value


def _fmt(v: Any) -> str:
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if v == 0 or (1e-4 <= abs(v) < 1e6):
            return f"{v:.4g}"
        return f"{v:.3e}"
    if isinstance(v, ConfidenceInterval):
        return str(v)
    return str(v)


def _is_scalar(v: Any) -> bool:
    return v is None or isinstance(v, (str, bool, int, float, np.generic))


class ResultMixin:
    """Presentation shared by all result dataclasses.

    Subclasses may set ``_title`` (heading of ``summary()``), ``_unpack`` (field names yielded
    by iteration, e.g. ``("statistic", "pvalue")``) and ``_hidden`` (fields never shown in
    ``summary``/``to_frame``).
    """

    _title: ClassVar[str] = ""
    _unpack: ClassVar[tuple[str, ...]] = ()
    _hidden: ClassVar[tuple[str, ...]] = ()

    def __iter__(self):
        if not self._unpack:
            raise TypeError(f"{type(self).__name__} cannot be unpacked; use its attributes.")
        for name in self._unpack:
            yield getattr(self, name)

    # -- plain data ---------------------------------------------------------------
    def _items(self) -> list[tuple[str, Any]]:
        return [(f.name, getattr(self, f.name)) for f in dataclasses.fields(self)  # type: ignore[arg-type]
                if f.name not in self._hidden]

    def to_dict(self) -> dict[str, Any]:
        """All fields as JSON-ready Python objects (arrays become lists)."""
        return {f.name: to_jsonable(getattr(self, f.name))
                for f in dataclasses.fields(self)}  # type: ignore[arg-type]

    def _flat_scalars(self) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for name, v in self._items():
            if isinstance(v, ConfidenceInterval):
                row[f"{name}_low"] = v.low
                row[f"{name}_high"] = v.high
            elif name == "warnings":
                row[name] = "; ".join(v) if v else ""
            elif isinstance(v, dict) and v and all(isinstance(c, ConfidenceInterval)
                                                    for c in v.values()):
                for key, c in v.items():
                    row[f"{key}_ci_low"] = c.low
                    row[f"{key}_ci_high"] = c.high
            elif _is_scalar(v):
                row[name] = v.item() if isinstance(v, np.generic) else v
        return row

    def to_frame(self):
        """A one-row ``pandas.DataFrame`` of the scalar fields (CIs as ``*_low``/``*_high``)."""
        import pandas as pd

        return pd.DataFrame([self._flat_scalars()])

    # -- text and HTML --------------------------------------------------------------
    def summary(self) -> str:
        """A plain-text summary: scalar fields, intervals and warnings."""
        title = self._title or type(self).__name__
        lines = [title, "=" * len(title)]
        rows = []
        warns: tuple[str, ...] = ()
        for name, v in self._items():
            if name == "warnings":
                warns = tuple(v or ())
                continue
            if isinstance(v, ConfidenceInterval):
                rows.append((name, f"{v} ({100 * v.level:g}%{', ' + v.method if v.method else ''})"))
            elif isinstance(v, dict) and v and all(isinstance(c, ConfidenceInterval)
                                                    for c in v.values()):
                for key, c in v.items():
                    rows.append((f"{name}[{key}]", str(c)))
            elif _is_scalar(v):
                rows.append((name, _fmt(v)))
        width = max((len(r[0]) for r in rows), default=0)
        lines += [f"{k.ljust(width)}  {val}" for k, val in rows]
        if warns:
            lines.append("warnings:")
            lines += [f"  - {w}" for w in warns]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        title = html.escape(self._title or type(self).__name__)
        cells = []
        warns: tuple[str, ...] = ()
        for name, v in self._items():
            if name == "warnings":
                warns = tuple(v or ())
                continue
            if isinstance(v, ConfidenceInterval) or _is_scalar(v):
                cells.append(f"<tr><th style='text-align:left'>{html.escape(name)}</th>"
                             f"<td>{html.escape(_fmt(v))}</td></tr>")
        out = f"<div><strong>{title}</strong><table>{''.join(cells)}</table>"
        if warns:
            out += "<ul>" + "".join(f"<li>{html.escape(w)}</li>" for w in warns) + "</ul>"
        return out + "</div>"

    def __str__(self) -> str:
        return self.summary()


@dataclass(frozen=True, repr=False)
class TestResult(ResultMixin):
    """A hypothesis-test result; unpacks as ``statistic, pvalue``.

    Attributes
    ----------
    statistic, pvalue : float
    method : str
    n : int
        Sample size used.
    null_distribution : ndarray or None
        Monte-Carlo / bootstrap null distribution when one was simulated (kept for reuse).
    details : dict
        Method-specific extras (fitted parameters, AIC/BIC, ...).
    warnings : tuple of str
    """

    __test__ = False  # not a pytest class

    statistic: float
    pvalue: float
    method: str
    n: int
    null_distribution: np.ndarray | None = None
    details: dict = dataclasses.field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    _title: ClassVar[str] = "Test result"
    _unpack: ClassVar[tuple[str, ...]] = ("statistic", "pvalue")
    _hidden: ClassVar[tuple[str, ...]] = ("null_distribution",)

    def __repr__(self) -> str:
        return (f"TestResult(statistic={self.statistic!r}, pvalue={self.pvalue!r}, "
                f"method={self.method!r}, n={self.n})")
