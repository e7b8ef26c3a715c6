"""Published values: Clauset, Shalizi & Newman (2009), Tables 6.1 and 6.2.

Data files and their provenance: ``tests/reference/powerlaw/`` (``make_data.py``,
``SHA256SUMS``); published numbers: ``clauset2009_tables.json``. Of the paper's 24 data sets
the eight distributed with PyPI ``powerlaw`` are available offline (words, terrorism,
blackouts, cities, fires, flares, quakes, surnames); the other 16 are not.
"""

from __future__ import annotations

import json
import pathlib
import warnings

import numpy as np
import pytest

import stablecheck as sc
from stablecheck.errors import StablecheckWarning

REF = pathlib.Path(__file__).parents[1] / "reference" / "powerlaw"
TABLES = json.loads((REF / "clauset2009_tables.json").read_text())["sets"]
ALTS = ("lognormal", "exponential", "stretched_exponential", "truncated_power_law")

# Continuous data sets with many repeated values: Clauset et al.'s code computed the
# empirical CDF as if all values were distinct, which moves xmin (powerlaw's maintainers
# document the same in testing/test_reference_data.py; with the tie-aware CDF they find
# quakes xmin = 10, exponent 1.95 and surnames xmin = 14.92, exponent 2.2, as we do).
TIES = {"quakes": (10.0, 1.95), "surnames": (14.9226, 2.20)}

# Table 6.2 entries we do not reproduce, and why.
NOT_REPRODUCED = {
    ("words", "lognormal"): "our lognormal fit reaches a higher likelihood (R 0.20 < 0.395)",
    ("words", "stretched_exponential"): "the fit runs to its power-law limit (beta -> 0); "
                                        "we report the nested test, not Vuong's",
    ("terrorism", "stretched_exponential"): "our fit reaches a higher likelihood (R -0.23 < 0.77)",
    ("cities", "stretched_exponential"): "our fit reaches a higher likelihood (R -0.09 < 0.20)",
    ("flares", "stretched_exponential"): "our fit reaches a higher likelihood (R -0.82 < -0.55)",
    ("blackouts", "exponential"): "closed-form MLE gives R = 1.43 (powerlaw also gets 1.43); "
                                  "the published 1.21 is not reproducible from these data",
}


def load(name):
    spec = TABLES[name]
    return np.loadtxt(REF / f"{name}.txt.gz") / spec["scale"], spec


_CACHE: dict = {}


def fit(name):
    if name not in _CACHE:
        x, spec = load(name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", StablecheckWarning)
            _CACHE[name] = sc.powerlaw_fit(x, discrete=spec["discrete"])
    return _CACHE[name]


def test_data_files_have_the_published_sizes():
    for name, spec in TABLES.items():
        x, _ = load(name)
        assert x.size == spec["n"], name


@pytest.mark.parametrize("name", [n for n in TABLES if n not in TIES])
def test_table_6_1(name):
    spec = TABLES[name]
    res = fit(name)
    # alpha is published to `alpha_digits` decimals: agree to half a unit of the last one
    assert abs(res.density_exponent - spec["alpha"]) <= 0.5 * 10.0 ** -spec["alpha_digits"]
    # xmin is a data value, published to the digits the data have: equal after rounding
    assert round(res.xmin, 2) == pytest.approx(spec["xmin"], abs=1e-9)
    assert res.n_tail == spec["n_tail"]


@pytest.mark.parametrize("name", sorted(TIES))
def test_table_6_1_tied_data_sets(name):
    spec = TABLES[name]
    res = fit(name)
    xmin, exponent = TIES[name]
    assert res.xmin == pytest.approx(xmin, rel=1e-4)
    assert res.density_exponent == pytest.approx(exponent, abs=0.005)
    assert res.xmin != pytest.approx(spec["xmin"], rel=0.01)  # documents the disagreement


CASES = [(n, a) for n in TABLES if n not in TIES for a in ALTS]


@pytest.mark.parametrize("name, alt", [c for c in CASES if c not in NOT_REPRODUCED])
def test_table_6_2(name, alt):
    stat, p = TABLES[name][alt]
    c = fit(name).comparisons[alt]
    # Published to 3 significant digits from numerical fits (R's nlm); 2% + 0.005 covers the
    # rounding and the optimisers' tolerance (largest seen: cities exponential, 1.5%).
    assert c.statistic == pytest.approx(stat, rel=0.02, abs=0.005)
    # p-values are published to 2 decimals: half a unit plus the statistic's slack
    assert c.pvalue == pytest.approx(p, abs=0.01)


@pytest.mark.parametrize("name, alt", sorted(NOT_REPRODUCED))
def test_table_6_2_not_reproduced(name, alt):
    """Where we differ, our alternative fits the tail at least as well as the published one."""
    stat, _ = TABLES[name][alt]
    c = fit(name).comparisons[alt]
    assert c.statistic != pytest.approx(stat, rel=0.02, abs=0.005)
    if (name, alt) != ("blackouts", "exponential"):
        # a lower R (same power-law fit) means a better alternative fit
        assert c.statistic < stat or c.at_power_law_limit


@pytest.mark.slow
@pytest.mark.parametrize("name", ["blackouts", "terrorism", "cities", "flares"])
def test_table_6_1_gof_pvalue_and_uncertainty(name):
    # p with B = 500 has MC sd <= 0.022; the published ones (B = 2500) add ~0.01, and the
    # bootstraps differ in detail: 0.1 is ~4 combined sd.
    x, spec = load(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StablecheckWarning)
        res = sc.powerlaw_fit(x, discrete=spec["discrete"], gof=500, ci=300, compare=None,
                              rng=2009)
    assert res.gof_pvalue == pytest.approx(spec["p"], abs=0.1)
