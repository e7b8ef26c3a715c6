"""Run-directory store: commit protocol, resume rules, refusals and damage detection."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

import stablecheck as sc
from stablecheck.errors import DataWarning, NoiseFormatError
from stablecheck.noise import RunReader, RunWriter

LAYERS = [("w", (4, 5)), ("b", (5,))]  # P = 25


def _write(path, rng, *, n_chunks=3, rows=4, fmt="npy", run_id="r1", config=None):
    data = rng.standard_normal((n_chunks * rows, 25)).astype(np.float32)
    with RunWriter(path, run_id=run_id, config=config or {"k": 1}, chunk_format=fmt) as w:
        w.add_snapshot("s0", n_rows=n_chunks * rows, layers=LAYERS, meta={"iteration": 5})
        for i in range(n_chunks):
            w.write_chunk("s0", data[i * rows:(i + 1) * rows], row_start=i * rows)
    return data


@pytest.mark.parametrize("fmt", ["npy", "safetensors"])
def test_round_trip_and_metadata(tmp_path, rng, fmt):
    data = _write(tmp_path / "run", rng, fmt=fmt)
    ds = sc.load_noise(tmp_path / "run")
    np.testing.assert_array_equal(ds.matrix(), data)
    np.testing.assert_array_equal(ds.matrix(layer="b"), data[:, 20:])
    meta = ds.metadata()
    assert meta["iteration"] == 5 and meta["n_minibatches"] == 12 and meta["run_id"] == "r1"
    assert meta["schema_version"] == 1 and "numpy" in meta["versions"]
    assert ds.layers()["w"] == sc.noise.Layer("w", 0, 20, (4, 5))
    assert ds.assumptions == ()
    assert RunReader(tmp_path / "run").verify() == 3


def test_committed_chunk_is_skipped_and_overlap_refused(tmp_path, rng):
    data = _write(tmp_path / "run", rng)
    with RunWriter(tmp_path / "run", run_id="r1", config={"k": 1}) as w:
        assert w.resumed
        assert w.has_chunk("s0", rows=(0, 4))
        assert not w.write_chunk("s0", data[:4], row_start=0)
        with pytest.raises(ValueError, match="overlaps committed chunk"):
            w.write_chunk("s0", data[2:6], row_start=2)
        with pytest.raises(TypeError, match="dtype float64 differs"):
            w.write_chunk("s0", data[:4].astype(np.float64), row_start=0)
        with pytest.raises(ValueError, match="outside snapshot"):
            w.write_chunk("s0", data[:4], row_start=10)
        with pytest.raises(ValueError, match="different shape, layer table or dtype"):
            w.add_snapshot("s0", n_rows=13, layers=LAYERS, meta={"iteration": 5})
        with pytest.warns(DataWarning, match="stored metadata .* is kept"):
            kept = w.add_snapshot("s0", n_rows=12, layers=LAYERS, meta={"iteration": 6})
        assert kept.meta["iteration"] == 5
        assert w.is_complete("s0")
        with pytest.raises(KeyError, match="add_snapshot first"):
            w.write_chunk("nope", data[:4], row_start=0)


def test_directory_of_another_run_is_refused(tmp_path, rng):
    _write(tmp_path / "run", rng)
    with pytest.raises(NoiseFormatError, match="belongs to another run"):
        RunWriter(tmp_path / "run", run_id="r2", config={"k": 1})
    with pytest.raises(NoiseFormatError, match="belongs to another run"):
        RunWriter(tmp_path / "run", run_id="r1", config={"k": 2})


def test_foreign_non_empty_directory_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(NoiseFormatError, match="not empty and not a stablecheck run"):
        RunWriter(tmp_path, run_id="r1")


def test_second_live_writer_is_refused_not_blocked(tmp_path):
    with RunWriter(tmp_path / "run", run_id="r1"):
        with pytest.raises(RuntimeError, match="another process is writing"):
            RunWriter(tmp_path / "run", run_id="r1")
    RunWriter(tmp_path / "run", run_id="r1").close()  # released on close


def test_checksum_mismatch_is_detected(tmp_path, rng):
    _write(tmp_path / "run", rng)
    chunk = sorted((tmp_path / "run" / "chunks").iterdir())[1]
    raw = bytearray(chunk.read_bytes())
    raw[-3] ^= 0x40
    chunk.write_bytes(bytes(raw))
    ds = sc.load_noise(tmp_path / "run")  # opening checks sizes; data are hashed when read
    with pytest.raises(NoiseFormatError, match="sha256 mismatch"):
        ds.matrix()
    with pytest.raises(NoiseFormatError, match="sha256 mismatch"):
        RunReader(tmp_path / "run").verify()
    assert sc.load_noise(tmp_path / "run", verify=False).matrix().shape == (12, 25)


def test_missing_committed_chunk_is_reported(tmp_path, rng):
    _write(tmp_path / "run", rng)
    sorted((tmp_path / "run" / "chunks").iterdir())[0].unlink()
    with pytest.raises(NoiseFormatError, match="committed chunk is missing"):
        RunReader(tmp_path / "run")


def test_torn_line_orphans_and_tmp_files(tmp_path, rng):
    run = tmp_path / "run"
    data = rng.standard_normal((8, 25)).astype(np.float32)
    with RunWriter(run, run_id="r1", config={"k": 1}) as w:
        w.add_snapshot("s0", n_rows=12, layers=LAYERS)
        w.write_chunk("s0", data[:4], row_start=0)
        w.write_chunk("s0", data[4:], row_start=4)
    manifest = run / "manifest.jsonl"
    committed = manifest.read_bytes()
    manifest.write_bytes(committed + b'{"chunk": "chunks/s0.r8-12')  # torn append
    (run / "chunks" / "s0.r8-12.c0-25.npy").write_bytes(b"renamed but never committed")
    (run / "chunks" / "s0.r8-12.c0-25.npy.tmp.999").write_bytes(b"half")
    (run / "snapshots" / "s0.json.tmp.999").write_bytes(b"{")
    reader = RunReader(run)  # reader: ignores the torn line and the uncommitted files
    assert len(reader.chunks("s0")) == 2
    with RunWriter(run, run_id="r1", config={"k": 1}) as w:  # resume cleans up
        assert manifest.read_bytes() == committed
        assert not list(run.rglob("*.tmp*"))
        assert not (run / "chunks" / "s0.r8-12.c0-25.npy").exists()
        extra = rng.standard_normal((4, 25)).astype(np.float32)
        assert w.write_chunk("s0", extra, row_start=8)
    np.testing.assert_array_equal(sc.load_noise(run).matrix(), np.vstack([data, extra]))


def test_corrupt_committed_line_is_an_error(tmp_path, rng):
    _write(tmp_path / "run", rng)
    manifest = tmp_path / "run" / "manifest.jsonl"
    lines = manifest.read_bytes().splitlines(keepends=True)
    manifest.write_bytes(lines[0] + b"garbage\n" + b"".join(lines[1:]))
    with pytest.raises(NoiseFormatError, match="line 2 is not valid JSON"):
        RunReader(tmp_path / "run")


def test_manifest_line_pointing_outside_is_refused(tmp_path, rng):
    _write(tmp_path / "run", rng)
    manifest = tmp_path / "run" / "manifest.jsonl"
    d = json.loads(manifest.read_bytes().splitlines()[0])
    d["chunk"] = "chunks/../run.json"
    manifest.write_bytes(manifest.read_bytes() + json.dumps(d).encode() + b"\n")
    with pytest.raises(NoiseFormatError, match="malformed manifest line"):
        RunReader(tmp_path / "run")


def test_incomplete_snapshots_are_skipped_with_a_warning(tmp_path, rng):
    run = tmp_path / "run"
    data = _write(run, rng)
    with RunWriter(run, run_id="r1", config={"k": 1}) as w:
        w.add_snapshot("s1", n_rows=8, layers=LAYERS)
        w.write_chunk("s1", data[:4], row_start=0)
    with pytest.warns(DataWarning, match="not fully committed"):
        ds = sc.load_noise(run)
    assert ds.snapshots == ("s0",) and ds.incomplete == ("s1",)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert "s1" in ds.info().summary()


def test_no_complete_snapshot_is_an_error(tmp_path, rng):
    with RunWriter(tmp_path / "run", run_id="r1") as w:
        w.add_snapshot("s0", n_rows=8, layers=LAYERS)
    with pytest.raises(NoiseFormatError, match="no snapshot is fully committed"):
        sc.load_noise(tmp_path / "run")


@pytest.mark.parametrize("bad", [
    {"name": "x y"}, {"meta": {"data_kind": "weights"}}, {"meta": {"batch_size": "32"}},
    {"layers": [("a", (3,)), ("a", (2,))]}, {"dtype": "int32"}, {"meta": {"x": object()}},
])
def test_add_snapshot_validates(tmp_path, bad):
    kwargs = {"name": "s0", "n_rows": 4, "layers": LAYERS, "dtype": "float32", "meta": None}
    kwargs.update(bad)
    with RunWriter(tmp_path / "run", run_id="r1") as w:
        with pytest.raises((ValueError, TypeError)):
            w.add_snapshot(kwargs.pop("name"), **kwargs)


def test_column_chunks_and_layer_views(tmp_path, rng):
    data = rng.standard_normal((6, 25)).astype(np.float64)
    with RunWriter(tmp_path / "run", run_id="r1") as w:
        w.add_snapshot("s0", n_rows=6, layers=LAYERS, dtype="float64")
        w.write_chunk("s0", data[:, 20:], row_start=0, col_start=20)
        w.write_chunk("s0", data[:3, :20], row_start=0)
        w.write_chunk("s0", data[3:, :20], row_start=3)
    ds = sc.load_noise(tmp_path / "run")
    np.testing.assert_array_equal(ds.matrix(), data)
    np.testing.assert_array_equal(ds.matrix(layer="w"), data[:, :20])
