"""Produce the scipy-derived reference values in gof_reference_values.py (mtcars K², JB).

R is not installed on the build machine, so for the two moment tests on mtcars$mpg the
reference is scipy (an independent implementation of the same formulas):

    /work/main/.venv/bin/python tests/reference/gof/make_reference.py

scipy 1.17.1, numpy 2.4.6 printed:
    normaltest  K2 = 2.714135080337956  p = 0.25741452900583284   (scipy.stats.normaltest)
    jarque_bera JB = 2.241155261284692  p = 0.32609137983800235   (scipy.stats.jarque_bera)
"""

from __future__ import annotations

import sys
from pathlib import Path

from scipy import stats

sys.path.insert(0, str(Path(__file__).parent))
from gof_reference_values import MTCARS_MPG  # noqa: E402

if __name__ == "__main__":
    k2 = stats.normaltest(MTCARS_MPG)
    jb = stats.jarque_bera(MTCARS_MPG)
    sys.stdout.write(f"normaltest  K2 = {k2.statistic!r}  p = {k2.pvalue!r}\n")
    sys.stdout.write(f"jarque_bera JB = {jb.statistic!r}  p = {jb.pvalue!r}\n")
