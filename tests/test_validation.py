"""The core validator: every hostile input gets a typed error naming the problem and counts."""

from __future__ import annotations

import numpy as np
import pytest

from stablecheck._validation import (
    as_matrix,
    as_rng,
    as_sample,
    check_confidence_level,
    check_in_domain,
    check_int,
    check_option,
    check_stable_params,
)
from stablecheck.errors import DataWarning


def test_nonfinite_counts_in_message():
    x = np.arange(10000, dtype=float) + 1
    x[[1, 2]] = np.nan
    x[3] = np.inf
    with pytest.raises(ValueError, match=r"3 of 10000 values in `x` are non-finite \(2 nan, 1 inf\)"):
        as_sample(x)
    with pytest.warns(DataWarning, match="dropped"):
        s = as_sample(x, nonfinite="omit")
    assert (s.n, s.n_used, s.n_nan, s.n_inf, s.n_dropped) == (10000, 9997, 2, 1, 3)
    assert s.dropped == {"nonfinite": 3}


@pytest.mark.parametrize("x, exc, pattern", [
    (np.array([True, False, True]), TypeError, "boolean"),
    (np.array([1 + 2j, 3j]), TypeError, "complex"),
    (np.array(["a", "b"]), TypeError, "strings"),
    (np.array([1.0, None], dtype=object), TypeError, "Python objects"),
    ("1,2,3", TypeError, "str"),
    (np.array(["2020-01-01"], dtype="datetime64[D]"), TypeError, "datetime"),
    ({"a": 1}, TypeError, "not array-like"),
])
def test_refused_types(x, exc, pattern):
    with pytest.raises(exc, match=pattern):
        as_sample(x)


def test_constant_and_all_zero():
    with pytest.raises(ValueError, match="all 50 usable values of `x` are equal"):
        as_sample(np.full(50, 3.0))
    with pytest.raises(ValueError, match="are equal"):
        as_sample(np.zeros(50))
    assert as_sample(np.full(5, 3.0), allow_constant=True).n_used == 5


def test_zero_policies_and_counts():
    x = np.zeros(100)
    x[:10] = np.arange(1, 11)
    s = as_sample(x)
    assert s.n_zero == 90 and s.zero_fraction == pytest.approx(0.9) and s.n_used == 100
    s = as_sample(x, zeros="drop")
    assert s.n_used == 10 and s.dropped == {"zero": 90}
    with pytest.raises(ValueError, match=r"90 of 100 values in `x` are exactly zero \(90.0%\)"):
        as_sample(x, zeros="raise")
    with pytest.raises(ValueError, match="has 10 usable values after dropping 90 zero; at least 20"):
        as_sample(x, zeros="drop", min_n=20)


def test_too_small():
    with pytest.raises(ValueError, match="has 1 usable values; at least 2 are needed"):
        as_sample([1.0])


@pytest.mark.parametrize("dtype, expected", [
    (np.float16, np.float32), (np.float32, np.float32), (np.float64, np.float64),
    (np.int8, np.float64), (np.uint16, np.float64), (np.int64, np.float64),
])
def test_dtypes_are_widened_before_arithmetic(dtype, expected):
    x = np.array([1, 2, 3, 100], dtype=dtype)
    s = as_sample(x)
    assert s.values.dtype == expected
    assert s.source_dtype == np.dtype(dtype).name


def test_int8_no_overflow_after_widening():
    x = np.array([100, 120, -128, 5], dtype=np.int8)
    v = as_sample(x).values
    assert np.sum(v * v) == 100**2 + 120**2 + 128**2 + 25


def test_big_endian_becomes_native():
    x = np.arange(1, 6, dtype=">f8")
    assert as_sample(x).values.dtype.isnative


def test_masked_refused_or_compressed():
    x = np.ma.masked_array([1.0, 2.0, 3.0, 4.0], mask=[0, 1, 0, 0])
    with pytest.raises(TypeError, match=r"masked array \(1 of 4 values masked\)"):
        as_sample(x)
    assert np.array_equal(as_sample(x, masked="compress").values, [1.0, 3.0, 4.0])


def test_memmap_not_copied(tmp_path):
    path = tmp_path / "x.dat"
    np.arange(1, 1001, dtype=np.float32).tofile(path)
    mm = np.memmap(path, dtype=np.float32, mode="r")
    s = as_sample(mm)
    assert np.shares_memory(s.values, mm)


def test_noncontiguous_view_accepted():
    x = np.arange(1.0, 201.0)[::3]
    s = as_sample(x)
    assert s.n == x.size and np.array_equal(s.values, x)


def test_extreme_scales_are_fine():
    rng = np.random.default_rng(1)
    for scale in (1e-30, 1e30):
        s = as_sample(rng.standard_normal(100) * scale)
        assert np.all(np.isfinite(s.values))


def test_ndim_requires_explicit_flatten():
    with pytest.raises(ValueError, match="must be 1-D; got shape"):
        as_sample(np.ones((3, 4)))
    x = np.arange(12.0).reshape(3, 4)
    assert as_sample(x, flatten=True).n == 12


def test_as_matrix():
    assert as_matrix(np.arange(5.0)).shape == (5, 1)
    with pytest.raises(ValueError, match=r"1 of 6 values in `x` are non-finite \(1 nan, 0 inf\)"):
        as_matrix(np.array([[1.0, np.nan], [2.0, 3.0], [4.0, 5.0]]))
    with pytest.raises(ValueError, match="1 rows; at least 2"):
        as_matrix(np.ones((1, 3)))


def test_argument_checkers():
    with pytest.raises(ValueError, match=r"`confidence_level` must be in the open interval \(0, 1\); got 1.5"):
        check_confidence_level(1.5)
    with pytest.raises(ValueError, match="`method` must be one of 'a', 'b'; got 'c'"):
        check_option("method", "c", ("a", "b"))
    with pytest.raises(ValueError, match="`k` must be >= 2; got 1"):
        check_int("k", 1, min=2)
    with pytest.raises(TypeError, match="`k` must be an integer"):
        check_int("k", 2.5)
    with pytest.raises(TypeError):
        check_int("k", True)
    with pytest.raises(ValueError, match=r"`alpha` must be in \(0, 2\]; got 2.5"):
        check_in_domain("alpha", 2.5)
    with pytest.raises(ValueError, match=r"`beta` must be in \[-1, 1\]"):
        check_stable_params(1.5, np.array([0.0, 1.5]))
    with pytest.raises(ValueError, match="alpha"):
        check_stable_params(np.nan, 0.0)
    a, b, s, m = check_stable_params(2.0, -1.0, 3.0, -4.0)
    assert (float(a), float(b), float(s), float(m)) == (2.0, -1.0, 3.0, -4.0)


def test_as_rng():
    g = np.random.default_rng(3)
    assert as_rng(g) is g
    assert as_rng(5).random() == np.random.default_rng(5).random()
    with pytest.raises(TypeError, match="numpy Generator"):
        as_rng(np.random.RandomState(0))
    with pytest.raises(ValueError, match="non-negative"):
        as_rng(-1)
