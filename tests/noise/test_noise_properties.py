"""Hypothesis properties of the readers and the store.

* Round trip: float16/32/64 arrays, NaN/Inf/subnormals included, come back bit-identical
  through .npy, .npz, safetensors and run directories (both chunk formats).
* Damage: byte flips, truncation and appended junk make ``load_noise`` (followed by reading
  every value) either return the original data or raise ``NoiseFormatError`` — never another
  exception. For run directories and .npz, which carry checksums (sha256 / CRC-32), the
  data must be identical whenever loading succeeds. Plain .npy and safetensors carry no
  checksum, so a flipped data byte yields different values; for them the property is only
  "NoiseFormatError or a dataset, never another exception".
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import stablecheck as sc
from stablecheck.errors import NoiseFormatError
from stablecheck.noise import RunWriter
from stablecheck.noise._safetensors import safetensors_bytes

FLOATS = st.sampled_from([np.float16, np.float32, np.float64])
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def noise_arrays(draw):
    dtype = np.dtype(draw(FLOATS))
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=12))
    elems = st.floats(width=8 * dtype.itemsize, allow_nan=True, allow_infinity=True,
                      allow_subnormal=True)
    return draw(hnp.arrays(dtype, shape, elements=elems))


def _bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a).view(f"u{a.dtype.itemsize}")


def _expected(a: np.ndarray) -> np.ndarray:
    return a.reshape(a.shape[0], -1)


def _write(fmt: str, a: np.ndarray, d: Path) -> Path:
    if fmt == "npy":
        np.save(d / "x.npy", a)
        return d / "x.npy"
    if fmt == "npz":
        np.savez(d / "x.npz", x=a)
        return d / "x.npz"
    if fmt == "safetensors":
        (d / "x.safetensors").write_bytes(safetensors_bytes({"x": a}))
        return d / "x.safetensors"
    m = _expected(a)
    with RunWriter(d / "run", run_id="p", chunk_format=fmt.split("-")[1]) as w:
        w.add_snapshot("s", n_rows=m.shape[0], layers=[("x", (m.shape[1],))], dtype=a.dtype)
        half = max(1, m.shape[0] // 2)
        w.write_chunk("s", m[:half], row_start=0)
        if half < m.shape[0]:
            w.write_chunk("s", m[half:], row_start=half)
    (d / "run" / ".lock").unlink()
    return d / "run"


def _read_all(path: Path) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = sc.load_noise(path)
        return ds.matrix(ds.snapshots[0])


FORMATS = ["npy", "npz", "safetensors", "run-npy", "run-safetensors"]


@pytest.mark.parametrize("fmt", FORMATS)
@SETTINGS
@given(a=noise_arrays())
def test_round_trip_is_bit_exact(fmt, a):
    with tempfile.TemporaryDirectory() as tmp:
        m = _read_all(_write(fmt, a, Path(tmp)))
        assert m.dtype == a.dtype
        np.testing.assert_array_equal(_bits(m), _bits(_expected(a)))


def _damage(data: bytes, kind: str, pos: int, bit: int, junk: bytes) -> bytes:
    if kind == "flip":
        b = bytearray(data)
        b[pos % len(b)] ^= 1 << bit
        return bytes(b)
    if kind == "truncate":
        return data[: pos % len(data)]
    return data + junk


@pytest.mark.parametrize("fmt", FORMATS)
@SETTINGS
@given(a=noise_arrays(), kind=st.sampled_from(["flip", "truncate", "append"]),
       pos=st.integers(0, 10**6), bit=st.integers(0, 7), junk=st.binary(min_size=1, max_size=40),
       which=st.integers(0, 10**6))
def test_damaged_files_load_identically_or_raise_noise_format_error(fmt, a, kind, pos, bit,
                                                                    junk, which):
    tmp = Path(tempfile.mkdtemp())
    try:
        path = _write(fmt, a, tmp)
        files = sorted(f for f in path.rglob("*") if f.is_file()) if path.is_dir() else [path]
        target = files[which % len(files)]
        target.write_bytes(_damage(target.read_bytes(), kind, pos, bit, junk))
        try:
            m = _read_all(path)
        except NoiseFormatError:
            return
        if fmt == "npy" or fmt == "safetensors":
            return  # no checksum: any dataset is acceptable, only the exception type matters
        assert m.dtype == a.dtype
        np.testing.assert_array_equal(_bits(m), _bits(_expected(a)))
    finally:
        shutil.rmtree(tmp)
