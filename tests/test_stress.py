"""Thread stress: 16 Python threads making mixed calls with varied num_threads for a bounded time (10 s by default,
CEXT_STRESS_SECONDS to change it) while another thread switches the SIMD path and turns the keeping of the scratch
grid on and off; every result must be exact and nothing may deadlock (a watchdog fails the test and dumps every
thread's stack). Also nested thread pools, and calls made while another thread's call holds its OpenMP team.

What the module guarantees when the process-wide settings change during calls (with or without the GIL): each call
reads the kernel table once, when it starts, and finishes on it, and every path computes the same bits; a call's
scratch grid is its own from the moment it takes it until it gives it back, and the keeping setting is read under
the store's lock when it does, so nothing is freed under a running call and no grid stays kept once keeping is off.
"""

import faulthandler
import functools
import os
import random
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from _figures import record
from reference import bits, diffusion_steps, escape_counts_numpy, fib

import cext

STRESS_SECONDS = float(os.environ.get("CEXT_STRESS_SECONDS", "10"))
THREADS = 16
WATCHDOG_SLACK = 120  # seconds past the planned end before a hang is declared
C = complex(-0.62772, -0.42193)
THREAD_COUNTS = [None, 1, 2, 3, 4, 8]


@functools.lru_cache(maxsize=None)
def make_jobs():
    """Calls with their exact expected results, computed once by the references."""
    rng = np.random.default_rng(2024)
    jobs = []
    for i, (shape, maxiter) in enumerate([((5000,), 100), ((64, 65), 200), ((3, 1001), 50), ((1,), 1000),
                                          ((20_000,), 60), ((7, 11, 13), 80), ((0,), 10), ((257, 33), 30)]):
        zs = rng.uniform(-2, 2, shape) + 1j * rng.uniform(-2, 2, shape)
        cs = rng.uniform(-1, 1, shape) + 1j * rng.uniform(-1, 1, shape) if i % 2 else C
        expected = escape_counts_numpy(maxiter, zs.ravel(), np.ravel(cs)).reshape(shape)
        jobs.append(("calculate_z", (maxiter, zs, cs), expected))
    for shape, steps, boundary in [((64, 64), 1, "fixed"), ((97, 131), 5, "periodic"), ((200, 200), 12, "fixed"),
                                   ((1, 500), 9, "periodic"), ((500, 1), 3, "fixed"), ((33, 17), 20, "periodic"),
                                   ((0, 5), 4, "fixed"), ((300, 301), 2, "periodic"),
                                   ((120, 90), 45, "fixed")]:
        grid = rng.uniform(-1, 1, shape)
        jobs.append(("evolve", (grid, boundary, steps), diffusion_steps(grid, 0.1, 1.0, boundary, steps)))
    for n in (0, 1, 90, 1476, 1477, 10**9):
        jobs.append(("fib", (n,), fib(min(n, 1600))))
    return jobs


def run_job(job, num_threads, rng):
    """Runs one job; returns None if exact, else a description of the mismatch."""
    name, args, expected = job
    if name == "calculate_z":
        maxiter, zs, cs = args
        out = np.empty(zs.shape, np.int32) if rng.random() < 0.5 else None
        result = cext.calculate_z(maxiter, zs, cs, out=out, num_threads=num_threads)
        ok = np.array_equal(result, expected) and (out is None or result is out)
    elif name == "evolve":
        grid, boundary, steps = args
        out = np.empty_like(grid)
        result = cext.evolve(grid, out, 0.1, boundary=boundary, steps=steps, num_threads=num_threads)
        ok = result is out and np.array_equal(bits(result), bits(expected))
    else:
        ok = cext.fib(*args) == expected
    return None if ok else f"{name} with num_threads={num_threads} differs"


def bad_call(rng):
    """An invalid call, which must raise its documented error."""
    zs = np.zeros(4, complex)
    case = rng.randrange(4)
    try:
        if case == 0:
            cext.calculate_z(-1, zs, 0j)
        elif case == 1:
            cext.evolve(np.zeros((4, 4)), np.zeros((4, 5)), 0.1)
        elif case == 2:
            cext.fib(-5)
        else:
            cext.calculate_z(5, zs, 0j, num_threads=0)
    except ValueError:
        return None
    return f"bad call {case} did not raise ValueError"


