"""Shared type aliases (typing only; nothing here runs at import time beyond aliases)."""

from __future__ import annotations

import os
from typing import Literal, Union

import numpy as np
import numpy.typing as npt

ArrayLike = npt.ArrayLike
FloatArray = npt.NDArray[np.floating]
RNGLike = Union[int, np.random.Generator, np.random.SeedSequence, None]
PathLike = Union[str, "os.PathLike[str]"]

Param = Literal["S0", "S1"]
NonFinitePolicy = Literal["raise", "omit"]
ZeroPolicy = Literal["keep", "drop", "raise"]
MaskedPolicy = Literal["raise", "compress"]
Tail = Literal["abs", "upper", "lower"]
Axis = Literal["coordinate", "minibatch", "both"]
PAdjustMethod = Literal["bh", "by", "holm", "bonferroni"]
Alternative = Literal["two-sided", "less", "greater"]
