"""Save and load an AnalysisResult without pickle: JSON for structure, ``.npz`` for arrays.

Layout of a saved result directory::

    analysis.json   table, settings, provenance, warnings and every detail object, with
                    result dataclasses tagged by type name ({"__type__": "TailIndexResult", ...})
    arrays.npz      large arrays referenced from the JSON as {"__array__": "key"}

Loading reconstructs only the known result classes listed in ``_TYPES``; anything else is
refused, so a saved result can come from an untrusted source.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from .._results import ConfidenceInterval
from ..errors import NoiseFormatError
from ._result import AnalysisResult, LayerDetail

__all__ = ["save_analysis", "load_analysis"]

_FORMAT = "stablecheck-analysis/1"


def _types() -> dict[str, type]:
    from ..gof._scale_null import ScaleAwareNullResult
    from ..tail import TailIndexResult

    return {c.__name__: c for c in (ConfidenceInterval, TailIndexResult, ScaleAwareNullResult,
                                    LayerDetail)}


class _Encoder:
    def __init__(self, min_array: int = 64):
        self.arrays: dict[str, np.ndarray] = {}
        self.min_array = min_array

    def enc(self, v: Any) -> Any:
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            out = {"__type__": type(v).__name__}
            for f in dataclasses.fields(v):
                out[f.name] = self.enc(getattr(v, f.name))
            return out
        if isinstance(v, np.ndarray):
            if v.dtype.kind in "fiub" and v.size >= self.min_array:
                key = f"a{len(self.arrays)}"
                self.arrays[key] = v
                return {"__array__": key}
            return {"__list__": self.enc(v.tolist()), "dtype": v.dtype.str}
        if isinstance(v, dict):
            return {"__dict__": [[self.enc(k), self.enc(x)] for k, x in v.items()]}
        if isinstance(v, tuple):
            return {"__tuple__": [self.enc(x) for x in v]}
        if isinstance(v, list):
            return [self.enc(x) for x in v]
        if isinstance(v, np.generic):
            return self.enc(v.item())
        if isinstance(v, float) and not math.isfinite(v):
            return {"__float__": repr(v)}
        return v


def _dec(v: Any, arrays, types) -> Any:
    if isinstance(v, list):
        return [_dec(x, arrays, types) for x in v]
    if not isinstance(v, dict):
        return v
    if "__type__" in v:
        name = v["__type__"]
        if name not in types:
            raise NoiseFormatError(f"saved analysis contains an unknown type {name!r}.")
        cls = types[name]
        kw = {f.name: _dec(v[f.name], arrays, types) for f in dataclasses.fields(cls)
              if f.name in v}
        return cls(**kw)
    if "__array__" in v:
        return arrays[v["__array__"]]
    if "__list__" in v:
        return np.asarray(_dec(v["__list__"], arrays, types), dtype=np.dtype(v["dtype"]))
    if "__dict__" in v:
        return {_dec(k, arrays, types): _dec(x, arrays, types) for k, x in v["__dict__"]}
    if "__tuple__" in v:
        return tuple(_dec(x, arrays, types) for x in v["__tuple__"])
    if "__float__" in v:
        return float(v["__float__"])
    return {k: _dec(x, arrays, types) for k, x in v.items()}


def save_analysis(result: AnalysisResult, path: str | Path) -> Path:
    """Save ``result`` into directory ``path`` (created); returns the directory."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    enc = _Encoder()
    doc = {"format": _FORMAT, "axis": result.axis,
           "settings": enc.enc(result.settings), "provenance": enc.enc(result.provenance),
           "warnings": list(result.warnings),
           "table": enc.enc({c: result.table[c].tolist() for c in result.table.columns}),
           "columns": list(result.table.columns),
           "details": [enc.enc(d) for d in result.details]}
    buf = io.BytesIO()
    np.savez_compressed(buf, **enc.arrays)
    (path / "arrays.npz").write_bytes(buf.getvalue())
    (path / "analysis.json").write_text(json.dumps(doc))
    return path


def load_analysis(path: str | Path) -> AnalysisResult:
    """Load a result saved by :func:`save_analysis` (no pickle; unknown types refused)."""
    import pandas as pd

    path = Path(path)
    try:
        doc = json.loads((path / "analysis.json").read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise NoiseFormatError(f"{path}: not a saved analysis ({exc}).") from exc
    if doc.get("format") != _FORMAT:
        raise NoiseFormatError(f"{path}: unsupported analysis format {doc.get('format')!r}.")
    with np.load(path / "arrays.npz", allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    types = _types()
    table = pd.DataFrame(_dec(doc["table"], arrays, types), columns=doc["columns"])
    return AnalysisResult(table=table, details=tuple(_dec(d, arrays, types)
                                                     for d in doc["details"]),
                          axis=doc["axis"], settings=_dec(doc["settings"], arrays, types),
                          provenance=_dec(doc["provenance"], arrays, types),
                          warnings=tuple(doc["warnings"]))
