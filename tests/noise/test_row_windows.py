"""Run-directory chunks read by row windows give the same values as whole-file reads."""

from __future__ import annotations

import numpy as np
import pytest

import stablecheck.noise._dataset as dataset_mod
from stablecheck.noise import RunWriter, load_noise, open_run


@pytest.fixture
def run(tmp_path):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((24, 30)).astype(np.float32)
    with RunWriter(tmp_path / "run", run_id="rw", config={}) as w:
        w.add_snapshot("s", n_rows=24, layers=[("a", (13,)), ("b", (17,))])
        for r0 in range(0, 24, 8):
            w.write_chunk("s", x[r0:r0 + 8], row_start=r0)
    return tmp_path / "run", x


def test_read_chunk_rows_equals_slice(run):
    path, _ = run
    reader = open_run(path)
    for e in reader.chunks("s"):
        whole = np.array(reader.read_chunk(e))
        for a, b in [(0, 8), (2, 5), (7, 8)]:
            np.testing.assert_array_equal(reader.read_chunk(e, rows=(a, b)), whole[a:b])
        with pytest.raises(ValueError, match="rows"):
            reader.read_chunk(e, rows=(3, 9))


@pytest.mark.parametrize("window", [1, 240, 8 << 20])  # 1 row, 2 rows, whole chunk
@pytest.mark.parametrize("max_elements", [7, 40, 1000])
def test_iter_chunks_through_windows(run, monkeypatch, window, max_elements):
    path, x = run
    monkeypatch.setattr(dataset_mod, "_WINDOW", window)
    ds = load_noise(path)
    for layer, (c0, c1) in {"a": (0, 13), "b": (13, 30), None: (0, 30)}.items():
        want = x[:, c0:c1]
        cols = np.hstack(list(ds.iter_chunks("s", layer, by="columns",
                                             max_elements=max_elements)))
        np.testing.assert_array_equal(cols, want)
        rows = np.concatenate([c.reshape(-1) for c in ds.iter_chunks(
            "s", layer, by="rows", max_elements=max_elements)])
        np.testing.assert_array_equal(rows, want.reshape(-1))
        np.testing.assert_array_equal(ds.matrix("s", layer), want)
