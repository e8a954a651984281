"""Numba: the books' kernels compiled by @njit at their first call, serial and with parallel prange."""
import time

import numpy as np

from ..cases import MAXITER, Contender, Labels, filling, in_place, repeated
from .record import Cost, Glue, Peer


def start(peers, jobs):
    try:
        from . import numba_jit
    except ImportError as error:
        peers.skipped.append(f"Numba: cannot import it ({error}); pip install numba")
        return
    # One call per function on tiny inputs of the benchmark's argument types compiles it, so compile time is
    # measured here and never in a timing.
    tiny_points = np.zeros(4, dtype=np.complex128)
    tiny_counts = np.empty(4, dtype=np.int32)
    tiny_grid = np.zeros((4, 4))
    first_calls = {
        "calculate_z": lambda: numba_jit.calculate_z(1, tiny_points, tiny_points, tiny_counts),
        "calculate_z_parallel": lambda: numba_jit.calculate_z_parallel(1, tiny_points, tiny_points, tiny_counts),
        "evolve": lambda: numba_jit.evolve(tiny_grid, tiny_grid.copy(), 0.1, 1.0),
        "evolve_parallel": lambda: numba_jit.evolve_parallel(tiny_grid, tiny_grid.copy(), 0.1, 1.0),
        "fib": lambda: numba_jit.fib(1),
    }
    for name, first_call in first_calls.items():
        started = time.perf_counter()
        try:
            first_call()
        except Exception as error:  # noqa: BLE001 -- a Numba version that cannot compile the book's code
            peers.failures.append(f"Numba: compiling {name} failed: {type(error).__name__}: {error}")
            return
        peers.numba_compile_seconds[name] = time.perf_counter() - started
    peers.numba = numba_jit


def julia(case):
    numba = case.peers.numba
    if not numba:
        return []
    return [filling(Labels.NUMBA, "numba", numba.calculate_z, (MAXITER, case.zs, case.cs), path="Numba"),
            filling(Labels.NUMBA_PARALLEL, "numba", numba.calculate_z_parallel, (MAXITER, case.zs, case.cs))]


def evolve(case):
    numba = case.peers.numba
    if not numba:
        return []
    return [in_place(Labels.NUMBA, "numba", numba.evolve, case.fixed, path="Numba"),
            in_place(Labels.NUMBA_PARALLEL, "numba", numba.evolve_parallel, case.fixed)]


def steps(case):
    numba = case.peers.numba
    return [repeated(Labels.NUMBA_PARALLEL + f" ×{case.steps}", "numba", numba.evolve_parallel, case.buffers,
                     case.steps)] if numba else []


def fib(case):
    numba = case.peers.numba
    return [Contender(Labels.NUMBA_FIB, "numba", numba.fib, (case.n,), path="Numba")] if numba else []


def gil_calls(peers, inputs):
    return {"Numba (calculate_z)": lambda: peers.numba.calculate_z(inputs.maxiter, inputs.zs, inputs.cs,
                                                                   inputs.counts)}


PEER = Peer("numba", "Numba", "#55a868", start=start, julia=julia, evolve=evolve, steps=steps, fib=fib,
            gil_calls=gil_calls,
            costs=(Cost("Numba", Glue("the @njit lines of numba_jit.py", 5, files=("bench/peers/numba_jit.py",),
                                      pattern=r"^@njit"),
                        threads="prange", simd="compiled for this CPU at the first call",
                        first_call_extra=lambda peers, group: peers.numba_compile_seconds.get(group, 0.0)),))
