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
