"""Store attachments (files.jsonl) and background chunk commits (write_chunk_async)."""

from __future__ import annotations

import hashlib
import io
import json
import threading

import numpy as np
import pytest

from stablecheck.errors import NoiseFormatError
from stablecheck.noise import RunReader, RunWriter
from stablecheck.noise import _writer as writer_module

LAYERS = [("w", (4, 5)), ("b", (5,))]  # P = 25


def _content(path):
    return {str(f.relative_to(path)): f.read_bytes() for f in sorted(path.rglob("*"))
            if f.is_file() and f.name != ".lock"}


def test_attachment_round_trip_verify_and_write_once(tmp_path):
    blob = bytes(range(256)) * 1000
    with RunWriter(tmp_path / "run", run_id="a") as w:
        sha = w.write_file("weights/t1.safetensors", blob)
        assert sha == hashlib.sha256(blob).hexdigest()
        assert w.write_file("weights/t1.safetensors", blob) == sha          # same bytes: no-op
        with pytest.raises(ValueError, match="write-once"):
            w.write_file("weights/t1.safetensors", blob[:-1] + b"x")
        w.write_file("notes.txt", b"")                                       # top level, empty
        w.write_file("a/b/c/d.bin", memoryview(np.arange(3.0)))             # any buffer
        assert w.has_file("notes.txt") and w.read_file("missing/x") is None
    lines = (tmp_path / "run" / "files.jsonl").read_bytes().splitlines()
    assert len(lines) == 3 and json.loads(lines[0]) == {
        "bytes": len(blob), "file": "weights/t1.safetensors", "sha256": sha}
    run = RunReader(tmp_path / "run")
    assert run.read_file("weights/t1.safetensors") == blob
    assert run.read_file("a/b/c/d.bin") == np.arange(3.0).tobytes()
    assert run.verify() == 3                                                 # no chunks here
    with pytest.raises(KeyError, match="no attachment"):
        run.read_file("weights/t2.safetensors")


@pytest.mark.parametrize("name", ["chunks/x.npy", "snapshots/s.json", "run.json",
                                  "manifest.jsonl", "files.jsonl", ".lock", "../x", "a/../b",
                                  "/abs", "a//b", ".hidden", "x.tmp.12", "a/b/c/d/e", "",
                                  "sp ace", "a\\b", "x" * 256])
def test_attachment_names_are_checked(tmp_path, name):
    with RunWriter(tmp_path / "run", run_id="a") as w:
        with pytest.raises(ValueError, match="attachment name"):
            w.write_file(name, b"1")
    assert not (tmp_path / "run" / "files.jsonl").exists()


def test_damaged_attachments_are_reported(tmp_path):
    with RunWriter(tmp_path / "run", run_id="a") as w:
        w.write_file("g/x.bin", b"0123456789")
        w.write_file("g/y.bin", b"abc")
    (tmp_path / "run" / "g" / "x.bin").write_bytes(b"0123456780")            # same size
    run = RunReader(tmp_path / "run")
    with pytest.raises(NoiseFormatError, match="corrupted"):
        run.read_file("g/x.bin")
    with pytest.raises(NoiseFormatError, match="corrupted"):
        run.verify()
    (tmp_path / "run" / "g" / "y.bin").unlink()
    with pytest.raises(NoiseFormatError, match="attachment is missing"):
        RunReader(tmp_path / "run")
    log = tmp_path / "run" / "files.jsonl"
    log.write_bytes(log.read_bytes().replace(b'"g/y.bin"', b'"chunks/y.bin"'))
    with pytest.raises(NoiseFormatError, match="malformed files.jsonl line"):
        RunReader(tmp_path / "run")


def test_resume_cleans_torn_attachment_state(tmp_path):
    run = tmp_path / "run"
    with RunWriter(run, run_id="a") as w:
        w.write_file("g/x.bin", b"x" * 10)
    ref = _content(run)
    # the states a kill can leave: a temp file, a renamed file without its line, a torn line
    (run / "g" / "y.bin.tmp.999").write_bytes(b"half")
    (run / "h").mkdir()
    (run / "h" / "z.bin.tmp.999").write_bytes(b"half")
    (run / "g" / "y.bin").write_bytes(b"stale, uncommitted")
    with open(run / "files.jsonl", "ab") as fh:
        fh.write(b'{"bytes":3,"file":"g/y.b')
    assert RunReader(run).files.keys() == {"g/x.bin"}                       # torn line ignored
    with RunWriter(run, run_id="a") as w:
        assert not list(run.rglob("*.tmp*"))
        assert (run / "files.jsonl").read_bytes() == ref["files.jsonl"]   # torn line truncated
        w.write_file("g/y.bin", b"new")                                      # replaces the stale
    assert RunReader(run).read_file("g/y.bin") == b"new"


