"""The GIL is released around every kernel call with enough work to be worth it (and only then), and concurrent
calls from many Python threads stay exact."""

import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from reference import bits, diffusion_steps, escape_counts_numpy

import cext

# Cells times steps (evolve), points times maxiter (calculate_z) from which a call releases the GIL.
RELEASE_GIL_WORK = cext._core._build_info()["release_gil_work"]
# A free-threaded CPython runs with no GIL unless something enabled it: then no call holds other threads back.
GIL_ENABLED = getattr(sys, "_is_gil_enabled", lambda: True)()


def count_while(work):
    """Runs `work` in this thread while another Python thread counts; returns how far it counted meanwhile."""
    started, stop = threading.Event(), threading.Event()
    counter = [0]

    def spin():
        started.set()
        while not stop.is_set():
            counter[0] += 1

    thread = threading.Thread(target=spin)
    thread.start()
    started.wait()
    time.sleep(0.01)
    before = counter[0]
    t0 = time.perf_counter()
    work()
    elapsed = time.perf_counter() - t0
    during = counter[0] - before
    stop.set()
    thread.join()
    return during, elapsed


def test_calculate_z_releases_the_gil():
    zs = np.zeros(64, dtype=np.complex128)  # never escapes: 64 points x 2e7 iterations, a few hundred ms
    assert zs.size * 20_000_000 >= RELEASE_GIL_WORK
    during, elapsed = count_while(lambda: cext.calculate_z(20_000_000, zs, 0j, num_threads=1))
    assert elapsed > 0.05
    # Holding the GIL, the kernel would freeze the counting thread for its whole duration (at most a couple of
    # increments sneak in around the call); released, it counts at Python speed, millions per second.
    assert during > 10_000, (during, elapsed)


def test_evolve_releases_the_gil():
    grid = np.random.default_rng(0).uniform(size=(1024, 1024))
    out = np.empty_like(grid)
    assert grid.size * 400 >= RELEASE_GIL_WORK
    # 400 steps: a CPU whose cache holds the whole grid does 100 of them in under 50 ms.
    during, elapsed = count_while(lambda: cext.evolve(grid, out, 0.1, steps=400, num_threads=1))
    assert elapsed > 0.05
    assert during > 10_000, (during, elapsed)


def runs_of_another_thread(call, seconds=0.2):
    """How often another Python thread ran while `call` was repeated. With the switch interval out of reach, this
    thread never has to give up the GIL, so the other one runs only when a call releases it (and hands it back with
    time.sleep(0), which releases it too)."""
    stop = threading.Event()
    counter = [0]

    def other():
        while not stop.is_set():
            counter[0] += 1
            time.sleep(0)

    previous = sys.getswitchinterval()
    sys.setswitchinterval(1000.0)
    thread = threading.Thread(target=other)
    try:
        thread.start()
        time.sleep(0.01)
        before = counter[0]
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            for _ in range(100):
                call()
        return counter[0] - before
    finally:
        stop.set()
        thread.join()
        sys.setswitchinterval(previous)


def threshold_calls(function):
    """The largest call of `function` that keeps the GIL and the smallest that releases it (inputs made up front:
    allocating a NumPy array can itself release the GIL)."""
    if function == "evolve":
        side = 128
        assert side * side == RELEASE_GIL_WORK
        grid = np.random.default_rng(2).uniform(size=(side, side))
        narrow, out, narrow_out = grid[:, 1:].copy(), np.empty_like(grid), np.empty((side, side - 1))
        return (lambda: cext.evolve(narrow, narrow_out, 0.1)), (lambda: cext.evolve(grid, out, 0.1))
    zs = np.zeros(64, dtype=np.complex128)  # never escapes: every point takes maxiter iterations
    maxiter = RELEASE_GIL_WORK // zs.size
    return (lambda: cext.calculate_z(maxiter - 1, zs, 0j)), (lambda: cext.calculate_z(maxiter, zs, 0j))


@pytest.mark.parametrize("function", ["evolve", "calculate_z"])
def test_the_gil_is_released_from_the_threshold_on(function):
    below, above = threshold_calls(function)
    # Held, the GIL is never free: not a single run of the other thread. (With no GIL at all, as on a free-threaded
    # CPython, nothing is held and the other thread always runs: only the second half applies.)
    if GIL_ENABLED:
        assert runs_of_another_thread(below) == 0
    # Released thousands of times, it lets the other thread in many of them.
    assert runs_of_another_thread(above) > 0


def test_calls_below_the_threshold_are_exact_from_many_threads():
    rng = np.random.default_rng(3)
    jobs = [(rng.uniform(-2, 2, 16) + 1j * rng.uniform(-2, 2, 16), rng.uniform(size=(4 + i, 8)),
             "periodic" if i % 2 else "fixed") for i in range(16)]
    for zs, grid, _ in jobs:
        assert zs.size * 50 < RELEASE_GIL_WORK and grid.size * 3 < RELEASE_GIL_WORK
    expected = [(escape_counts_numpy(50, zs, -0.62772 - 0.42193j), diffusion_steps(grid, 0.1, 1.0, b, 3))
                for zs, grid, b in jobs]

    def run(job):
        zs, grid, boundary = job
        return [(cext.calculate_z(50, zs, -0.62772 - 0.42193j, num_threads=1 + i % 2),
                 cext.evolve(grid, np.empty_like(grid), 0.1, boundary=boundary, steps=3)) for i in range(200)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        for (counts_expected, state_expected), results in zip(expected, pool.map(run, jobs), strict=True):
            for counts, state in results:
                np.testing.assert_array_equal(counts, counts_expected)
                np.testing.assert_array_equal(bits(state), bits(state_expected))


def test_concurrent_calls_from_many_threads_are_exact():
    rng = np.random.default_rng(1)
    jobs = []
    for i in range(24):
        zs = rng.uniform(-2, 2, 5000) + 1j * rng.uniform(-2, 2, 5000)
        grid = rng.uniform(size=(97 + i, 131))
        jobs.append((zs, grid, "periodic" if i % 2 else "fixed", 1 + i % 3))
    expected = [(escape_counts_numpy(200, zs, -0.62772 - 0.42193j), diffusion_steps(grid, 0.1, 1.0, b, 5))
                for zs, grid, b, _ in jobs]

    def run(job):
        zs, grid, boundary, threads = job
        results = []
        for _ in range(5):
            counts = cext.calculate_z(200, zs, -0.62772 - 0.42193j, num_threads=threads)
            state = cext.evolve(grid, np.empty_like(grid), 0.1, boundary=boundary, steps=5, num_threads=threads)
            results.append((counts, state))
        return results

    with ThreadPoolExecutor(max_workers=8) as pool:
        for (counts_expected, state_expected), results in zip(expected, pool.map(run, jobs), strict=True):
            for counts, state in results:
                np.testing.assert_array_equal(counts, counts_expected)
                np.testing.assert_array_equal(bits(state), bits(state_expected))
