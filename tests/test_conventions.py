"""One table-driven suite for every public function: hostile inputs, rng, result contract.

Each entry adapts a public callable to ``call(x, rng)``. Every hostile input must give a typed
error (``ValueError``/``TypeError``) with a message, or a finite result plus a warning — never a
silent NaN. Functions join the table as their modules land (see ``PUBLIC``).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from stablecheck._sketch import MomentSketch
from stablecheck._validation import as_sample


def _hostile_cases():
    rng = np.random.default_rng(7)
    base = rng.standard_t(3, size=400)
    ninety = base.copy()
    ninety[: int(0.9 * ninety.size)] = 0.0
    masked = np.ma.masked_array(base, mask=np.arange(base.size) % 7 == 0)
    nan = base.copy()
    nan[[3, 40]] = np.nan
    inf = base.copy()
    inf[5] = np.inf
    return {
        "nan": nan,
        "inf": inf,
        "constant": np.full(400, 2.5),
        "all_zeros": np.zeros(400),
        "90pct_zeros": ninety,
        "tiny_n": base[:1],
        "float16": base.astype(np.float16),
        "int8": np.clip(base * 10, -127, 127).astype(np.int8),
        "masked": masked,
        "scale_1e30": base * 1e30,
        "scale_1e-30": base * 1e-30,
        "noncontiguous": np.repeat(base, 2)[::2],
        "bool": base > 0,
        "complex": base.astype(complex),
        "strings": base.astype(str),
    }


HOSTILE = _hostile_cases()


def _finite_leaves(obj) -> bool:
    """True when every float reachable from a result (fields, dicts, tuples) is finite or None."""
    from stablecheck._results import to_jsonable

    def walk(v):
        if isinstance(v, float):
            return math.isfinite(v)
        if isinstance(v, dict):
            return all(walk(u) for u in v.values())
        if isinstance(v, list):
            return all(walk(u) for u in v)
        return True

    data = to_jsonable(obj) if not isinstance(obj, (float, np.ndarray)) else to_jsonable(
        np.asarray(obj))
    # to_jsonable maps nan -> None and inf -> "inf": reject both for result values
    text = repr(data)
    return walk(data) and "None" not in text.replace("'warnings': None", "") and "'inf'" not in text


def _moment_call(x, rng):
    s = as_sample(x)
    return MomentSketch().update(s.values).kurtosis


def _tail(method, **kw):
    def call(x, rng):
        import stablecheck as sc

        return sc.tail_index(x, method=method, rng=rng, **kw).alpha
    return call


def _gauss(x, rng):
    import stablecheck as sc

    return sc.gaussianity(x, axis=None).pvalue


def _scale_null(x, rng):
    import stablecheck as sc

    a = np.asarray(x) if not isinstance(x, np.ma.MaskedArray) else x
    if isinstance(a, np.ndarray) and a.ndim == 1 and a.size >= 40:
        a = a[: a.size - a.size % 20].reshape(20, -1)
    return sc.scale_aware_null(a, n_resamples=19, iid=False, rng=rng).pvalue


def _analyze(x, rng):
    import stablecheck as sc

    res = sc.analyze(x, axis="coordinate", estimators=("logmoment",), scale_null=0, rng=rng)
    # a multi-layer analysis must not die on one dead layer: a row that cannot be estimated
    # carries NaN *and* the reason; a NaN without a reason is the silent NaN we forbid
    t = res.table
    rows = t[t.estimator == "logmoment"]
    silent = rows.alpha.isna() & (rows.warnings.fillna("") == "")
    return np.where(silent, np.nan, np.nan_to_num(rows.alpha.to_numpy(dtype=float)))


def _fit(method):
    def call(x, rng):
        import stablecheck as sc

        r = sc.fit_stable(x, method=method, ci=None, rng=rng)
        return np.array([r.alpha, r.beta, r.scale, r.loc])
    return call


def _powerlaw(x, rng):
    import stablecheck as sc

    r = sc.powerlaw_fit(x, gof=10, ci=10, rng=rng)
    return np.array([r.alpha, r.xmin, r.ks_distance, r.gof_pvalue])


def _lr(x, rng):
    import stablecheck as sc

    r = sc.gaussian_vs_stable(x, n_resamples=19, rng=rng)
    return np.array([r.statistic, r.pvalue])


def _stable_gof(x, rng):
    import stablecheck as sc

    r = sc.stable_gof(x, n_resamples=19, rng=rng)
    return np.array([r.statistic, r.pvalue])


# name -> call(x, rng). Engines add themselves here as they land.
PUBLIC = {
    "as_sample": lambda x, rng: as_sample(x).values,
    "MomentSketch(as_sample)": _moment_call,
    "tail_index(hill)": _tail("hill", k=50),
    "tail_index(moment)": _tail("moment", k=50),
    "tail_index(logmoment)": _tail("logmoment"),
    "tail_index(mohammadi)": _tail("mohammadi", k1=10),
    "gaussianity": _gauss,
    "scale_aware_null": _scale_null,
    "analyze": _analyze,
    "fit_stable(quantile)": _fit("quantile"),
    "fit_stable(ecf)": _fit("ecf"),
    "powerlaw_fit": _powerlaw,
    "gaussian_vs_stable": _lr,
    "stable_gof": _stable_gof,
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_hostile_input_contract(name, case):
    call = PUBLIC[name]
    x = HOSTILE[case]
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        try:
            out = call(x, np.random.default_rng(0))
        except (ValueError, TypeError) as exc:
            assert str(exc), f"{name} raised {type(exc).__name__} without a message on {case}"
            return
    values = np.asarray(out, dtype=float) if isinstance(out, (float, np.ndarray)) else None
    if values is not None:
        finite = bool(np.all(np.isfinite(values)))
    else:
        finite = _finite_leaves(out)
    assert finite, f"{name} returned a non-finite result on {case} (raise a typed error instead)"
