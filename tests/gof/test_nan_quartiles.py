"""The vectorised NaN-aware quartiles used by the column summaries equal numpy's, value for
value (numpy's ``nanpercentile`` is the independent reference: it loops over columns)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from stablecheck.gof._scale_null import _nan_quartiles


@pytest.mark.parametrize(("k", "p", "p_nan"), [(64, 3000, 0.0), (64, 3000, 0.3), (7, 2000, 0.5),
                                               (128, 500, 0.95), (1, 40, 0.5), (16, 0, 0.1)])
def test_equals_numpy_nanpercentile(k, p, p_nan):
    rng = np.random.default_rng(k + p)
    x = rng.standard_t(3, (k, p)) * np.exp(rng.standard_normal(p))
    x[rng.random((k, p)) < p_nan] = np.nan
    if p:
        x[:, 0] = np.nan  # an all-NaN (all-zero) column stays NaN
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ref = np.nanpercentile(x, [25, 75], axis=0)
    got = _nan_quartiles(x)
    for r, g in zip(ref, got):
        np.testing.assert_array_equal(g, r)  # identical, NaN where numpy gives NaN
