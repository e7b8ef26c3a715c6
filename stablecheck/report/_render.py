"""Render an :class:`~stablecheck.analysis.AnalysisResult` as self-contained HTML or Markdown."""

from __future__ import annotations

import base64
import datetime as _dt
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from .._results import to_jsonable
from .._validation import check_option
from . import _figures as F

__all__ = ["report"]

_SHOW = ("axis", "view", "estimator", "alpha", "ci_low", "ci_high", "k", "n", "pvalue",
         "pvalue_iid", "fraction_rejecting", "fraction_rejecting_adj", "inv_alpha_median",
         "ks_distance", "excess_kurtosis", "zero_fraction")


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, (float, np.floating)):
        if math.isnan(v):
            return ""
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return f"{v:.3g}" if abs(v) < 1e4 else f"{v:.3e}"
    return str(v)


def _pick_details(result, details: Any) -> list:
    if details == "all":
        return list(result.details)
    if details == "none":
        return []
    # "last": the last snapshot (largest iteration) of every batch size
    last: dict[Any, Any] = {}
    for d in result.details:
        key = d.batch_size
        it = d.iteration if d.iteration is not None else -1
        cur = last.get(key)
        if cur is None or it >= (cur.iteration if cur.iteration is not None else -1):
            last[key] = d
    keep = {(d.snapshot) for d in last.values()}
    return [d for d in result.details if d.snapshot in keep]


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; a report is meant to be shared
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def report(result, out: str | os.PathLike, *, format: str = "html", details: Any = "last",
           title: str | None = None, command: str | None = None, stable_fit: bool = True
           ) -> Path:
    """Write a report of an analysis: verdicts, warnings, figures, tables and provenance.

    Parameters
    ----------
    result : AnalysisResult
        What :func:`stablecheck.analyze` returned.
    out : path
        Output directory (created). HTML: ``report.html`` with every image embedded (no
        external resources). Markdown: ``report.md`` and ``figures/*.png``.
    format : {"html", "md"}
    details : {"last", "all", "none"}
        Which snapshots get per-layer sections with figures: the last iteration of every
        batch size (default), every snapshot, or none (overview only).
    title : str, optional
    command : str, optional
        The command line that produced the analysis (shown under provenance).
    stable_fit : bool
        Overlay a fitted stable density on the density plots when the stable fitter is
        available (quantile fit on the plotted sample).

    Returns
    -------
    pathlib.Path
        The report file.
    """
    check_option("format", format, ("html", "md"))
    check_option("details", details, ("last", "all", "none"))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    figdir = out / "figures"
    if format == "md":
        figdir.mkdir(exist_ok=True)

    def embed(fig, name: str) -> str | None:
        if fig is None:
            return None
        png = F.figure_png(fig)
        if format == "html":
            return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        _atomic_write(figdir / f"{name}.png", png)
        return f"figures/{name}.png"

    overview = []
    snaps = list(dict.fromkeys(d.snapshot for d in result.details))
    for i, snap in enumerate(snaps):
        src = embed(F.pooled_vs_coordinate(result, snap), f"overview_{i:03d}")
        if src:
            overview.append({"title": f"Pooled vs per-coordinate — {snap}", "src": src,
                             "caption": "Bars: α̂ (left axis); diamonds: fraction of "
                                        "coordinates rejecting Gaussianity after BH."})
    layers = list(dict.fromkeys(d.layer for d in result.details))
    if len({d.iteration for d in result.details}) > 1:
        for j, layer in enumerate(layers):
            src = embed(F.alpha_over_iterations(result, layer), f"iterations_{j:03d}")
            if src:
                overview.append({"title": f"α̂ over training — {layer}", "src": src,
                                 "caption": "Pooled estimators with CIs; per-coordinate "
                                            "median log-moment α̂ dashed."})
    sections = []
    table = result.table
    for n, det in enumerate(_pick_details(result, details)):
        rows = table[(table.snapshot == det.snapshot) & (table.layer == det.layer)]
        figs = []
        fit_fn = _stable_overlay(det) if stable_fit else None
        for key, ftitle, fn in F.FIGURES:
            fig = fn(det, fit_fn) if key == "density" else fn(det)
            src = embed(fig, f"{key}_{n:03d}")
            if src:
                figs.append({"title": ftitle, "src": src})
        sections.append({
            "title": f"{det.layer} — {det.snapshot}"
                     + (f" (iteration {det.iteration}" if det.iteration is not None else "")
                     + (f", B = {det.batch_size})" if det.batch_size is not None else
                        (")" if det.iteration is not None else "")),
            "verdict": det.verdict, "warnings": list(det.warnings),
            "columns": list(_SHOW),
            "rows": [[_cell(r[c]) for c in _SHOW] for _, r in rows.iterrows()],
            "figures": figs})
    ctx = {
        "title": title or f"stablecheck report — {Path(str(result.provenance.get('source', ''))).name}",
        "generated": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "provenance": to_jsonable(result.provenance), "axis": result.axis,
        "verdicts": result.verdicts().to_dict(orient="records"),
        "warnings": list(result.warnings), "overview_figures": overview, "sections": sections,
        "command": command or "(Python API)",
        "settings_json": json.dumps(to_jsonable(result.settings), indent=1),
        "run_meta_json": json.dumps(to_jsonable(result.provenance.get("run_meta", {})),
                                    indent=1)[:4000],
    }
    text = _env().get_template(f"report.{format}.j2").render(**ctx)
    path = out / f"report.{format}"
    _atomic_write(path, text.encode("utf-8"))
    return path


def _env():
    try:
        import jinja2
    except ImportError as exc:  # pragma: no cover - jinja2 is in the [report] extra
        raise ImportError("reports need Jinja2: pip install 'stablecheck[report]'") from exc
    loader = jinja2.FileSystemLoader(str(Path(__file__).parent / "templates"))
    return jinja2.Environment(loader=loader, autoescape=False, keep_trailing_newline=True,
                              undefined=jinja2.StrictUndefined)


def _stable_overlay(det):
    """A callable z -> density of a stable law fitted to the robustly scaled sample, or None
    when the stable engine/fitter is not available or the fit fails."""
    x = np.asarray(det.sample, dtype=float)
    if x.size < 200:
        return None
    try:
        from .. import fit_stable, stable  # type: ignore[attr-defined]
    except ImportError:
        return None
    q25, q75 = np.percentile(x, [25, 75])
    if not q75 > q25:
        return None
    z = F._robust_z(x)
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = fit_stable(z, method="quantile", ci=None)
    except (ValueError, RuntimeError):
        return None
    return lambda t: stable.pdf(t, fit.alpha, fit.beta, fit.scale, fit.loc)
