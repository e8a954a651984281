"""The implementations the harness compares, loaded when they can be.

Sources, one file per peer so that each can be read against the books:

- ``python_loops.py``: the books' pure-Python loops (always available); the
  same file runs under PyPy (``pypy.py``, ``pypy_worker.py``), in a
  multiprocessing pool, and compiled by Nuitka, mypyc and Shed Skin
- ``numpy_vectorised.py``: whole-array NumPy versions (always available)
- ``numexpr_diffusion.py``: the diffusion step as one numexpr expression
- ``julia_cython.pyx``, ``julia_cython_prange.pyx``, ``fib_cython.pyx``: the
  the books' Cython, unchanged; ``fib_cython_cpdef.pyx``: the same fib as cpdef;
  ``diffusion_cython.pyx``: the books' C diffusion loop in typed Cython
- ``numba_jit.py``: the books' Numba kernels, serial and parallel
- ``diffusion.c``, ``julia.c``, ``fib.c``: the kernels in C, called through
  ctypes (``ctypes_kernels.py``), cffi (``cffi_build.py``,
  ``cffi_kernels.py``) and a hand-written C extension in the books' style
  (``naive_extension.c``)
- ``diffusion_fortran.f90``: the diffusion step in Fortran, for f2py
- ``pybind11_bindings.cpp``, ``nanobind_bindings.cpp``: cext's own kernels and
  dispatch, bound with those libraries
- ``pythran_kernels.py``: optional Pythran versions
- ``memory_copy.pyx``: not a peer; a multi-threaded copy, the bandwidth reference
- cext itself, imported from the repository root

A peer whose dependency is missing is skipped with a message saying what to
install; a peer that should work but does not (a failed Cython build, a
Numba compile error) is reported as a failure.
"""
import multiprocessing
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from ..build import REPOSITORY, Build, build_all, load_module
from . import cffi_kernels, ctypes_kernels
from .pypy import PyPy

HERE = Path(__file__).parent
C_KERNELS = (HERE / "diffusion.c", HERE / "julia.c", HERE / "fib.c")
# What the pybind11 and nanobind modules compile of cext besides their binding
# file: setup.py's KERNEL_SOURCES and ISA_SOURCES and the headers they include.
CEXT_KERNEL_SOURCES = (REPOSITORY / "setup.py",
                       *sorted((REPOSITORY / "include" / "cext").glob("*.hpp")),
                       *sorted(path for path in (REPOSITORY / "cext").glob("*.[ch]pp")
                               if not path.name.startswith(("_core", "py_"))))

# Peers attribute -> what to compile for it.
BUILDS = {
    "cython_julia": Build("julia_cython", "cython", HERE / "julia_cython.pyx"),
    "cython_julia_prange": Build("julia_cython_prange", "cython", HERE / "julia_cython_prange.pyx"),
    "cython_diffusion": Build("diffusion_cython", "cython", HERE / "diffusion_cython.pyx"),
    "cython_fib": Build("fib_cython", "cython", HERE / "fib_cython.pyx"),
    "cython_fib_cpdef": Build("fib_cython_cpdef", "cython", HERE / "fib_cython_cpdef.pyx"),
    "cython_copy": Build("memory_copy", "cython", HERE / "memory_copy.pyx"),
    "ctypes": Build("c_kernels", "cc", C_KERNELS[0], extras=C_KERNELS[1:]),
    "cffi": Build("c_kernels_cffi", "cffi", HERE / "cffi_build.py", extras=C_KERNELS),
    "naive": Build("naive_extension", "capi", HERE / "naive_extension.c",
                   extras=(HERE / "diffusion.c", HERE / "fib.c")),
    "f2py": Build("diffusion_fortran", "f2py", HERE / "diffusion_fortran.f90"),
    "pybind11": Build("cext_pybind11", "pybind11", HERE / "pybind11_bindings.cpp",
                      extras=(HERE / "bound_kernels.hpp",), depends=CEXT_KERNEL_SOURCES),
    "nanobind": Build("cext_nanobind", "nanobind", HERE / "nanobind_bindings.cpp",
                      extras=(HERE / "bound_kernels.hpp",), depends=CEXT_KERNEL_SOURCES),
    "pythran": Build("pythran_kernels", "pythran", HERE / "pythran_kernels.py"),
    "shedskin": Build("python_loops_shedskin", "shedskin", HERE / "python_loops.py"),
    "nuitka": Build("python_loops_nuitka", "nuitka", HERE / "python_loops.py"),
    "mypyc": Build("python_loops_mypyc", "mypyc", HERE / "python_loops.py"),
}
# Peers whose failure to build is reported as a skip, not a failure of the run.
OPTIONAL_BUILDS = {"pythran_kernels", "python_loops_nuitka", "python_loops_mypyc"}
# The peer (as --peers names it) each build belongs to.
BUILD_PEERS = {"cython_julia": "cython", "cython_julia_prange": "cython", "cython_diffusion": "cython",
               "cython_fib": "cython", "cython_fib_cpdef": "cython", "cython_copy": "reference"}
