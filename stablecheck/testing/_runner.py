"""Machinery shared by the property suites: calling the subject, running one property under
hypothesis and turning a failure into a :class:`PropertyFailure` with its shrunk example.

A property is a body ``f(**drawn)`` that raises :class:`PropertyViolation` with a message
when the subject breaks it. :func:`run_property` runs it under ``hypothesis.given`` with a
fixed seed, no example database and quiet output; when it fails, hypothesis shrinks the
drawn values and replays the minimal failing example last, so the values recorded on that
last call are the shrunk counterexample.

Calls are isolated from global random state: :func:`invoke` pins ``numpy.random`` and
``random`` to a fixed seed around each call (and restores them), so a subject that secretly
uses the global generator is deterministic everywhere except in the one property that
perturbs that state on purpose (``rng_determinism``) — each flaw is reported once, under
its own name.
"""

from __future__ import annotations

import inspect
import math
import random
import time
import warnings
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from scipy import stats

from ._hostile import HOSTILE_KINDS, HostileArray, make_hostile
from ._report import CheckResult, PropertyFailure

__all__ = ["PropertyViolation", "Call", "invoke", "accepts_rng", "run_property", "Suite",
           "binomial_band", "subject_name"]


class PropertyViolation(AssertionError):
    """Raised by a property body when the subject breaks the property."""


@dataclass
class Call:
    """What one call of the subject produced."""

    result: Any = None
    error: BaseException | None = None
    warnings: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None


