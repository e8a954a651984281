"""The GIL is released around every kernel, and concurrent calls from many Python threads stay exact."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from reference import bits, diffusion_steps, escape_counts_numpy

import cext


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
    during, elapsed = count_while(lambda: cext.calculate_z(20_000_000, zs, 0j, num_threads=1))
    assert elapsed > 0.05
    # Holding the GIL, the kernel would freeze the counting thread for its whole duration (at most a couple of
    # increments sneak in around the call); released, it counts at Python speed, millions per second.
    assert during > 10_000, (during, elapsed)


def test_evolve_releases_the_gil():
    grid = np.random.default_rng(0).uniform(size=(1024, 1024))
    out = np.empty_like(grid)
    during, elapsed = count_while(lambda: cext.evolve(grid, out, 0.1, steps=100, num_threads=1))
    assert elapsed > 0.05
    assert during > 10_000, (during, elapsed)


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
