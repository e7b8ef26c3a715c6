"""Writer crash safety: SIGKILL a writing child at seeded random I/O calls, then check.

After every kill: the store opens (or, if the kill came before run.json existed, holds
nothing committed), every committed chunk verifies, only committed chunks are visible, and
a resumed write completes to a store whose committed content (manifest, snapshot and run
JSON, every chunk file) is byte-identical to an uninterrupted run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import stablecheck as sc
from stablecheck.errors import NoiseFormatError
from stablecheck.noise import RunReader

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
import _crash_job  # noqa: E402

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL/fsync semantics")
N_KILLS = 24


def _child(out: Path, kill_at: int, seed: int, fmt: str = "npy",
           mode: str = "sync") -> subprocess.CompletedProcess:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    return subprocess.run([sys.executable, str(HERE / "_crash_job.py"), str(ROOT), str(out),
                           str(kill_at), str(seed), fmt, mode], capture_output=True, text=True,
                          timeout=120, env=env)


def _content(path: Path) -> dict[str, bytes]:
    """Every file of the store except the writer lock."""
    return {str(f.relative_to(path)): f.read_bytes() for f in sorted(path.rglob("*"))
            if f.is_file() and f.name != ".lock"}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "run"
    proc = _child(out, 0, 0)  # uninterrupted, in a child like the others
    assert proc.returncode == 0, proc.stderr
    return out, int(proc.stdout.strip())


def _check_after_kill(out: Path, ref: Path) -> None:
    if not (out / "run.json").exists():
        assert not (out / "manifest.jsonl").exists()
        with pytest.raises(NoiseFormatError, match="no run.json"):
            RunReader(out)
        return
    reader = RunReader(out)
    assert reader.verify() == (sum(len(reader.chunks(s)) for s in reader.snapshots)
                               + len(reader.files))
    ref_reader = RunReader(ref)
    for name in reader.files:  # every committed attachment is the reference's
        assert reader.read_file(name) == ref_reader.read_file(name)
    for s in reader.snapshots:
        for e in reader.chunks(s):  # every committed chunk is one of the reference's
            assert e in ref_reader.chunks(s)
            np.testing.assert_array_equal(reader.read_chunk(e), ref_reader.read_chunk(e))
    complete = [s for s in reader.snapshots if reader.is_complete(s)]
    if complete:
        with pytest.warns() if len(complete) < len(reader.snapshots) else _nullcontext():
            ds = sc.load_noise(out)
        assert ds.snapshots == tuple(complete)  # uncommitted data never visible
        ref_ds = sc.load_noise(ref)
        for s in complete:
            np.testing.assert_array_equal(ds.matrix(s), ref_ds.matrix(s))


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_kill_at_random_points_then_resume(reference, tmp_path):
    ref, n_calls = reference
    assert n_calls > 40  # the job makes enough I/O calls for the kill points to spread
    rng = np.random.default_rng(20261125)
    points = sorted(rng.choice(np.arange(1, n_calls + 1), size=N_KILLS, replace=False))
    ref_content = _content(ref)
    for i, kill_at in enumerate(points):
        out = tmp_path / f"run{i}"
        proc = _child(out, int(kill_at), seed=i)
        assert proc.returncode == -signal.SIGKILL, (kill_at, proc.returncode, proc.stderr)
        _check_after_kill(out, ref)
        _crash_job.job(out)  # resume in this process
        assert _content(out) == ref_content, f"resume after kill at call {kill_at} differs"
        assert not list(out.rglob("*.tmp*"))


def test_kill_safetensors_chunks_then_resume(tmp_path):
    """The same protocol with safetensors chunks, at fewer (8) seeded kill points."""
    ref = tmp_path / "ref"
    proc = _child(ref, 0, 0, "safetensors")
    assert proc.returncode == 0, proc.stderr
    n_calls = int(proc.stdout.strip())
    rng = np.random.default_rng(7)
    for i, kill_at in enumerate(sorted(rng.choice(np.arange(1, n_calls + 1), 8, replace=False))):
        out = tmp_path / f"run{i}"
        proc = _child(out, int(kill_at), seed=100 + i, fmt="safetensors")
        assert proc.returncode == -signal.SIGKILL, (kill_at, proc.returncode, proc.stderr)
        _check_after_kill(out, ref)
        _crash_job.job(out, chunk_format="safetensors")
        assert _content(out) == _content(ref)


def test_kill_with_background_commits_then_resume(reference, tmp_path):
    """write_chunk_async: kills land on the commit thread too (8 seeded points)."""
    ref, _ = reference
    proc = _child(tmp_path / "ref-async", 0, 0, mode="async")
    assert proc.returncode == 0, proc.stderr
    assert _content(tmp_path / "ref-async") == _content(ref)  # same bytes as synchronous
    n_calls = int(proc.stdout.strip())
    rng = np.random.default_rng(11)
    for i, kill_at in enumerate(sorted(rng.choice(np.arange(1, n_calls + 1), 8, replace=False))):
        out = tmp_path / f"run{i}"
        proc = _child(out, int(kill_at), seed=200 + i, mode="async")
        assert proc.returncode == -signal.SIGKILL, (kill_at, proc.returncode, proc.stderr)
        _check_after_kill(out, ref)
        _crash_job.job(out, asynchronous=True)
        assert _content(out) == _content(ref)
        assert not list(out.rglob("*.tmp*"))


def test_resume_twice_is_a_no_op(reference, tmp_path):
    ref, _ = reference
    out = tmp_path / "run"
    _crash_job.job(out)
    _crash_job.job(out)
    assert _content(out) == _content(ref)