def accepts_rng(fn: Callable) -> bool:
    """Whether ``fn`` takes an ``rng`` keyword (explicitly or through ``**kwargs``)."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):  # builtins without signatures
        return False
    for p in sig.parameters.values():
        if p.name == "rng" and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD):
            return True
        if p.kind == p.VAR_KEYWORD:
            return True
    return False


def subject_name(fn: Any) -> str:
    """A readable name for an estimator (functions, partials, bound methods, callables)."""
    for attr in ("__qualname__", "__name__"):
        v = getattr(fn, attr, None)
        if isinstance(v, str):
            return v
    inner = getattr(fn, "func", None)
    if inner is not None:
        return f"partial({subject_name(inner)})"
    return type(fn).__name__


@contextmanager
def pinned_global_rng(seed: int = 0):
    """Seed ``numpy.random`` and ``random`` for the duration; restore them afterwards."""
    np_state = np.random.get_state()  # noqa: NPY002 - global state on purpose
    py_state = random.getstate()
    np.random.seed(seed)  # noqa: NPY002 - global state on purpose
    random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(np_state)  # noqa: NPY002 - global state on purpose
        random.setstate(py_state)


def invoke(fn: Callable, x: Any, *, rng: Any, pass_rng: bool, global_seed: int | None = 0,
           kwargs: dict | None = None) -> Call:
    """Call ``fn(x, rng=rng, **kwargs)`` recording warnings; never raises (errors are kept).

    With ``global_seed`` not None the global generators are pinned to it around the call.
    """
    kw = dict(kwargs or {})
    if pass_rng:
        kw["rng"] = rng
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        try:
            if global_seed is None:
                res = fn(x, **kw)
            else:
                with pinned_global_rng(global_seed):
                    res = fn(x, **kw)
        except Exception as e:  # the subject's errors are data for the properties
            return Call(None, e, list(rec))
    return Call(res, None, list(rec))


def describe_error(e: BaseException) -> str:
    msg = str(e)
    return f"{type(e).__name__}: {msg}" if msg else f"{type(e).__name__} (no message)"


_HEALTH = [h for h in HealthCheck]


def run_property(name: str, strategies: dict, body: Callable[..., None], *,
                 max_examples: int, seed: int, base_settings: settings | None = None,
                 case: str = "") -> PropertyFailure | None:
    """Run one property; return its failure (with the shrunk counterexample) or None."""
    last: dict[str, Any] = {}

    def test(**kw):
        last.clear()
        last.update(kw)
        body(**kw)

    s = settings(base_settings, max_examples=max_examples, deadline=None, database=None,
                 derandomize=False, report_multiple_bugs=False, print_blob=False,
                 verbosity=Verbosity.quiet, suppress_health_check=_HEALTH,
                 phases=(base_settings.phases if base_settings is not None
                         else (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink)))
    wrapped = hypothesis_seed(seed)(s(given(**strategies)(test)))
    try:
        wrapped()
    except PropertyViolation as e:
        return PropertyFailure(name, str(e), dict(last), case)
    except Exception as e:  # noqa: BLE001 - a crash of the subject is a failed property
        return PropertyFailure(name, f"unexpected {describe_error(e)}", dict(last), case)
    return None


def binomial_band(reps: int, p: float, tail: float = 0.0005) -> tuple[int, int]:
    """Central ``1 − 2·tail`` binomial band of counts for ``reps`` trials at rate ``p``."""
    lo = int(stats.binom.ppf(tail, reps, p))
    hi = int(stats.binom.isf(tail, reps, p))
    return lo, hi


def finite(v: Any) -> bool:
    try:
        return math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


class Suite:
    """Shared driver: holds the subject, how to read its result, and collects failures.

    Subclasses supply ``values(result)`` (a dict of the result's comparable numbers, raising
    PropertyViolation when the result breaks its contract) and register properties.
    """

    kind = "subject"

    def __init__(self, subject: Callable, *, seed: int, max_examples: int,
                 settings: settings | None, properties: Iterable[str] | None,
                 rtol: float, warning_category: type[Warning] = Warning,
                 nan_with_warning_ok: bool = False, valid: tuple[str, ...] = ()):
        from .._validation import check_int, check_real, check_sequence_of_options

        if not callable(subject):
            raise TypeError(f"the subject to check must be callable; got {subject!r}.")
        max_examples = check_int("max_examples", max_examples, min=1)
        seed = check_int("seed", seed, min=0)
        rtol = check_real("rtol", rtol, low=0.0)
        if properties is not None and valid:
            properties = check_sequence_of_options("properties", properties, valid)
        if not (isinstance(warning_category, type) and issubclass(warning_category, Warning)):
            raise TypeError("`warning_category` must be a Warning subclass; got "
                            f"{warning_category!r}.")
        self.subject = subject
        self.pass_rng = accepts_rng(subject)
        self.seed = seed
        self.max_examples = max_examples
        self.settings = settings
        self.only = None if properties is None else tuple(properties)
        self.rtol = rtol
        self.warning_category = warning_category
        self.nan_with_warning_ok = nan_with_warning_ok
        self.failures: list[PropertyFailure] = []
        self.checked: list[str] = []
        self.skipped: dict[str, str] = {}

    # -- calling the subject ------------------------------------------------------
    def call(self, x: Any, rng: Any = 12345, global_seed: int | None = 0) -> Call:
        return invoke(self.subject, x, rng=rng, pass_rng=self.pass_rng, global_seed=global_seed)

    def run_ok(self, x: Any, rng: Any = 12345, what: str = "valid input") -> dict:
        """Call and return ``values(result)``; a raised error breaks the property."""
        c = self.call(x, rng)
        if not c.ok:
            raise PropertyViolation(f"raised {describe_error(c.error)} on {what}")
        return self.values(c.result)

    def values(self, result: Any) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- bookkeeping ----------------------------------------------------------------
    def wanted(self, name: str) -> bool:
        return self.only is None or name in self.only

    def skip(self, name: str, why: str) -> None:
        if self.wanted(name):
            self.skipped[name] = why

    def prop(self, name: str, strategies: dict, body: Callable[..., None], *,
             examples: int | None = None, case: str = "") -> None:
        if not self.wanted(name):
            return
        if name not in self.checked:
            self.checked.append(name)
        fail = run_property(name, strategies, body,
                            max_examples=examples or self.max_examples, seed=self.seed,
                            base_settings=self.settings, case=case)
        if fail is not None:
            self.failures.append(fail)

    def result(self, started: float) -> CheckResult:
        return CheckResult(subject=subject_name(self.subject), suite=self.kind,
                           passed=not self.failures, failures=tuple(self.failures),
                           checked=tuple(self.checked), skipped=dict(self.skipped),
                           seconds=time.perf_counter() - started)

    @property
    def perm_what(self) -> str:
        """How to describe a permutation failure (randomised subjects get a hint)."""
        if self.pass_rng:
            return ("permuting the data (same rng; a randomised method that resamples by "
                    "position should sort first, or declare order_dependent=True)")
        return "permuting the data"

    # -- comparisons ----------------------------------------------------------------
    def assert_close(self, a: dict, b: dict, what: str, keys: Iterable[str] | None = None,
                     rtol: float | None = None, atol: float = 0.0) -> None:
        rtol = self.rtol if rtol is None else rtol
        for k in (keys if keys is not None else a):
            if k not in a or k not in b:
                continue
            va, vb = float(a[k]), float(b[k])
            if va == vb or (math.isinf(va) and va == vb):
                continue
            if not (math.isfinite(va) and math.isfinite(vb)) or \
                    abs(va - vb) > atol + rtol * max(abs(va), abs(vb)):
                raise PropertyViolation(f"{what}: {k} changed from {va!r} to {vb!r} "
                                        f"(rtol {rtol:g})")

    # -- shared properties ----------------------------------------------------------
    def check_input_unchanged(self, samples) -> None:
        def body(sample):
            x = np.array(sample.x, copy=True)
            arg = np.array(sample.x, copy=True)
            self.call(arg)
            if not np.array_equal(arg, x, equal_nan=True):
                nchanged = int(np.count_nonzero(~((arg == x) | (np.isnan(arg) & np.isnan(x)))))
                raise PropertyViolation(f"modified its input in place ({nchanged} of {x.size} "
                                        "values changed, e.g. sorted it)")
        self.prop("input_unchanged", {"sample": samples}, body)

    def check_rng_determinism(self, samples) -> None:
        from hypothesis import strategies as st

        def body(sample, rng_seed):
            x = sample.x
            with pinned_global_rng(1):
                c1 = invoke(self.subject, x, rng=rng_seed, pass_rng=self.pass_rng,
                            global_seed=None)
                np_after, py_after = np.random.get_state(), random.getstate()  # noqa: NPY002 - global state on purpose
            with pinned_global_rng(1):
                np_ref, py_ref = np.random.get_state(), random.getstate()  # noqa: NPY002 - global state on purpose
            if not c1.ok:
                raise PropertyViolation(f"raised {describe_error(c1.error)} on valid input")
            v1 = self.values(c1.result)
            if not (np.array_equal(np_after[1], np_ref[1]) and np_after[2:] == np_ref[2:]):
                raise PropertyViolation("advanced the global numpy RNG (np.random.*): "
                                        "randomness must come only from `rng`")
            if py_after != py_ref:
                raise PropertyViolation("advanced Python's global `random` generator: "
                                        "randomness must come only from `rng`")
            c2 = invoke(self.subject, x, rng=rng_seed, pass_rng=self.pass_rng, global_seed=2)
            if not c2.ok:
                raise PropertyViolation(f"raised {describe_error(c2.error)} on valid input")
            v2 = self.values(c2.result)
            self.assert_close(v1, v2, "result depends on the global numpy/random state",
                              rtol=0.0)
            c3 = invoke(self.subject, x, rng=rng_seed, pass_rng=self.pass_rng, global_seed=1)
            v3 = self.values(c3.result) if c3.ok else {}
            self.assert_close(v1, v3, f"same rng={rng_seed} gave a different result",
                              rtol=0.0)
            if self.pass_rng:
                g1 = self.call(x, rng=np.random.default_rng(rng_seed))
                g2 = self.call(x, rng=np.random.default_rng(rng_seed))
                if not (g1.ok and g2.ok):
                    err = g1.error or g2.error
                    raise PropertyViolation(f"refused a numpy Generator as rng: "
                                            f"{describe_error(err)}")
                self.assert_close(self.values(g1.result), self.values(g2.result),
                                  "two Generators seeded alike gave different results", rtol=0.0)
        self.prop("rng_determinism", {"sample": samples, "rng_seed": st.integers(0, 2**31)},
                  body)

    def check_hostile(self, labels: Iterable[str] | None, expect_overrides: dict,
                      base_samples, equivariance: Callable[[dict, dict, float], None],
                      examples: int = 2) -> None:
        """One sub-property per hostile label; failures carry the label as ``case``."""
        from hypothesis import strategies as st

        name = "hostile_inputs"
        if not self.wanted(name):
            return
        labels = tuple(HOSTILE_KINDS) if labels is None else tuple(labels)
        for label in labels:
            expect = expect_overrides.get(label, HOSTILE_KINDS[label][1])

            def body(sample, hseed, label=label, expect=expect):
                h = make_hostile(label, np.asarray(sample.x, dtype=np.float64), hseed, expect)
                self._hostile_case(h, equivariance)
            self.prop(name, {"sample": base_samples, "hseed": st.integers(0, 2**16)}, body,
                      examples=examples, case=label)

    def _hostile_case(self, h: HostileArray, equivariance) -> None:
        typed = (ValueError, TypeError)
        # Cases with clean reference values are judged against the subject's behaviour on
        # those values: refusing both (e.g. a sample too small for the method) is consistent.
        ref = None
        if h.reference is not None and h.expect in ("accept", "equivalent",
                                                    "equivalent_or_refuse", "scaled"):
            ref = self.call(h.reference)
        ref_refused = ref is not None and not ref.ok and isinstance(ref.error, typed)
        c = self.call(h.x)
        if not c.ok:
            if isinstance(c.error, typed) and str(c.error).strip():
                if h.expect in ("refuse_or_warn", "accept_or_refuse", "equivalent_or_refuse"):
                    return
                if ref_refused:
                    return
                raise PropertyViolation(f"refused a valid input ({h.label}): "
                                        f"{describe_error(c.error)}")
            if isinstance(c.error, typed):
                raise PropertyViolation(f"raised {type(c.error).__name__} without a message "
                                        f"on {h.label}")
            raise PropertyViolation(f"raised an untyped {describe_error(c.error)} on "
                                    f"{h.label} (expected ValueError/TypeError with a message)")
        try:
            vals = self.values(c.result)
        except PropertyViolation as e:
            raise PropertyViolation(f"on {h.label}: {e}") from None
        warned = any(issubclass(w.category, self.warning_category) for w in c.warnings) or \
            bool(getattr(c.result, "warnings", ()) or ())
        bad = self.nonfinite(vals)
        if bad and not (self.nan_with_warning_ok and warned
                        and h.expect in ("refuse_or_warn", "accept_or_refuse")):
            raise PropertyViolation(f"returned non-finite {bad} on {h.label} without raising "
                                    f"({'despite a warning, ' if warned else ''}a silent NaN/inf)")
        if bad:
            return  # flagged NaN, declared acceptable by the caller
        if h.expect == "refuse_or_warn" and not warned:
            raise PropertyViolation(f"silently accepted {h.label}: finite result {vals} with no "
                                    f"{self.warning_category.__name__} and no typed error")
        if h.expect in ("equivalent", "equivalent_or_refuse", "scaled") and ref is not None:
            if not ref.ok:
                raise PropertyViolation(f"accepted {h.label} but raised "
                                        f"{describe_error(ref.error)} on the same values as a "
                                        "plain float64 array")
            if h.expect == "scaled":
                equivariance(self.values(ref.result), vals, h.scale)
            else:
                self.assert_close(self.values(ref.result), vals,
                                  f"{h.label} gave a different result than the same values as "
                                  "a plain float64 array", rtol=1e-12)

    primary: tuple[str, ...] = ()

    def nonfinite(self, vals: dict) -> dict:
        """The primary values that are not finite (a non-empty dict breaks the contract)."""
        return {k: v for k, v in vals.items() if not finite(v) and k in self.primary}
