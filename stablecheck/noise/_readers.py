"""``load_noise``: one entry point for run directories and plain files, all read safely."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from .._validation import check_bool, check_int, check_option, warn
from ..errors import DataWarning, NoiseFormatError
from ._dataset import Block, Layer, NoiseDataset, Snapshot
from ._npy import open_npy
from ._npz import read_npz
from ._safetensors import open_safetensors
from ._store import RunReader, is_run_dir

__all__ = ["load_noise", "FORMATS", "DEFAULT_MAX_BYTES"]

#: Cap on data read into memory for formats that cannot be memory-mapped (2 GiB).
DEFAULT_MAX_BYTES = 2 << 30
_SUFFIXES = {".npy": "npy", ".npz": "npz", ".safetensors": "safetensors", ".csv": "csv",
             ".txt": "txt", ".tsv": "txt", ".parquet": "parquet", ".pt": "pt", ".pth": "pt"}
FORMATS = ("run", "npy", "npz", "safetensors", "csv", "txt", "parquet", "pt")


def load_noise(path: str | os.PathLike, *, format: str | None = None,
               max_bytes: int = DEFAULT_MAX_BYTES, verify: bool = True) -> NoiseDataset:
    """Read a noise run directory or a plain file as a :class:`NoiseDataset`, safely.

    Parameters
    ----------
    path : str or os.PathLike
        A run directory (``run.json`` + ``manifest.jsonl``, see ``docs/noise-format.md``) or
        a ``.npy``, ``.npz``, ``.safetensors``, ``.csv``, ``.txt``/``.tsv``, ``.parquet``
        (needs pyarrow) or ``.pt``/``.pth`` file.
    format : str, optional
        Force a format instead of guessing from the suffix: one of ``FORMATS``.
    max_bytes : int
        Cap on the bytes read into memory for formats that cannot be memory-mapped
        (``.npz`` members, text, parquet, ``.pt``). ``.npy``, safetensors and run
        directories are memory-mapped and not limited.
    verify : bool
        Run directories: check each chunk's sha256 against the manifest the first time it
        is read (a mismatch raises ``NoiseFormatError``). ``False`` skips the hashing for
        trusted local runs; sizes, shapes and dtypes are still checked.

    Returns
    -------
    NoiseDataset
        Plain files become one snapshot; a 1-D vector is K = n observations of one
        coordinate, a 2-D array K minibatches × P coordinates, and a file of several arrays
        one layer per array. ``dataset.assumptions`` says what was assumed.

    Raises
    ------
    NoiseFormatError
        Malformed, truncated, corrupted or unsafe input (pickles, object arrays, sizes that
        do not match, checksum mismatches), named in the message.
    FileNotFoundError
        ``path`` does not exist.

    Notes
    -----
    Nothing is ever unpickled: ``.npy`` headers are parsed by stablecheck, ``allow_pickle``
    is never set, and ``.pt`` files go only through ``torch.load(weights_only=True)``
    (torch is imported only for them).

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> import stablecheck as sc
    >>> rng = np.random.default_rng(0)
    >>> f = os.path.join(tempfile.mkdtemp(), "noise.npy")
    >>> np.save(f, rng.standard_normal((64, 1000)).astype(np.float32))
    >>> ds = sc.load_noise(f)
    >>> ds.shape()
    (64, 1000)
    """
    max_bytes = check_int("max_bytes", max_bytes, min=1)
    verify = check_bool("verify", verify)
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{p}: no such file or directory.")
    fmt = format if format is not None else _guess(p)
    check_option("format", fmt, FORMATS)
    src = os.fspath(p)
    if fmt == "run":
        return _load_run(p, verify)
    if p.is_dir():
        raise NoiseFormatError(f"{p}: a directory but not a run directory (no run.json).")
    if fmt == "npy":
        return _from(src, "npy", {"x": open_npy(p)})
    if fmt == "npz":
        return _from(src, "npz", read_npz(p, max_bytes=max_bytes))
    if fmt == "safetensors":
        tensors, meta = open_safetensors(p)
        if not tensors:
            raise NoiseFormatError(f"{p}: holds no tensors.")
        return _from(src, "safetensors", tensors, file_meta=meta)
    if fmt in ("csv", "txt"):
        return _from(src, fmt, *_read_text(p, fmt, max_bytes))
    if fmt == "parquet":
        return _from(src, "parquet", *_read_parquet(p, max_bytes))
    from ._pt import read_pt  # the only path that may import torch

    return _from(src, "pt", read_pt(p, max_bytes=max_bytes))


def _guess(p: Path) -> str:
    if p.is_dir():
        if not is_run_dir(p):
            raise NoiseFormatError(f"{p}: a directory but not a run directory (no run.json).")
        return "run"
    fmt = _SUFFIXES.get(p.suffix.lower())
    if fmt is None:
        raise NoiseFormatError(f"{p}: unknown file type {p.suffix!r}; known: "
                               f"{', '.join(sorted(_SUFFIXES))} or a run directory "
                               "(pass format= to force one).")
    return fmt


def _from(src: str, fmt: str, arrays: dict[str, Any], extra=(), *,
          file_meta: dict | None = None) -> NoiseDataset:
    try:
        ds = NoiseDataset.from_arrays(arrays, source=src, file_format=fmt,
                                      extra_assumptions=extra)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, NoiseFormatError):
            raise
        raise NoiseFormatError(str(exc)) from None
    if file_meta:
        ds.run_meta["file_metadata"] = dict(file_meta)
    return ds


# -------------------------------------------------------------------------------------
# run directories
# -------------------------------------------------------------------------------------

def _load_run(p: Path, verify: bool) -> NoiseDataset:
    reader = RunReader(p)
    complete = [s for s in reader.snapshots if reader.is_complete(s)]
    incomplete = [s for s in reader.snapshots if s not in complete]
    if not complete:
        raise NoiseFormatError(f"{p}: no snapshot is fully committed yet "
                               f"({len(incomplete)} incomplete); resume the writer first.")
    if incomplete:
        warn(f"{p}: {len(incomplete)} snapshot(s) not fully committed were skipped: "
             f"{', '.join(incomplete[:5])}.", DataWarning)
    snaps = []
    for name in complete:
        info = reader.snapshots[name]
        layers = {d["name"]: Layer(d["name"], d["offset"], d["size"], tuple(d["shape"]))
                  for d in info.layers}
        blocks = tuple(Block(e.rows, e.cols, _chunk_loader(reader, e, verify),
                             _chunk_rows_loader(reader, e, verify) if e.format == "npy"
                             else None)
                       for e in reader.chunks(name))
        snaps.append(Snapshot(name, info.n_rows, info.n_cols, np.dtype(info.dtype), layers,
                              dict(info.meta), blocks))
    meta = {"run_id": reader.run_id, **reader.meta}
    return NoiseDataset(snaps, source=os.fspath(p), file_format="run", run_meta=meta,
                        incomplete=incomplete)


def _chunk_loader(reader: RunReader, entry, verify: bool):
    def load() -> np.ndarray:
        return reader.read_chunk(entry, verify=verify)  # sha256 checked on first access
    return load


def _chunk_rows_loader(reader: RunReader, entry, verify: bool):
    def load_rows(a: int, b: int) -> np.ndarray:
        return reader.read_chunk(entry, verify=verify, rows=(a, b))
    return load_rows


# -------------------------------------------------------------------------------------
# text and parquet
# -------------------------------------------------------------------------------------

def _is_number(tok: str) -> bool:
    try:
        float(tok)
    except ValueError:
        return False
    return True


def _read_text(p: Path, fmt: str, max_bytes: int):
    size = p.stat().st_size
    if size > max_bytes:
        raise NoiseFormatError(f"{p}: {size} bytes; more than the cap of {max_bytes} "
                               "(max_bytes) for text files, which are read into memory.")
    try:
        text = p.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise NoiseFormatError(f"{p}: not UTF-8 text.") from None
    lines = text.splitlines()
    i = next((j for j, ln in enumerate(lines) if ln.strip() and not ln.lstrip().startswith("#")),
             len(lines))
    first = lines[i] if i < len(lines) else ""
    delim = "," if (fmt == "csv" or "," in first) else None
    toks = [t.strip() for t in (first.split(delim) if delim else first.split())]
    extra = []
    if toks and not all(_is_number(t) for t in toks if t):
        lines = lines[i + 1:]
        extra.append(f"the first line ({first[:60]!r}) was read as a header and skipped.")
    try:
        arr = np.loadtxt(lines, delimiter=delim, dtype=np.float64, ndmin=2, comments="#")
    except ValueError as exc:
        raise NoiseFormatError(f"{p}: not a numeric table ({exc}).") from None
    if arr.size == 0:
        raise NoiseFormatError(f"{p}: holds no numbers.")
    extra.append("values parsed as float64 text; rows = minibatches, columns = coordinates.")
    return {"x": arr[:, 0] if arr.shape[1] == 1 else arr}, extra


def _read_parquet(p: Path, max_bytes: int):
    try:
        import pyarrow.parquet as pq
        import pyarrow.types as pat
    except ImportError:
        raise NoiseFormatError(f"{p}: reading parquet needs pyarrow (pip install pyarrow).") \
            from None
    try:
        pf = pq.ParquetFile(p)
        schema = pf.schema_arrow
        bad = [f.name for f in schema if not (pat.is_integer(f.type) or pat.is_floating(f.type))]
        if bad:
            raise NoiseFormatError(f"{p}: non-numeric columns {bad[:5]}; only numeric columns "
                                   "(one per coordinate) are read.")
        need = pf.metadata.num_rows * len(schema) * 8
        if need > max_bytes:
            raise NoiseFormatError(f"{p}: {pf.metadata.num_rows} rows x {len(schema)} columns "
                                   f"need {need} bytes; more than the cap of {max_bytes}.")
        table = pf.read()
    except NoiseFormatError:
        raise
    except Exception as exc:  # pyarrow raises ArrowInvalid/OSError/... on corrupt files
        raise NoiseFormatError(f"{p}: unreadable parquet ({type(exc).__name__}: {exc}).") \
            from None
    cols = [np.asarray(c.to_numpy(zero_copy_only=False), dtype=np.float64)
            for c in table.columns]
    if not cols or table.num_rows == 0:
        raise NoiseFormatError(f"{p}: holds no rows.")
    arr = np.column_stack(cols)
    extra = [f"parquet columns {schema.names[:3]}{'...' if len(cols) > 3 else ''} read as "
             "coordinates and rows as minibatches (nulls become NaN)."]
    return {"x": arr[:, 0] if arr.shape[1] == 1 else arr}, extra
