"""k-selection rules."""

from __future__ import annotations

import numpy as np
import pytest
from tail_helpers import abs_t_rvs, pareto_rvs

import stablecheck as sc
from stablecheck.tail._select import (
    analytic_double_bootstrap,
    double_bootstrap,
    drees_kaufmann,
    ks_min,
    path_stability,
)


def _logs(x):
    return np.log(np.sort(x)[::-1])


def test_double_bootstrap_rows_equal_single(rng):
    """Vectorised over populations: row r gets the same k as running it alone with the same
    random stream (the stream is consumed per stage, so compare with identical seeds)."""
    x = abs_t_rvs(3, 20_000, rng)
    L = _logs(x)
    k1, _ = double_bootstrap(L, x.size, np.random.default_rng(5))
    k2, _ = double_bootstrap(np.stack([L]), x.size, np.random.default_rng(5))
    assert int(k1) == int(k2[0])


def test_pareto_gets_a_deep_k_and_t_a_shallower_one(rng):
    """No second-order bias (exact Pareto) → the criterion keeps going deep; |t₃| (ρ = −2/3)
    stops much earlier. Both answers must also give α near the truth."""
    xp, xt = pareto_rvs(1.5, 50_000, rng), abs_t_rvs(3, 50_000, rng)
    kp, _ = double_bootstrap(_logs(xp), xp.size, rng)
    kt, _ = double_bootstrap(_logs(xt), xt.size, rng)
    assert kp > 3 * kt
    ka, info = analytic_double_bootstrap(_logs(xt), xt.size)
    assert 0.2 < ka / kt < 5 and info["analytic"]


@pytest.mark.parametrize("rule", [drees_kaufmann, ks_min, path_stability])
def test_other_rules_return_usable_k(rng, rule):
    x = abs_t_rvs(3, 20_000, rng)
    k, info = rule(_logs(x), x.size)
    assert 5 <= k < x.size


@pytest.mark.parametrize("k_method", ["double_bootstrap", "drees_kaufmann", "ks"])
def test_k_methods_recover_t3(rng, k_method):
    x = abs_t_rvs(3, 50_000, rng)
    r = sc.tail_index(x, k_method=k_method, rng=rng)
    assert abs(r.alpha - 3.0) < 0.45 and r.k_method == k_method


def test_bootstrap_reselects_k(rng):
    x = abs_t_rvs(3, 20_000, rng)
    r = sc.tail_index(x, ci="bootstrap", n_resamples=300, rng=4)
    ks = r.diagnostics["bootstrap_k"]
    assert np.unique(ks).size > 20          # k varies across replicates
    fixed = sc.tail_index(x, k=r.k, ci="bootstrap", n_resamples=300, rng=4)
    assert np.all(fixed.diagnostics["bootstrap_k"] == r.k)
    # k-uncertainty widens the interval
    assert r.confidence_interval.width > fixed.confidence_interval.width


@pytest.mark.parametrize("ci_method", ["percentile", "basic", "bca"])
def test_bootstrap_ci_methods(rng, ci_method):
    x = pareto_rvs(2.0, 20_000, rng)
    r = sc.tail_index(x, ci="bootstrap", ci_method=ci_method, n_resamples=300, rng=1)
    lo, hi = r.confidence_interval
    assert lo < r.alpha < hi and ci_method in r.confidence_interval.method


def test_block_bootstrap_wider_for_clustered_extremes(rng):
    """Each Pareto value repeated 5 times in a row (clusters of extremes): the block bootstrap
    sees the clustering, the iid tail bootstrap does not."""
    x = np.repeat(pareto_rvs(2.0, 4000, rng), 5) * rng.uniform(0.99, 1.01, 20_000)
    iid = sc.tail_index(x, k=1000, ci="bootstrap", n_resamples=300, rng=2)
    blk = sc.tail_index(x, k=1000, ci="block", n_resamples=300, rng=2)
    assert blk.confidence_interval.width > 1.5 * iid.confidence_interval.width


def test_compare_k_records_every_rule(rng):
    x = abs_t_rvs(3, 20_000, rng)
    r = sc.tail_index(x, compare_k=True, rng=1)
    assert set(r.diagnostics["k_by_method"]) == {"double_bootstrap", "drees_kaufmann", "ks",
                                                 "path_stability"}


def test_compare_k_warns_on_disagreement(rng):
    """A two-regime tail: Pareto(1) above 100, a lighter Pareto(4) body below. DK and KS
    lock onto different regimes than the double bootstrap on such data."""
    x = np.concatenate([100 * pareto_rvs(1.0, 300, rng), pareto_rvs(4.0, 30_000, rng)])
    with pytest.warns(sc.errors.DisagreementWarning, match="disagree"):
        sc.tail_index(x, compare_k=True, rng=1)


