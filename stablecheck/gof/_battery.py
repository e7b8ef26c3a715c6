"""``gaussianity``: a battery of normality tests over many samples at once.

The input is one sample or a matrix of samples (K minibatches x P coordinates, one test per
coordinate with ``axis=0``). Columns with the same number of usable values form a block that
every test kernel processes in one vectorised pass; Monte-Carlo p-values simulate the Gaussian
null once per distinct n and reuse it for every column of that size.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from .._results import ResultMixin, TestResult, _fmt
from .._validation import (
    as_gof_columns,
    as_rng,
    check_gof_tests,
    check_int,
    check_level,
    check_option,
    warn,
)
from ..errors import DataWarning, NumericalWarning, SmallSampleWarning
from ._effect import effect_sizes
from ._kernels import TESTS, Block, prepare_block, rescale_sorted
from ._shapiro import SHAPIRO_MAX_N, SHAPIRO_SMALL_N_FLOOR

__all__ = ["gaussianity", "GaussianityResult", "DEFAULT_TESTS", "simulate_null"]

#: The default battery (every test meets the 5% size band at n = 50 and 1000, see
#: docs/gaussianity.md; Jarque–Bera's chi-squared p-value does not at n = 50).
DEFAULT_TESTS = ("shapiro", "dagostino", "anderson", "lilliefors", "cramervonmises")

_EFFECTS = ("ks_distance", "w1_distance", "excess_kurtosis", "tail_ratio")
_NULL_BLOCK = 4_000_000  # values per simulated chunk (32 MB of float64)
_BLOCK = 4_000_000  # values per block of data columns processed together


@dataclass(frozen=True, repr=False)
class GaussianityResult(ResultMixin):
    """Results of :func:`gaussianity`: one statistic and p-value per test and sample.

    Attributes
    ----------
    tests : tuple of str
        Test names, the row order of ``statistic`` / ``pvalue``.
    statistic, pvalue : ndarray, shape (n_tests, n_samples)
        NaN only where a sample could not be tested (see ``sample_flags``); for finite data
        the p-value is never NaN — an infinite statistic gives p = 0 and sets
        ``infinite_statistic``.
    pvalue_floor : ndarray, shape (n_tests,)
        Smallest p-value the method can return: ``1 / (n_resamples + 1)`` for Monte-Carlo,
        the approximation's limit for asymptotic p-values (Anderson–Darling 3.7e-24,
        Cramér–von Mises 7.37e-10, Shapiro–Wilk 1e-99 for 4 <= n <= 11), else 0.
    at_floor, infinite_statistic : ndarray of bool, shape (n_tests, n_samples)
    n : ndarray of int, shape (n_samples,)
        Values received per sample.
    n_used : ndarray of int, shape (n_samples,)
        Values tested per sample (``n - n_dropped``).
    n_dropped : ndarray of int, shape (n_samples,)
        Non-finite values dropped per sample (``nan_policy="omit"``).
    ks_distance, w1_distance, excess_kurtosis, tail_ratio : ndarray, shape (n_samples,)
        Effect sizes (see :func:`stablecheck.gof.effect_sizes`).
    sample_flags : ndarray of str, shape (n_samples,)
        "" or a ";"-joined list of: ``constant``, ``nonfinite`` (propagated NaN),
        ``too_small``, ``iqr_zero``.
    method : str
        ``"asymptotic"`` or ``"monte_carlo"``.
    n_resamples : int or None
    axis : int or None
    input_shape : tuple of int
    null_distribution : dict
        ``"{test}@n={n}"`` -> sorted simulated null statistics (Monte-Carlo only; kept for reuse).
    warnings : tuple of str
    """

    tests: tuple[str, ...]
    statistic: np.ndarray
    pvalue: np.ndarray
    pvalue_floor: np.ndarray
    at_floor: np.ndarray
    infinite_statistic: np.ndarray
    n: np.ndarray
    n_used: np.ndarray
    n_dropped: np.ndarray
    ks_distance: np.ndarray
    w1_distance: np.ndarray
    excess_kurtosis: np.ndarray
    tail_ratio: np.ndarray
    sample_flags: np.ndarray
    method: str
    n_resamples: int | None
    axis: int | None
    input_shape: tuple
    null_distribution: dict = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    _title: ClassVar[str] = "Gaussianity tests"
    _hidden: ClassVar[tuple[str, ...]] = ("null_distribution",)

    @property
    def n_samples(self) -> int:
        """Number of samples (columns) tested."""
        return int(self.n.shape[0])

    def _row(self, test: str) -> int:
        check_option("test", test, self.tests)
        return self.tests.index(test)

    def test_result(self, test: str, sample: int = 0) -> TestResult:
        """One test on one sample as a :class:`~stablecheck.TestResult` (unpacks as stat, p)."""
        i = self._row(test)
        j = check_int("sample", sample, min=-self.n_samples, max=self.n_samples - 1)
        details = {"pvalue_floor": float(self.pvalue_floor[i]),
                   "at_floor": bool(self.at_floor[i, j]),
                   "infinite_statistic": bool(self.infinite_statistic[i, j]),
                   **{k: float(getattr(self, k)[j]) for k in _EFFECTS}}
        return TestResult(statistic=float(self.statistic[i, j]), pvalue=float(self.pvalue[i, j]),
                          method=f"{TESTS[test].label} ({self.method})", n=int(self.n_used[j]),
                          details=details, warnings=self.warnings)

    def to_frame(self):
        """Tidy table: one row per sample and test, with the sample's effect sizes."""
        import pandas as pd

        t, p = self.statistic.shape
        cols = {
            "sample": np.tile(np.arange(p), t),
            "test": np.repeat(np.array(self.tests, dtype=object), p),
            "statistic": self.statistic.ravel(),
            "pvalue": self.pvalue.ravel(),
            "pvalue_floor": np.repeat(self.pvalue_floor, p),
            "at_floor": self.at_floor.ravel(),
            "infinite_statistic": self.infinite_statistic.ravel(),
            "n": np.tile(self.n_used, t),
        }
        for k in _EFFECTS:
            cols[k] = np.tile(getattr(self, k), t)
        cols["flags"] = np.tile(self.sample_flags, t)
        return pd.DataFrame(cols)

    def rejection_summary(self, level: float = 0.05, *, adjust: str | None = "bh"):
        """Per test: fraction of samples rejecting at ``level``, raw and after ``adjust``.

        Returns a ``pandas.DataFrame`` with columns ``test, n_tested, fraction_rejecting,
        fraction_rejecting_adjusted, pi0, n_at_floor, median_pvalue``. ``adjust`` is a
        :func:`~stablecheck.adjust_pvalues` method or None; ``pi0`` is Storey's estimate of the
        fraction of true nulls.
        """
        import pandas as pd

        from ._multiplicity import adjust_pvalues, storey_pi0

        level = check_level(level)
        rows = []
        for i, name in enumerate(self.tests):
            pv = self.pvalue[i]
            ok = ~np.isnan(pv)
            m = int(ok.sum())
            adj = adjust_pvalues(pv[ok], method=adjust) if (adjust and m) else pv[ok]
            rows.append({
                "test": name, "n_tested": m,
                "fraction_rejecting": float(np.mean(pv[ok] <= level)) if m else np.nan,
                "fraction_rejecting_adjusted": float(np.mean(adj <= level)) if m else np.nan,
                "pi0": float(storey_pi0(pv[ok])) if m else np.nan,
                "n_at_floor": int(self.at_floor[i].sum()),
                "median_pvalue": float(np.median(pv[ok])) if m else np.nan,
            })
        return pd.DataFrame(rows)

    def summary(self) -> str:
        """Text summary: per test, the fraction of samples rejecting at 5% (raw and BH)."""
        title = self._title
        lines = [title, "=" * len(title),
                 f"samples: {self.n_samples} (axis={self.axis}, input shape "
                 f"{self.input_shape}), n per sample: "
                 + (f"{int(self.n_used.min())}" if self.n_used.min() == self.n_used.max()
                    else f"{int(self.n_used.min())}-{int(self.n_used.max())}"),
                 f"p-values: {self.method}"
                 + (f" ({self.n_resamples} resamples)" if self.n_resamples else "")]
        if self.n_samples == 1:
            for i, name in enumerate(self.tests):
                note = " (at floor)" if self.at_floor[i, 0] else ""
                lines.append(f"  {TESTS[name].label:<24} stat {_fmt(self.statistic[i, 0]):>10}"
                             f"   p {_fmt(self.pvalue[i, 0])}{note}")
        else:
            df = self.rejection_summary(0.05, adjust="bh")
            lines.append("  test                      reject@5%   after BH   pi0")
            for r in df.itertuples():
                lines.append(f"  {TESTS[r.test].label:<24}  {r.fraction_rejecting:9.3f}"
                             f"  {r.fraction_rejecting_adjusted:9.3f}  {r.pi0:5.2f}")
        eff = ", ".join(f"{k} {_fmt(float(np.nanmedian(getattr(self, k))))}" for k in _EFFECTS)
        lines.append(("effect sizes: " if self.n_samples == 1 else "effect sizes (median): ")
                     + eff)
        if self.warnings:
            lines.append("warnings:")
            lines += [f"  - {w}" for w in self.warnings]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        head = (f"<strong>{html.escape(self._title)}</strong> — {self.n_samples} sample(s), "
                f"p-values {html.escape(self.method)}")
        if self.n_samples == 1:
            table = self.to_frame()[["test", "statistic", "pvalue", "pvalue_floor", "at_floor",
                                     "n"]].to_html(index=False)
        else:
            table = self.rejection_summary(0.05, adjust="bh").to_html(index=False)
        warns = "".join(f"<li>{html.escape(w)}</li>" for w in self.warnings)
        return f"<div>{head}{table}" + (f"<ul>{warns}</ul>" if warns else "") + "</div>"

    def __repr__(self) -> str:
        return (f"GaussianityResult(tests={self.tests}, n_samples={self.n_samples}, "
                f"method={self.method!r})")