PEER_NAMES = ("python", "numpy", "numexpr", "numba", "cython", "pythran", "ctypes", "cffi", "naive",
              "f2py", "pybind11", "nanobind", "pypy", "shedskin", "nuitka", "mypyc", "multiprocessing",
              "cext")


@dataclass
class Peers:
    """The loaded peers; an attribute is None when that peer is unavailable."""

    cython_julia: ModuleType | None = None
    cython_julia_prange: ModuleType | None = None
    cython_diffusion: ModuleType | None = None
    cython_fib: ModuleType | None = None
    cython_fib_cpdef: ModuleType | None = None
    cython_copy: ModuleType | None = None
    ctypes: ctypes_kernels.Kernels | None = None
    cffi: cffi_kernels.Kernels | None = None
    naive: ModuleType | None = None
    f2py: Callable | None = None
    pybind11: ModuleType | None = None
    nanobind: ModuleType | None = None
    pythran: ModuleType | None = None
    shedskin: ModuleType | None = None
    nuitka: ModuleType | None = None
    mypyc: ModuleType | None = None
    numexpr: Callable | None = None
    pypy: PyPy | None = None
    pool: Any = None  # a multiprocessing.Pool over every usable CPU
    numba: ModuleType | None = None
    cext: ModuleType | None = None
    cext_has_steps: bool = False
    selected: tuple = PEER_NAMES
    builds: list = field(default_factory=list)
    numba_compile_seconds: dict = field(default_factory=dict)
    skipped: list = field(default_factory=list)
    failures: list = field(default_factory=list)

    def close(self):
        """Stop the worker processes."""
        if self.pypy:
            self.pypy.close()
        if self.pool:
            self.pool.terminate()
            self.pool.join()


def load(cache_dir, jobs, selected=PEER_NAMES):
    """Build what needs building, import everything available, return Peers.

    Only the peers named in ``selected`` (and cext, the reference) are built
    and loaded. The parallel peers take their thread count from
    OMP_NUM_THREADS and NUMBA_NUM_THREADS, which must be set before this is
    called; the multiprocessing pool gets ``jobs`` processes.
    """
    peers = Peers(selected=selected)
    wanted = {attribute: build for attribute, build in BUILDS.items()
              if BUILD_PEERS.get(attribute, attribute) in (*selected, "reference")}
    peers.builds = build_all(list(wanted.values()), cache_dir, jobs)
    for attribute, built in zip(wanted, peers.builds, strict=True):
        _attach_build(peers, attribute, built)
    if "numba" in selected:
        _load_numba(peers)
    if "numexpr" in selected:
        _load_numexpr(peers)
    if "pypy" in selected:
        _start_pypy(peers)
    if "multiprocessing" in selected:
        _start_pool(peers, jobs)
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
            loaded = ctypes_kernels.Kernels(built.path)
        elif built.build.tool == "cffi":
            loaded = cffi_kernels.Kernels(load_module(built))
        elif built.build.tool == "f2py":
            loaded = _fortran_evolve(load_module(built))
        else:
            loaded = load_module(built)
    except (ImportError, OSError) as error:  # e.g. a missing OpenMP runtime
        peers.failures.append(f"{name}: built but cannot be loaded: {error}")
        return
    setattr(peers, attribute, loaded)


def _fortran_evolve(module):
    """The f2py module's evolve with the books' call shape.

    The Fortran routine indexes grid(j, i) for the C grid[i][j]: the
    transposes are views that are Fortran-contiguous, so f2py passes the
    arrays' memory without copying (a C-contiguous array would be copied to
    Fortran order on every call).
    """
    fortran_evolve = module.evolve

    def evolve(grid, out, dt, D=1.0):
        fortran_evolve(grid.T, out.T, dt, D)

    return evolve


def _load_numexpr(peers):
    try:
        from . import numexpr_diffusion
    except ImportError as error:
        peers.skipped.append(f"numexpr: cannot import it ({error}); pip install numexpr")
        return
    peers.numexpr = numexpr_diffusion.evolve


def _start_pypy(peers):
    try:
        peers.pypy = PyPy.find()
    except (OSError, subprocess.CalledProcessError) as error:
        peers.failures.append(f"PyPy: pypy3 is installed but does not start: {error}")
        return
    if peers.pypy is None:
        peers.skipped.append("PyPy: pypy3 is not on PATH (apt-get install pypy3)")


def _start_pool(peers, processes):
    # "spawn" starts clean interpreters: forking a process whose OpenMP and
    # Numba thread pools are running can deadlock the children.
    context = multiprocessing.get_context("spawn")
    peers.pool = context.Pool(processes)
    peers.pool.map(abs, range(processes))  # waits until every worker has started


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
        except Exception as error:  # noqa: BLE001 -- a Numba version that cannot compile the book's code
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
    except Exception as error:  # noqa: BLE001 -- a broken build must not take the other peers down
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
