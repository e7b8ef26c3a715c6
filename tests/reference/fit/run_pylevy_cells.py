"""Our fits beside pylevy's ML fit on three cells (10 replicates); writes markdown to stdout.

Run from the repository root: ``PYTHONPATH=. python tests/reference/fit/run_pylevy_cells.py``.
"""

from benchmarks import fit_accuracy as f
from benchmarks.__main__ import render_table

# our own CMS formulas (the run on 2026-11-25 predates the engine's rvs on this branch)
f._sampler = lambda: (f.cms_s0, "our Chambers-Mallows-Stuck formulas")
est, secs = f.simulate(list(f.PYLEVY_CELLS), 10, seed=99, pylevy_reps=10)
print(render_table(f.tables(est, 10, 10, False, with_crlb=False)[0]))
print(secs)
