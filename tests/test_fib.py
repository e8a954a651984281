import enum
import inspect
import math
import sys

import numpy as np
import pytest
from reference import fib as fib_reference

import cext


@pytest.mark.parametrize("n", list(range(0, 101)) + [500, 1000, 1474, 1475, 1476, 1477, 1478, 1479, 1500, 5000])
def test_matches_the_python_loop(n):
    assert math.copysign(1, cext.fib(n)) == 1
    assert cext.fib(n) == fib_reference(n)
    assert type(cext.fib(n)) is float


def test_known_values():
    assert cext.fib(0) == 0.0
    assert cext.fib(1) == 1.0
    assert cext.fib(90) == 2.880067194370816e18
    assert cext.fib(1476) == 1.3069892237633987e308
    assert cext.fib(1477) == math.inf


def test_huge_n_overflows_to_inf_at_once():
    # The loop reaches the fixed point (inf, inf) after 1478 steps; sys.maxsize steps must not take forever.
    assert cext.fib(sys.maxsize) == math.inf
    assert cext.fib(10**18) == math.inf


@pytest.mark.parametrize("n", [True, False, np.int8(12), np.int64(90), np.uint64(30), enum.IntEnum("E", "A B").B])
def test_integer_like_arguments(n):
    assert cext.fib(n) == fib_reference(int(n))


@pytest.mark.parametrize(
    "n, error, match",
    [
        (-1, ValueError, r"fib\(\): 'n' must be non-negative, got -1"),
        (-(2**100), ValueError, r"fib\(\): 'n' must be non-negative"),
        (np.int64(-5), ValueError, r"fib\(\): 'n' must be non-negative, got -5"),
        (2**63, OverflowError, r"fib\(\): 'n' must be at most 9223372036854775807, got 9223372036854775808"),
        (2**200, OverflowError, r"fib\(\): 'n' must be at most"),
        (3.0, TypeError, r"fib\(\): 'n' must be an int, got float"),
        (np.float64(3), TypeError, r"fib\(\): 'n' must be an int, got numpy.float64"),
        ("3", TypeError, r"fib\(\): 'n' must be an int, got str"),
        (None, TypeError, r"fib\(\): 'n' must be an int, got NoneType"),
        ([3], TypeError, r"fib\(\): 'n' must be an int, got list"),
    ],
)
def test_bad_arguments_raise_clear_errors(n, error, match):
    with pytest.raises(error, match=match):
        cext.fib(n)


def test_argument_count_and_keywords():
    with pytest.raises(TypeError, match=r"fib\(\) takes exactly one argument \(0 given\)"):
        cext.fib()
    with pytest.raises(TypeError, match=r"fib\(\) takes exactly one argument \(2 given\)"):
        cext.fib(1, 2)
    with pytest.raises(TypeError, match=r"fib\(\) takes no keyword arguments"):
        cext.fib(n=1)


def test_signature():
    assert str(inspect.signature(cext.fib)) == "(n, /)"


def test_refcounts_of_arguments_are_unchanged():
    n = 12345678
    before = sys.getrefcount(n)
    for _ in range(10_000):
        cext.fib(n)
        with pytest.raises(ValueError):
            cext.fib(-n)
    assert sys.getrefcount(n) == before