def test_sixteen_threads_of_mixed_calls_stay_exact_and_never_deadlock(pytestconfig):
    jobs = make_jobs()
    deadline = time.monotonic() + STRESS_SECONDS
    failures, calls = [], [0] * THREADS
    stop_switching = threading.Event()
    paths = list(cext._core._build_info()["simd_supported"])

    def worker(index):
        rng = random.Random(index)
        try:
            while time.monotonic() < deadline:
                if rng.random() < 0.05:
                    problem = bad_call(rng)
                else:
                    problem = run_job(rng.choice(jobs), rng.choice(THREAD_COUNTS), rng)
                calls[index] += 1
                if problem:
                    failures.append(problem)
        except BaseException as e:  # noqa: BLE001 -- reported below
            failures.append(f"thread {index}: {type(e).__name__}: {e}")

    def switch_settings():
        rng = random.Random(99)
        while not stop_switching.wait(0.01):
            cext._core._set_simd(rng.choice(paths))
            keep = rng.random() < 0.5
            keep_switches[0] += cext._core._set_keep_scratch(keep) != keep

    previous = cext._core._build_info()["simd"]
    previous_keep = cext._core._build_info()["diffusion_tuning"]["keep_scratch"]
    keep_switches = [0]  # how many times the keeping setting changed
    faulthandler.dump_traceback_later(STRESS_SECONDS + WATCHDOG_SLACK, exit=True)  # a hang kills the run loudly
    try:
        switcher = threading.Thread(target=switch_settings)
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
        switcher.start()
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=max(0.0, deadline - time.monotonic()) + WATCHDOG_SLACK / 2)
        elapsed = time.monotonic() - started
        stop_switching.set()
        switcher.join(timeout=10)
        hung = [t.name for t in threads + [switcher] if t.is_alive()]
    finally:
        faulthandler.cancel_dump_traceback_later()
        cext._core._set_simd(previous)
        cext._core._set_keep_scratch(previous_keep)
    assert not hung, f"deadlock: {hung} still running"
    assert not failures, failures[:10]
    assert min(calls) > 0, calls
    assert keep_switches[0] > 0, "scratch keeping was never switched"
    record(pytestconfig, f"stress: {THREADS} threads x mixed calls for {elapsed:.1f} s (CEXT_STRESS_SECONDS="
                         f"{STRESS_SECONDS:g}), {sum(calls)} calls, all exact, SIMD path and scratch keeping "
                         f"switched every 10 ms ({keep_switches[0]} keeping changes)")


def test_nested_thread_pools():
    jobs = [j for j in make_jobs() if j[0] != "fib"]
    calculate, evolve = [j for j in jobs if j[0] == "calculate_z"], [j for j in jobs if j[0] == "evolve"]

    def outer(i):
        with ThreadPoolExecutor(max_workers=3) as inner:
            futures = [inner.submit(run_job, evolve[(i + k) % len(evolve)], THREAD_COUNTS[k % 6], random.Random(k))
                       for k in range(3)]
            problems = [run_job(calculate[i % len(calculate)], THREAD_COUNTS[i % 6], random.Random(i))]
            problems += [f.result(timeout=120) for f in futures]
        return [p for p in problems if p]

    with ThreadPoolExecutor(max_workers=4) as pool:
        problems = [p for ps in pool.map(outer, range(24), timeout=300) for p in ps]
    assert not problems, problems


def test_calls_proceed_while_another_thread_holds_its_openmp_team():
    # Thread A runs a long calculate_z on 2 OpenMP threads; meanwhile this thread's short calls, also on 2 threads,
    # must complete (each Python thread gets its own team) and stay exact.
    long_zs = np.zeros(2048, complex)  # never escapes: 2048 points x 3e6 iterations take a second or more
    result = {}
    holder = threading.Thread(target=lambda: result.update(
        counts=cext.calculate_z(3_000_000, long_zs, 0j, num_threads=2)))
    short = [j for j in make_jobs() if j[0] in ("calculate_z", "evolve")][:6]
    holder.start()
    try:
        time.sleep(0.05)
        done = 0
        rng = random.Random(5)
        while holder.is_alive() and done < 1000:
            problem = run_job(short[done % len(short)], 2, rng)
            assert problem is None, problem
            done += 1
    finally:
        holder.join(timeout=300)
    assert not holder.is_alive()
    assert (result["counts"] == 3_000_000).all()
    assert done >= 10, f"only {done} calls completed while another thread held its team"


if __name__ == "__main__":  # python tests/test_stress.py [seconds]: a longer standalone run
    if len(sys.argv) > 1:
        os.environ["CEXT_STRESS_SECONDS"] = sys.argv[1]
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
