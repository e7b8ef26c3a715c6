"""Warnings and exceptions raised by stablecheck.

Every warning stablecheck emits derives from :class:`StablecheckWarning` (itself a
``RuntimeWarning``), so ``warnings.simplefilter("error", StablecheckWarning)`` turns all of
them into errors and a user can silence one family without hiding numpy's own warnings.

Exceptions reuse the built-in types users already catch: bad data or arguments raise
``ValueError`` (or ``TypeError`` for a wrong dtype/type), malformed or unsafe files raise
:class:`NoiseFormatError` (a ``ValueError``), and an optimiser that cannot produce a usable
answer raises :class:`ConvergenceError`.
"""

from __future__ import annotations

__all__ = [
    "StablecheckWarning",
    "DataWarning",
    "SmallSampleWarning",
    "ZeroValuesWarning",
    "NumericalWarning",
    "ConvergenceWarning",
    "BoundaryWarning",
    "DisagreementWarning",
    "NoiseFormatError",
    "ConvergenceError",
]


class StablecheckWarning(RuntimeWarning):
    """Base class of every warning stablecheck emits."""


class DataWarning(StablecheckWarning):
    """Something about the data deserves attention (dropped values, ties, integer data)."""


class SmallSampleWarning(DataWarning):
    """The sample is small enough that the result is unreliable (but still computed)."""


class ZeroValuesWarning(DataWarning):
    """The data contain exact zeros that an estimator had to treat by an explicit policy."""


class NumericalWarning(StablecheckWarning):
    """A numerical approximation may be less accurate than usual."""


class ConvergenceWarning(StablecheckWarning):
    """An iterative method stopped before meeting its tolerance; the result is the last iterate."""


class BoundaryWarning(StablecheckWarning):
    """An estimate lies on (or was clamped to) the boundary of the parameter space or a table."""


class DisagreementWarning(StablecheckWarning):
    """Estimators or selection rules that should agree disagree markedly."""


class NoiseFormatError(ValueError):
    """A noise file or run directory is malformed, corrupted or unsafe to load."""


class ConvergenceError(RuntimeError):
    """An optimiser or root finder failed to produce a usable answer."""
