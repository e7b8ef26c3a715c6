"""Loader security: hostile files are refused with a NoiseFormatError naming the problem.

Each case runs ``load_noise`` in a child process under an address-space limit (RLIMIT_AS
1 GiB; 2 GiB when torch is imported) with a sentinel payload that would create a marker file
if anything were unpickled. The child reports the exception type and message; the parent
checks the type, the message, that the marker does not exist and that the child exited
normally (a huge allocation would fail with MemoryError instead).
"""

from __future__ import annotations

import json
import os
import pickle
import struct
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_AS is POSIX-only")

CHILD = textwrap.dedent("""
    import json, resource, sys
    limit = int(sys.argv[2]) << 20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    sys.path.insert(0, sys.argv[3])
    import stablecheck as sc
    try:
        ds = sc.load_noise(sys.argv[1])
        for s in ds.snapshots:
            ds.matrix(s)
        out = {"type": None, "msg": ""}
    except BaseException as exc:
        out = {"type": type(exc).__name__, "msg": str(exc)}
    print(json.dumps(out))
""")


class Sentinel:
    """Unpickling this object would create ``marker`` (it must never happen)."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').write('pwned')",))


def _load_in_child(path: Path, limit_mb: int = 1024) -> dict:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-c", CHILD, str(path), str(limit_mb), str(ROOT)],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _assert_refused(path: Path, marker: Path, *words: str, limit_mb: int = 1024) -> None:
    out = _load_in_child(path, limit_mb)
    assert out["type"] == "NoiseFormatError", out
    for w in words:
        assert w in out["msg"], (w, out["msg"])
    assert not marker.exists(), "the sentinel payload ran"


@pytest.fixture
def marker(tmp_path):
    return tmp_path / "MARKER"


def test_object_dtype_npy(tmp_path, marker):
    f = tmp_path / "obj.npy"
    np.save(f, np.array([Sentinel(marker), 1.0], dtype=object), allow_pickle=True)
    _assert_refused(f, marker, "object")


def test_npz_with_pickled_member(tmp_path, marker):
    f = tmp_path / "obj.npz"
    np.savez(f, ok=np.ones(3), bad=np.array([Sentinel(marker)], dtype=object))
    _assert_refused(f, marker, "object")


def test_raw_pickle_named_npy(tmp_path, marker):
    f = tmp_path / "raw.npy"
    f.write_bytes(pickle.dumps(Sentinel(marker)))
    _assert_refused(f, marker, "not a .npy file")


def test_pt_with_malicious_reduce(tmp_path, marker):
    torch = pytest.importorskip("torch")
    f = tmp_path / "evil.pt"
    torch.save({"x": torch.zeros(3), "evil": Sentinel(marker)}, f)
    _assert_refused(f, marker, "weights_only", "safetensors", limit_mb=2048)


def test_pt_non_tensor_content_refused(tmp_path, marker):
    torch = pytest.importorskip("torch")
    f = tmp_path / "list.pt"
    torch.save([torch.zeros(3)], f)  # allowed by weights_only, but not a tensor/dict
    _assert_refused(f, marker, "dict of tensors", limit_mb=2048)


def test_safetensors_with_appended_bytes(tmp_path, marker):
    from stablecheck.noise._safetensors import safetensors_bytes

    f = tmp_path / "x.safetensors"
    f.write_bytes(safetensors_bytes({"x": np.ones((4, 3), np.float32)}) + b"APPENDED")
    _assert_refused(f, marker, "appended")


def test_tiny_npy_declaring_1e12_elements(tmp_path, marker):
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }"
    header = header.ljust(128 - 10 - 1) + "\n"
    f = tmp_path / "huge.npy"
    f.write_bytes(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
    assert f.stat().st_size == 128
    _assert_refused(f, marker, "8000000000000 bytes", "only 0 bytes")


def test_truncated_npy(tmp_path, marker):
    f = tmp_path / "trunc.npy"
    np.save(f, np.arange(1000, dtype=np.float32))
    data = f.read_bytes()
    f.write_bytes(data[: len(data) // 2])
    _assert_refused(f, marker, "truncated")


def test_npy_with_trailing_bytes(tmp_path, marker):
    f = tmp_path / "trail.npy"
    np.save(f, np.arange(10, dtype=np.float32))
    f.write_bytes(f.read_bytes() + b"\0" * 7)
    _assert_refused(f, marker, "7 trailing bytes")


def _patch_declared_size(f: Path, size: int) -> None:
    """Rewrite the uncompressed size of the (only) member in the local and central headers."""
    data = bytearray(f.read_bytes())
    local = data.find(b"PK\x03\x04")
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, local + 22, size)
    struct.pack_into("<I", data, central + 24, size)
    f.write_bytes(bytes(data))


def test_npz_member_declaring_huge_uncompressed_size(tmp_path, marker):
    f = tmp_path / "bomb.npz"
    with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("x.npy", _npy_bytes(np.zeros(1000)))
    _patch_declared_size(f, 0xFFFFFFF0)
    _assert_refused(f, marker, "4294967280 uncompressed bytes", "cap")


def test_npz_member_size_mismatch(tmp_path, marker):
    f = tmp_path / "liar.npz"
    np.savez(f, x=np.zeros(1000))
    _patch_declared_size(f, 100_000)  # less than the cap, but not what the .npy declares
    _assert_refused(f, marker, "x.npy", "declares 100000 uncompressed bytes")


def _npy_bytes(a: np.ndarray) -> bytes:
    from stablecheck.noise._npy import npy_bytes

    return npy_bytes(a)


def test_structured_header_refused_before_evaluation(tmp_path, marker):
    header = "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (2,), }".ljust(117)
    f = tmp_path / "struct.npy"
    f.write_bytes(b"\x93NUMPY\x01\x00" + struct.pack("<H", 118) + (header + "\n").encode()
                  + b"\0" * 16)
    _assert_refused(f, marker, "structured")
