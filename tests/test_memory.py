"""Repeated calls, successful or not, leak neither references nor memory."""

import gc
import tracemalloc

import numpy as np
import pytest
from child_process import run_python

import cext


def calls():
    zs = np.linspace(-2, 2, 1000) + 0.3j
    grid = np.random.default_rng(0).uniform(size=(64, 64))
    out = np.empty_like(grid)
    cext.calculate_z(50, zs, -0.5j)
    cext.calculate_z(50, zs.tolist(), -0.5j)
    cext.evolve(grid, out, 0.1, steps=3)
    cext.evolve(grid.T, out, 0.1)  # converted copy
    cext.fib(90)
    for bad in (lambda: cext.calculate_z(-1, zs, 0j), lambda: cext.calculate_z(5, [[1j], 2j], 0j),
                lambda: cext.evolve(grid, grid, 0.1), lambda: cext.evolve(grid, out, "x"), lambda: cext.fib(-1)):
        with pytest.raises((TypeError, ValueError)):
            bad()


def test_no_memory_growth_over_many_calls():
    for _ in range(50):  # warm caches, free lists and NumPy's internal allocations
        calls()
    gc.collect()
    tracemalloc.start()
    try:
        for _ in range(20):
            calls()
        gc.collect()
        baseline = tracemalloc.get_traced_memory()[0]
        for _ in range(500):
            calls()
        gc.collect()
        growth = tracemalloc.get_traced_memory()[0] - baseline
    finally:
        tracemalloc.stop()
    # One leaked result array per iteration would be >= 500 x 4 kB; allow a little allocator noise.
    assert growth < 64 * 1024, growth


PEAK_SCRIPT = """
import resource, sys
import numpy as np
import cext

n = int(sys.argv[1])
zs = np.zeros(n, dtype=np.complex128)  # touched: resident before the call
zs[::2] = 0.5 + 0.5j
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
counts = cext.calculate_z(20, zs, -0.62772 - 0.42193j)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(after - before, counts.nbytes)
"""


def test_calculate_z_peak_memory_is_the_output_and_small_buffers():
    # A C-contiguous complex128 input must be used in place: the call's peak adds the int32 output and
    # small per-thread buffers, never a hidden copy of the 160 MB input.
    result = run_python(PEAK_SCRIPT, str(10_000_000))
    growth, output_bytes = map(int, result.stdout.split())
    assert growth <= output_bytes + 16 * 2**20, (growth, output_bytes)
