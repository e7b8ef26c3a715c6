"""Collector tests need torch; they run single-threaded (FIELD-NOTES section 6).

``collect_helpers`` (next to this file) is importable under pytest's importlib import mode,
which does not put test directories on ``sys.path``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
