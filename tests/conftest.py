"""Shared pytest configuration: slow tests opt-in, torch single-threaded, warnings visible."""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # 2-core machines: avoid oversubscription

import numpy as np  # noqa: E402
import pytest  # noqa: E402


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False,
                     help="run tests marked @pytest.mark.slow")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow") or os.environ.get("STABLECHECK_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow calibration run; use --runslow or `make test-slow`")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def rng():
    """A fresh, seeded Generator for each test."""
    return np.random.default_rng(20261125)
