"""Property suite for dataset-level analyses (``analyze``-shaped subjects): ``check_analysis``.

An analysis maps a K × P noise matrix to a table of results, one row per layer × axis × view
× estimator/test. The properties are those of the estimators applied *per row*: a row whose
estimator is scale invariant must not move when the whole matrix is rescaled, and so on.
What does not apply is declared, not hidden: rows computed by order-dependent procedures
(Mohammadi blocks in seed order, subsamples drawn by position) are excluded from the
permutation property by name and listed in the report's ``skipped``; the statistical
properties (monotonicity, consistency, coverage, size) belong to the engines the analysis
calls, each checked by its own suite, and are not re-run here.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
from hypothesis import settings as Settings
from hypothesis import strategies as st

from . import _samplers
from ._adapters import _to_rows
from ._report import CheckResult
from ._runner import PropertyViolation, Suite, accepts_rng, describe_error, subject_name
from .strategies import SampleWithTruth

__all__ = ["check_analysis", "assert_analysis", "ANALYSIS_PROPERTIES", "ANALYZE_ORDER_DEPENDENT"]

ANALYSIS_PROPERTIES = (
    "result_contract", "input_unchanged", "scale_invariance", "sign_invariance",
    "permutation_invariance", "rng_determinism", "hostile_inputs",
)

#: Rows of :func:`stablecheck.analyze` that depend on the order of the values by design:
#: Mohammadi's blocks of consecutive pooled values (seed pooling, row-major), the
#: scale-aware null of that estimate, and subsamples drawn by position.
ANALYZE_ORDER_DEPENDENT = ("mohammadi", "scale_aware_null", "subsample:")

_KEYS = ("snapshot", "layer", "axis", "view", "estimator")
_UNIT = ("pvalue", "pvalue_iid", "fraction_rejecting", "fraction_rejecting_adj", "pi0")


class _AnalysisSuite(Suite):
    kind = "analysis"

    def __init__(self, *args: Any, n_rows: int, primary: tuple[str, ...],
                 ignore: tuple[str, ...], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.n_rows = n_rows
        self.primary_cols = primary
        self.ignore = ignore

    def values(self, result: Any) -> dict:
        table = getattr(result, "table", None)
        if table is None or not hasattr(table, "columns"):
            raise PropertyViolation(f"result of type {type(result).__name__} has no .table "
                                    "DataFrame")
        missing = [k for k in _KEYS if k not in table.columns]
        if missing:
            raise PropertyViolation(f".table lacks the key column(s) {missing}")
        if len(table) == 0:
            raise PropertyViolation(".table has no rows")
        keys = ["/".join(str(v) for v in row) for row in table[list(_KEYS)].itertuples(False)]
        if len(set(keys)) != len(keys):
            dup = sorted({k for k in keys if keys.count(k) > 1})
            raise PropertyViolation(f".table rows are not identified by {_KEYS}: {dup[:3]}")
        w = getattr(result, "warnings", ())
        if not isinstance(w, (tuple, list)) or not all(isinstance(s, str) for s in w):
            raise PropertyViolation(f".warnings must be a tuple of str; got {w!r}")
        notes = table["warnings"] if "warnings" in table.columns else [""] * len(table)
        out: dict[str, float] = {}
        numeric = [c for c in table.columns if c not in _KEYS and c not in self.ignore
                   and c != "warnings" and table[c].dtype.kind in "biuf"]
        for key, (_, row), note in zip(keys, table.iterrows(), notes):
            vals = {c: float(row[c]) for c in numeric}
            for c in _UNIT:
                v = vals.get(c, math.nan)
                if not math.isnan(v) and not 0.0 <= v <= 1.0:
                    raise PropertyViolation(f"row {key}: {c} = {v!r} is outside [0, 1]")
            lo, hi = vals.get("ci_low", math.nan), vals.get("ci_high", math.nan)
            if lo > hi:
                raise PropertyViolation(f"row {key}: confidence interval reversed ({lo}, {hi})")
            prim = [vals[c] for c in self.primary_cols if c in vals]
            if prim and all(math.isnan(v) for v in prim) and not str(note or "").strip():
                raise PropertyViolation(f"row {key}: {', '.join(self.primary_cols)} all NaN "
                                        "with an empty warnings column (a silent NaN row)")
            out.update({f"{key}:{c}": v for c, v in vals.items()})
        if hasattr(result, "to_dict"):
            try:
                json.dumps(result.to_dict(), allow_nan=False)
            except (TypeError, ValueError) as e:
                raise PropertyViolation(f"to_dict() is not strict JSON: {describe_error(e)}"
                                        ) from None
        return out

    def assert_close(self, a: dict, b: dict, what: str, keys: Iterable[str] | None = None,
                     rtol: float | None = None, atol: float = 0.0) -> None:
        # a cell that is NaN on both sides (not applicable to that row) is unchanged
        keys = [k for k in (keys if keys is not None else a) if k in a and k in b
                and not (math.isnan(a[k]) and math.isnan(b[k]))]
        super().assert_close(a, b, what, keys=keys, rtol=rtol, atol=atol)

    def nonfinite(self, vals: dict) -> dict:
        return {}  # NaN cells are legitimate where the row explains them (checked in values)

    def comparable(self, a: dict, b: dict, skip_rows: tuple[str, ...]) -> list[str]:
        """Keys present in both whose row's estimator does not start with a skipped name."""
        def estimator(key: str) -> str:
            return key.rsplit(":", 1)[0].split("/", 4)[-1]
        return [k for k in a if k in b
                and not any(estimator(k).startswith(p) for p in skip_rows)]


