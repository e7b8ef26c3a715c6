"""docs/validation.md is executable: every ```python block runs, in order, in one namespace,
and the claims the page makes about the outcomes hold."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "validation.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_validation_page_runs_and_its_claims_hold(capsys):
    blocks = _blocks()
    assert len(blocks) >= 4
    ns: dict = {"__name__": "docs_validation"}
    # the page's own @settings inherit from the active profile: on a shared, loaded build
    # machine, slow data generation must not fail the examples (it is not what they show)
    from hypothesis import HealthCheck, settings

    settings.register_profile("docs-page", suppress_health_check=[HealthCheck.too_slow])
    previous = settings._current_profile
    settings.load_profile("docs-page")
    try:
        for code in blocks:
            exec(compile(code, str(DOC), "exec"), ns)  # noqa: S102 - our own documentation
    finally:
        settings.load_profile(previous)
    naive, hardened = ns["naive_report"], ns["report"]
    # "the statistics are fine ... but hostile_inputs fails on eleven kinds of data"
    assert naive.failed_properties == ("hostile_inputs",)
    assert len(naive.failures) == 11
    shown = re.findall(r"FAILED hostile_inputs \[([^\]]+)\]", DOC.read_text(encoding="utf-8"))
    assert set(shown) <= {f.case for f in naive.failures}
    assert hardened.passed, hardened.summary()
    # "Tests of another shape": the package's matrix test and analysis pass as shown
    for name in ("null_report", "analysis_report"):
        assert ns[name].passed, ns[name].summary()
    out = capsys.readouterr().out
    assert "PASSED" in out and "FAILED" in out


def test_ten_lines():
    # the estimator plus its check stays around ten lines
    first = _blocks()[0]
    assert len([ln for ln in first.splitlines() if ln.strip()]) <= 10
