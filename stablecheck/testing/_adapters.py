"""Adapters that give subjects of another shape the 1-D interface of the property suites."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from ._runner import subject_name

__all__ = ["matrix_adapter"]


def _n_rows_for(n: int, n_rows: int) -> int:
    """The divisor of ``n`` closest to ``n_rows`` (ties: the smaller), at least 2 when n > 1."""
    if n <= 1:
        return max(n, 1)
    divisors = [d for d in range(2, n + 1) if n % d == 0]
    return min(divisors, key=lambda d: (abs(d - n_rows), d))


def _to_rows(x: Any, n_rows: int) -> Any:
    """``x`` (1-D, any container) laid out row-major as a K × (n / K) matrix, K the divisor of
    n closest to ``n_rows``, so no value is left out (a prime n gives one column). The
    container kind is kept (list → nested list, masked array → masked matrix, memmap/
    read-only/strided/big-endian views → views or copies of the same dtype), so the hostile
    contracts still test what they name."""
    if isinstance(x, list):
        k = _n_rows_for(len(x), n_rows)
        m = len(x) // k
        return [x[i * m:(i + 1) * m] for i in range(k)]
    a = x if isinstance(x, np.ndarray) else np.asarray(x)
    if a.ndim != 1:
        return a
    k = _n_rows_for(a.size, n_rows)
    return a.reshape(k, a.size // k)


def matrix_adapter(test: Callable[..., Any], *, n_rows: int = 20,
                   **options: Any) -> Callable[..., Any]:
    """Adapt a subject taking a K × P matrix to the suites' ``f(x, *, rng=None)`` interface.

    The 1-D sample drawn by a suite (n values) is laid out row-major as a K × (n / K) matrix,
    K the divisor of n closest to ``n_rows`` — no value is left out, so a hostile value is
    always seen (a prime n gives one column) — and passed on with ``options``. Hostile containers keep their kind (a list
    becomes a nested list, a masked array a masked matrix), so their contracts still apply.

    Parameters
    ----------
    test : callable
        ``test(matrix, *, rng=None, **options)`` (``rng`` optional).
    n_rows : int
        The preferred number of rows K (minibatches).
    **options
        Bound keyword options (e.g. ``n_resamples=19``).

    Returns
    -------
    callable
        ``f(x, *, rng=None)``, named ``matrix_adapter(<test>)``.

    Notes
    -----
    What the layout means for the properties: a scale change or a negation of the sample is
    the same change of the matrix, so ``scale_invariance`` and ``sign_invariance`` keep their
    meaning. A permutation of the sample moves values between rows and columns; a subject
    that pools or blocks the matrix in row-major order (e.g. the seed paper's Mohammadi
    pooling) depends on it by design and is checked with ``order_dependent=True``.

    Examples
    --------
    >>> import numpy as np
    >>> import stablecheck as sc
    >>> from stablecheck.testing import check_gof_test, matrix_adapter
    >>> test = matrix_adapter(sc.scale_aware_null, n_rows=20, n_resamples=19)
    >>> r = check_gof_test(test, location_invariant=False, order_dependent=True,
    ...                    properties=["sign_invariance"], max_examples=2)
    >>> r.passed
    True
    """
    from .._validation import check_int

    if not callable(test):
        raise TypeError(f"the subject to adapt must be callable; got {test!r}.")
    n_rows = check_int("n_rows", n_rows, min=1)

    @functools.wraps(test)
    def adapted(x: Any, *, rng: Any = None) -> Any:
        from ._runner import accepts_rng

        kw = dict(options)
        if accepts_rng(test):
            kw["rng"] = rng
        return test(_to_rows(x, n_rows), **kw)

    adapted.__qualname__ = adapted.__name__ = f"matrix_adapter({subject_name(test)})"
    del adapted.__wrapped__  # the suites must see the adapter's signature, not the subject's
    return adapted
