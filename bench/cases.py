"""What the workloads and the peers share: the problem's constants, row labels, the cases a peer's contenders
are made from, and helpers that make the usual kinds of contender.

A peer (bench/peers/*_peer.py) turns a case into its contenders; bench/workloads.py builds the cases, gathers
the contenders of every peer, and adds the references and targets.

Output buffers are preallocated outside the timing wherever a peer's API
takes them, and the contenders of one diffusion workload share them (one for
the fixed boundary, one for the periodic, plus the scratch grid of repeated
steps): each contender's output is checked right after its own call, so
sharing costs no check, and a workload needs a few grids, not one per
contender. Peers whose API allocates their result (the books' Cython Julia,
NumPy, Pythran) are timed with that allocation, and the table says so.

Fixed boundary: the books' C ``evolve`` writes only the interior of ``out``,
while cext's ``boundary="fixed"`` also copies the border of ``grid`` into
``out``. Every ``out`` here starts as a copy of ``grid``, so both
conventions produce the same array and can be compared bit for bit.
"""
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .harness import Contender

MAXITER = 300
JULIA_WIDTH = 1000
JULIA_SUM = 33219980  # the books' "Total sum of elements (for validation)"
DT = 0.1
# Not 1.0: with D = 1 a peer computing D * (dt * lap) instead of the books'
# (D * dt) * lap would round identically and slip through the check.
D = 0.9
BYTES_PER_POINT = 16  # one float64 read and one written per point and step


class Labels:
    """Row labels, shared by the workloads and their targets."""

    PYTHON = "pure Python"
    CONVERSION = "lists → arrays (np.array)"
    NUMPY = "NumPy vectorised"
    NUMPY_ROLL = "NumPy np.roll (periodic)"
    NUMPY_SLICING = "NumPy slicing, out="
    NUMEXPR = "numexpr"
    C_CTYPES = "C via ctypes (serial)"
    C_CFFI = "C via cffi (serial)"
    C_EXTENSION = "C extension, PyArg_ParseTuple"
    F2PY = "Fortran via f2py (serial)"
    CYTHON = "Cython memoryview (serial)"
    CYTHON_PRANGE = "Cython prange"
    CYTHON_FIB = "Cython typed def"
    CYTHON_CPDEF = "Cython typed cpdef"
    NUMBA = "Numba @njit (serial)"
    NUMBA_PARALLEL = "Numba parallel prange"
    NUMBA_FIB = "Numba @njit"
    PYTHRAN = "Pythran (OpenMP)"
    PYTHRAN_FIB = "Pythran"
    PYPY = "PyPy"
    SHEDSKIN = "Shed Skin"
    NUITKA = "Nuitka"
    MYPYC = "mypyc"
    CEXT_FIB = "cext"
    CEXT_PLAIN = "cext (no keywords)"
    PYBIND11_FIB = "pybind11 (cext kernel)"
    NANOBIND_FIB = "nanobind (cext kernel)"
    COPY = "memory copy, np.copyto"
    COPY_PARALLEL = "memory copy, prange memcpy"

    @staticmethod
    def lane_perfect(threads):
        return f"machine limit: every lane busy ({Labels.threads(threads)})"

    @staticmethod
    def cext(threads, what=""):
        return f"cext{what} ({Labels.threads(threads)})"

    @staticmethod
    def bound(library, threads):
        """cext's kernels and dispatch bound with another library."""
        return f"{library} + cext kernels ({Labels.threads(threads)})"

    @staticmethod
    def pool(processes):
        return f"multiprocessing Pool ({processes} process{'es' if processes > 1 else ''})"

    @staticmethod
    def threads(count):
        return f"{count} thread{'s' if count > 1 else ''}"




@dataclass
class JuliaCase:
    """What a peer's Julia contenders are made from.

    ``zs``, ``cs`` are the complex128 arrays every array peer runs on, ``zs_list``, ``cs_list`` the same points
    as the books' lists; ``python_args`` is ``(MAXITER, zs, cs)`` as lists of the rows the pure-Python family
    runs on (``sampled_rows`` holds them row by row), and ``subset`` the Contender options (``select``,
    ``scale``, ``note``) of a contender running those rows. ``tiny``: a call-cost case of a few points;
    ``spread``: points spread over the grid (the size sweep).
    """

    peers: Any
    threads: int
    zs: np.ndarray
    cs: np.ndarray
    zs_list: list
    cs_list: list
    python_args: tuple
    sampled_rows: tuple
    subset: dict
    tiny: bool
    spread: bool


