"""The one place where arguments and data are checked and where those messages are worded.

Public functions call these helpers first and then compute on clean values; bodies never
re-check. Messages follow one pattern: what is wrong, the counts, and what to do —
``"3 of 10000 values are non-finite (2 nan, 1 inf); pass nonfinite='omit' to drop them"``.

Sections below are grouped by the layer that uses them (core, stable, tail, gof, noise, ...);
add new checkers to the section of your layer.

The checkers live in one small module per layer (``_core``, ``_stable``, ``_tail``, ``_gof``,
``_noise``, ``_collect``); this package re-exports all of them, so callers import from
``stablecheck._validation`` only and the wording stays in one place.
"""

from ._collect import *  # noqa: F403
from ._core import *  # noqa: F403
from ._core import __all__, _check_dtype, _to_array  # noqa: F401
from ._gof import *  # noqa: F403
from ._noise import *  # noqa: F403
from ._stable import *  # noqa: F403
from ._tail import *  # noqa: F403
