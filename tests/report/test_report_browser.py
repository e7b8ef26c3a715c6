"""The report as a reader sees it: real headless Chromium loads it with no console errors,
every image decodes, and the screenshot is not blank (HTML and the Markdown's images)."""

from __future__ import annotations

import html
import re
import warnings

import numpy as np
import pytest

import stablecheck as sc
from benchmarks.browser_check import check_report, find_chromium

pytest.importorskip("websocket", reason="websocket-client (dev extra) drives Chromium")
pytestmark = pytest.mark.skipif(find_chromium() is None,
                                reason="Chromium not installed (Debian package `chromium`; "
                                       "`make test` installs it where apt-get works)")


@pytest.fixture(scope="module")
def result():
    rng = np.random.default_rng(1)
    ds = sc.NoiseDataset.from_arrays({"a": rng.standard_normal((40, 200)),
                                      "b": rng.standard_t(2, size=(40, 100))})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sc.errors.StablecheckWarning)
        return sc.analyze(ds, scale_null=20, rng=0)


def test_html_report_in_chromium(result, tmp_path):
    path = sc.report(result, tmp_path / "h")
    found = check_report(path, screenshot=tmp_path / "shot.png")
    assert found["images"] >= 8 and not found["broken_images"] and not found["console_errors"]


def test_markdown_images_in_chromium(result, tmp_path):
    md = sc.report(result, tmp_path / "m", format="md")
    refs = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md.read_text())
    page = tmp_path / "m" / "images.html"  # a plain page showing exactly the Markdown's images
    page.write_text("<!DOCTYPE html><html><body>" + "".join(
        f'<img alt="{html.escape(r)}" src="{html.escape(r)}">' for r in refs) + "</body></html>")
    found = check_report(page)
    assert found["images"] == len(refs) and not found["broken_images"]
