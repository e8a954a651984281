"""Check the cost table's "GIL released" column: does another Python thread run during a call?

    python -m bench.gil_probe

A worker thread calls one path's kernel on a large input (the 1000×1000
Julia grid with maxiter 1000, or one 4096×4096 diffusion step for the paths
that only have ``evolve``) over and over for two seconds, with one OpenMP
thread, while the
main thread spins in a Python loop and counts its stalls: the times it went
more than half a call without an iteration. A call that holds the GIL stops
the main thread for the whole call, so there is about one stall per call; a
call that releases it leaves the main thread running, and its only stalls
are the rare ones a busy machine causes by descheduling it.

Shed Skin is not probed: its garbage collector aborts the process when the
module is called from a thread it does not know.
"""
import os
import threading
import time

import numpy as np

from . import __main__ as cli
from .workloads import julia_lists, lists_to_arrays

# More iterations than the benchmark's 300, so that even cext's calls last far
# longer than the stalls a busy machine causes by itself.
MAXITER = 1000

PROBED = ("numba", "cython", "pythran", "ctypes", "cffi", "naive", "f2py", "numexpr", "pybind11", "nanobind",
          "cext")


def main():
    os.environ["OMP_NUM_THREADS"] = os.environ["NUMBA_NUM_THREADS"] = "1"
    from .peers import load  # after the thread counts are set: the OpenMP runtime reads them once

    peers = load(cli._default_cache_dir(), jobs=1, selected=PROBED)
    try:
        print(f"  {'path (kernel)':<30} {'one call':>10} {'calls':>6} {'stalls':>7}  GIL")
        for name, call in _calls(peers).items():
            call()  # compiles or warms up outside the measurement
            start = time.perf_counter()
            call()
            duration = time.perf_counter() - start
            calls, stalls = _stalls(call, longer_than=duration / 2)
            verdict = "held" if stalls >= calls / 2 else "released"
            print(f"  {name:<30} {duration * 1e3:7.1f} ms {calls:6d} {stalls:7d}  {verdict}")
    finally:
        peers.close()


def _calls(peers):
    zs_list, cs_list = julia_lists()
    zs, cs = lists_to_arrays(zs_list, cs_list)
    counts = np.empty(zs.shape, dtype=np.int32)
    grid = np.random.default_rng(0).random((4096, 4096))
    out = grid.copy()
    candidates = {
        "Numba (calculate_z)": peers.numba and (lambda: peers.numba.calculate_z(MAXITER, zs, cs, counts)),
        "Cython def (calculate_z)": peers.cython_julia and (lambda: peers.cython_julia.calculate_z(MAXITER, zs, cs)),
        "Pythran (calculate_z)": peers.pythran and (lambda: peers.pythran.calculate_z(MAXITER, zs, cs)),
        "ctypes (calculate_z)": peers.ctypes and (lambda: peers.ctypes.calculate_z(MAXITER, zs, cs, counts)),
        "cffi (calculate_z)": peers.cffi and (lambda: peers.cffi.calculate_z(MAXITER, zs, cs, counts)),
        "C extension (evolve 4096²)": peers.naive and (lambda: peers.naive.evolve(grid, out, 0.1, 0.9)),
        "f2py (evolve 4096²)": peers.f2py and (lambda: peers.f2py(grid, out, 0.1, 0.9)),
        "numexpr (evolve 4096²)": peers.numexpr and (lambda: peers.numexpr(grid, out, 0.1, 0.9)),
        "pybind11 (calculate_z)": peers.pybind11 and (
            lambda: peers.pybind11.calculate_z(MAXITER, zs, cs, counts, num_threads=1)),
        "nanobind (calculate_z)": peers.nanobind and (
            lambda: peers.nanobind.calculate_z(MAXITER, zs, cs, counts, num_threads=1)),
        "cext (calculate_z)": peers.cext and (
            lambda: peers.cext.calculate_z(MAXITER, zs, cs, out=counts, num_threads=1)),
    }
    return {name: call for name, call in candidates.items() if call}


def _stalls(call, longer_than, seconds=2.0):
    """(calls made, main-thread stalls longer than ``longer_than`` s) while a worker thread repeats ``call``."""
    finished = threading.Event()
    calls = 0

    def work():
        nonlocal calls
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            call()
            calls += 1
        finished.set()

    worker = threading.Thread(target=work)
    worker.start()
    stalls = 0
    last = time.perf_counter()
    while not finished.is_set():
        now = time.perf_counter()
        stalls += now - last > longer_than
        last = now
    worker.join()
    return calls, stalls


if __name__ == "__main__":
    main()
