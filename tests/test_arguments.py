"""cext._arguments: the checks cext.dask and cext.mpi share accept and refuse what cext's own kernels do."""

import numpy as np
import pytest

import cext
from cext import _arguments as arguments


@pytest.mark.parametrize("value", [None, 1, arguments.MAX_THREADS, 0, arguments.MAX_THREADS + 1, 2.0, "2"])
def test_num_threads_agrees_with_the_kernels(value):
    def outcome(call):
        try:
            call()
            return None
        except (TypeError, ValueError) as error:
            return type(error), str(error).replace("evolve()", "f()", 1)

    grid = np.zeros((1, 1))
    kernel = outcome(lambda: cext.evolve(grid, np.empty_like(grid), 0.1, steps=0, num_threads=value))
    shared = outcome(lambda: arguments.num_threads("f()", value))
    assert kernel == shared


@pytest.mark.parametrize("value, error", [("0.1", TypeError), (1j, TypeError), (None, TypeError)])
def test_real_refuses_what_evolve_refuses(value, error):
    with pytest.raises(error, match=r"f\(\): 'dt' must be a real number"):
        arguments.real("f()", "dt", value)
    with pytest.raises(error, match=r"'dt' must be a real number"):
        cext.evolve(np.zeros((1, 1)), np.empty((1, 1)), value)


@pytest.mark.parametrize("narrowest, expected", [(1, 1), (16, 1), (47, 2), (128, 8), (10**6, 8)])
def test_default_steps_per_exchange(narrowest, expected):
    assert arguments.default_steps_per_exchange(narrowest) == expected


@pytest.mark.parametrize("value, expected", [(None, None), (1, 1), (np.int64(8), 8), (10**6, 10**6)])
def test_steps_per_exchange_is_none_or_at_least_one(value, expected):
    assert arguments.steps_per_exchange("f()", value) == expected


@pytest.mark.parametrize("value, error, match", [
    (0, ValueError, r"f\(\): 'steps_per_exchange' must be at least 1, got 0"),
    (-1, ValueError, r"f\(\): 'steps_per_exchange' must be at least 1, got -1"),
    (2.0, TypeError, r"f\(\): 'steps_per_exchange' must be an int, got float"),
])
def test_steps_per_exchange_refuses(value, error, match):
    with pytest.raises(error, match=match):
        arguments.steps_per_exchange("f()", value)
