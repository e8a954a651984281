"""The implementations the harness compares, loaded when they can be.

Sources, one file per peer so that each can be read against the seeds:

- ``python_loops.py``: the seeds' pure-Python loops (always available)
- ``numpy_vectorised.py``: whole-array NumPy versions (always available)
- ``julia_cython.pyx``, ``julia_cython_prange.pyx``, ``fib_cython.pyx``: the
  seeds' Cython, unchanged; ``diffusion_cython.pyx``: the seeds' C diffusion
  loop in typed Cython, serial and prange
- ``numba_jit.py``: the seeds' Numba kernels, serial and parallel
- ``diffusion.c`` + ``ctypes_diffusion.py``: the seeds' C diffusion via ctypes
- ``pythran_kernels.py``: optional Pythran versions
- ``memory_copy.pyx``: not a peer; a multi-threaded copy, the bandwidth reference
- cext itself, imported from the repository root

A peer whose dependency is missing is skipped with a message saying what to
install; a peer that should work but does not (a failed Cython build, a
Numba compile error) is reported as a failure.
"""
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import numpy as np

from ..build import Build, build_all, load_module
from . import ctypes_diffusion

HERE = Path(__file__).parent

# Peers attribute -> what to compile for it.
BUILDS = {
    "cython_julia": Build("julia_cython", "cython", HERE / "julia_cython.pyx"),
    "cython_julia_prange": Build("julia_cython_prange", "cython", HERE / "julia_cython_prange.pyx"),
    "cython_diffusion": Build("diffusion_cython", "cython", HERE / "diffusion_cython.pyx"),
    "cython_fib": Build("fib_cython", "cython", HERE / "fib_cython.pyx"),
    "cython_copy": Build("memory_copy", "cython", HERE / "memory_copy.pyx"),
    "c_evolve": Build("diffusion", "cc", HERE / "diffusion.c"),
    "pythran": Build("pythran_kernels", "pythran", HERE / "pythran_kernels.py"),
}
OPTIONAL_BUILDS = {"pythran_kernels"}


@dataclass
class Peers:
    """The loaded peers; an attribute is None when that peer is unavailable."""

    cython_julia: ModuleType | None = None
    cython_julia_prange: ModuleType | None = None
    cython_diffusion: ModuleType | None = None
    cython_fib: ModuleType | None = None
    cython_copy: ModuleType | None = None
    c_evolve: Callable | None = None
    pythran: ModuleType | None = None
    numba: ModuleType | None = None
    cext: ModuleType | None = None
    cext_has_steps: bool = False
    builds: list = field(default_factory=list)
    numba_compile_seconds: dict = field(default_factory=dict)
    skipped: list = field(default_factory=list)
    failures: list = field(default_factory=list)


def load(cache_dir, jobs):
    """Build what needs building, import everything available, return Peers.

    The parallel peers take their thread count from OMP_NUM_THREADS and
    NUMBA_NUM_THREADS, which must be set before this is called.
    """
    peers = Peers()
    peers.builds = build_all(list(BUILDS.values()), cache_dir, jobs)
    for attribute, built in zip(BUILDS, peers.builds, strict=True):
        _attach_build(peers, attribute, built)
    _load_numba(peers)
    _load_cext(peers)
    return peers


def _attach_build(peers, attribute, built):
    name = built.build.name
    if built.status == "missing":
        peers.skipped.append(f"{name}: {built.detail}")
        return
    if built.status == "failed":
        message = f"{name}: build failed; {built.detail}"
        (peers.skipped if name in OPTIONAL_BUILDS else peers.failures).append(message)
        return
    try:
        if built.build.tool == "cc":
            loaded = ctypes_diffusion.bind(built.path)
        else:
            loaded = load_module(built)
    except (ImportError, OSError) as error:  # e.g. a missing OpenMP runtime
        peers.failures.append(f"{name}: built but cannot be loaded: {error}")
        return
    setattr(peers, attribute, loaded)


def _load_numba(peers):
    try:
        from . import numba_jit
    except ImportError as error:
        peers.skipped.append(f"Numba: cannot import it ({error}); pip install numba")
        return
    # One call per function on tiny inputs of the benchmark's argument types
    # compiles it, so compile time is measured here and never in a timing.
    tiny_points = np.zeros(4, dtype=np.complex128)
    tiny_counts = np.empty(4, dtype=np.int32)
    tiny_grid = np.zeros((4, 4))
    first_calls = {
        "calculate_z": lambda: numba_jit.calculate_z(1, tiny_points, tiny_points, tiny_counts),
        "calculate_z_parallel": lambda: numba_jit.calculate_z_parallel(
            1, tiny_points, tiny_points, tiny_counts),
        "evolve": lambda: numba_jit.evolve(tiny_grid, tiny_grid.copy(), 0.1, 1.0),
        "evolve_parallel": lambda: numba_jit.evolve_parallel(
            tiny_grid, tiny_grid.copy(), 0.1, 1.0),
        "fib": lambda: numba_jit.fib(1),
    }
    for name, first_call in first_calls.items():
        start = time.perf_counter()
        try:
            first_call()
        except Exception as error:  # a Numba version that cannot compile the seeds' code
            peers.failures.append(
                f"Numba: compiling {name} failed: {type(error).__name__}: {error}")
            return
        peers.numba_compile_seconds[name] = time.perf_counter() - start
    peers.numba = numba_jit


def _load_cext(peers):
    build_hint = ("build it in place first with `python setup.py build_ext --inplace` "
                  "and run from the repository root")
    try:
        import cext
    except ImportError as error:
        peers.skipped.append(f"cext: cannot import it ({error}); {build_hint}")
        return
    except Exception as error:  # a broken build must not take the other peers down
        peers.failures.append(f"cext: importing it raised {type(error).__name__}: {error}")
        return
    # Without its compiled core, cext/ can still import as an empty namespace.
    missing = [name for name in ("calculate_z", "evolve", "fib") if not hasattr(cext, name)]
    if missing:
        peers.skipped.append(
            f"cext: the imported package has no {', '.join(missing)}; {build_hint}")
        return
    peers.cext = cext
    grid = np.zeros((4, 4))
    try:  # `steps=` arrived after the first builds of cext
        cext.evolve(grid, grid.copy(), 0.1, steps=2)
        peers.cext_has_steps = True
    except TypeError:
        peers.skipped.append("cext many-step rows: this build of cext.evolve has no steps=")
