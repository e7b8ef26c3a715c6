"""Crash safety: interrupted collections resume to the identical store; other runs refused."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from collect_helpers import chunk_digests, side_digests

import stablecheck
from stablecheck.collect import cli_collect, collect_noise, example_task
from stablecheck.collect._run import RunSink
from stablecheck.errors import NoiseFormatError
from stablecheck.noise import RunWriter, open_run

ROOT = Path(stablecheck.__file__).resolve().parent.parent

# Small but many-chunk settings: P = 3466, 3 rows per chunk, 6 snapshots x 8 chunks.
CLI = dict(model="mlp", dataset="digits", hidden="32,32", iterations="0,15,30",
           batch_size="8,64", n_batches=24, lr=0.05, momentum=0.9, seed=7, progress=False,
           chunk_bytes=50_000)


class _Crash(Exception):
    pass


def _crashing_after(n_writes, monkeypatch):
    original = RunSink.write_rows
    count = {"n": 0}

    def write_rows(self, name, data, r0):
        if count["n"] == n_writes:
            raise _Crash(f"simulated crash before write {n_writes}")
        count["n"] += 1
        return original(self, name, data, r0)

    monkeypatch.setattr(RunSink, "write_rows", write_rows)


@pytest.mark.parametrize("n_writes", [0, 5, 23])
def test_resume_after_exception_is_identical(tmp_path, monkeypatch, n_writes):
    reference = cli_collect(CLI, out=tmp_path / "ref")
    with monkeypatch.context() as m:
        _crashing_after(n_writes, m)
        with pytest.raises(_Crash):
            cli_collect(CLI, out=tmp_path / "run")
    resumed = cli_collect(CLI, out=tmp_path / "run", resume=True)
    assert resumed.resumed and resumed.chunks_written == 48 - n_writes  # only the missing ones
    assert chunk_digests(tmp_path / "run") == chunk_digests(reference.out)
    assert side_digests(tmp_path / "run") == side_digests(reference.out)
    assert len(chunk_digests(reference.out)) == 48


def test_existing_run_needs_resume_and_other_runs_are_refused(tmp_path):
    task = example_task("mlp", "digits", seed=0, hidden=(8,))
    kw = dict(batch_sizes=(16,), n_batches=2)
    collect_noise(task.model, task.loss_fn, task.dataset, out=tmp_path / "r", seed=1, **kw)
    with pytest.raises(NoiseFormatError, match="resume=True"):
        collect_noise(task.model, task.loss_fn, task.dataset, out=tmp_path / "r", seed=1, **kw)
    t0 = time.perf_counter()
    with pytest.raises(NoiseFormatError, match="another run"):
        collect_noise(task.model, task.loss_fn, task.dataset, out=tmp_path / "r", seed=2,
                      resume=True, **kw)
    with torch.no_grad():                               # same options, other weights
        task.model.fc1.bias.add_(1.0)
    with pytest.raises(NoiseFormatError, match="differ"):
        collect_noise(task.model, task.loss_fn, task.dataset, out=tmp_path / "r", seed=1,
                      resume=True, **kw)
    assert time.perf_counter() - t0 < 30                # errors, not hangs
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "notes.txt").write_text("mine")
    with pytest.raises(NoiseFormatError, match="not empty"):
        collect_noise(task.model, task.loss_fn, task.dataset, out=tmp_path / "junk", **kw)


def test_live_writer_is_refused_without_hanging(tmp_path):
    task = example_task("mlp", "digits", seed=0, hidden=(8,))
    kw = dict(batch_sizes=(16,), n_batches=2, seed=1)
    res = collect_noise(task.model, task.loss_fn, task.dataset, out=tmp_path / "r", **kw)
    run = open_run(res.out)
    with RunWriter(res.out, run_id=run.run_id, config=run.config):   # holds the lock
        with pytest.raises(RuntimeError, match="another process"):
            collect_noise(task.model, task.loss_fn, task.dataset, out=tmp_path / "r",
                          resume=True, **kw)


def test_complete_run_resumes_as_noop(tmp_path):
    first = cli_collect(CLI, out=tmp_path / "r")
    digests = chunk_digests(first.out)
    again = cli_collect(CLI, out=tmp_path / "r", resume=True)
    assert again.chunks_written == 0 and again.chunks_skipped == 16  # last iteration revisited
    assert chunk_digests(first.out) == digests


def _child(out: Path, marker: Path) -> subprocess.Popen:
    """A CLI-equivalent collection in a fresh process; ``marker`` appears once imports are done."""
    args = dict(CLI, out=str(out), resume=True)
    code = ("import torch, safetensors.torch; torch.set_num_threads(1)\n"
            "from stablecheck.collect import cli_collect\n"
            "import stablecheck.collect._train, stablecheck.collect._examples\n"
            f"open({str(marker)!r}, 'w').close()\n"
            f"cli_collect({args!r})\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    return subprocess.Popen([sys.executable, "-c", code], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_started(proc, marker: Path, timeout=120.0) -> bool:
    t0 = time.perf_counter()
    while proc.poll() is None and time.perf_counter() - t0 < timeout:
        if marker.exists():
            return True
        time.sleep(0.005)
    return proc.poll() is None


@pytest.mark.slow
def test_kill9_at_ten_random_points_then_resume_is_identical(tmp_path):
    """kill -9 at >= 10 seeded random moments of a collection+training run, then resume."""
    reference = cli_collect(CLI, out=tmp_path / "ref")
    ref_digests = chunk_digests(reference.out)
    # how long the collection itself takes in a child (after torch import and startup)
    proc = _child(tmp_path / "timing", tmp_path / "ready-timing")
    assert _wait_started(proc, tmp_path / "ready-timing")
    t0 = time.perf_counter()
    assert proc.wait(timeout=300) == 0
    span = time.perf_counter() - t0
    rng = np.random.default_rng(20261125)
    kills, attempts, rounds, progress = 0, 0, 0, []
    while kills < 10 and attempts < 40:
        # one round: a fresh directory, killed and resumed until a child finishes on its own
        rounds += 1
        out = tmp_path / f"run{rounds}"
        while attempts < 40:
            attempts += 1
            marker = tmp_path / f"ready-{attempts}"
            proc = _child(out, marker)
            if _wait_started(proc, marker):
                time.sleep(rng.uniform(0, span / 3))
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
                kills += 1
                manifest = out / "manifest.jsonl"
                progress.append(manifest.read_bytes().count(b"\n") if manifest.exists() else 0)
                continue
            assert proc.wait() == 0, proc.stderr.read().decode()[-2000:]
            break
        assert len(ref_digests) == 48
        assert open_run(out).verify() == 48 + len(side_digests(reference.out))
        assert chunk_digests(out) == ref_digests
        assert side_digests(out) == side_digests(reference.out)
        assert not list(out.rglob("*.tmp*"))
    assert kills >= 10
    # the kills landed at different stages of the collection, not all at start-up
    assert len(set(progress)) >= 3 and max(progress) > 0, progress


def test_resume_removes_torn_side_files(tmp_path):
    first = cli_collect(CLI, out=tmp_path / "r")
    digests = side_digests(first.out)
    log = tmp_path / "r" / "files.jsonl"
    assert sorted(open_run(first.out).files) == sorted(digests)  # every side file committed
    torn = tmp_path / "r" / "weights" / "t00000015.safetensors.tmp.12345"
    torn.write_bytes(b"half a file")
    # killed after the rename, before its files.jsonl line: present but not committed
    lines = log.read_bytes().splitlines(keepends=True)
    last = [ln for ln in lines if b"t00000030.safetensors" in ln and b"weights/" in ln]
    log.write_bytes(b"".join(ln for ln in lines if ln not in last) + b'{"bytes":1')  # + torn
    (tmp_path / "r" / "weights" / "t00000030.safetensors").write_bytes(b"stale")
    cli_collect(CLI, out=tmp_path / "r", resume=True)
    assert not torn.exists()
    assert side_digests(first.out) == digests          # rewritten identically, committed
    assert open_run(first.out).verify() == 48 + len(digests)


def test_resume_of_a_run_without_files_log(tmp_path):
    """Runs written before attachments were committed resume (side files re-committed)."""
    first = cli_collect(CLI, out=tmp_path / "r")
    digests, chunks = side_digests(first.out), chunk_digests(first.out)
    (tmp_path / "r" / "files.jsonl").unlink()          # the layout of an older collector
    assert open_run(first.out).files == {}             # still readable
    again = cli_collect(CLI, out=tmp_path / "r", resume=True)
    assert again.chunks_written == 0
    assert side_digests(first.out) == digests and chunk_digests(first.out) == chunks
    assert sorted(open_run(first.out).files) == sorted(digests)


def test_missing_committed_side_file_is_damage(tmp_path):
    first = cli_collect(CLI, out=tmp_path / "r")
    (tmp_path / "r" / "gradients" / "t00000015.safetensors").unlink()
    with pytest.raises(NoiseFormatError, match="committed attachment is missing"):
        cli_collect(CLI, out=tmp_path / "r", resume=True)
    with pytest.raises(NoiseFormatError, match="damaged"):
        open_run(first.out)