def test_streamed_npy_chunk_equals_np_save(tmp_path, rng):
    data = rng.standard_normal((3, 700_000)).astype(np.float32)           # > one 1 MiB block
    with RunWriter(tmp_path / "run", run_id="a") as w:
        w.add_snapshot("s", n_rows=4, layers=[("w", (700_000,))])
        w.write_chunk("s", data, row_start=0)
        w.write_chunk("s", np.asfortranarray(data[:1]), row_start=3)      # copied to C order
    buf = io.BytesIO()
    np.save(buf, data)
    run = RunReader(tmp_path / "run")
    first = run.chunks("s")[0]
    assert (tmp_path / "run" / first.chunk).read_bytes() == buf.getvalue()
    assert first.sha256 == hashlib.sha256(buf.getvalue()).hexdigest()
    assert run.verify() == 2


def _write_all(path, rng_seed, *, asynchronous):
    rng = np.random.default_rng(rng_seed)
    blocks = [rng.standard_normal((4, 25)).astype(np.float32) for _ in range(6)]
    with RunWriter(path, run_id="r", config={"k": 1}) as w:
        if asynchronous:  # queued: the declarations and chunks after it wait for it
            f1 = w.write_file_async("extra/x.bin", b"x" * 100)
            assert w.write_file_async("extra/x.bin", b"x" * 100) is f1       # queued once
            with pytest.raises(ValueError, match="write-once"):
                w.write_file_async("extra/x.bin", b"y")
        else:
            w.write_file("extra/x.bin", b"x" * 100)
        w.add_snapshot("s0", n_rows=12, layers=LAYERS)
        w.add_snapshot("s1", n_rows=12, layers=LAYERS)
        futs = []
        for i, b in enumerate(blocks):
            snap, r0 = f"s{i // 3}", 4 * (i % 3)
            if asynchronous:
                futs.append(w.write_chunk_async(snap, b, row_start=r0))
            else:
                assert w.write_chunk(snap, b, row_start=r0)
        if asynchronous:
            w.flush()
            assert [f.result() for f in futs] == [True] * 6
            assert w.write_chunk_async("s0", blocks[0], row_start=0).result() is False
            assert f1.result() == hashlib.sha256(b"x" * 100).hexdigest()
    return blocks


def test_async_commits_are_in_order_and_identical_to_sync(tmp_path):
    _write_all(tmp_path / "sync", 1, asynchronous=False)
    _write_all(tmp_path / "async", 1, asynchronous=True)
    assert _content(tmp_path / "async") == _content(tmp_path / "sync")


def test_async_overlap_with_a_pending_chunk_is_refused(tmp_path, monkeypatch):
    gate = threading.Event()
    real = writer_module.stream_write

    def slow(*args, **kwargs):
        gate.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(writer_module, "stream_write", slow)
    with RunWriter(tmp_path / "run", run_id="r") as w:
        w.add_snapshot("s0", n_rows=8, layers=LAYERS)
        fut = w.write_chunk_async("s0", np.zeros((4, 25), np.float32), row_start=0)
        with pytest.raises(ValueError, match="still being committed"):
            w.write_chunk_async("s0", np.zeros((2, 25), np.float32), row_start=2)
        assert not w.has_chunk("s0", rows=(0, 4))                           # not yet committed
        gate.set()
        assert fut.result() is True and w.has_chunk("s0", rows=(0, 4))


def test_async_commit_error_surfaces_and_stops_later_commits(tmp_path, monkeypatch):
    real = writer_module.stream_write
    calls = {"n": 0}

    def failing(path, parts, **kwargs):
        if "chunks" in str(path):
            calls["n"] += 1
            if calls["n"] == 2:
                raise OSError(28, "No space left on device")
        return real(path, parts, **kwargs)

    monkeypatch.setattr(writer_module, "stream_write", failing)
    w = RunWriter(tmp_path / "run", run_id="r")
    w.add_snapshot("s0", n_rows=12, layers=LAYERS)
    futs = [w.write_chunk_async("s0", np.ones((4, 25), np.float32), row_start=r)
            for r in (0, 4, 8)]
    with pytest.raises(OSError, match="No space"):
        w.flush()
    assert futs[0].result() is True
    assert isinstance(futs[2].exception(), RuntimeError)                   # not attempted
    with pytest.raises(RuntimeError, match="earlier commit failed"):
        w.write_chunk_async("s0", np.ones((4, 25), np.float32), row_start=4)
    w.close()
    assert [e.rows for e in RunReader(tmp_path / "run").chunks("s0")] == [(0, 4)]
    monkeypatch.setattr(writer_module, "stream_write", real)
    with RunWriter(tmp_path / "run", run_id="r") as w:                     # resume finishes
        for r in (0, 4, 8):
            w.write_chunk("s0", np.ones((4, 25), np.float32), row_start=r)
    assert RunReader(tmp_path / "run").is_complete("s0")
