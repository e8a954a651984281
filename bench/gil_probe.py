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

Each peer record names its probed calls (``gil_calls``). Shed Skin is not
probed: its garbage collector aborts the process when the module is called
from a thread it does not know.
"""
import os
import threading
import time
from types import SimpleNamespace

import numpy as np

from .build import default_cache_dir
from .cases import julia_lists, lists_to_arrays

# More iterations than the benchmark's 300, so that even cext's calls last far
# longer than the stalls a busy machine causes by itself.
MAXITER = 1000
# Shed Skin's garbage collector aborts the process when the module is called from a thread it does not know.
NOT_PROBED = ("shedskin",)


def main():
    os.environ["OMP_NUM_THREADS"] = os.environ["NUMBA_NUM_THREADS"] = "1"
    from .peers import PEERS, load  # after the thread counts are set: the OpenMP runtime reads them once

    probed = tuple(peer.name for peer in PEERS if peer.gil_calls and peer.name not in NOT_PROBED)
    peers = load(default_cache_dir(), jobs=1, selected=probed)
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
    """Each loaded peer's probed calls, by name: the Julia grid, or one 4096² diffusion step."""
    zs, cs = lists_to_arrays(*julia_lists())
    grid = np.random.default_rng(0).random((4096, 4096))
    inputs = SimpleNamespace(maxiter=MAXITER, zs=zs, cs=cs, counts=np.empty(zs.shape, dtype=np.int32),
                             grid=grid, out=grid.copy())
    calls = {}
    for peer in peers.records:
        if peer.gil_calls and peer.name not in NOT_PROBED and _loaded(peers, peer):
            calls.update(peer.gil_calls(peers, inputs))
    return calls


def _loaded(peers, peer):
    """Whether what the peer's calls use was loaded: its first build, or what its start() sets."""
    return getattr(peers, next(iter(peer.builds), peer.name)) is not None


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
