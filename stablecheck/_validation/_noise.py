"""Checkers for noise datasets, files and run directories."""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._domains import DOMAINS, RealDomain
from ..errors import DataWarning, SmallSampleWarning, ZeroValuesWarning
from ._core import *  # noqa: F403
from ._core import _FLOAT_KINDS, _check_dtype, _check_scalar_domain, _kind_name, _to_array, _widen  # noqa: F401

# =====================================================================================
# noise: datasets, files and run directories (add checkers below)
# =====================================================================================


def check_store_name(kind: str, value: Any) -> str:
    """A snapshot name in a run directory: 1-64 characters from ``[A-Za-z0-9_-]``."""
    if (not isinstance(value, str) or not 1 <= len(value) <= 64
            or not all(c.isascii() and (c.isalnum() or c in "_-") for c in value)):
        raise ValueError(f"{kind} name must be 1-64 characters from letters, digits, '_' and "
                         f"'-' (it becomes part of file names); got {value!r}.")
    return value


def check_layer_table(layers: Any, n_cols: int | None = None) -> list[dict]:
    """Normalise a layer table to ``[{"name", "offset", "size", "shape"}, ...]``.

    Accepts a sequence of ``(name, shape)`` pairs (offsets assigned contiguously in order),
    a mapping ``name -> shape``, or a sequence of dicts with ``name``, ``offset``, ``size``,
    ``shape``. Layers must not overlap and must lie within ``[0, n_cols)`` when given.
    """
    if isinstance(layers, dict):
        layers = list(layers.items())
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Iterable):
        raise TypeError("`layers` must be a sequence of (name, shape) pairs, a dict "
                        f"name -> shape, or a sequence of layer dicts; got {type(layers).__name__}.")
    out: list[dict] = []
    offset = 0
    for item in layers:
        if isinstance(item, dict):
            name, shape = item.get("name"), item.get("shape")
            off = check_int("layer offset", item.get("offset"), min=0)
        else:
            try:
                name, shape = item
            except (TypeError, ValueError):
                raise TypeError(f"each layer must be a (name, shape) pair; got {item!r}.") from None
            off = offset
        if not isinstance(name, str) or not name or len(name) > 256:
            raise ValueError(f"layer names must be non-empty strings (<= 256 chars); got {name!r}.")
        if isinstance(shape, (int, np.integer)):
            shape = (int(shape),)
        if not isinstance(shape, (list, tuple)):
            raise TypeError(f"layer {name!r}: shape must be a tuple of ints; got {shape!r}.")
        shape = tuple(check_int(f"layer {name!r} shape", s, min=0) for s in shape)
        size = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if isinstance(item, dict) and item.get("size") is not None and item["size"] != size:
            raise ValueError(f"layer {name!r}: size {item['size']!r} does not match shape {shape}.")
        out.append({"name": name, "offset": off, "size": size, "shape": list(shape)})
        offset = off + size
    names = [d["name"] for d in out]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"layer names must be unique; repeated: {dup}.")
    if not out:
        raise ValueError("`layers` is empty; give at least one (name, shape).")
    spans = sorted((d["offset"], d["offset"] + d["size"], d["name"]) for d in out)
    for (_, e0, n0), (b1, _, n1) in zip(spans[:-1], spans[1:], strict=True):
        if b1 < e0:
            raise ValueError(f"layers {n0!r} and {n1!r} overlap (columns {b1}..{e0 - 1}).")
    if n_cols is not None and spans[-1][1] > n_cols:
        raise ValueError(f"layer {spans[-1][2]!r} ends at column {spans[-1][1]} beyond the "
                         f"{n_cols} columns of the snapshot.")
    return out


def check_metadata(meta: Any, fields: dict[str, tuple], *, name: str = "meta") -> dict:
    """Check a metadata dict against ``fields``: key -> (types, options or None).

    Unknown keys are kept; every value must be JSON-serialisable (checked by the caller).
    """
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise TypeError(f"`{name}` must be a dict; got {type(meta).__name__}.")
    out = dict(meta)
    for key, value in meta.items():
        if not isinstance(key, str):
            raise TypeError(f"`{name}` keys must be strings; got {key!r}.")
        if key in fields and value is not None:
            types, options = fields[key]
            if isinstance(value, bool) and bool not in types:
                raise TypeError(f"`{name}[{key!r}]` must be {types}; got {value!r}.")
            if not isinstance(value, types):
                tn = " or ".join(t.__name__ for t in types)
                raise TypeError(f"`{name}[{key!r}]` must be {tn}; got {value!r}.")
            if options is not None:
                check_option(f"{name}[{key!r}]", value, options)
    return out
