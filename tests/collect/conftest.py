"""Collector tests need torch; they run single-threaded (FIELD-NOTES section 6)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)