def test_adb_plan_prefix_sums_match_the_full_hill_path(rng):
    """The bootstrap re-selection reads prefix sums only at its grid points (segment sums +
    cumulative sum over segments) and raw second moments: the proxy it minimises equals the
    one computed from the full Hill moment paths (to float64 rounding), so the selected k
    and each replicate's Hill estimate are the same."""
    from stablecheck.tail._kernels import hill_moments
    from stablecheck.tail._order import poisson_rows
    from stablecheck.tail._select import ADBPlan, _qi_kstar

    x = abs_t_rvs(3, 20_000, rng)
    L = _logs(x)
    rows = poisson_rows(L - L[0], 40, 3000, rng)
    plan = ADBPlan(x.size, 3000, kmax1_cap=300)
    k, info = plan.select(rows)
    # reference: the same criterion from the full moment paths of every row
    kk = int(plan.ends[-1])
    m1, m2 = hill_moments(rows, kk)
    g = m1[:, plan.kg - 1]
    ref = []
    for (kg, kp) in plan.stages:
        d = m2[:, kp - 1] - 2.0 * m1[:, kp - 1] ** 2
        q = d * d + 4.0 * g[:, None] ** 4 / kg
        ref.append(kg[np.argmin(q, axis=1)])
    np.testing.assert_array_equal(info["k1"], ref[0])
    np.testing.assert_array_equal(info["k2"], ref[1])
    np.testing.assert_array_equal(k, _qi_kstar(ref[0], ref[1], plan.n1, x.size, 3000)[0])
    kb = np.clip(k, 2, 2999)
    s1, _ = plan.prefix(rows)
    np.testing.assert_allclose(plan.hill_at(rows, s1, kb),
                               hill_moments(rows, 2999)[0][np.arange(40), kb - 1], rtol=1e-10)


def test_exponentials_drawn_ahead_are_the_loops_draws():
    """The helper-thread prefetch draws the same exponentials, in the same order, as calling
    standard_exponential in a loop, and leaves the generator in the same state."""
    from stablecheck.tail._select import exponentials_ahead

    shapes = [(16, 1000), (16, 1000), (3, 77), (1, 5)]
    g1, g2 = np.random.default_rng(11), np.random.default_rng(11)
    got = list(exponentials_ahead(g1, shapes))
    for a, shp in zip(got, shapes):
        np.testing.assert_array_equal(a, g2.standard_exponential(shp))
    assert g1.random() == g2.random()
    # reused buffers (each block read before the next is requested): the same draws
    shapes += [(16, 1000), (2, 3)]
    g1, g2 = np.random.default_rng(12), np.random.default_rng(12)
    for a, shp in zip(exponentials_ahead(g1, shapes, reuse=True), shapes):
        assert a.shape == shp
        np.testing.assert_array_equal(a, g2.standard_exponential(shp))
    assert g1.random() == g2.random()


def test_double_bootstrap_cache_on_a_sketch_changes_nothing(rng):
    """tail_index on one TailSketch remembers its double-bootstrap k (keyed by the tail, n,
    the options and the generator state, and restoring the generator's state after the
    draws): a sequence of calls on one sketch gives bitwise what the same calls on fresh
    copies give, and leaves a shared generator in the same state."""
    import stablecheck as sc
    from stablecheck.tail import TailSketch

    x = (rng.pareto(1.5, 60_000) + 1.0) * rng.choice([-1.0, 1.0], 60_000)
    sk = TailSketch(6000)
    sk.update(x)
    state = sk.state()

    def calls(fresh):
        g = np.random.default_rng(5)
        out = []
        for kw in ({"rng": 0}, {"rng": 0, "ci": "bootstrap", "n_resamples": 60},
                   {"rng": g}, {"rng": g, "ci": "bootstrap", "n_resamples": 60},
                   {"rng": 0, "tail": "upper"}, {"rng": 0, "compare_k": True}):
            r = sc.tail_index(fresh(), **kw)
            out.append((r.alpha, tuple(r.confidence_interval), r.k,
                        None if r.bootstrap_distribution is None
                        else r.bootstrap_distribution.tobytes(),
                        r.diagnostics.get("k_by_method")))
        return out, g.random()

    cached = calls(lambda: sk)
    # 7 double bootstraps, 2 answered from the cache (seed 0 on |x| again, in the 2nd and
    # 6th calls); g has moved on between its two calls, and compare_k's own run draws
    # from the state after the first: 5 entries
    assert len(sk.__dict__["_k_cache"]) == 5
    uncached = calls(lambda: TailSketch.from_state(state))
    assert cached == uncached
