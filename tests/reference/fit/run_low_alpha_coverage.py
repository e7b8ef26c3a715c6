"""Fisher-interval coverage of fit_stable's ML fit where it searches on the exact engine.

Three cells below alpha = 0.75, n = 1000, 100 replicates each (samples from
``stablecheck.stable.rvs``, seeds ``[77, 100 alpha, 100 (beta + 1)]``); prints one line per
cell and writes ``low_alpha_coverage.json`` next to this script. ~1.5 s per fit on the
2-core development machine (~8 min in all). Run: ``python tests/reference/fit/run_low_alpha_coverage.py``.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np

import stablecheck as sc


def main() -> None:
    warnings.simplefilter("ignore")
    out = {}
    for a, b in ((0.5, 0.0), (0.65, 0.5), (0.35, -0.3)):
        hits = dict.fromkeys(("alpha", "beta", "scale", "loc"), 0)
        used = no_ci = 0
        rng = np.random.default_rng([77, int(a * 100), int((b + 1) * 100)])
        for _ in range(100):
            x = sc.stable.rvs(a, b, size=1000, rng=rng)
            f = sc.fit_stable(x)
            if not f.confidence_intervals:
                no_ci += 1
                continue
            used += 1
            for k, t in zip(hits, (a, b, 1.0, 0.0)):
                ci = f.confidence_intervals[k]
                hits[k] += ci.low <= t <= ci.high
        out[f"{a},{b}"] = {"R": used, "no_ci": no_ci, **{k: v / used for k, v in hits.items()}}
        print(a, b, out[f"{a},{b}"], flush=True)
    Path(__file__).with_name("low_alpha_coverage.json").write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
