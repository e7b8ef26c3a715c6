"""libstable's largest disagreements with our engine, settled by mpmath; writes markdown to stdout.

Run from the repository root (needs PyPI ``pystable`` 0.2.3 and the system GSL, see
``benchmarks/_libstable.py``)::

    PYTHONPATH=. python tests/reference/stable/libstable_points.py > tests/reference/stable/libstable_points.md

The points are the worst ones of ``benchmarks/bench_stable.py``'s mixed grid (seed 0, 1e4
points) for libstable at its loaded defaults and at its tightest setting (relTOL = 1e-12,
absTOL = 1e-16), the alpha-snapping zone (|alpha - 1| <= 1e-3) and the libstable defects listed
in /work/shared/design/FIELD-NOTES.md section 3 (alpha = 1 with beta < 0; the reflected Levy
law). The mpmath column is
``make_mpmath_reference.reference`` (30 digits, independent of both float64 codes).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from benchmarks import _libstable as ls
from stablecheck import stable

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_mpmath_reference as mref  # noqa: E402

#: (kind, x, alpha, beta, why listed)
POINTS = [
    ("cdf", -882.7113127669593, 0.9706459204094164, -0.994944602254564,
     "worst cdf point of the mixed grid at every tolerance"),
    ("cdf", 0.32612175590641607, 1.05408288321294, 0.027858369881603284,
     "second worst cdf point at every tolerance"),
    ("cdf", -9.607, 1.98196, 0.7685, "alpha near 2: the heavy left tail of the cdf"),
    ("pdf", 1.0, 1.001, 0.5, "alpha within ALPHA_TH = 1e-3 of 1: evaluated at alpha = 1"),
    ("pdf", 19.2749965437811, 1.9996380493059374, -0.5855506419384839,
     "alpha within 1e-3 of 2: evaluated as the Gaussian"),
    # the defects FIELD-NOTES section 3 lists for libstable, rechecked on this build
    ("pdf", -100.0, 1.0, -0.5, "alpha = 1, beta < 0, heavy (left) tail"),
    ("pdf", 20.0, 1.0, -0.5, "alpha = 1, beta < 0, right tail"),
    ("pdf", -1000.0, 1.0, -0.5, "alpha = 1, beta < 0, far left tail"),
    ("cdf", -1.0, 0.5, -1.0, "Levy reflected (alpha = 1/2, beta = -1): libstable's zone LEVY"),
]


def main() -> None:
    print(f"libstable: {ls.provenance()}.\n")  # noqa: T201
    print("| kind | x | alpha | beta | mpmath (30 digits) | ours | libstable as loaded | "  # noqa: T201
          "libstable relTOL=1e-12, absTOL=1e-16 | why listed |")
    print("|---|---|---|---|---|---|---|---|---|")  # noqa: T201
    for kind, x, a, b, why in POINTS:
        lp, cdf, _ = mref.reference(x, a, b)
        ref = float(np.exp(float(lp))) if kind == "pdf" else float(cdf)
        ours = float(getattr(stable, kind)(x, a, b))
        fn = ls.pdf if kind == "pdf" else ls.cdf
        v0 = float(fn(np.array([x]), a, b)[0])
        with ls.tolerances(1e-12, 1e-16):
            v1 = float(fn(np.array([x]), a, b)[0])
        print(f"| {kind} | {x:.6g} | {a:.6g} | {b:.6g} | {ref:.12g} | {ours:.12g} | "  # noqa: T201
              f"{v0:.12g} | {v1:.12g} | {why} |")


if __name__ == "__main__":
    main()
