"""Timing and memory helpers shared by the benchmark modules."""

from __future__ import annotations

import gc
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

__all__ = ["median_time", "peak_rss_mb", "current_rss_mb", "fmt_ratio", "fmt_time",
           "machine_line", "run_in_subprocess"]


def median_time(fn: Callable[[], Any], repeat: int = 5, *, min_time: float = 0.0,
                warmup: int = 1) -> float:
    """Median wall time (s) of ``repeat`` calls of ``fn`` after ``warmup`` calls.

    When one call is faster than ``min_time`` seconds, it is looped and the per-call mean of the
    loop is one sample (timer resolution and noise on a shared machine).
    """
    for _ in range(warmup):
        fn()
    loops = 1
    if min_time > 0:
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        if dt < min_time:
            loops = max(1, int(min_time / max(dt, 1e-9)))
    samples = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        for _ in range(loops):
            fn()
        samples.append((time.perf_counter() - t0) / loops)
    return statistics.median(samples)


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (Linux ru_maxrss is KiB)."""
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024.0 if sys.platform != "darwin" else kb / 2**20


def current_rss_mb() -> float:
    """Current resident set size in MiB (from /proc/self/statm; 0.0 where unavailable)."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


def run_in_subprocess(code: str, timeout: float = 600.0) -> dict:
    """Run Python ``code`` in a fresh interpreter (for clean peak-RSS numbers).

    The code must print one JSON object on its last stdout line; it is parsed and returned.
    """
    import json
    import subprocess

    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=timeout, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark subprocess failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def fmt_time(seconds: float) -> str:
    """Human-readable duration."""
    if seconds != seconds:  # NaN: not measured
        return "n/a"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def fmt_ratio(ratio: float) -> str:
    """Ratio like ``12.3×``."""
    if ratio != ratio:
        return "n/a"
    return f"{ratio:.3g}×"


def machine_line() -> str:
    """One line describing the machine and library versions."""
    import platform

    import numpy
    import scipy

    return (f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"numpy {numpy.__version__}, scipy {scipy.__version__}")
