"""Safe ``.npy`` reading and writing: the header is parsed here, never unpickled.

:func:`read_npy_header` reads at most ``MAX_HEADER`` bytes, accepts only plain numeric dtypes
and checks that the declared data size matches the file exactly (no truncation, no trailing
bytes) *before* anything is allocated; :func:`open_npy` then memory-maps the data. A 128-byte
file declaring 10¹² elements is therefore refused by arithmetic, not by running out of memory.
"""

from __future__ import annotations

import ast
import io
import math
import os
import re
import struct
from dataclasses import dataclass

import numpy as np

from ..errors import NoiseFormatError

__all__ = ["NpyHeader", "read_npy_header", "parse_npy_header", "open_npy", "npy_bytes",
           "npy_header", "check_numeric_descr", "MAX_HEADER"]

MAGIC = b"\x93NUMPY"
#: Largest header accepted (numpy's own default ``max_header_size``).
MAX_HEADER = 10_000
_DESCR = re.compile(r"^[<>|=]?([fiu])([1248])$")
_KIND_NAMES = {"O": "object (pickled Python objects)", "V": "structured/void", "U": "string",
               "S": "bytes", "b": "boolean", "c": "complex", "M": "datetime", "m": "timedelta"}


@dataclass(frozen=True)
class NpyHeader:
    """What a ``.npy`` header declares: dtype, shape, order and where the data starts."""

    dtype: np.dtype
    shape: tuple[int, ...]
    fortran_order: bool
    data_offset: int

    @property
    def nbytes(self) -> int:
        """Declared size of the data in bytes (Python int: cannot overflow)."""
        return math.prod(self.shape) * self.dtype.itemsize


def check_numeric_descr(descr: object, where: str) -> np.dtype:
    """Return the dtype for a plain float/int descriptor; refuse anything else by name."""
    if not isinstance(descr, str):
        raise NoiseFormatError(f"{where}: structured or non-string dtype {descr!r} refused; "
                               "only plain float/int arrays are read.")
    m = _DESCR.match(descr)
    if m is None:
        kind = descr.lstrip("<>|=")[:1]
        what = _KIND_NAMES.get(kind, f"{descr!r}")
        raise NoiseFormatError(f"{where}: dtype {descr!r} ({what}) refused; only float16/32/64 "
                               "and integer arrays are read (pickled objects never are).")
    dtype = np.dtype(descr)
    return dtype


def parse_npy_header(prefix: bytes, where: str) -> NpyHeader:
    """Parse the header from the first bytes of a ``.npy`` stream (no data is touched)."""
    if len(prefix) < 10 or not prefix.startswith(MAGIC):
        raise NoiseFormatError(f"{where}: not a .npy file (missing the \\x93NUMPY magic; "
                               "pickles and other formats are never loaded).")
    major, minor = prefix[6], prefix[7]
    if (major, minor) == (1, 0):
        (hlen,), start, enc = struct.unpack("<H", prefix[8:10]), 10, "latin1"
    elif (major, minor) in ((2, 0), (3, 0)):
        if len(prefix) < 12:
            raise NoiseFormatError(f"{where}: truncated .npy header.")
        (hlen,), start = struct.unpack("<I", prefix[8:12]), 12
        enc = "latin1" if major == 2 else "utf8"
    else:
        raise NoiseFormatError(f"{where}: unsupported .npy format version {major}.{minor}.")
    if hlen > MAX_HEADER:
        raise NoiseFormatError(f"{where}: .npy header declares {hlen} bytes; more than the "
                               f"{MAX_HEADER} accepted.")
    raw = prefix[start:start + hlen]
    if len(raw) < hlen:
        raise NoiseFormatError(f"{where}: truncated .npy header ({len(raw)} of {hlen} bytes).")
    try:
        text = raw.decode(enc)
    except UnicodeDecodeError as exc:
        raise NoiseFormatError(f"{where}: .npy header is not valid {enc} text.") from exc
    # The header is a tiny dict literal. Plain dtypes need one '{' and at most one tuple;
    # anything deeper (structured dtypes, hostile nesting) is refused before evaluation.
    if text.count("{") != 1 or text.count("(") > 1 or "[" in text:
        raise NoiseFormatError(f"{where}: .npy header {text.strip()[:80]!r} is not a plain "
                               "{'descr', 'fortran_order', 'shape'} dict (structured dtypes "
                               "are refused).")
    try:
        d = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as exc:
        raise NoiseFormatError(f"{where}: .npy header is not a valid literal.") from exc
    if not isinstance(d, dict) or set(d) != {"descr", "fortran_order", "shape"}:
        raise NoiseFormatError(f"{where}: .npy header must hold exactly 'descr', "
                               f"'fortran_order' and 'shape'; got {d!r:.80}.")
    dtype = check_numeric_descr(d["descr"], where)
    shape, fortran = d["shape"], d["fortran_order"]
    if not isinstance(fortran, bool):
        raise NoiseFormatError(f"{where}: 'fortran_order' must be True or False.")
    if (not isinstance(shape, tuple) or len(shape) > 32
            or not all(type(s) is int and s >= 0 for s in shape)):
        raise NoiseFormatError(f"{where}: .npy shape {shape!r} is not a tuple of "
                               "non-negative integers.")
    return NpyHeader(dtype=dtype, shape=shape, fortran_order=fortran, data_offset=start + hlen)


