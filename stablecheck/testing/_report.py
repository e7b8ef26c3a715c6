"""The report returned by every property suite."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from .._results import ResultMixin

__all__ = ["PropertyFailure", "CheckResult"]


def _short(value: Any) -> str:
    if isinstance(value, np.ndarray):
        if value.size <= 6:
            return f"array({np.array2string(value, precision=4, separator=', ')}, dtype={value.dtype})"
        head = np.array2string(value.ravel()[:4], precision=4, separator=", ")
        return f"array(shape={value.shape}, dtype={value.dtype}, head={head})"
    if isinstance(value, float):
        return f"{value:.6g}"
    return repr(value)


@dataclass(frozen=True)
class PropertyFailure:
    """One failed property and the simplest input hypothesis found that breaks it.

    Attributes
    ----------
    property : str
        Name of the property (e.g. ``"scale_invariance"``).
    message : str
        What went wrong, with the numbers.
    counterexample : dict
        The shrunk drawn values (seeds, sizes, factors, labels, samples) that reproduce it.
    case : str
        A sub-case label where the property has several (e.g. the hostile input's label).
    """

    property: str
    message: str
    counterexample: dict = field(default_factory=dict)
    case: str = ""

    def describe(self) -> str:
        """One block of text: property, case, message and counterexample."""
        head = self.property + (f" [{self.case}]" if self.case else "")
        lines = [f"FAILED {head}: {self.message}"]
        for k, v in self.counterexample.items():
            lines.append(f"    {k} = {_short(v)}")
        return "\n".join(lines)


@dataclass(frozen=True, repr=False)
class CheckResult(ResultMixin):
    """Outcome of a property suite run on one estimator, fitter or test.

    Attributes
    ----------
    subject : str
        Name of what was checked.
    suite : str
        ``"tail_estimator"``, ``"stable_fitter"`` or ``"gof_test"``.
    passed : bool
        True when no property failed.
    failures : tuple of PropertyFailure
        Every failed property (several entries may share a property name with different
        ``case``), each with its shrunk counterexample.
    checked : tuple of str
        Properties that were run.
    skipped : dict
        Property → reason it was not run (declared order dependence, no CI reported, ...).
    seconds : float
        Wall time of the run.
    """

    subject: str
    suite: str
    passed: bool
    failures: tuple[PropertyFailure, ...]
    checked: tuple[str, ...]
    skipped: dict
    seconds: float

    _title: ClassVar[str] = "Property check"
    _hidden: ClassVar[tuple[str, ...]] = ("failures", "skipped", "checked")

    @property
    def failed_properties(self) -> tuple[str, ...]:
        """Names of the failed properties, without repeats, in check order."""
        out: list[str] = []
        for f in self.failures:
            if f.property not in out:
                out.append(f.property)
        return tuple(out)

    def summary(self) -> str:
        """Plain text: verdict, each property's status, every failure with its counterexample."""
        verdict = "PASSED" if self.passed else f"FAILED ({len(self.failures)} failure(s))"
        lines = [f"{self.suite} check of {self.subject}: {verdict} in {self.seconds:.2f} s"]
        failed = set(self.failed_properties)
        for name in self.checked:
            lines.append(f"  {'FAIL' if name in failed else 'ok  '}  {name}")
        for name, why in self.skipped.items():
            lines.append(f"  skip  {name}: {why}")
        for f in self.failures:
            lines.append(f.describe())
        return "\n".join(lines)

    def raise_if_failed(self) -> CheckResult:
        """Raise ``AssertionError`` with the summary when a property failed; else return self."""
        if not self.passed:
            raise AssertionError(self.summary())
        return self

    def _repr_html_(self) -> str:
        import html

        return f"<pre>{html.escape(self.summary())}</pre>"

    def __repr__(self) -> str:
        return (f"CheckResult(subject={self.subject!r}, suite={self.suite!r}, "
                f"passed={self.passed}, failed={list(self.failed_properties)})")