def simulate_null(tests: tuple[str, ...], n: int, n_resamples: int,
                  rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Sorted null statistics of ``tests`` for Gaussian samples of size ``n``.

    All statistics are location-scale invariant, so standard normal samples represent the
    composite null exactly. Simulated in chunks of ~4e6 values, all tests per chunk.
    """
    out: dict[str, list[np.ndarray]] = {t: [] for t in tests}
    chunk = max(1, min(n_resamples, _NULL_BLOCK // n))
    done = 0
    while done < n_resamples:
        m = min(chunk, n_resamples - done)
        block = prepare_block(rng.standard_normal((n, m)))
        for t in tests:
            out[t].append(TESTS[t].statistic(block))
        done += m
    return {t: np.sort(np.concatenate(v)) for t, v in out.items()}


def _mc_pvalue(stat: np.ndarray, null: np.ndarray, lower: bool) -> np.ndarray:
    b = null.shape[0]
    if lower:
        count = np.searchsorted(null, stat, side="right")
    else:
        count = b - np.searchsorted(null, stat, side="left")
    return (count + 1.0) / (b + 1.0)


def gaussianity(
    x: Any,
    *,
    tests: Any = DEFAULT_TESTS,
    axis: int | None = 0,
    nan_policy: str = "raise",
    pvalue_method: str = "asymptotic",
    n_resamples: int = 9999,
    rng: Any = None,
) -> GaussianityResult:
    """Test Gaussianity of one sample or of every column of a matrix, vectorised.

    Parameters
    ----------
    x : array_like
        A 1-D sample, or a 2-D matrix of samples (e.g. K minibatches x P coordinates).
    tests : str or sequence of str
        Any of ``"shapiro"``, ``"dagostino"``, ``"jarque_bera"``, ``"anderson"``,
        ``"lilliefors"``, ``"cramervonmises"``. The default leaves out ``"jarque_bera"``, whose
        chi-squared p-value is conservative in small samples (size 0.037 at n = 50); with
        ``pvalue_method="monte_carlo"`` it is exact.
    axis : {0, 1, -1, None}
        ``0``: test each column; ``1``/``-1``: each row; ``None``: pool every value into one
        sample (an explicit choice; the anchors' silent default).
    nan_policy : {"raise", "omit", "propagate"}
        Non-finite values: raise with counts; drop them per sample (counted in
        ``n_dropped``); or give the affected samples NaN results flagged ``nonfinite``.
    pvalue_method : {"asymptotic", "monte_carlo"}
        ``"asymptotic"``: the published approximations (Royston for Shapiro–Wilk, chi-squared
        for K² and JB, Stephens / Dallal–Wilkinson as in R's nortest for the EDF tests).
        ``"monte_carlo"``: ``(1 + #{null at least as extreme}) / (n_resamples + 1)`` against
        Gaussian samples simulated once per distinct sample size.
    n_resamples : int
        Monte-Carlo null size (floor of the p-value is ``1 / (n_resamples + 1)``). The cost is
        that of testing ``n_resamples`` extra columns per distinct sample size (simulated in
        bounded-memory chunks), independent of the number of columns tested.
    rng : None, int, SeedSequence or Generator
        Randomness for the Monte-Carlo null.

    Returns
    -------
    GaussianityResult
        ``statistic``/``pvalue`` of shape (n_tests, n_samples), floors and flags, effect
        sizes per sample; ``to_frame()`` gives the tidy table, ``rejection_summary()`` the
        fraction rejecting per test.

    Raises
    ------
    ValueError
        Bad options; non-finite values with ``nan_policy="raise"``; samples shorter than a
        requested test's minimum with no values to test at all.

    Warns
    -----
    DataWarning
        Constant samples or propagated non-finite values (their results are NaN, flagged).
    SmallSampleWarning
        Samples below a test's minimum size (NaN for that test) or n < 20 for K².
    NumericalWarning
        Shapiro–Wilk with n > 5000 (Royston's approximation is extrapolated).

    Notes
    -----
    Every statistic is computed on the sample centred at its median and divided by its
    largest absolute deviation (all are location-scale invariant), so no finite input can
    overflow; Anderson–Darling uses log Φ and log(1 - Φ) directly (``scipy.special.log_ndtr``),
    which stay finite where statsmodels' ``normal_ad`` returns A² = inf.

    References
    ----------
    Royston, P. (1995). Remark AS R94. *Applied Statistics* 44, 547–551.
    D'Agostino, R. B. & Stephens, M. A. (1986). *Goodness-of-Fit Techniques*. Dekker.
    Dallal, G. E. & Wilkinson, L. (1986). *The American Statistician* 40, 294–296.

    Examples
    --------
    >>> import numpy as np
    >>> import stablecheck as sc
    >>> rng = np.random.default_rng(0)
    >>> res = sc.gaussianity(rng.standard_normal((500, 1000)))
    >>> res.pvalue.shape
    (5, 1000)
    >>> bool(res.rejection_summary()["fraction_rejecting"].between(0.02, 0.08).all())
    True
    """
    names = check_gof_tests(tests, tuple(TESTS))
    check_option("pvalue_method", pvalue_method, ("asymptotic", "monte_carlo"))
    mc = pvalue_method == "monte_carlo"
    if mc:
        n_resamples = check_int("n_resamples", n_resamples, min=19)
        gen = as_rng(rng)
    data = as_gof_columns(x, axis=axis, nan_policy=nan_policy)
    vals = data.values
    nrow, ncol = vals.shape
    n_tests = len(names)
    messages: list[str] = []

    # -- per-sample sizes and flags ------------------------------------------------------
    bad = data.n_nonfinite > 0
    if bad.any() and nan_policy == "omit":
        vals = np.where(np.isfinite(vals), vals, np.nan)  # sorts last in every chunk below
        n_used = nrow - data.n_nonfinite
        n_dropped = data.n_nonfinite.copy()
        messages.append(warn(f"{int(n_dropped.sum())} non-finite values were dropped from "
                             f"{int(bad.sum())} of {ncol} samples (nan_policy='omit').",
                             DataWarning))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
            lo, hi = np.nanmin(vals, axis=0), np.nanmax(vals, axis=0)
    else:
        n_used = np.full(ncol, nrow, dtype=np.int64)
        n_dropped = np.zeros(ncol, dtype=np.int64)
        with np.errstate(invalid="ignore"):
            lo, hi = vals.min(axis=0), vals.max(axis=0)
    flags = [[] for _ in range(ncol)]
    testable = np.ones(ncol, dtype=bool)
    if bad.any() and nan_policy == "propagate":
        testable &= ~bad
        for j in np.flatnonzero(bad):
            flags[j].append("nonfinite")
        messages.append(warn(f"{int(bad.sum())} of {ncol} samples contain non-finite values; "
                             "their results are NaN (nan_policy='propagate').", DataWarning))
    constant = testable & (n_used >= 1) & (lo == hi)
    too_few = testable & (n_used < 3)
    for j in np.flatnonzero(constant):
        flags[j].append("constant")
    for j in np.flatnonzero(too_few & ~constant):
        flags[j].append("too_small")
    min_needed = max(TESTS[t].min_n for t in names)
    if ncol == 1 and (constant[0] or too_few[0]):
        why = (f"{int(n_used[0])} usable values" if too_few[0]
               else f"{int(n_used[0])} usable values, all equal ({float(lo[0])!r})")
        raise ValueError(f"the sample has {why}; the requested tests need at least "
                         f"{min_needed} values that are not all equal.")
    if constant.any():
        messages.append(warn(f"{int(constant.sum())} of {ncol} samples are constant; no test "
                             "is defined for them (NaN results flagged 'constant').", DataWarning))
    testable &= ~constant & ~too_few

    stat = np.full((n_tests, ncol), np.nan)
    pval = np.full((n_tests, ncol), np.nan)
    at_floor = np.zeros((n_tests, ncol), dtype=bool)
    infinite = np.zeros((n_tests, ncol), dtype=bool)
    effects = {k: np.full(ncol, np.nan) for k in _EFFECTS}
    nulls: dict[str, np.ndarray] = {}
    floors = np.zeros(n_tests)
    if mc:
        floors[:] = 1.0 / (n_resamples + 1)
    else:
        for i, t in enumerate(names):
            floors[i] = TESTS[t].asymptotic_floor

    small_for: dict[str, int] = {}
    n_nan_stat = 0
    for n in np.unique(n_used[testable]):
        n = int(n)
        cols_n = np.flatnonzero(testable & (n_used == n))
        run = [t for t in names if n >= TESTS[t].min_n]
        for t in names:
            if n < TESTS[t].min_n:
                small_for[t] = small_for.get(t, 0) + cols_n.size
        if mc and run:
            sims = simulate_null(tuple(run), n, n_resamples, gen)
            for t, v in sims.items():
                nulls[f"{t}@n={n}"] = v
        # column chunks bound the memory of the shared temporaries (~_BLOCK values each)
        per_chunk = max(1, _BLOCK // max(nrow, 1))
        for start in range(0, cols_n.size, per_chunk):
            cols = cols_n[start:start + per_chunk]
            block = Block(rescale_sorted(np.sort(vals[:, cols], axis=0)[:n]))
            m2, _, m4 = block.moments
            eff = effect_sizes(block.xs, (m2, m4))
            for k in _EFFECTS:
                effects[k][cols] = eff[k]
            for j in cols[eff["iqr_zero"]]:
                flags[j].append("iqr_zero")
            for t in run:
                i = names.index(t)
                spec = TESTS[t]
                s = spec.statistic(block)
                inf = np.isinf(s)
                n_nan_stat += int(np.isnan(s).sum())
                if mc:
                    p = _mc_pvalue(s, nulls[f"{t}@n={n}"], spec.lower_is_extreme)
                    fl = p <= floors[i]
                else:
                    p, fl = spec.pvalue(s, n, block)
                    if t == "shapiro" and np.any(fl):
                        floors[i] = max(floors[i], SHAPIRO_SMALL_N_FLOOR)
                p = np.where(inf, 0.0, p)
                stat[i, cols] = s
                pval[i, cols] = p
                at_floor[i, cols] = fl & ~inf
                infinite[i, cols] = inf
        if "shapiro" in run and n > SHAPIRO_MAX_N and not mc:
            messages.append(warn(f"Shapiro–Wilk with n = {n} > {SHAPIRO_MAX_N}: Royston's "
                                 "p-value approximation is extrapolated beyond its range.",
                                 NumericalWarning))
        if "dagostino" in run and n < 20 and not mc:
            messages.append(warn(f"D'Agostino's K² with n = {n} < 20: the kurtosis "
                                 "approximation is unreliable.", SmallSampleWarning))
    n_iqr0 = sum("iqr_zero" in f for f in flags)
    if n_iqr0:
        messages.append(warn(f"{n_iqr0} of {ncol} samples have IQR = 0 (over half their values "
                             "tie, e.g. exact zeros); their effect sizes use the sd as scale "
                             "(flagged 'iqr_zero').", DataWarning))
    for t, cnt in small_for.items():
        messages.append(warn(f"{cnt} of {ncol} samples have fewer than {TESTS[t].min_n} values, "
                             f"the minimum for {TESTS[t].label}; its results are NaN there.",
                             SmallSampleWarning))
    if n_nan_stat:  # no known finite input gets here; never turned into a rejection
        messages.append(warn(f"{n_nan_stat} statistics could not be computed (NaN); their "
                             "p-values are NaN.", NumericalWarning))
    if infinite.any():
        messages.append(warn(f"{int(infinite.sum())} statistics were infinite; their p-values "
                             "are 0 (flagged in `infinite_statistic`).", NumericalWarning))
    return GaussianityResult(
        tests=names, statistic=stat, pvalue=pval, pvalue_floor=floors, at_floor=at_floor,
        infinite_statistic=infinite, n=np.full(ncol, nrow, dtype=np.int64), n_used=n_used,
        n_dropped=n_dropped,
        sample_flags=np.array([";".join(f) for f in flags], dtype=object),
        method=pvalue_method, n_resamples=n_resamples if mc else None, axis=data.axis,
        input_shape=data.input_shape, null_distribution=nulls, warnings=tuple(messages),
        **effects)