def read_npy_header(path: str | os.PathLike, *, file_size: int | None = None) -> NpyHeader:
    """Read and check the header of a ``.npy`` file against the file's size.

    Raises
    ------
    NoiseFormatError
        Bad magic, oversize or malformed header, refused dtype, or a declared data size
        that differs from what the file holds (truncated file or trailing bytes).
    """
    where = os.fspath(path)
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size if file_size is None else file_size
        prefix = f.read(12 + MAX_HEADER)
    hdr = parse_npy_header(prefix, where)
    check_data_size(hdr, size - hdr.data_offset, where)
    return hdr


def check_data_size(hdr: NpyHeader, available: int, where: str) -> None:
    """Refuse a declared data size that differs from the bytes actually present."""
    need = hdr.nbytes
    if available < need:
        raise NoiseFormatError(
            f"{where}: truncated or oversized declaration: the header declares shape "
            f"{hdr.shape} {hdr.dtype} = {need} bytes but only {max(available, 0)} bytes follow "
            "the header.")
    if available > need:
        raise NoiseFormatError(f"{where}: {available - need} trailing bytes after the "
                               f"declared {need} bytes of data.")


def open_npy(path: str | os.PathLike) -> np.ndarray:
    """Memory-map a checked ``.npy`` file read-only (an empty array if it holds no values)."""
    hdr = read_npy_header(path)
    if hdr.nbytes == 0:
        return np.zeros(hdr.shape, dtype=hdr.dtype)
    return np.memmap(path, dtype=hdr.dtype, mode="r", offset=hdr.data_offset, shape=hdr.shape,
                     order="F" if hdr.fortran_order else "C")


def npy_bytes(arr: np.ndarray) -> bytes:
    """Serialise a numeric array as ``.npy`` (format 1.0, C order, never pickled)."""
    check_numeric_descr(arr.dtype.str, "array")
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.ascontiguousarray(arr), version=(1, 0),
                              allow_pickle=False)
    return buf.getvalue()


def npy_header(arr: np.ndarray) -> bytes:
    """The ``.npy`` format 1.0 header of the C-ordered ``arr`` (what :func:`npy_bytes` starts with).

    ``npy_header(arr) + memoryview(arr)`` are exactly the bytes of :func:`npy_bytes` for a
    C-contiguous array, so a writer can stream the array's memory without copying it.
    """
    check_numeric_descr(arr.dtype.str, "array")
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, np.lib.format.header_data_from_array_1_0(arr))
    return buf.getvalue()
