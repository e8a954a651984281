"""Check the cost table's "GIL released" column: does another Python thread run during a call?

    python -m bench.gil_probe

A worker thread calls one path's kernel on a large input (the 1000×1000
Julia grid, or one 4096×4096 diffusion step for the paths that only have
``evolve``) over and over for a second, with one OpenMP thread, while the
main thread spins in a Python loop and records the longest time between two
of its iterations. A call that holds the GIL stops the main thread for the
whole call, so that longest stall is about as long as the shortest call; a
call that releases it leaves the main thread running, and its stalls are
those of sharing the interpreter with the worker's Python code between calls
(the 5 ms switch interval) and of the machine's other load.

Shed Skin is not probed: its garbage collector aborts the process when the
module is called from a thread it does not know.
"""
import os
import threading
import time

import numpy as np

from . import __main__ as cli
from .workloads import MAXITER, julia_lists, lists_to_arrays

PROBED = ("numba", "cython", "pythran", "ctypes", "cffi", "naive", "f2py", "numexpr", "pybind11", "nanobind",
          "cext")


def main():
    os.environ["OMP_NUM_THREADS"] = os.environ["NUMBA_NUM_THREADS"] = "1"
    from .peers import load  # after the thread counts are set: the OpenMP runtime reads them once

    peers = load(cli._default_cache_dir(), jobs=1, selected=PROBED)
    try:
        print(f"  {'path (kernel)':<30} {'shortest call':>14} {'longest stall':>14}  GIL")
        for name, call in _calls(peers).items():
            call()  # compiles or warms up outside the measurement
            shortest_call, longest_stall = _stall(call)
            verdict = "held" if longest_stall > 0.5 * shortest_call else "released"
            print(f"  {name:<30} {shortest_call * 1e3:11.1f} ms {longest_stall * 1e3:11.1f} ms  {verdict}")
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


def _stall(call, seconds=1.0):
    """(shortest call, longest main-thread stall) in seconds while a worker thread repeats ``call``."""
    finished = threading.Event()
    durations = []

    def work():
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            start = time.perf_counter()
            call()
            durations.append(time.perf_counter() - start)
        finished.set()

    worker = threading.Thread(target=work)
    worker.start()
    longest = 0.0
    last = time.perf_counter()
    while not finished.is_set():
        now = time.perf_counter()
        longest = max(longest, now - last)
        last = now
    worker.join()
    return min(durations), longest


if __name__ == "__main__":
    main()
