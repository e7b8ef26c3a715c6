"""Reports: self-contained HTML, Markdown with image files, every image a valid PNG."""

from __future__ import annotations

import base64
import re
import warnings

import numpy as np
import pytest

import stablecheck as sc

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def result():
    rng = np.random.default_rng(0)
    sigma = np.exp(1.5 * rng.standard_normal(300))
    arrays = {"dense": rng.standard_normal((48, 300)) * sigma,
              "heavy": rng.standard_t(2, size=(48, 200))}
    ds = sc.NoiseDataset.from_arrays(arrays)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sc.errors.StablecheckWarning)
        return sc.analyze(ds, scale_null=20, projections=4, rng=0)


def test_html_is_self_contained(result, tmp_path):
    path = sc.report(result, tmp_path / "html", command="stablecheck analyze x")
    text = path.read_text()
    assert path.name == "report.html"
    # no external resources of any kind
    assert not re.search(r"""(src|href)=["'](https?:|//|file:)""", text)
    imgs = re.findall(r'src="data:image/png;base64,([^"]+)"', text)
    assert len(imgs) >= 2 * 5  # overview + per-layer figures for two layers
    for b64 in imgs:
        assert base64.b64decode(b64).startswith(PNG)
    for layer in ("dense", "heavy"):
        assert layer in text
    assert "stablecheck analyze x" in text and "Provenance" in text


def test_markdown_references_existing_images(result, tmp_path):
    path = sc.report(result, tmp_path / "md", format="md")
    text = path.read_text()
    refs = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert refs
    for ref in refs:
        f = path.parent / ref
        assert f.is_file() and f.read_bytes().startswith(PNG), ref
    assert "| snapshot | iteration |" in text


def test_options(result, tmp_path):
    with pytest.raises(ValueError, match="`format` must be one of"):
        sc.report(result, tmp_path, format="pdf")
    p = sc.report(result, tmp_path / "o", details="none")
    assert "QQ plot" not in p.read_text()


def test_alpha_bars_above_the_axis_or_missing_draw_without_warnings():
    # the log-moment estimator reports alpha = inf for lighter-than-SaS coordinates and a
    # layer may lack an estimate (NaN); matplotlib cannot draw an infinite bar (numpy warned
    # "invalid value encountered in dot" while the demo report was saved)
    import matplotlib
    matplotlib.use("Agg")
    from stablecheck.report import _figures as F

    fig, ax = F._fig(4.0, 3.0)
    F._bars(ax, np.arange(4), [1.2, np.inf, np.nan, 2.9], 0.3, "x")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = F.figure_png(fig)
    assert png.startswith(PNG)
    heights = [b.get_height() for b in ax.patches]
    assert heights[:2] == [1.2, F._ALPHA_TOP] and np.isnan(heights[2])
    assert heights[3] == F._ALPHA_TOP
    assert sorted(t.get_text() for t in ax.texts) == ["2.9", "∞"]
