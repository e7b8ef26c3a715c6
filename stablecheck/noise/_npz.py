"""Safe ``.npz`` reading: every member is a checked ``.npy``; sizes are capped before reading.

Members are read into memory (zip members cannot be memory-mapped in general), so each
member's *declared* uncompressed size and their total must fit under ``max_bytes``; the
``.npy`` header inside must declare exactly that size; and :mod:`zipfile` stops
decompressing at the declared size and checks the CRC, so a member that lies about its size
fails instead of expanding.
"""

from __future__ import annotations

import os
import struct
import zipfile
import zlib

import numpy as np

from ..errors import NoiseFormatError
from ._npy import MAX_HEADER, parse_npy_header

__all__ = ["read_npz", "MAX_MEMBERS"]

MAX_MEMBERS = 100_000
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError,
               struct.error, RuntimeError, UnicodeDecodeError, OverflowError, KeyError)


def read_npz(path: str | os.PathLike, *, max_bytes: int) -> dict[str, np.ndarray]:
    """Read every member of an ``.npz`` as a numeric array (never unpickling anything).

    Raises
    ------
    NoiseFormatError
        Not a zip file, corrupted data (CRC, truncation), a member that is not a plain
        numeric ``.npy`` (object arrays/pickles included), or declared sizes above
        ``max_bytes``.
    """
    where = os.fspath(path)
    try:
        return _read(path, where, max_bytes)
    except NoiseFormatError:
        raise
    except _ZIP_ERRORS as exc:
        raise NoiseFormatError(f"{where}: corrupted or unsupported .npz "
                               f"({type(exc).__name__}: {exc}).") from None


def _read(path, where: str, max_bytes: int) -> dict[str, np.ndarray]:
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise NoiseFormatError(f"{where}: {len(infos)} members; more than {MAX_MEMBERS}.")
        total = 0
        names = []
        for info in infos:
            if info.is_dir() or not info.filename.endswith(".npy"):
                raise NoiseFormatError(f"{where}: member {info.filename!r} is not a .npy array.")
            if info.flag_bits & 0x1:
                raise NoiseFormatError(f"{where}: member {info.filename!r} is encrypted.")
            if info.file_size > max_bytes:
                raise NoiseFormatError(f"{where}: member {info.filename!r} declares "
                                       f"{info.file_size} uncompressed bytes; more than the "
                                       f"cap of {max_bytes} (max_bytes).")
            total += info.file_size
            names.append(info.filename[:-4])
        if total > max_bytes:
            raise NoiseFormatError(f"{where}: members declare {total} uncompressed bytes in "
                                   f"total; more than the cap of {max_bytes} (max_bytes).")
        if len(set(names)) != len(names):
            raise NoiseFormatError(f"{where}: repeated member names.")
        return {name: _member(zf, info, f"{where}:{info.filename}")
                for name, info in zip(names, infos, strict=True)}


def _member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> np.ndarray:
    with zf.open(info) as f:
        prefix = f.read(min(info.file_size, 12 + MAX_HEADER))
        hdr = parse_npy_header(prefix, where)
        if hdr.data_offset + hdr.nbytes != info.file_size:
            raise NoiseFormatError(f"{where}: the zip entry declares {info.file_size} "
                                   f"uncompressed bytes but its .npy header declares "
                                   f"{hdr.data_offset + hdr.nbytes} (shape {hdr.shape} "
                                   f"{hdr.dtype}).")
        flat = np.empty(int(np.prod(hdr.shape, dtype=np.int64)), dtype=hdr.dtype)
        buf = memoryview(flat.view(np.uint8))
        head = prefix[hdr.data_offset:]
        buf[:len(head)] = head
        pos = len(head)
        while pos < len(buf):
            n = f.readinto(buf[pos:])
            if not n:
                raise NoiseFormatError(f"{where}: truncated member ({pos} of {len(buf)} data "
                                       "bytes).")
            pos += n
        if f.read(1):
            raise NoiseFormatError(f"{where}: member holds more bytes than it declares.")
    return flat.reshape(hdr.shape, order="F" if hdr.fortran_order else "C")
