"""NoiseDataset views, chunked iteration and the plain-file readers."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats

import stablecheck as sc
from stablecheck import MomentSketch
from stablecheck.errors import DataWarning, NoiseFormatError
from stablecheck.noise import RunWriter
from stablecheck.noise._safetensors import safetensors_bytes


@pytest.fixture
def run_dataset(tmp_path, rng):
    """A run whose snapshot is stored as uneven row chunks plus a column-split block."""
    data = (rng.standard_t(3, size=(37, 60)) * np.exp(rng.standard_normal(60))).astype(np.float32)
    with RunWriter(tmp_path / "run", run_id="r") as w:
        w.add_snapshot("s", n_rows=37, layers=[("a", (5, 8)), ("b", (20,))])
        w.write_chunk("s", data[:10], row_start=0)
        w.write_chunk("s", data[10:13], row_start=10)
        w.write_chunk("s", data[13:, :40], row_start=13)
        w.write_chunk("s", data[13:, 40:], row_start=13, col_start=40)
    return sc.load_noise(tmp_path / "run"), data


@pytest.mark.parametrize("by", ["rows", "columns"])
@pytest.mark.parametrize("max_elements", [1, 7, 60, 61, 250, 10**6])
@pytest.mark.parametrize("layer", [None, "a", "b"])
def test_iter_chunks_reassemble_the_matrix(run_dataset, by, max_elements, layer):
    ds, data = run_dataset
    cols = {None: slice(0, 60), "a": slice(0, 40), "b": slice(40, 60)}[layer]
    chunks = list(ds.iter_chunks(layer=layer, by=by, max_elements=max_elements))
    k = data.shape[0]
    for c in chunks:  # bounded: at most max_elements values, or one full column of K rows
        assert c.size <= max(max_elements, k if by == "columns" else 1)
    if by == "rows":  # row-major order: flattening in order gives the pooled vector
        pooled = np.concatenate([c.reshape(-1) for c in chunks])
        np.testing.assert_array_equal(pooled, data[:, cols].reshape(-1))
    else:
        np.testing.assert_array_equal(np.hstack(chunks), data[:, cols])
    np.testing.assert_array_equal(ds.matrix(layer=layer), data[:, cols])
    np.testing.assert_array_equal(ds.pooled(layer=layer), data[:, cols].reshape(-1))


@pytest.mark.parametrize("max_elements", [13, 100, 4000])
def test_moment_sketch_from_chunks_equals_in_memory(run_dataset, max_elements):
    ds, data = run_dataset
    x = data.astype(np.float64).reshape(-1)
    sk = MomentSketch()
    for c in ds.iter_chunks(max_elements=max_elements):
        sk.update(c)
    # reference: two-pass float64 moments of the whole array (scipy's definitions);
    # 1e-12 relative leaves ~1e3 ulps for the different summation order over 2220 values
    np.testing.assert_allclose(sk.mean, x.mean(), rtol=1e-12)
    np.testing.assert_allclose(sk.var(), x.var(), rtol=1e-12)
    np.testing.assert_allclose(sk.skewness, stats.skew(x), rtol=1e-12)
    np.testing.assert_allclose(sk.kurtosis, stats.kurtosis(x), rtol=1e-12)
    per_col = MomentSketch(axis=0)
    for c in ds.iter_chunks(max_elements=max_elements):
        if c.shape[1] == data.shape[1]:  # whole rows only (max_elements >= P)
            per_col.update(c)
    if max_elements >= data.shape[1]:
        np.testing.assert_allclose(per_col.var(), data.astype(np.float64).var(axis=0),
                                   rtol=1e-12)


def test_standardized_excludes_zero_iqr_columns(rng):
    x = rng.standard_normal((50, 6))
    x[:, 2] = 0.0  # a dead coordinate
    x[:45, 4] = 1.5  # IQR 0 despite a few distinct values
    ds = sc.noise.NoiseDataset.from_array(x)
    with pytest.warns(DataWarning, match="2 of 6 coordinates excluded"):
        st = ds.standardized(max_elements=100)
    assert st.n_zero_iqr == 2 and st.kept.tolist() == [True, True, False, True, False, True]
    keep = x[:, st.kept]
    q25, q50, q75 = np.percentile(keep, [25, 50, 75], axis=0)
    np.testing.assert_allclose(st.values, (keep - q50) / (q75 - q25), rtol=1e-15)


@pytest.mark.parametrize("max_elements", [5, 37, 100, 10**6])
def test_streamed_standardisation_equals_the_in_memory_view(run_dataset, max_elements):
    ds, data = run_dataset
    st = ds.standardized(layer="b")
    rows = list(ds.iter_chunks(layer="b", standardize=True, max_elements=max_elements))
    cols = list(ds.iter_chunks(layer="b", by="columns", standardize=True,
                               max_elements=max_elements))
    np.testing.assert_array_equal(np.hstack(cols), st.values)
    if max_elements >= st.values.shape[1]:  # whole rows: row-major pooled order
        np.testing.assert_array_equal(np.concatenate([c.reshape(-1) for c in rows]),
                                      st.values.reshape(-1))
    assert all(c.dtype == np.float64 for c in rows)


def test_streamed_standardisation_skips_excluded_columns(rng):
    x = rng.standard_normal((30, 5))
    x[:, 1] = 0.0
    ds = sc.noise.NoiseDataset.from_array(x)
    with pytest.warns(DataWarning, match="1 of 5 coordinates excluded"):
        chunks = list(ds.iter_chunks(by="columns", max_elements=30, standardize=True))
    assert [c.shape for c in chunks] == [(30, 1)] * 4


def test_projections_match_explicit_directions(run_dataset):
    ds, data = run_dataset
    p1 = ds.projections(n_projections=5, rng=3, max_elements=50)
    p2 = ds.projections(n_projections=5, rng=3, max_elements=10**6)
    g = np.random.default_rng(3).standard_normal((60, 5))
    expected = data.astype(np.float64) @ (g / np.linalg.norm(g, axis=0))
    # blocks change only the float64 summation order: ~1e-15 relative per entry
    np.testing.assert_allclose(p1, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(p2, expected, rtol=1e-10, atol=1e-12)
    assert p1.shape == (37, 5)


def test_info_counts(tmp_path):
    x = np.array([[0.0, 1.0, np.nan], [np.inf, 0.0, 2.0]], dtype=np.float32)
    np.save(tmp_path / "x.npy", x)
    info = sc.load_noise(tmp_path / "x.npy").info()
    assert (info.n, info.n_zero, info.n_nan, info.n_inf, info.n_nonfinite) == (6, 2, 1, 1, 2)
    assert info.zero_fraction == 0.5 and info.file_format == "npy"
    text = info.summary()
    assert "2 x 3" in text and "assumptions:" in text and "K = 2 minibatch" in text
    assert info.to_dict()["n_nan"] == 1


def test_snapshot_must_be_named_when_ambiguous():
    import dataclasses

    one = sc.noise.NoiseDataset.from_array(np.ones((3, 2))).snapshot()
    ds = sc.noise.NoiseDataset([one, dataclasses.replace(one, name="1")])
    with pytest.raises(ValueError, match="holds 2 snapshots"):
        ds.matrix()
    assert ds.matrix("1").shape == (3, 2)
    with pytest.raises(KeyError, match="no layer"):
        ds.matrix("0", layer="nope")
    with pytest.raises(KeyError, match="no snapshot"):
        ds.matrix("2")


# -------------------------------------------------------------------------------------
# plain files
# -------------------------------------------------------------------------------------

def test_npy_orders_and_shapes(tmp_path, rng):
    x = rng.standard_normal((6, 3, 4))
    np.save(tmp_path / "c.npy", x)
    np.save(tmp_path / "f.npy", np.asfortranarray(x[:, :, 0]))
    np.save(tmp_path / "v.npy", x[:, 0, 0])
    ds = sc.load_noise(tmp_path / "c.npy")
    np.testing.assert_array_equal(ds.matrix(), x.reshape(6, 12))
    assert ds.layers()["x"].shape == (3, 4)
    np.testing.assert_array_equal(sc.load_noise(tmp_path / "f.npy").matrix(), x[:, :, 0])
    v = sc.load_noise(tmp_path / "v.npy")
    assert v.shape() == (6, 1) and "single coordinate" in v.assumptions[0]


def test_npz_and_safetensors_members_become_layers(tmp_path, rng):
    a, b = rng.standard_normal((5, 3)), rng.standard_normal((5, 2, 2))
    np.savez_compressed(tmp_path / "x.npz", a=a, b=b)
    (tmp_path / "x.safetensors").write_bytes(safetensors_bytes({"a": a, "b": b}))
    for f in ("x.npz", "x.safetensors"):
        ds = sc.load_noise(tmp_path / f)
        np.testing.assert_array_equal(ds.matrix(layer="a"), a)
        np.testing.assert_array_equal(ds.matrix(layer="b"), b.reshape(5, 4))
        assert any("each of the 2 arrays is one layer" in s for s in ds.assumptions)


def test_empty_arrays_are_refused(tmp_path):
    np.save(tmp_path / "e.npy", np.zeros((5, 0)))
    with pytest.raises(NoiseFormatError, match="holds no values"):
        sc.load_noise(tmp_path / "e.npy")


def test_members_with_different_k_are_refused(tmp_path):
    np.savez(tmp_path / "x.npz", a=np.ones((5, 3)), b=np.ones((4, 3)))
    with pytest.raises(NoiseFormatError, match="differ in their first axis"):
        sc.load_noise(tmp_path / "x.npz")


def test_csv_with_header_and_txt(tmp_path, rng):
    x = rng.standard_normal((7, 3))
    np.savetxt(tmp_path / "x.csv", x, delimiter=",", header="a,b,c", comments="")
    np.savetxt(tmp_path / "x.txt", x[:, 0])
    ds = sc.load_noise(tmp_path / "x.csv")
    np.testing.assert_allclose(ds.matrix(), x, rtol=1e-15)  # %.18e text is exact for float64
    assert any("header" in s for s in ds.assumptions)
    np.testing.assert_allclose(sc.load_noise(tmp_path / "x.txt").pooled(), x[:, 0], rtol=1e-15)
    (tmp_path / "c.txt").write_text("# produced by hand\n\nu v\n1 2\n3 4 # note\n")
    c = sc.load_noise(tmp_path / "c.txt")
    np.testing.assert_array_equal(c.matrix(), [[1.0, 2.0], [3.0, 4.0]])
    (tmp_path / "bad.csv").write_text("1,2\n3,abc\n")
    with pytest.raises(NoiseFormatError, match="not a numeric table"):
        sc.load_noise(tmp_path / "bad.csv")


def test_parquet(tmp_path, rng):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    x = rng.standard_normal((9, 2))
    pq.write_table(pa.table({"u": x[:, 0], "v": x[:, 1]}), tmp_path / "x.parquet")
    np.testing.assert_array_equal(sc.load_noise(tmp_path / "x.parquet").matrix(), x)
    pq.write_table(pa.table({"u": x[:, 0], "s": ["a"] * 9}), tmp_path / "s.parquet")
    with pytest.raises(NoiseFormatError, match="non-numeric columns"):
        sc.load_noise(tmp_path / "s.parquet")


def test_pt_tensors(tmp_path, rng):
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    x = rng.standard_normal((4, 3)).astype(np.float32)
    torch.save(torch.from_numpy(x), tmp_path / "t.pt")
    torch.save({"a": torch.from_numpy(x), "b": torch.from_numpy(x[:, :1]).bfloat16()},
               tmp_path / "d.pt")
    np.testing.assert_array_equal(sc.load_noise(tmp_path / "t.pt").matrix(), x)
    d = sc.load_noise(tmp_path / "d.pt")
    assert d.shape(layer="b") == (4, 1)


def test_unknown_suffix_and_missing_file(tmp_path):
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(NoiseFormatError, match="unknown file type"):
        sc.load_noise(tmp_path / "x.json")
    with pytest.raises(FileNotFoundError):
        sc.load_noise(tmp_path / "nope.npy")
    with pytest.raises(NoiseFormatError, match="not a run directory"):
        sc.load_noise(tmp_path)


def test_importing_stablecheck_does_not_import_torch():
    import subprocess
    import sys

    code = "import sys, stablecheck as sc; sc.load_noise; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_sample_run_truth_is_recorded():
    from pathlib import Path

    run = Path(__file__).resolve().parents[2] / "data" / "sample-run"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = sc.load_noise(run)
    truth = ds.metadata(ds.snapshots[0])["truth"]
    assert truth["sas15"]["alpha"] == 1.5 and truth["student_t3"]["df"] == 3
    assert ds.shape(ds.snapshots[0]) == (64, 4000)
    assert list(ds.layers(ds.snapshots[0])) == ["gaussian", "scale_mixture", "sas15",
                                                "student_t3"]


@pytest.mark.parametrize("bad, exc, words", [
    (np.ma.masked_array(np.ones(5), mask=[0, 1, 0, 0, 0]), TypeError, "masked"),
    (np.ones(5) > 0, TypeError, "boolean"),
    (np.ones(5, dtype=complex), TypeError, "complex"),
    (np.array(["a", "b"]), TypeError, "strings"),
])
def test_from_array_refuses_hostile_dtypes(bad, exc, words):
    with pytest.raises(exc, match=words):
        sc.noise.NoiseDataset.from_array(bad)


def test_projections_refuse_non_finite_and_info_counts_them(rng):
    x = rng.standard_normal((20, 4))
    x[3, 1] = np.nan
    ds = sc.noise.NoiseDataset.from_array(x)
    with pytest.raises(ValueError, match="non-finite"):
        ds.projections(rng=0)
    assert ds.info().n_nan == 1
    with pytest.warns(DataWarning, match="1 with non-finite"):
        assert ds.standardized().kept.tolist() == [True, False, True, True]


def test_hostile_inputs_give_typed_errors_or_finite_info():
    """The table-driven contract of tests/test_conventions.py applied to from_array + info."""
    r = np.random.default_rng(7)
    base = r.standard_t(3, size=400)
    cases = {"constant": np.full(400, 2.5), "all_zeros": np.zeros(400),
             "float16": base.astype(np.float16), "int8": (base * 10).astype(np.int8),
             "scale_1e30": base * 1e30, "scale_1e-30": base * 1e-30,
             "noncontiguous": np.repeat(base, 2)[::2], "tiny": base[:1]}
    for name, x in cases.items():
        info = sc.noise.NoiseDataset.from_array(x).info()
        assert np.isfinite(info.zero_fraction), name
        assert info.n == x.size, name
