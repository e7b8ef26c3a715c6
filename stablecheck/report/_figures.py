"""Figures for the report: each function takes result objects and returns a matplotlib Figure.

No statistics are computed here beyond what drawing needs (histogram bins, plotting
positions); everything plotted comes from :class:`~stablecheck.analysis.AnalysisResult`.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

__all__ = ["FIGURES", "figure_png", "alpha_over_iterations", "pooled_vs_coordinate",
           "alpha_vs_k1", "hill_plot", "density_plot", "qq_plot", "pvalue_histogram",
           "scale_null_plot"]

_DPI = 90


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def figure_png(fig) -> bytes:
    """Render a figure to PNG bytes and close it."""
    plt = _plt()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=_DPI, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _fig(w: float = 6.0, h: float = 3.6):
    plt = _plt()
    return plt.subplots(figsize=(w, h))


def alpha_over_iterations(result, layer: str):
    """Pooled α̂ (with CIs) over training iterations for one layer, one line per batch size
    and estimator; per-coordinate median α̂ dashed."""
    t = result.table
    sel = t[(t.layer == layer) & (t.axis == "coordinate") & (t.view == "raw")
            & t.estimator.isin(["mohammadi", "logmoment"])]
    mb = t[(t.layer == layer) & (t.axis == "minibatch") & (t.estimator == "logmoment")]
    if sel.empty or sel.iteration.isna().all():
        return None
    fig, ax = _fig()
    for (est, bs), g in sel.groupby(["estimator", sel.batch_size.fillna(-1)]):
        g = g.sort_values("iteration")
        lab = f"pooled {est}" + (f", B={int(bs)}" if bs >= 0 else "")
        ax.plot(g.iteration, g.alpha, marker="o", label=lab)
        if g.ci_low.notna().any():
            ax.fill_between(g.iteration, g.ci_low, g.ci_high, alpha=0.2)
    for bs, g in mb.groupby(mb.batch_size.fillna(-1)):
        g = g.sort_values("iteration")
        ax.plot(g.iteration, g.alpha, ls="--", marker="s",
                label="per-coordinate median" + (f", B={int(bs)}" if bs >= 0 else ""))
    ax.axhline(2.0, color="k", lw=0.8, ls=":")
    ax.set_xlabel("iteration")
    ax.set_ylabel("α̂")
    ax.set_title(f"{layer}: α̂ over training")
    ax.legend(fontsize=7)
    return fig


_ALPHA_TOP = 2.6  # upper y limit of the alpha bar charts


def _bars(ax, xpos, vals, width, label):
    """Bars of alpha estimates on a [0, _ALPHA_TOP] axis. An estimate above the axis (the
    log-moment estimator gives inf for lighter-than-SaS data) is drawn to the top, hatched,
    with its value written on it; a missing one (NaN) is left out. (matplotlib cannot draw an
    infinite bar: its transform turns into NaN and numpy warns while the figure is saved.)"""
    v = np.asarray(vals, dtype=float)
    over = v > _ALPHA_TOP
    bars = ax.bar(xpos, np.where(over, _ALPHA_TOP, np.where(np.isfinite(v), v, np.nan)), width,
                  label=label)
    for b, val, o in zip(bars, v, over, strict=True):
        if o:
            b.set_hatch("//")
            ax.text(b.get_x() + b.get_width() / 2, _ALPHA_TOP * 0.86,
                    "∞" if np.isinf(val) else f"{val:.3g}", ha="center", va="top", fontsize=7,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0})
    ax.set_ylim(0, _ALPHA_TOP)


def pooled_vs_coordinate(result, snapshot: str):
    """Per layer: pooled α̂ (raw, robust), the scale-aware null median, and the per-coordinate
    median α̂ side by side; fraction of coordinates rejecting Gaussianity on a second axis."""
    t = result.table[result.table.snapshot == snapshot]
    layers = list(dict.fromkeys(t.layer))
    if not layers:
        return None
    fig, ax = _fig(max(6.0, 1.4 * len(layers) + 2), 3.8)
    x = np.arange(len(layers))
    series = [("raw", "mohammadi", "pooled (raw)"), ("robust", "mohammadi", "pooled (robust)"),
              ("raw", "scale_aware_null", "scale-aware null median")]
    width = 0.2
    for i, (view, est, lab) in enumerate(series):
        vals = []
        for layer in layers:
            r = t[(t.layer == layer) & (t.view == view) & (t.estimator == est)]
            col = "statistic" if est == "scale_aware_null" else "alpha"
            vals.append(float(r[col].iloc[0]) if len(r) else np.nan)
        _bars(ax, x + (i - 1.5) * width, vals, width, lab)
    per = [t[(t.layer == la) & (t.axis == "minibatch") & (t.estimator == "logmoment")]
           for la in layers]
    _bars(ax, x + 1.5 * width, [float(r.alpha.iloc[0]) if len(r) else np.nan for r in per],
          width, "per-coordinate median")
    ax.axhline(2.0, color="k", lw=0.8, ls=":")
    ax.set_xticks(x, layers, rotation=20, ha="right", fontsize=8)
    ax.set_ylabel("α̂")
    rej = [t[(t.layer == la) & (t.axis == "minibatch")
             & t.estimator.str.startswith("gaussianity")] for la in layers]
    if any(len(r) for r in rej):
        ax2 = ax.twinx()
        ax2.plot(x, [float(r.fraction_rejecting_adj.iloc[0]) if len(r) else np.nan for r in rej],
                 "kD", label="coords rejecting (BH)")
        ax2.set_ylim(0, 1.05)
        ax2.set_ylabel("fraction of coordinates\nrejecting Gaussianity")
        ax2.legend(loc="upper right", fontsize=7)
    ax.legend(loc="upper left", fontsize=7)
    ax.set_title(f"{snapshot}: pooled vs per-coordinate")
    return fig


def _band(ax, path: dict, label: str):
    k = np.asarray(path.get("k", []), dtype=float)
    a = np.asarray(path.get("alpha", []), dtype=float)
    if k.size == 0:
        return False
    ax.plot(k, a, label=label)
    lo, hi = path.get("low"), path.get("high")
    if lo is not None and hi is not None:
        cap = 3.0 * float(np.max(np.abs(a[np.isfinite(a)]), initial=1.0))
        lo = np.asarray(lo, dtype=float)
        hi = np.asarray(hi, dtype=float)
        ok = np.isfinite(lo) & np.isfinite(a)
        hi = np.where(np.isfinite(hi), np.minimum(hi, cap), cap)  # an open upper end: to the cap
        if ok.any():
            ax.fill_between(k[ok], lo[ok], hi[ok], alpha=0.25)
    return True


def alpha_vs_k1(detail):
    """Mohammadi α̂ against the block length K1 (stability check) with pointwise CIs."""
    res = detail.tail.get("raw", {}).get("mohammadi")
    if res is None or np.size(res.k_path.get("k", [])) < 2:
        return None
    fig, ax = _fig()
    _band(ax, res.k_path, "raw")
    rob = detail.tail.get("robust", {}).get("mohammadi")
    if rob is not None:
        _band(ax, rob.k_path, "robust")
    ax.set_xscale("log")
    ax.axhline(2.0, color="k", lw=0.8, ls=":")
    ax.set_xlabel("K1 (block length)")
    ax.set_ylabel("Mohammadi α̂")
    ax.set_title(f"{detail.layer}: α̂ vs K1")
    ax.legend(fontsize=7)
    return fig


def hill_plot(detail):
    """Hill (and DEdH if computed) α̂ over k with pointwise CI band and the chosen k."""
    raw = detail.tail.get("raw", {})
    drawn = False
    fig, ax = _fig()
    for est in ("hill", "moment"):
        res = raw.get(est)
        if res is not None and _band(ax, res.k_path, est):
            drawn = True
            if res.k:
                ax.axvline(res.k, color="gray", lw=0.8, ls="--")
    if not drawn:
        _plt().close(fig)
        return None
    ax.set_xscale("log")
    ax.set_xlabel("k (upper order statistics)")
    ax.set_ylabel("α̂")
    ax.set_title(f"{detail.layer}: Hill plot")
    ax.legend(fontsize=7)
    return fig


def _robust_z(x: np.ndarray) -> np.ndarray:
    """(x − median) / (IQR/1.349): a Gaussian sample becomes ~N(0, 1) whatever its tails."""
    med = np.median(x)
    q25, q75 = np.percentile(x, [25, 75])
    s = (q75 - q25) / 1.349 if q75 > q25 else (np.std(x) or 1.0)
    return (x - med) / s


def density_plot(detail, stable_fit: Any = None):
    """Log-density of the (robustly scaled) pooled sample with Gaussian and fitted stable."""
    x = np.asarray(detail.sample, dtype=float)
    if x.size < 50:
        return None
    z = _robust_z(x)
    lim = float(np.percentile(np.abs(z), 99.9))
    edges = np.linspace(-lim, lim, 121)
    dens, _ = np.histogram(z, bins=edges, density=True)
    mids = 0.5 * (edges[1:] + edges[:-1])
    fig, ax = _fig()
    ok = dens > 0
    ax.semilogy(mids[ok], dens[ok], ".", ms=3, label="data")
    ax.semilogy(mids, np.exp(-mids**2 / 2) / np.sqrt(2 * np.pi), label="Gaussian")
    if stable_fit is not None:
        ax.semilogy(mids, stable_fit(mids), label="fitted stable")
    ax.set_ylim(max(dens[ok].min() / 3, 1e-7), None)
    ax.set_xlabel("(x − median) / (IQR/1.349)")
    ax.set_ylabel("density")
    ax.set_title(f"{detail.layer}: density (log scale)")
    ax.legend(fontsize=7)
    return fig


def qq_plot(detail):
    """Normal QQ plot of the pooled sample (robustly scaled)."""
    from scipy import special

    x = np.sort(np.asarray(detail.sample, dtype=float))
    if x.size < 20:
        return None
    if x.size > 4000:
        x = x[np.linspace(0, x.size - 1, 4000).astype(int)]
    n = x.size
    q = special.ndtri((np.arange(1, n + 1) - 0.5) / n)
    fig, ax = _fig(4.2, 4.0)
    ax.plot(q, _robust_z(x), ".", ms=2)
    lim = max(abs(q[0]), abs(q[-1]))
    ax.plot([-lim, lim], [-lim, lim], "k", lw=0.8)
    ax.set_xlabel("Gaussian quantile")
    ax.set_ylabel("sample quantile (robust z)")
    ax.set_title(f"{detail.layer}: QQ vs Gaussian")
    return fig


def pvalue_histogram(detail, level: float = 0.05):
    """Histogram of per-coordinate p-values (flat under the null) for each test."""
    pv = detail.gaussianity_pvalues
    if not pv:
        return None
    fig, ax = _fig()
    for test, p in pv.items():
        p = np.asarray(p, dtype=float)
        p = p[np.isfinite(p)]
        ax.hist(p, bins=20, range=(0, 1), histtype="step", label=test, density=True)
    ax.axhline(1.0, color="k", lw=0.8, ls=":")
    ax.set_xlabel("p-value (per coordinate, across minibatches)")
    ax.set_ylabel("density")
    ax.set_title(f"{detail.layer}: per-coordinate p-values")
    ax.legend(fontsize=7)
    return fig


def scale_null_plot(detail):
    """Where the observed pooled α̂ falls in the scale-aware and the iid Gaussian nulls."""
    res = detail.scale_null
    if res is None:
        return None
    fig, ax = _fig()
    ax.hist(res.null_distribution, bins=25, alpha=0.6, label="scale-aware Gaussian null")
    if np.size(res.iid_null_distribution):
        ax.hist(res.iid_null_distribution, bins=25, alpha=0.6, label="iid Gaussian null")
    ax.axvline(res.statistic, color="r", lw=2, label=f"observed α̂ = {res.statistic:.2f}")
    ax.set_xlabel(f"pooled Mohammadi α̂ (K1 = {res.k1})")
    ax.set_title(f"{detail.layer}: scale-aware null (p = {res.pvalue:.3g})")
    ax.legend(fontsize=7)
    return fig


#: Per-layer figures in report order: (key, title, function(detail)).
FIGURES = (
    ("scale_null", "Scale-aware null", scale_null_plot),
    ("k1", "α̂ vs K1", alpha_vs_k1),
    ("hill", "Hill plot", hill_plot),
    ("density", "Density", density_plot),
    ("qq", "QQ plot", qq_plot),
    ("pvalues", "Per-coordinate p-values", pvalue_histogram),
)
