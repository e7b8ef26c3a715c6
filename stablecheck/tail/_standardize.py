"""Robust per-coordinate standardisation before pooling."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import as_matrix

__all__ = ["robust_standardize"]


def robust_standardize(x: Any) -> np.ndarray:
    """``(x − median) / IQR`` per column of a ``(K, P)`` matrix (rows = minibatches).

    Pooling coordinates with different scales manufactures heavy tails (a Gaussian scale
    mixture is heavy-tailed); dividing each coordinate by a robust scale first removes that
    artefact (FIELD-NOTES §2: pooled Mohammadi α̂ 0.67–1.56 → 1.96–1.99).

    Parameters
    ----------
    x : array_like, shape (K, P)

    Returns
    -------
    ndarray, shape (K, P), float64

    Raises
    ------
    ValueError
        When some column has zero IQR (constant or mostly-constant coordinates); drop those
        columns first, their scale is undefined.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> z = robust_standardize(rng.normal(size=(100, 3)) * [1.0, 10.0, 100.0])
    >>> np.round(np.subtract(*np.percentile(z, [75, 25], axis=0)), 6).tolist()
    [1.0, 1.0, 1.0]
    """
    a = as_matrix(x, name="x")
    q25, med, q75 = np.percentile(a, [25, 50, 75], axis=0)
    iqr = q75 - q25
    bad = np.flatnonzero(iqr == 0)
    if bad.size:
        raise ValueError(f"{bad.size} of {a.shape[1]} columns have zero IQR (e.g. column "
                         f"{int(bad[0])}); drop them before standardising.")
    return (a - med) / iqr
