"""Moment-based Gaussianity statistics from a :class:`~stablecheck.MomentSketch` state.

Skewness, excess kurtosis, Jarque–Bera and D'Agostino–Pearson K² need only the count and
the central moment sums M2..M4, which a MomentSketch merges exactly (Pébay 2008) across
chunks, processes and Dask workers. The statistics use the same kernels as
:func:`stablecheck.gof.gaussianity` (``_kernels._skew_z``, ``_kurt_z``, ``_jarque_bera``),
fed with ``m_r = M_r / n`` instead of moments of the sorted, rescaled data; the ratios are
scale-free, so both agree to float64 rounding.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._sketch import MomentSketch, Sketch, sketch_from_state
from ._kernels import _dagostino, _jarque_bera, _p_chi2_2

__all__ = ["moment_statistics"]


class _Moments:
    """Duck-typed stand-in for ``_kernels.Block`` carrying only ``n`` and ``moments``."""

    def __init__(self, n: float, m2: np.ndarray, m3: np.ndarray, m4: np.ndarray):
        self.n = n
        self.moments = (m2, m3, m4)


def moment_statistics(sketch: Any) -> dict[str, Any]:
    """Skewness, excess kurtosis, Jarque–Bera and D'Agostino–Pearson K² from moment sums.

    Parameters
    ----------
    sketch : MomentSketch or dict
        A pooled (``axis=None``) MomentSketch, or its ``state()``.

    Returns
    -------
    dict
        ``n``, ``skewness`` (g1), ``kurtosis`` (excess g2), ``jarque_bera`` and its
        chi²(2) ``jarque_bera_pvalue``, ``dagostino`` (K²) and ``dagostino_pvalue``;
        floats. K² needs n >= 8 (NaN otherwise, as its kernel is undefined there).

    Raises
    ------
    ValueError
        Empty sketch, fewer than 3 values, zero variance, or a per-column (``axis=0``) sketch.

    Examples
    --------
    >>> import numpy as np
    >>> from stablecheck import MomentSketch
    >>> from stablecheck.gof._moments import moment_statistics
    >>> rng = np.random.default_rng(0)
    >>> sk = MomentSketch().update(rng.standard_normal(10_000))
    >>> bool(moment_statistics(sk)["dagostino_pvalue"] > 0.001)
    True
    """
    sk: Sketch = sketch_from_state(sketch) if isinstance(sketch, dict) else sketch
    if not isinstance(sk, MomentSketch):
        raise TypeError(f"`sketch` must be a MomentSketch or its state; got {type(sk).__name__}.")
    if sk.axis is not None:
        raise ValueError("moment_statistics needs a pooled MomentSketch (axis=None).")
    n = float(sk.n)
    if n < 3:
        raise ValueError(f"moment statistics need at least 3 finite values; got {int(n)}.")
    _, _, M2, M3, M4 = sk._get()
    if not M2 > 0:
        raise ValueError(f"all {int(n)} finite values are equal; skewness and kurtosis are "
                         "undefined.")
    b = _Moments(n, M2 / n, M3 / n, M4 / n)
    jb = float(_jarque_bera(b))
    out = {"n": int(n), "skewness": float(sk.skewness), "kurtosis": float(sk.kurtosis),
           "jarque_bera": jb, "jarque_bera_pvalue": float(_p_chi2_2(np.asarray(jb), int(n))[0])}
    if n >= 8:
        with np.errstate(invalid="ignore", divide="ignore"):
            k2 = float(_dagostino(b))
        out.update(dagostino=k2, dagostino_pvalue=float(_p_chi2_2(np.asarray(k2), int(n))[0]))
    else:
        out.update(dagostino=float("nan"), dagostino_pvalue=float("nan"))
    return out