def check_analysis(
    analysis: Callable[..., Any],
    *,
    n_rows: int = 24,
    n_columns: tuple[int, int] = (40, 120),
    scale_dependent: Iterable[str] = (),
    sign_dependent: Iterable[str] = (),
    order_dependent: Iterable[str] = ANALYZE_ORDER_DEPENDENT,
    primary: Iterable[str] = ("alpha", "statistic", "pvalue", "fraction_rejecting"),
    ignore_columns: Iterable[str] = ("iteration", "batch_size"),
    hostile: Iterable[str] | None = None,
    hostile_expect: Mapping[str, str] | None = None,
    warning_category: type[Warning] = Warning,
    rtol: float = 1e-6,
    max_examples: int = 5,
    seed: int = 0,
    settings: Settings | None = None,
    properties: Iterable[str] | None = None,
) -> CheckResult:
    """Run the property suite for a dataset-level analysis such as :func:`stablecheck.analyze`.

    The subject is any callable ``analysis(matrix, *, rng=None)`` (``rng`` optional) taking a
    K × P matrix (K minibatch noise vectors over P coordinates) and returning an object with
    ``.table`` (a pandas DataFrame, one row per ``snapshot × layer × axis × view ×
    estimator``, those five columns identifying the row), ``.warnings`` (tuple of str) and
    optionally ``to_dict()``. Bind options with ``functools.partial`` (e.g. a small
    ``scale_null``).

    Parameters
    ----------
    analysis : callable
    n_rows : int
        K of the drawn matrices.
    n_columns : (min, max)
        P of the drawn matrices (Gaussian coordinates with log-normal scales, or SαS
        coordinates).
    scale_dependent, sign_dependent : iterable of str
        Columns that legitimately change when the data are rescaled / negated (left out of
        those properties).
    order_dependent : iterable of str
        Estimator names (prefixes) whose rows depend on the order of the values by design;
        they are left out of ``permutation_invariance`` and listed in ``skipped``.
    primary : iterable of str
        A row with all of these NaN must say why in its ``warnings`` column.
    ignore_columns : iterable of str
        Numeric columns that are labels, not results.
    hostile, hostile_expect, warning_category, rtol, max_examples, seed, settings, properties
        As in :func:`check_tail_estimator`; hostile arrays are laid out as matrices like
        :func:`matrix_adapter` does.

    Returns
    -------
    CheckResult

    Notes
    -----
    Properties (``ANALYSIS_PROPERTIES``):

    * ``result_contract`` (checked on every call): rows identified by the five key columns,
      p-values and fractions in [0, 1], intervals not reversed, no row whose primary values
      are all NaN without a reason, ``.warnings`` a tuple of str, ``to_dict()`` strict JSON;
    * ``input_unchanged``;
    * ``scale_invariance`` (``c · U``) and ``sign_invariance`` (``−U``): every row;
    * ``permutation_invariance``: rows of ``U`` (minibatches) and columns (coordinates)
      permuted; every row except the declared order-dependent ones;
    * ``rng_determinism``: as in the other suites;
    * ``hostile_inputs``: the hostile arrays as matrices (a typed error, or a result with a
      warning for the invalid ones).

    Not applicable here, by design: ``monotone_heavier_tails``, ``consistency``, coverage
    and size — the rows are computed by the package's estimators and tests, each of which
    passes those properties in its own suite.

    Examples
    --------
    >>> import functools
    >>> import stablecheck as sc
    >>> from stablecheck.testing import check_analysis
    >>> r = check_analysis(functools.partial(sc.analyze, scale_null=19),
    ...                    properties=["sign_invariance"], max_examples=2)
    >>> r.passed
    True
    """
    from .._validation import check_int

    t0 = time.perf_counter()
    n_rows = check_int("n_rows", n_rows, min=2)
    if not callable(analysis):
        raise TypeError(f"the subject to check must be callable; got {analysis!r}.")
    takes_rng = accepts_rng(analysis)

    def subject(x: Any, *, rng: Any = None) -> Any:
        # every call, the shared properties' included, sees the drawn sample as a matrix
        return analysis(_to_rows(x, n_rows), **({"rng": rng} if takes_rng else {}))
    subject.__qualname__ = subject_name(analysis)
    s = _AnalysisSuite(subject, seed=seed, max_examples=max_examples, settings=settings,
                       properties=properties, rtol=rtol, warning_category=warning_category,
                       valid=ANALYSIS_PROPERTIES, n_rows=n_rows, primary=tuple(primary),
                       ignore=tuple(ignore_columns))
    s.pass_rng = takes_rng
    scale_dep, sign_dep = set(scale_dependent), set(sign_dependent)
    order_dep = tuple(order_dependent)

    def build(kind: str, a: float, p: int, dseed: int) -> SampleWithTruth:
        rng = np.random.default_rng(dseed)
        if kind == "gaussian":
            sigma = np.exp(rng.standard_normal(p))
            u = rng.standard_normal((n_rows, p)) * sigma
            return SampleWithTruth(u.ravel(), "scale_mixture", math.inf, {"P": p}, dseed)
        u = _samplers.stable_rvs(a, 0.0, 1.0, 0.0, n_rows * p, rng)
        return SampleWithTruth(u, "stable", a, {"alpha": a, "P": p}, dseed)
    samples = st.builds(build, st.sampled_from(["gaussian", "stable"]), st.floats(1.2, 1.9),
                        st.integers(*n_columns), st.integers(0, 2**32 - 1))

    def drop(vals: dict, cols: set) -> dict:
        return {k: v for k, v in vals.items() if k.rsplit(":", 1)[1] not in cols}

    def contract(sample):
        s.run_ok(sample.x)
    s.prop("result_contract", {"sample": samples}, contract)
    s.check_input_unchanged(samples)

    def scale_inv(sample, c):
        s.assert_close(drop(s.run_ok(sample.x), scale_dep), drop(s.run_ok(c * sample.x),
                                                                  scale_dep),
                       f"scaling the matrix by c={c!r}")
    s.prop("scale_invariance", {"sample": samples,
                                "c": st.floats(1e-3, 1e3).filter(lambda c: abs(c - 1) > 1e-6)},
           scale_inv)

    def sign_inv(sample):
        s.assert_close(drop(s.run_ok(sample.x), sign_dep), drop(s.run_ok(-sample.x), sign_dep),
                       "negating the matrix")
    s.prop("sign_invariance", {"sample": samples}, sign_inv)

    def perm_inv(sample, pseed, what):
        u = _to_rows(sample.x, n_rows)
        g = np.random.default_rng(pseed)
        v = u[g.permutation(u.shape[0])] if what == "rows" else u[:, g.permutation(u.shape[1])]
        a, b = s.run_ok(sample.x), s.run_ok(np.ascontiguousarray(v).ravel())
        keys = s.comparable(a, b, order_dep)
        s.assert_close(a, b, f"permuting the {what} (minibatches)" if what == "rows" else
                       f"permuting the {what} (coordinates)", keys=keys)
    s.prop("permutation_invariance", {"sample": samples, "pseed": st.integers(0, 2**16),
                                      "what": st.sampled_from(["rows", "columns"])}, perm_inv)
    if s.wanted("permutation_invariance"):
        for name in order_dep:
            s.skipped[f"permutation_invariance[{name}]"] = ("rows of an order-dependent "
                                                            "procedure (declared order_dependent)")

    s.check_rng_determinism(samples)

    def equivariance(ref, got, c):
        s.assert_close(drop(ref, scale_dep), drop(got, scale_dep), f"scaling the data by {c:g}")
    bases = st.builds(build, st.just("stable"), st.floats(1.5, 1.9), st.integers(*n_columns),
                      st.integers(0, 2**32 - 1))
    s.check_hostile(hostile, dict(hostile_expect or {}), bases, equivariance)
    return s.result(t0)


def assert_analysis(analysis: Callable[..., Any], **kwargs: Any) -> CheckResult:
    """``check_analysis(analysis, **kwargs).raise_if_failed()`` — the pytest one-liner."""
    return check_analysis(analysis, **kwargs).raise_if_failed()
