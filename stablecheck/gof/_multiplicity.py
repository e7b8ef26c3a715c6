"""Multiple testing: adjusted p-values, Storey's π₀ and per-group rejection summaries.

Thousands of coordinates tested at once need a multiplicity correction before "x% of
coordinates are non-Gaussian" means anything. Benjamini–Hochberg controls the false discovery
rate for independent or positively dependent (PRDS) tests; Benjamini–Yekutieli under any
dependence; Holm and Bonferroni the family-wise error rate. BH/BY come from
``scipy.stats.false_discovery_control`` (vectorised with ``axis``); Holm and Bonferroni are a
few vectorised lines here, checked against ``statsmodels.stats.multitest.multipletests``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from scipy import stats

from .._results import ResultMixin
from .._validation import as_pvalues, check_int, check_level, check_option, check_real

__all__ = ["adjust_pvalues", "storey_pi0", "pvalue_summary", "PValueSummaryResult"]

_METHODS = ("bh", "by", "holm", "bonferroni")


def _holm(p: np.ndarray) -> np.ndarray:
    """Holm step-down on the last axis (no NaN)."""
    m = p.shape[-1]
    order = np.argsort(p, axis=-1, kind="stable")
    ps = np.take_along_axis(p, order, axis=-1)
    adj = np.minimum(1.0, np.maximum.accumulate(ps * (m - np.arange(m)), axis=-1))
    out = np.empty_like(adj)
    np.put_along_axis(out, order, adj, axis=-1)
    return out


def _adjust_last(p: np.ndarray, method: str) -> np.ndarray:
    if p.shape[-1] == 0:
        return p.copy()
    if method in ("bh", "by"):
        return stats.false_discovery_control(p, axis=-1, method=method)
    if method == "holm":
        return _holm(p)
    return np.minimum(1.0, p * p.shape[-1])


def adjust_pvalues(pvalues: Any, *, method: str = "bh", axis: int | None = -1) -> np.ndarray:
    """Adjust p-values for multiple testing along ``axis``.

    Parameters
    ----------
    pvalues : array_like
        p-values in [0, 1]; NaN marks a missing test and is left out of the family (it stays
        NaN in the output).
    method : {"bh", "by", "holm", "bonferroni"}
        Benjamini–Hochberg (FDR; independent/PRDS tests), Benjamini–Yekutieli (FDR; any
        dependence), Holm (FWER), Bonferroni (FWER).
    axis : int or None
        Each 1-D slice along ``axis`` is one family; ``None`` adjusts all values as one
        family.

    Returns
    -------
    ndarray
        Adjusted p-values, same shape as ``pvalues``; reject where ``adjusted <= level``.

    Examples
    --------
    >>> import numpy as np
    >>> import stablecheck as sc
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(size=(3, 1000))  # 3 layers x 1000 coordinates
    >>> adj = sc.adjust_pvalues(p, method="bh", axis=1)
    >>> adj.shape, bool((adj >= p).all())
    ((3, 1000), True)
    """
    check_option("method", method, _METHODS)
    p = as_pvalues(pvalues)
    if axis is None:
        return adjust_pvalues(p.reshape(-1), method=method, axis=-1).reshape(p.shape)
    if p.ndim == 0:
        raise ValueError("`pvalues` must have at least one dimension.")
    axis = check_int("axis", axis, min=-p.ndim, max=p.ndim - 1)
    q = np.moveaxis(p, axis, -1)
    nan = np.isnan(q)
    if not nan.any():
        out = _adjust_last(q, method)
    else:
        flat = q.reshape(-1, q.shape[-1])
        fnan = nan.reshape(flat.shape)
        out = np.full(flat.shape, np.nan)
        clean = ~fnan.any(axis=1)
        if clean.any():
            out[clean] = _adjust_last(flat[clean], method)
        for r in np.flatnonzero(~clean):  # only rows with missing tests: families differ
            ok = ~fnan[r]
            out[r, ok] = _adjust_last(flat[r, ok], method)
        out = out.reshape(q.shape)
    return np.moveaxis(out, -1, axis)


def storey_pi0(pvalues: Any, *, lambda_: float = 0.5) -> float:
    """Storey's (2002) estimate of the fraction of true null hypotheses.

    ``π₀ = #{p > λ} / (m (1 - λ))``, capped at 1; NaN p-values are ignored. Under the null the
    p-values are uniform, so the count above λ estimates the nulls; alternatives pile up near 0.

    References
    ----------
    Storey, J. D. (2002). A direct approach to false discovery rates. *JRSS B* 64, 479–498.
    """
    lam = check_real("lambda_", lambda_, low=0.0, high=1.0, low_closed=False, high_closed=False)
    p = as_pvalues(pvalues).reshape(-1)
    p = p[~np.isnan(p)]
    if p.size == 0:
        raise ValueError("`pvalues` has no non-NaN values; π₀ needs at least one.")
    return float(min(1.0, np.count_nonzero(p > lam) / (p.size * (1.0 - lam))))


@dataclass(frozen=True, repr=False)
class PValueSummaryResult(ResultMixin):
    """Per-group rejection summary of many p-values (see :func:`pvalue_summary`).

    Attributes
    ----------
    groups : tuple of str
    n_tests, n_missing : ndarray of int
        p-values per group, and NaN ones left out.
    fraction_rejecting : ndarray
        Fraction with ``p <= level`` (no correction).
    fraction_rejecting_adjusted : ndarray
        Fraction with adjusted ``p <= level`` (``method``, within each group).
    pi0 : ndarray
        Storey's π₀ per group.
    histogram : ndarray, shape (n_groups, bins)
        p-value counts on ``bin_edges`` (uniform under the null: a flat histogram).
    bin_edges : ndarray
    level : float
    method : str
    """

    groups: tuple
    n_tests: np.ndarray
    n_missing: np.ndarray
    fraction_rejecting: np.ndarray
    fraction_rejecting_adjusted: np.ndarray
    pi0: np.ndarray
    histogram: np.ndarray
    bin_edges: np.ndarray
    level: float
    method: str
    warnings: tuple[str, ...] = ()

    _title: ClassVar[str] = "p-value summary"
    _hidden: ClassVar[tuple[str, ...]] = ("histogram", "bin_edges")

    def to_frame(self):
        """One row per group."""
        import pandas as pd

        return pd.DataFrame({
            "group": list(self.groups), "n_tests": self.n_tests, "n_missing": self.n_missing,
            "fraction_rejecting": self.fraction_rejecting,
            "fraction_rejecting_adjusted": self.fraction_rejecting_adjusted, "pi0": self.pi0})

    def summary(self) -> str:
        """Plain-text table, one line per group."""
        lines = [self._title, "=" * len(self._title),
                 f"level {self.level:g}, correction {self.method} within each group",
                 f"{'group':<20} {'tests':>8} {'reject':>8} {'adjusted':>9} {'pi0':>6}"]
        for i, g in enumerate(self.groups):
            lines.append(f"{str(g):<20} {int(self.n_tests[i]):>8} "
                         f"{self.fraction_rejecting[i]:>8.3f} "
                         f"{self.fraction_rejecting_adjusted[i]:>9.3f} {self.pi0[i]:>6.2f}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"PValueSummaryResult(groups={len(self.groups)}, method={self.method!r})"


def pvalue_summary(pvalues: Any, *, groups: Any = None, level: float = 0.05,
                   method: str = "bh", lambda_: float = 0.5, bins: int = 20
                   ) -> PValueSummaryResult:
    """Fraction rejecting (raw and adjusted within each group), π₀ and histograms per group.

    Parameters
    ----------
    pvalues : array_like, 1-D
        One p-value per test (e.g. per coordinate); NaN = not tested.
    groups : array_like, optional
        Group label per p-value (e.g. the layer of each coordinate); all one group if None.
    level : float
        Significance level.
    method : {"bh", "by", "holm", "bonferroni"}
        Correction applied within each group.
    lambda_ : float
        Storey's λ.
    bins : int
        Histogram bins on [0, 1].

    Returns
    -------
    PValueSummaryResult

    Examples
    --------
    >>> import numpy as np
    >>> import stablecheck as sc
    >>> rng = np.random.default_rng(0)
    >>> p = np.r_[rng.uniform(size=900), rng.uniform(0, 1e-4, size=100)]
    >>> s = sc.pvalue_summary(p, groups=np.repeat(["fc1", "fc2"], 500))
    >>> s.to_frame()["group"].tolist()
    ['fc1', 'fc2']
    """
    check_option("method", method, _METHODS)
    level = check_level(level)
    bins = check_int("bins", bins, min=1)
    p = as_pvalues(pvalues)
    if p.ndim != 1:
        raise ValueError(f"`pvalues` must be 1-D (one per test); got shape {p.shape}. "
                         "Pass groups= to summarise per layer.")
    if groups is None:
        labels = np.zeros(p.size, dtype=np.int64)
        names: tuple = ("all",)
        codes = labels
    else:
        g = np.asarray(groups)
        if g.shape != p.shape:
            raise ValueError(f"`groups` must have one label per p-value; got {g.shape} for "
                             f"{p.shape} p-values.")
        uniq, codes = np.unique(g, return_inverse=True)
        names = tuple(str(u) for u in uniq)
    edges = np.linspace(0.0, 1.0, bins + 1)
    k = len(names)
    n_tests = np.zeros(k, dtype=np.int64)
    n_missing = np.zeros(k, dtype=np.int64)
    raw = np.full(k, np.nan)
    adj = np.full(k, np.nan)
    pi0 = np.full(k, np.nan)
    hist = np.zeros((k, bins), dtype=np.int64)
    for gi in range(k):  # one iteration per group (layer), not per test
        pg = p[codes == gi]
        ok = ~np.isnan(pg)
        n_missing[gi] = int((~ok).sum())
        pg = pg[ok]
        n_tests[gi] = pg.size
        if pg.size:
            raw[gi] = float(np.mean(pg <= level))
            adj[gi] = float(np.mean(adjust_pvalues(pg, method=method) <= level))
            pi0[gi] = storey_pi0(pg, lambda_=lambda_)
            hist[gi] = np.histogram(pg, bins=edges)[0]
    return PValueSummaryResult(groups=names, n_tests=n_tests, n_missing=n_missing,
                               fraction_rejecting=raw, fraction_rejecting_adjusted=adj, pi0=pi0,
                               histogram=hist, bin_edges=edges, level=level, method=method)
