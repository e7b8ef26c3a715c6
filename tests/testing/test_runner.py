"""Internals of the property runner: rng detection, names, global-state isolation."""

from __future__ import annotations

import functools
import random

import numpy as np

from stablecheck.testing._runner import accepts_rng, invoke, pinned_global_rng, subject_name


def test_accepts_rng():
    def a(x, *, rng=None): ...
    def b(x, rng=None): ...
    def c(x, **kw): ...
    def d(x): ...
    assert accepts_rng(a) and accepts_rng(b) and accepts_rng(c)
    assert not accepts_rng(d)
    assert accepts_rng(functools.partial(a))
    assert not accepts_rng(len)


def test_subject_name():
    def est(x): ...
    assert subject_name(est).endswith("est")
    assert "est" in subject_name(functools.partial(est))

    class Est:
        def __call__(self, x): ...
    assert subject_name(Est()) == "Est"


def test_pinned_global_rng_restores_state():
    np.random.seed(123)  # noqa: NPY002 - testing the global state on purpose
    random.seed(123)
    expect_np = np.random.random()  # noqa: NPY002
    expect_py = random.random()
    np.random.seed(123)  # noqa: NPY002
    random.seed(123)
    with pinned_global_rng(0):
        np.random.random(10)  # noqa: NPY002
        random.random()
    assert np.random.random() == expect_np  # noqa: NPY002
    assert random.random() == expect_py


def test_invoke_records_errors_and_warnings():
    import warnings

    def warns(x, *, rng=None):
        warnings.warn("careful", RuntimeWarning, stacklevel=2)
        return 1.0

    c = invoke(warns, [1.0], rng=0, pass_rng=True)
    assert c.ok and c.result == 1.0 and [str(w.message) for w in c.warnings] == ["careful"]

    def fails(x):
        raise ValueError("bad")
    c = invoke(fails, [1.0], rng=0, pass_rng=False)
    assert not c.ok and isinstance(c.error, ValueError)
