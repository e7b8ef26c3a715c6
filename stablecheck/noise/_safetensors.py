"""Safe safetensors reading (header validated here, data memory-mapped) and writing.

Layout: 8-byte little-endian header length ``N``, ``N`` bytes of UTF-8 JSON, then the data.
The header maps tensor names to ``{"dtype", "shape", "data_offsets": [begin, end]}`` (offsets
relative to the data start) plus an optional ``"__metadata__"`` dict of strings. We require
the tensors to tile the data region exactly — contiguous, no gaps, no overlap, and no bytes
after the last tensor — and every size to match ``prod(shape) × itemsize``.
"""

from __future__ import annotations

import json
import math
import os
import struct

import numpy as np

from ..errors import NoiseFormatError

__all__ = ["read_safetensors_header", "open_safetensors", "safetensors_bytes", "MAX_ST_HEADER"]

#: Largest JSON header accepted (the safetensors library uses the same 100 MB limit).
MAX_ST_HEADER = 100_000_000
_DTYPES = {"F16": "<f2", "F32": "<f4", "F64": "<f8", "I8": "|i1", "I16": "<i2", "I32": "<i4",
           "I64": "<i8", "U8": "|u1", "U16": "<u2", "U32": "<u4", "U64": "<u8", "BF16": "<u2"}
_NAMES = {v: k for k, v in _DTYPES.items() if k != "BF16"}


def _no_duplicates(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise NoiseFormatError(f"safetensors header repeats the key {k!r}.")
        out[k] = v
    return out


def read_safetensors_header(path: str | os.PathLike) -> tuple[dict, dict, int]:
    """Validate the header; return ``(tensors, metadata, data_start)``.

    ``tensors`` maps name → ``(dtype_name, shape, begin, end)`` with absolute file offsets.
    """
    where = os.fspath(path)
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        head = f.read(8)
        if len(head) < 8:
            raise NoiseFormatError(f"{where}: truncated safetensors file ({size} bytes).")
        (n,) = struct.unpack("<Q", head)
        if n > MAX_ST_HEADER:
            raise NoiseFormatError(f"{where}: safetensors header declares {n} bytes; more than "
                                   f"the {MAX_ST_HEADER} accepted.")
        if 8 + n > size:
            raise NoiseFormatError(f"{where}: truncated safetensors header ({size - 8} of "
                                   f"{n} bytes present).")
        raw = f.read(n)
    try:
        header = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise NoiseFormatError(f"{where}: safetensors header is not valid UTF-8 JSON.") from exc
    if not isinstance(header, dict):
        raise NoiseFormatError(f"{where}: safetensors header must be a JSON object.")
    meta = header.pop("__metadata__", {})
    if not isinstance(meta, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                             for k, v in meta.items()):
        raise NoiseFormatError(f"{where}: safetensors '__metadata__' must map strings to "
                               "strings.")
    start = 8 + n
    tensors = {}
    spans = []
    for name, t in header.items():
        if not isinstance(t, dict) or set(t) != {"dtype", "shape", "data_offsets"}:
            raise NoiseFormatError(f"{where}: tensor {name!r} must have exactly 'dtype', "
                                   "'shape' and 'data_offsets'.")
        dt, shape, offs = t["dtype"], t["shape"], t["data_offsets"]
        if dt not in _DTYPES:
            raise NoiseFormatError(f"{where}: tensor {name!r} has dtype {dt!r}; only "
                                   f"{', '.join(_DTYPES)} are read.")
        if (not isinstance(shape, list) or len(shape) > 32
                or not all(type(s) is int and s >= 0 for s in shape)):
            raise NoiseFormatError(f"{where}: tensor {name!r} has an invalid shape {shape!r}.")
        if (not isinstance(offs, list) or len(offs) != 2
                or not all(type(o) is int and o >= 0 for o in offs) or offs[0] > offs[1]):
            raise NoiseFormatError(f"{where}: tensor {name!r} has invalid data_offsets {offs!r}.")
        need = math.prod(shape) * np.dtype(_DTYPES[dt]).itemsize
        if offs[1] - offs[0] != need:
            raise NoiseFormatError(f"{where}: tensor {name!r} declares shape {shape} {dt} = "
                                   f"{need} bytes but spans {offs[1] - offs[0]} bytes.")
        tensors[name] = (dt, tuple(shape), start + offs[0], start + offs[1])
        spans.append((offs[0], offs[1], name))
    pos = 0
    for b, e, name in sorted(spans):
        if b != pos:
            raise NoiseFormatError(f"{where}: tensor {name!r} starts at {b}, expected {pos}: "
                                   "the data offsets overlap or leave a gap.")
        pos = e
    if start + pos < size:
        raise NoiseFormatError(f"{where}: {size - start - pos} bytes appended after the last "
                               "tensor.")
    if start + pos > size:
        raise NoiseFormatError(f"{where}: truncated: the header declares {pos} data bytes but "
                               f"only {size - start} are present.")
    return tensors, meta, start


def open_safetensors(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict]:
    """Memory-map every tensor of a validated file; BF16 is widened to float32 (a copy)."""
    tensors, meta, _ = read_safetensors_header(path)
    out = {}
    for name, (dt, shape, b, e) in tensors.items():
        dtype = np.dtype(_DTYPES[dt])
        if e == b:
            arr = np.zeros(shape, dtype=np.float32 if dt == "BF16" else dtype)
        else:
            arr = np.memmap(path, dtype=dtype, mode="r", offset=b, shape=shape)
        if dt == "BF16":
            arr = (np.asarray(arr, dtype=np.uint32) << 16).view(np.float32)
        out[name] = arr
    return out, meta


def safetensors_bytes(tensors: dict[str, np.ndarray], metadata: dict[str, str] | None = None
                      ) -> bytes:
    """Serialise arrays with the reference ``safetensors`` library (no pickle involved)."""
    from safetensors.numpy import save

    clean = {}
    for k, v in tensors.items():
        v = np.ascontiguousarray(v)
        if v.dtype.newbyteorder("<").str not in _NAMES:
            raise TypeError(f"tensor {k!r} has dtype {v.dtype}; only plain float/int arrays "
                            "can be written.")
        clean[k] = v.astype(v.dtype.newbyteorder("<"), copy=False)
    return save(clean, metadata=metadata)
