"""Result objects of :func:`stablecheck.analyze`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .._results import ResultMixin, to_jsonable

__all__ = ["LayerDetail", "AnalysisResult", "COLUMNS"]

#: Columns of the tidy table, in order.
COLUMNS = (
    "snapshot", "iteration", "batch_size", "layer", "axis", "view", "estimator",
    "alpha", "ci_low", "ci_high", "k", "n", "n_used", "zero_fraction",
    "statistic", "pvalue", "pvalue_iid", "fraction_rejecting", "fraction_rejecting_adj", "pi0",
    "inv_alpha_q25", "inv_alpha_median", "inv_alpha_q75",
    "ks_distance", "w1_distance", "excess_kurtosis", "tail_ratio", "warnings",
)


@dataclass(frozen=True, repr=False)
class LayerDetail(ResultMixin):
    """Everything computed for one snapshot × layer (what the report's figures need).

    Attributes
    ----------
    snapshot, layer : str
    iteration, batch_size : int or None
    shape : tuple of int
        (K minibatches, P coordinates) of the layer.
    tail : dict
        ``view -> estimator -> TailIndexResult`` for the pooled (coordinate-axis) views.
    scale_null : ScaleAwareNullResult or None
    gaussianity_pvalues : dict
        ``test -> ndarray`` of per-coordinate p-values across minibatches (minibatch axis).
    inv_alpha : ndarray
        Per-coordinate log-moment 1/α̂ (minibatch axis).
    projection_pvalues : dict
        ``test -> ndarray`` of p-values of the random projections.
    sample : ndarray
        A uniform thinned sample of the pooled values (for density and QQ plots).
    verdict : str
        One line: what the layer's noise looks like along each axis.
    warnings : tuple of str
    """

    snapshot: str
    layer: str
    iteration: int | None
    batch_size: int | None
    shape: tuple
    verdict: str
    tail: dict = field(default_factory=dict)
    scale_null: Any = None
    gaussianity_pvalues: dict = field(default_factory=dict)
    inv_alpha: np.ndarray = field(default_factory=lambda: np.zeros(0))
    projection_pvalues: dict = field(default_factory=dict)
    sample: np.ndarray = field(default_factory=lambda: np.zeros(0))
    warnings: tuple[str, ...] = ()

    _title: ClassVar[str] = "Layer analysis"
    _hidden: ClassVar[tuple[str, ...]] = ("tail", "scale_null", "gaussianity_pvalues",
                                          "inv_alpha", "projection_pvalues", "sample")

    def __repr__(self) -> str:
        return (f"LayerDetail(snapshot={self.snapshot!r}, layer={self.layer!r}, "
                f"shape={self.shape}, verdict={self.verdict!r})")


@dataclass(frozen=True, repr=False)
class AnalysisResult(ResultMixin):
    """The result of :func:`stablecheck.analyze`.

    Attributes
    ----------
    table : pandas.DataFrame
        Tidy table, one row per snapshot × layer × axis × view × estimator/test, with the
        columns of :data:`COLUMNS`.
    details : tuple of LayerDetail
        Per snapshot × layer detail (paths over k / K1, p-value arrays, null distributions).
    axis : str
        ``"coordinate"``, ``"minibatch"`` or ``"both"``.
    settings : dict
        Every option used (so a report states exactly what was computed).
    provenance : dict
        Source, file format, reader assumptions, run metadata, library versions.
    warnings : tuple of str
        Everything the user must see (scale mixtures, K1 drift, disagreements, zeros, small K).
    """

    table: Any
    details: tuple
    axis: str
    settings: dict
    provenance: dict
    warnings: tuple[str, ...] = ()

    _title: ClassVar[str] = "Noise analysis"
    _hidden: ClassVar[tuple[str, ...]] = ("table", "details", "settings", "provenance")

    def to_frame(self):
        """The tidy table (a copy)."""
        return self.table.copy()

    def verdicts(self):
        """One row per snapshot × layer with its verdict."""
        import pandas as pd

        return pd.DataFrame([{"snapshot": d.snapshot, "iteration": d.iteration,
                              "batch_size": d.batch_size, "layer": d.layer,
                              "K": d.shape[0], "P": d.shape[1], "verdict": d.verdict}
                             for d in self.details])

    def summary(self) -> str:
        lines = [self._title, "=" * len(self._title),
                 f"source: {self.provenance.get('source', '?')}   axis: {self.axis}"]
        for d in self.details:
            lines.append(f"- {d.snapshot} / {d.layer} (K={d.shape[0]}, P={d.shape[1]}): "
                         f"{d.verdict}")
        if self.warnings:
            lines.append("warnings:")
            lines += [f"  - {w}" for w in self.warnings]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"axis": self.axis, "settings": to_jsonable(self.settings),
                "provenance": to_jsonable(self.provenance), "warnings": list(self.warnings),
                "verdicts": to_jsonable(self.verdicts().to_dict(orient="records")),
                "table": to_jsonable(self.table.to_dict(orient="records"))}

    def to_csv(self, path: str | Path) -> Path:
        """Write the tidy table as CSV; returns the path."""
        path = Path(path)
        self.table.to_csv(path, index=False)
        return path

    def to_json(self, path: str | Path) -> Path:
        """Write table, verdicts, settings, provenance and warnings as JSON."""
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=1, allow_nan=False))
        return path

    def save(self, path: str | Path) -> Path:
        """Save to a directory (JSON + ``.npz``, no pickle); reload with
        :func:`stablecheck.analysis.load_analysis`."""
        from ._io import save_analysis

        return save_analysis(self, path)

    def to_parquet(self, path: str | Path) -> Path:
        """Write the tidy table as Parquet (needs pyarrow)."""
        path = Path(path)
        self.table.to_parquet(path, index=False)
        return path
