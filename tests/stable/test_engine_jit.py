"""The compiled integrator (``_numerics_jit``, numba) against the numpy one it transcribes.

Both paths use the same formulas, level sets and nodes, so they must agree to rounding; the
accuracy of the engine itself is tested against independent references in test_reference.py
(which runs on whichever path is active: the compiled one when numba is installed).
"""

from __future__ import annotations

import numpy as np
import pytest

from stablecheck.stable import _numerics as N

pytest.importorskip("numba")


def _hard_grid(n=1500, seed=11):
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.05, 2.0, n)
    b = rng.uniform(-1.0, 1.0, n)
    b[::7], b[1::7] = 1.0, -1.0  # light tails and support ends
    a[2::11] = 1.0  # alpha = 1 branch
    a[3::13] = 1.0 + rng.uniform(-0.01, 0.01, n)[3::13]  # alpha ~ 1 window / direct
    # |x| up to 1e8: the far tails at |alpha - 1| <= 6e-3, where log g used to carry ~|x| 1e-16
    # of rounding noise (6.5e-10 between the paths at x = 1.6e6, alpha = 0.996, which capped
    # this grid at 1e6), are now the shared tail series (``_series.far_tail``)
    x = np.clip(rng.standard_cauchy(n) * 10.0 ** rng.uniform(-3, 5, n), -1e8, 1e8)
    return x, a, b


def _eval(fn, x, a, b, monkeypatch):
    monkeypatch.setitem(N._JIT_STATE, "fn", fn)
    return N.std_eval(x, a, b, want_cdf=True)


def test_compiled_integrator_matches_numpy(monkeypatch):
    from stablecheck.stable._numerics_jit import integrate_jit

    x, a, b = _hard_grid()
    ref = _eval(N._integrate, x, a, b, monkeypatch)
    got = _eval(integrate_jit, x, a, b, monkeypatch)
    for name, r, g in zip(("logpdf", "logcdf", "logsf"), ref, got, strict=True):
        # same non-finite pattern (support ends, log f below -1.8e308)
        np.testing.assert_array_equal(np.isfinite(g), np.isfinite(r), err_msg=name)
        np.testing.assert_array_equal(g[~np.isfinite(r)], r[~np.isfinite(r)], err_msg=name)
        fin = np.isfinite(r)
        # Rounding-level agreement on log values (relative to max(1, |log|)): measured max
        # 1.1e-13 (alpha = 1.017, beta = 1, x = -1.3e4: sequential vs pairwise sums, Newton
        # roots equal to 1e-14 in log g; 9.8e-13 at alpha = 1, x = -1.5e5 before the far-tail
        # series).  1e-11 keeps margin and is 10x below the engine's accuracy target, so a
        # transcription error would fail here.
        d = np.abs(g[fin] - r[fin]) / np.maximum(1.0, np.abs(r[fin]))
        assert np.max(d) <= 1e-11, (name, float(np.max(d)))


def test_integrator_choice_respects_env(monkeypatch):
    monkeypatch.delitem(N._JIT_STATE, "fn", raising=False)
    monkeypatch.setenv("STABLECHECK_NO_NUMBA", "1")
    assert N._integrator() is N._integrate
    monkeypatch.delitem(N._JIT_STATE, "fn", raising=False)
    monkeypatch.delenv("STABLECHECK_NO_NUMBA")
    assert N._integrator() is not N._integrate
    monkeypatch.delitem(N._JIT_STATE, "fn", raising=False)