@dataclass
class EvolveCase:
    """What a peer's one-step diffusion contenders are made from.

    ``fixed`` and ``periodic`` hold the grid and the output each boundary's contenders share;
    ``python_args()`` makes fresh nested-list arguments for a list peer, which runs on the rows ``subset``
    describes. ``every_peer``: the slow serial peers run this size too; ``call_cost``: a grid so small that a
    step costs about what a call does.
    """

    peers: Any
    threads: int
    size: int
    grid: np.ndarray
    fixed: Any  # Buffers
    periodic: Any  # Buffers
    every_peer: bool
    call_cost: bool
    python_args: Callable[[], tuple]
    subset: dict


@dataclass
class StepsCase:
    """What a peer's many-step diffusion contenders are made from: ``steps`` steps on shared ``buffers``."""

    peers: Any
    threads: int
    steps: int
    buffers: Any  # Buffers, with a scratch grid


@dataclass
class FibCase:
    """What a peer's fib contenders are made from: the argument ``n``."""

    peers: Any
    threads: int
    n: int


def julia_lists(width=JULIA_WIDTH):
    """The books' zs and cs lists, built exactly as High Performance Python's julia1.py."""
    x1, x2, y1, y2 = -1.8, 1.8, -1.8, 1.8
    c_real, c_imag = -0.62772, -.42193
    x_step = (x2 - x1) / width
    y_step = (y1 - y2) / width
    x = []
    y = []
    ycoord = y2
    while ycoord > y1:
        y.append(ycoord)
        ycoord += y_step
    xcoord = x1
    while xcoord < x2:
        x.append(xcoord)
        xcoord += x_step
    zs = []
    cs = []
    for ycoord in y:
        for xcoord in x:
            zs.append(complex(xcoord, ycoord))
            cs.append(complex(c_real, c_imag))
    return zs, cs


def spread_indices(total, count):
    """``count`` indices evenly spaced over ``range(total)``, first and last included."""
    if count >= total:
        return range(total)
    return [round(i * (total - 1) / (count - 1)) for i in range(count)] if count > 1 else [0]


def lists_to_arrays(zs, cs):
    """What a caller holding the books' lists pays before any array kernel runs."""
    return np.array(zs, dtype=np.complex128), np.array(cs, dtype=np.complex128)


def repeat_steps(step, grid, out, scratch, steps, dt, D):
    """Advance ``steps`` single steps from ``grid`` into ``out``; ``grid`` is untouched.

    The steps alternate between ``out`` and ``scratch`` so that the last one
    lands in ``out``: the contract of cext's ``evolve(..., steps=k)``.
    """
    source = grid
    for remaining in range(steps, 0, -1):
        target = out if remaining % 2 == 1 else scratch
        step(source, target, dt, D)
        source = target


def filling(label, family, kernel, args, kwargs=None, path="", note=""):
    """A contender calling ``kernel(*args, counts, **kwargs)`` that fills its own int32 ``counts``."""
    counts = np.empty(args[1].shape, dtype=np.int32)
    return Contender(label, family, kernel, (*args, counts), kwargs or {}, writes_to=counts, path=path, note=note)


class Buffers:
    """A diffusion workload's input grid and the output (and scratch) grids its contenders share."""

    def __init__(self, grid, scratch=False):
        self.grid = grid
        self.out = grid.copy()  # carries grid's border: see the module docstring
        self.scratch = grid.copy() if scratch else None


def in_place(label, family, kernel, buffers, *, extra=(), kwargs=None, steps=1,
             reference="default", note="", path=""):
    """A contender calling ``kernel(grid, out, *extra, DT, D, **kwargs)`` into the shared ``out``."""
    return Contender(label, family, kernel, (buffers.grid, buffers.out, *extra, DT, D), kwargs or {},
                     writes_to=buffers.out, reference=reference, steps=steps, note=note, path=path)


def repeated(label, family, step, buffers, steps, note=""):
    """A contender making ``steps`` single-step calls of ``step`` through repeat_steps."""
    return Contender(label, family, repeat_steps,
                     (step, buffers.grid, buffers.out, buffers.scratch, steps, DT, D),
                     writes_to=buffers.out, steps=steps, note=note)
