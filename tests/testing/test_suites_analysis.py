"""check_analysis, matrix_adapter and check_gof_test's options for other test shapes, on small
reference subjects and deliberately broken ones: each flaw must be named by its property."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest
from _reference import shapiro
from scipy import stats

from stablecheck._validation import as_matrix, as_rng
from stablecheck.testing import (
    ANALYSIS_PROPERTIES,
    check_analysis,
    check_gof_test,
    matrix_adapter,
)

KEYS = ("snapshot", "layer", "axis", "view", "estimator")


@dataclass(frozen=True)
class Tiny:
    table: pd.DataFrame
    warnings: tuple = ()
    details: tuple = field(default=())

    def to_dict(self):
        return {"table": self.table.astype(object).where(self.table.notna(), None)
                .to_dict(orient="records"), "warnings": list(self.warnings)}


def _hill(values: np.ndarray) -> float:
    a = np.sort(np.abs(values))[::-1]
    k = int(np.sqrt(a.size))
    if a[k] == a[0]:
        raise ValueError("the top sqrt(n) magnitudes are tied")
    return float(k / np.sum(np.log(a[:k] / a[k])))


def tiny_analysis(u, *, rng=None, flaw: str = ""):
    """Pooled Hill (order free), first-block mean log-ratio (order dependent, 'block'), and
    the fraction of coordinates whose Shapiro test rejects across rows; one warning when a
    coordinate has no spread."""
    u = as_matrix(u, min_rows=8)
    gen = as_rng(rng)
    notes = []
    flat = np.ptp(u, axis=0) == 0
    if flat.all():
        raise ValueError("every coordinate is constant")
    if flat.any():
        notes.append(f"{int(flat.sum())} coordinates have no spread")
    if np.mean(u == 0) > 0.5:
        notes.append(f"{np.mean(u == 0):.0%} exact zeros")
    pooled = u.ravel()
    pooled = pooled[pooled != 0]
    if pooled.size < 50:
        raise ValueError(f"only {pooled.size} non-zero values")
    hill = _hill(pooled)
    if flaw == "scale":
        hill = hill * float(np.max(np.abs(pooled)))
    if flaw == "global_rng":
        hill = hill + 1e-3 * np.random.standard_normal()  # noqa: NPY002 - the flaw
    block = float(np.mean(np.abs(pooled[:10])) / np.mean(np.abs(pooled)))  # by position
    cols = u[:, ~flat]
    cols = (cols - cols.mean(axis=0)) / cols.std(axis=0)  # shapiro misjudges ranges ~1e-30
    p = np.array([stats.shapiro(cols[:, j]).pvalue for j in range(cols.shape[1])])
    frac = float(np.mean(p <= 0.05))
    if flaw == "order":
        frac = float(np.mean(p[:3] <= 0.05))  # only the first coordinates: order matters
    if flaw == "pvalue":
        frac = frac + 1.5
    mags = np.abs(gen.permutation(pooled)[:20])  # random, from rng only
    sub = float(np.mean(mags > np.median(np.abs(pooled))))
    rows = [dict(zip(KEYS, ("0", "x", "coordinate", "raw", "hill")), alpha=hill, pvalue=np.nan,
                 fraction_rejecting=np.nan, warnings=""),
            dict(zip(KEYS, ("0", "x", "coordinate", "raw", "block")), alpha=block,
                 pvalue=np.nan, fraction_rejecting=np.nan, warnings=""),
            dict(zip(KEYS, ("0", "x", "coordinate", "raw", "random:signs")), alpha=np.nan,
                 pvalue=np.nan, fraction_rejecting=sub, warnings=""),
            dict(zip(KEYS, ("0", "x", "minibatch", "per-coordinate", "shapiro")), alpha=np.nan,
                 pvalue=np.nan, fraction_rejecting=frac, warnings="")]
    if flaw == "silent_nan":
        rows.append(dict(zip(KEYS, ("0", "x", "coordinate", "raw", "moment")), alpha=np.nan,
                         pvalue=np.nan, fraction_rejecting=np.nan, warnings=""))
    return Tiny(pd.DataFrame(rows), tuple(notes))


ORDER = ("block", "random:")
FAST = {"max_examples": 3, "seed": 0, "n_rows": 16, "n_columns": (20, 40),
        "order_dependent": ORDER}


def _flawed(flaw):
    def f(u, *, rng=None):
        return tiny_analysis(u, rng=rng, flaw=flaw)
    f.__qualname__ = f"tiny_analysis[{flaw}]"
    return f


def test_reference_analysis_passes():
    r = check_analysis(tiny_analysis, **FAST)
    assert r.passed, r.summary()
    assert set(r.checked) == set(ANALYSIS_PROPERTIES)
    assert {"permutation_invariance[block]", "permutation_invariance[random:]"} <= set(r.skipped)


@pytest.mark.parametrize("flaw, prop, where", [
    ("scale", "scale_invariance", "hill:alpha"),
    ("global_rng", "rng_determinism", "global numpy RNG"),
    ("order", "permutation_invariance", "shapiro:fraction_rejecting"),
    ("silent_nan", "result_contract", "moment: alpha, statistic, pvalue"),
    ("pvalue", "result_contract", "fraction_rejecting = "),
])
def test_broken_analysis_fails_the_right_property(flaw, prop, where):
    r = check_analysis(_flawed(flaw), properties=[prop], **FAST)
    assert r.failed_properties == (prop,), r.summary()
    assert where in r.failures[0].message, r.summary()


def test_undeclared_order_dependence_is_caught():
    # the positional 'block' row is only tolerated when declared
    r = check_analysis(tiny_analysis, properties=["permutation_invariance"],
                       **{**FAST, "order_dependent": ("random:",)})
    assert r.failed_properties == ("permutation_invariance",)
    assert "block:alpha" in r.failures[0].message


def test_to_dict_must_be_strict_json():
    def nan_dict(u, *, rng=None):
        res = tiny_analysis(u, rng=rng)
        return type("R", (), {"table": res.table, "warnings": (),
                              "to_dict": lambda self: {"x": float("nan")}})()
    r = check_analysis(nan_dict, properties=["result_contract"], **FAST)
    assert "strict JSON" in r.failures[0].message
    json.dumps(tiny_analysis(np.random.default_rng(0).standard_normal((16, 20))).to_dict(),
               allow_nan=False)


# --- matrix_adapter -----------------------------------------------------------------------

def test_matrix_adapter_lays_out_every_value():
    seen = {}

    def record(m, *, rng=None, tag=None):
        seen.update(m=m, rng=rng, tag=tag)
        return 0.0, 1.0
    f = matrix_adapter(record, n_rows=20, tag="t")
    assert f.__qualname__ == "matrix_adapter(test_matrix_adapter_lays_out_every_value."\
                             "<locals>.record)"
    x = np.arange(53.0)  # prime: one column, nothing left out
    f(x, rng=7)
    assert seen["m"].shape == (53, 1) and seen["rng"] == 7 and seen["tag"] == "t"
    f(np.arange(200.0))
    assert seen["m"].shape == (20, 10) and np.array_equal(seen["m"].ravel(), np.arange(200.0))
    f(np.arange(50.0))  # divisors 10 and 25: the closer to 20
    assert seen["m"].shape == (25, 2)
    f(list(np.arange(40.0)))
    assert isinstance(seen["m"], list) and len(seen["m"]) == 20 and len(seen["m"][0]) == 2
    masked = np.ma.array(np.arange(40.0), mask=np.arange(40) % 7 == 0)
    f(masked)
    assert np.ma.isMaskedArray(seen["m"]) and seen["m"].mask.sum() == 6
    with pytest.raises(TypeError, match="callable"):
        matrix_adapter(3)


def test_matrix_adapter_without_rng_keyword():
    f = matrix_adapter(lambda m: (float(m.shape[0]), 0.5))
    assert f(np.arange(40.0), rng=1) == (20.0, 0.5)


# --- check_gof_test options ------------------------------------------------------------------

def _laplace(n, rng):
    return rng.laplace(size=n)


def _kurtosis_test(x, *, rng=None):
    """'x is Laplace': rejects when the sample kurtosis is far from Laplace's 6 (p from a
    crude normal approximation; enough to tell a Laplace null from a Gaussian one)."""
    x = np.asarray(x, dtype=float)
    if x.size < 20 or np.ptp(x) == 0:
        raise ValueError("need 20 values with some spread")
    k = float(stats.kurtosis(x, fisher=False))
    z = (np.log(k) - np.log(6.0)) / np.sqrt(24.0 / x.size * 6)
    return k, float(2 * stats.norm.sf(abs(z)))


def test_null_sampler_is_what_size_uses():
    # Gaussian data have kurtosis 3: against the default (Gaussian) null this test rejects
    # far too often; against its own Laplace null its size is fine
    bad = check_gof_test(_kurtosis_test, properties=["size"], size_n=2000)
    assert bad.failed_properties == ("size",)
    assert "Gaussian samples" in bad.failures[0].message
    good = check_gof_test(_kurtosis_test, null=_laplace, properties=["size"], size_n=2000)
    assert good.passed, good.summary()
    always = check_gof_test(lambda x: (0.0, 0.001), null=_laplace, properties=["size"])
    assert "null (_laplace) samples" in always.failures[0].message


def test_alternative_sampler_is_what_consistency_uses():
    def uniform(n, rng):
        return rng.uniform(size=n)
    r = check_gof_test(_kurtosis_test, null=_laplace, alternative=uniform,
                       properties=["consistency"])
    assert r.passed, r.summary()
    never = check_gof_test(lambda x: (0.0, 0.9), alternative=uniform,
                           properties=["consistency"])
    assert "the alternative uniform" in never.failures[0].message


def test_heavier_tails_reject_false_skips_monotonicity():
    r = check_gof_test(shapiro, heavier_tails_reject=False,
                       properties=["monotone_heavier_tails"])
    assert r.checked == () and "heavier_tails_reject=False" in r.skipped["monotone_heavier_tails"]


def test_location_invariant_false_checks_scale_only():
    def logabs(x, *, rng=None):  # invariant under c·x, not under x + b
        la = np.log(np.abs(np.asarray(x, dtype=float)))
        return float(np.std(la)), 0.5
    assert check_gof_test(logabs, properties=["scale_invariance"]).failed_properties == (
        "scale_invariance",)
    r = check_gof_test(logabs, location_invariant=False, properties=["scale_invariance"])
    assert r.passed, r.summary()


def test_sign_invariant_statistic_compares_the_statistic_only():
    def mc(x, *, rng=None):  # statistic sign invariant, p depends on the sign of the data
        x = np.asarray(x, dtype=float)
        return float(np.std(x) / np.mean(np.abs(x))), 0.5 + 0.4 * np.sign(np.mean(x))
    assert check_gof_test(mc, properties=["sign_invariance"]).failed_properties == (
        "sign_invariance",)
    r = check_gof_test(mc, sign_invariant="statistic", properties=["sign_invariance"])
    assert r.passed, r.summary()
    with pytest.raises(ValueError, match="sign_invariant"):
        check_gof_test(mc, sign_invariant="p")
    with pytest.raises(TypeError, match="null"):
        check_gof_test(mc, null=3)


def test_statistic_without_pvalue():
    def rate(x, *, rng=None):
        x = np.asarray(x, dtype=float)
        if not np.isfinite(x).all() or x.size < 20:
            raise ValueError("need 20 finite values")
        return float(np.mean(np.abs(x - np.median(x)) > 2 * stats.iqr(x)))
    r = check_gof_test(rate, pvalue=False, hostile=["contains NaN", "float32"])
    assert r.passed, r.summary()
    assert {"monotone_heavier_tails", "consistency", "size"} <= set(r.skipped)
    broken = check_gof_test(lambda x: float("nan"), pvalue=False,
                            properties=["result_contract"])
    assert broken.failed_properties == ("result_contract",)
