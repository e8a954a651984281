"""The benchmark cases: inputs, contenders, references and targets.

``plan()`` lists the workloads to run; each is built only when its turn comes
(an 8192x8192 grid is 512 MiB) and dropped after.

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
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from .harness import Contender
from .peers import numpy_vectorised, pool_julia, python_loops

MAXITER = 300
JULIA_WIDTH = 1000
JULIA_SUM = 33219980  # the books' "Total sum of elements (for validation)"
DT = 0.1
# Not 1.0: with D = 1 a peer computing D * (dt * lap) instead of the books'
# (D * dt) * lap would round identically and slip through the check.
D = 0.9
BYTES_PER_POINT = 16  # one float64 read and one written per point and step


@dataclass(frozen=True)
class Settings:
    """How much to run: FULL for the real table, QUICK for a CI smoke run."""

    mode: str
    repeats: int
    min_sample_seconds: float
    julia_row_stride: int  # pure-Python Julia runs on every n-th row
    python_points: int  # pure-Python diffusion runs on whole rows holding at most this many points
    evolve_sizes: tuple
    multi_step_sizes: tuple
    steps: int
    # Calls of a few hundred nanoseconds need far less than min_sample_seconds
    # to be timed well; the call-overhead workloads use this instead.
    overhead_sample_seconds: float
    fib_arguments: tuple = (0, 90)
    # Every peer runs the sizes up to this; the larger ones compare the
    # parallel and bandwidth-bound contenders only, to keep the run short.
    all_peers_up_to: int = 512


# 8192² (512 MiB a grid) is larger than any CPU's L3: there every step goes to memory.
FULL = Settings("full", repeats=7, min_sample_seconds=0.2, julia_row_stride=10,
                python_points=2**20, evolve_sizes=(512, 2048, 4096, 8192),
                multi_step_sizes=(2048, 4096, 8192), steps=20, overhead_sample_seconds=0.05)
QUICK = Settings("quick", repeats=3, min_sample_seconds=0.02, julia_row_stride=50,
                 python_points=2**15, evolve_sizes=(512,), multi_step_sizes=(512,), steps=4,
                 overhead_sample_seconds=0.01)
TINY_GRID = 8  # the call-overhead table's diffusion case: an 8×8 grid
TINY_POINTS = 4  # the call-overhead Julia case: the grid's first 4 points
# Grids small enough that a step costs about what the call does; the full run times each with every peer.
CALL_COST_GRIDS = (4, 8, 16, 32)
# What a small call may cost: cext's step against the book's plain C extension and serial Cython, a Julia call
# on 4 points, and what passing num_threads= adds.
SMALL_STEP_VS_C_EXTENSION = 1.2
SMALL_STEP_VS_CYTHON = 0.5
TINY_JULIA_SECONDS = 300e-9
NUM_THREADS_EXTRA_SECONDS = 30e-9


@dataclass(frozen=True)
class Target:
    """A performance goal, from contenders' best times in this run.

    ``kind`` says what is compared:

    - "ratio": time(baseline) / time(subject) must reach ``threshold``;
      ``style`` only changes how it reads: "speedup" (13.8×), "time" (the
      subject's time as a fraction of the baseline's, 0.93×) or "share" (of
      the baseline's bandwidth, 85%);
    - "extra": time(subject) − time(baseline) must stay at or below
      ``threshold`` seconds (what an argument adds to a call);
    - "at_most": time(subject) must stay at or below ``threshold`` seconds
      (no baseline);
    - "scaling": the subject's speedup from one thread to all,
      time(baseline) / time(subject), must reach ``threshold`` times the same
      ratio of the ``limits`` pair (one-thread limit, all-thread limit).
    """

    subject: str
    baseline: str | None
    threshold: float
    goal: str
    style: str = "speedup"
    kind: str = "ratio"
    limits: tuple = ()


@dataclass
class Workload:
    """One benchmarked case and what its table shows."""

    group: str  # what --only selects: calculate_z, evolve or fib
    key: str
    title: str
    contenders: list
    references: dict  # reference name -> label of the contender defining it
    python_label: str | None = None  # baseline of the "vs pure Python" column
    cython_label: str | None = None  # baseline of the "vs Cython" column
    bytes_per_step: int | None = None
    targets: list = field(default_factory=list)
    check_reference: object = None
    min_sample_seconds: float | None = None  # None: the settings' min_sample_seconds
    cells: int | None = None  # grid points or Julia points, where the size sweep plots time per cell


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


def _mark_paths(contenders, threads):
    """Name each contender's row in the call-overhead and cost tables.

    One row per way of running the kernels; where a family has several
    contenders, the serial one (or, for the bound kernels, the same thread
    count as cext's) stands for it.
    """
    paths = {
        Labels.PYTHON: "pure Python", Labels.PYPY: "PyPy", Labels.pool(threads): "multiprocessing",
        Labels.NUITKA: "Nuitka", Labels.MYPYC: "mypyc", Labels.SHEDSKIN: "Shed Skin",
        Labels.NUMPY: "NumPy", Labels.NUMPY_SLICING: "NumPy", Labels.NUMEXPR: "numexpr",
        Labels.NUMBA: "Numba", Labels.NUMBA_FIB: "Numba",
        Labels.CYTHON: "Cython def", Labels.CYTHON_FIB: "Cython def", Labels.CYTHON_CPDEF: "Cython cpdef",
        Labels.PYTHRAN: "Pythran", Labels.PYTHRAN_FIB: "Pythran",
        Labels.C_CTYPES: "ctypes", Labels.C_CFFI: "cffi", Labels.C_EXTENSION: "C extension (PyArg_ParseTuple)",
        Labels.F2PY: "f2py",
        Labels.bound("pybind11", threads): "pybind11", Labels.PYBIND11_FIB: "pybind11",
        Labels.bound("nanobind", threads): "nanobind", Labels.NANOBIND_FIB: "nanobind",
        Labels.cext(threads): "cext", Labels.CEXT_FIB: "cext",
    }
    if any(contender.label == Labels.CEXT_PLAIN for contender in contenders):
        # On a small call, the plain call (no keywords, as the other paths are called) stands for cext.
        paths[Labels.cext(threads)] = ""
        paths[Labels.CEXT_PLAIN] = "cext"
    for contender in contenders:
        contender.path = paths.get(contender.label, "")
    return contenders


@dataclass(frozen=True)
class Entry:
    """A workload of the plan, built only when its turn comes; ``memory`` is its estimated peak in bytes."""

    group: str
    title: str
    build: Callable[[], Workload]
    memory: int = 0


# The interpreter with every peer loaded (Numba's LLVM, the compiled modules, matplotlib): about 0.5 GB seen.
BASE_MEMORY = 600 * 2**20


def evolve_memory(size, settings):
    """Peak bytes of a one-step workload: the grid, the fixed and periodic outputs, NumPy's scratch, and the
    np.roll peer's temporaries where every peer runs (its four rolled copies, two sums and the result)."""
    grids = 4 + (5 if size <= settings.all_peers_up_to else 0)
    return BASE_MEMORY + grids * 8 * size * size


def multi_step_memory(size):
    """Peak bytes of a multi-step workload: the grid, the shared output and scratch grids, and the scratch grid
    cext's steps= keeps between calls."""
    return BASE_MEMORY + 4 * 8 * size * size


def plan(peers, settings, threads, groups):
    """The workloads to run, as Entries."""
    entries = [Entry("calculate_z", f"calculate_z {JULIA_WIDTH}×{JULIA_WIDTH}",
                     partial(julia_workload, peers, settings, threads)),
               Entry("calculate_z", f"calculate_z {TINY_POINTS} points",
                     partial(julia_workload, peers, settings, threads, points=TINY_POINTS))]
    for size in (*(CALL_COST_GRIDS if settings.mode == "full" else (TINY_GRID,)), *settings.evolve_sizes):
        entries.append(Entry("evolve", f"evolve {size}²",
                             partial(evolve_workload, peers, settings, threads, size),
                             evolve_memory(size, settings)))
    for size in settings.multi_step_sizes:
        entries.append(Entry("evolve", f"evolve {settings.steps} steps {size}²",
                             partial(multi_step_workload, peers, settings, threads, size),
                             multi_step_memory(size)))
    for n in settings.fib_arguments:
        entries.append(Entry("fib", f"fib({n})", partial(fib_workload, peers, settings, threads, n)))
    return [entry for entry in entries if entry.group in groups]


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


def julia_workload(peers, settings, threads, points=None, spread=False):
    """The books' Julia set: every calculate_z peer on the same 10**6 points.

    With ``points``, only the grid's first ``points`` points (which escape at
    once): then the time is what a call costs, not the kernel. With
    ``spread`` too, ``points`` points evenly spaced over the whole grid, so
    that each size does the grid's mix of work per point (the size sweep).
    """
    zs_list, cs_list = julia_lists()
    rows = len(zs_list) // JULIA_WIDTH
    tiny = points is not None
    if tiny:
        chosen = spread_indices(len(zs_list), points) if spread else range(points)
        zs_list, cs_list = [zs_list[i] for i in chosen], [cs_list[i] for i in chosen]
    zs, cs = lists_to_arrays(zs_list, cs_list)
    # The pure-Python family runs on every stride-th row and is scaled up.
    stride = 1 if tiny else settings.julia_row_stride
    grid_shape = (1, points) if tiny else (rows, JULIA_WIDTH)
    sampled = slice(None, None, stride)
    sampled_rows = [row.tolist() for row in zs.reshape(grid_shape)[sampled]], \
        [row.tolist() for row in cs.reshape(grid_shape)[sampled]]
    python_args = (MAXITER, [z for row in sampled_rows[0] for z in row],
                   [c for row in sampled_rows[1] for c in row])
    subset = {"select": lambda expected: expected.reshape(grid_shape)[sampled].ravel(),
              "scale": stride,
              "note": "" if tiny else (f"runs on every {stride}th row ({len(sampled_rows[0])} of {rows}); "
                                       f"time ×{stride}")}
    contenders = [Contender(Labels.PYTHON, "python", python_loops.calculate_z, python_args, **subset)]
    if not tiny:
        contenders.append(Contender(
            Labels.CONVERSION, "reference", lists_to_arrays, (zs_list, cs_list), reference=None,
            note="converting the books' lists, not a kernel: the cost of a list interface"))
    contenders.append(Contender(Labels.NUMPY, "numpy", numpy_vectorised.calculate_z, (MAXITER, zs, cs),
                                note="allocates its output"))
    if peers.pypy:
        call, timer = peers.pypy.contender_parts("calculate_z", python_args)
        contenders.append(Contender(Labels.PYPY, "pypy", call, timer=timer, **subset))
    if peers.pool and not tiny:
        contenders.append(Contender(Labels.pool(peers.pool._processes), "multiprocessing",
                                    pool_julia.calculate_z, (peers.pool, MAXITER, *sampled_rows),
                                    **subset))
    for label, family, module in ((Labels.NUITKA, "nuitka", peers.nuitka),
                                  (Labels.MYPYC, "mypyc", peers.mypyc)):
        if module:
            contenders.append(Contender(label, family, module.calculate_z, python_args, **subset))
    if peers.shedskin:
        contenders.append(Contender(Labels.SHEDSKIN, "shedskin", peers.shedskin.calculate_z,
                                    (MAXITER, zs_list, cs_list),
                                    note="takes the books' lists; converts them on every call"))
    if peers.cython_julia:
        contenders.append(Contender(Labels.CYTHON, "cython", peers.cython_julia.calculate_z,
                                    (MAXITER, zs, cs), note="allocates its output (the books' API)"))
    if peers.cython_julia_prange:
        contenders.append(Contender(Labels.CYTHON_PRANGE, "cython",
                                    peers.cython_julia_prange.calculate_z, (MAXITER, zs, cs),
                                    note="schedule=\"guided\"; allocates its output (the books' API)"))
    if peers.numba:
        for label, kernel in ((Labels.NUMBA, peers.numba.calculate_z),
                              (Labels.NUMBA_PARALLEL, peers.numba.calculate_z_parallel)):
            contenders.append(_filling(label, "numba", kernel, (MAXITER, zs, cs)))
    for label, family, kernels in ((Labels.C_CTYPES, "ctypes", peers.ctypes),
                                   (Labels.C_CFFI, "cffi", peers.cffi)):
        if kernels:
            contenders.append(_filling(label, family, kernels.calculate_z, (MAXITER, zs, cs)))
    if peers.pythran:
        contenders.append(Contender(Labels.PYTHRAN, "pythran", peers.pythran.calculate_z,
                                    (MAXITER, zs, cs), note="allocates its output"))
    for library, module in (("pybind11", peers.pybind11), ("nanobind", peers.nanobind)):
        if module:
            contenders.append(_filling(Labels.bound(library, threads), library, module.calculate_z,
                                       (MAXITER, zs, cs), kwargs={"num_threads": threads}))
    if peers.cext:
        for count in sorted({1, threads}):
            contenders.append(Contender(Labels.cext(count), "cext", peers.cext.calculate_z,
                                        (MAXITER, zs, cs),
                                        {"out": np.empty(zs.shape, dtype=np.int32),
                                         "num_threads": count}))
        if tiny and not spread:
            # A small call as a newcomer writes it: no out=, no num_threads=.
            contenders.append(Contender(Labels.CEXT_PLAIN, "cext", peers.cext.calculate_z, (MAXITER, zs, cs)))
        if not tiny:
            contenders += _lane_perfect(peers.cext, threads, zs, cs)
    reference = _first_present(contenders, Labels.cext(threads), Labels.CYTHON, Labels.NUMBA,
                               Labels.NUMPY)
    _mark_paths(contenders, threads)

    def check_sum(output):
        total = int(output.sum(dtype=np.int64))
        return None if total == JULIA_SUM else f"escape counts sum to {total}, not {JULIA_SUM}"

    if spread:
        return Workload(
            "calculate_z", f"calculate_z-{points}-spread",
            f"calculate_z · {points} points spread over the grid, maxiter {MAXITER}",
            contenders, {"default": reference}, python_label=Labels.PYTHON,
            cython_label=Labels.CYTHON, min_sample_seconds=settings.overhead_sample_seconds)
    if tiny:
        return Workload(
            "calculate_z", f"calculate_z-{points}",
            f"calculate_z · {points} points that escape at once: the cost of a call",
            contenders, {"default": reference}, python_label=Labels.PYTHON,
            cython_label=Labels.CYTHON, min_sample_seconds=settings.overhead_sample_seconds,
            targets=[*(Target(label, None, TINY_JULIA_SECONDS, f"≤ {TINY_JULIA_SECONDS * 1e9:.0f} ns",
                              kind="at_most") for label in (Labels.CEXT_PLAIN, Labels.cext(1))),
                     Target(Labels.cext(1), Labels.CEXT_PLAIN, NUM_THREADS_EXTRA_SECONDS,
                            f"num_threads=1 and out= add ≤ {NUM_THREADS_EXTRA_SECONDS * 1e9:.0f} ns",
                            kind="extra")])
    return Workload(
        "calculate_z", "calculate_z",
        f"calculate_z · {rows}×{JULIA_WIDTH} grid, maxiter {MAXITER}, 1-D complex128 arrays "
        f"(checksum {JULIA_SUM})",
        contenders, {"default": reference},
        python_label=Labels.PYTHON, cython_label=Labels.CYTHON_PRANGE,
        targets=[
            Target(Labels.cext(threads), Labels.CYTHON_PRANGE, 12, "≥ 12× Cython prange"),
            Target(Labels.cext(1), Labels.CYTHON, 10, "≥ 10× serial Cython"),
            *(Target(Labels.cext(count), Labels.lane_perfect(count), 0.85,
                     f"≥ 85% of the machine limit, {Labels.threads(count)}", style="share")
              for count in sorted({1, threads})),
            # The second core's share: cext's gain from more threads against the every-lane-busy limit's.
            *([Target(Labels.cext(threads), Labels.cext(1), 0.97,
                      f"scales within 3% of the machine limit's {Labels.threads(threads)} ÷ 1", kind="scaling",
                      limits=(Labels.lane_perfect(1), Labels.lane_perfect(threads)))] if threads > 1 else []),
        ],
        check_reference=check_sum)


def _lane_perfect(cext, threads, zs, cs):
    """The machine's limit for the Julia grid: its useful iterations, at the rate of points that never escape.

    The grid needs JULIA_SUM point-iterations; a kernel can at best spend exactly those. Points at z = c = 0
    never escape, so every lane of every vector is busy for all maxiter iterations: JULIA_SUM / MAXITER such
    points take the time of the grid's useful work with no lane idle, on the same code path. The note adds how
    much of that a vector kernel that waits for its slowest lane can reach on this grid.
    """
    zeros = np.zeros(JULIA_SUM // MAXITER, dtype=complex)
    lanes = cext._core._build_info()["simd_lanes"]
    occupancy = lane_occupancy(cext.calculate_z(MAXITER, zs, cs), lanes)
    return [Contender(Labels.lane_perfect(count), "reference", cext.calculate_z, (MAXITER, zeros, 0j),
                      {"out": np.empty(zeros.shape, dtype=np.int32), "num_threads": count}, reference=None,
                      note=f"{zeros.size} points that never escape × {MAXITER} iterations = the grid's "
                           f"{JULIA_SUM} useful ones; vectors of {lanes} points that each run until their "
                           f"slowest point escapes keep {occupancy:.0%} of their lanes busy on this grid")
            for count in sorted({1, threads})]


def lane_occupancy(counts, lanes):
    """Useful share of the lane-iterations when each vector of `lanes` consecutive points iterates until the
    slowest of them is done: the ceiling, against the every-lane-busy limit, of a kernel that refills a vector
    only when all its lanes have finished."""
    counts = np.asarray(counts, dtype=np.int64)
    padded = np.zeros(-(-counts.size // lanes) * lanes, dtype=np.int64)
    padded[:counts.size] = counts
    slowest = padded.reshape(-1, lanes).max(axis=1)
    return float(counts.sum() / (slowest.sum() * lanes))


def evolve_workload(peers, settings, threads, size):
    """One diffusion step on a random size×size grid, with the copy references.

    Every peer runs sizes up to ``settings.all_peers_up_to`` (the 8×8 grid
    measures what a call costs); larger grids compare the fast contenders.
    """
    grid = np.random.default_rng(size).random((size, size))
    every_peer = size <= settings.all_peers_up_to
    fixed = _Buffers(grid)  # the fixed-boundary contenders' output
    periodic = _Buffers(grid)  # the periodic ones write the border too, so they get their own
    band = min(size - 2, max(1, settings.python_points // size))
    python_rows = grid[:band + 2].tolist()

    def python_args():
        """Arguments for a list peer, with nested output lists of its own."""
        return python_rows, [row[:] for row in python_rows], DT, D
    subset = {
        # A correct run on rows 0..band+1 leaves row band+1 as it was.
        "select": lambda expected: np.vstack([expected[:band + 1], grid[band + 1:band + 2]]),
        "scale": (size - 2) / band,
        "note": ("nested lists" if band == size - 2 else
                 f"nested lists; runs on {band} of {size - 2} interior rows, "
                 f"time ×{(size - 2) / band:.3g}")}
    args = python_args()
    contenders = [Contender(Labels.PYTHON, "python", python_loops.evolve, args, writes_to=args[1],
                            **subset)]
    if every_peer and peers.pypy:
        call, timer = peers.pypy.contender_parts("evolve", python_args(), output=1)
        contenders.append(Contender(Labels.PYPY, "pypy", call, timer=timer, **subset))
    for label, family, module in ((Labels.NUITKA, "nuitka", peers.nuitka),
                                  (Labels.MYPYC, "mypyc", peers.mypyc)):
        if every_peer and module:
            args = python_args()
            contenders.append(Contender(label, family, module.evolve, args, writes_to=args[1], **subset))
    if every_peer:
        # Its four rolled copies and their sums take several grids of memory at once.
        contenders.append(Contender(Labels.NUMPY_ROLL, "numpy", numpy_vectorised.evolve_roll, (grid, DT, D),
                                    reference="periodic", note="periodic boundary; allocates its result"))
    contenders.append(_in_place(Labels.NUMPY_SLICING, "numpy", numpy_vectorised.evolve_slicing, fixed,
                                extra=(np.empty((size - 2, size - 2)),)))
    if every_peer and peers.numexpr:
        contenders.append(_in_place(Labels.NUMEXPR, "numexpr", peers.numexpr, fixed,
                                    note="numexpr's own threads"))
    if peers.ctypes:
        contenders.append(_in_place(Labels.C_CTYPES, "ctypes", peers.ctypes.evolve, fixed))
    if every_peer:
        for label, family, kernel in (
                (Labels.C_CFFI, "cffi", peers.cffi and peers.cffi.evolve),
                (Labels.C_EXTENSION, "naive", peers.naive and peers.naive.evolve),
                (Labels.F2PY, "f2py", peers.f2py)):
            if kernel:
                contenders.append(_in_place(label, family, kernel, fixed))
    if peers.cython_diffusion:
        contenders.append(_in_place(Labels.CYTHON, "cython", peers.cython_diffusion.evolve, fixed))
        contenders.append(_in_place(Labels.CYTHON_PRANGE, "cython",
                                    peers.cython_diffusion.evolve_prange, fixed,
                                    note="schedule=\"static\""))
    if peers.numba:
        contenders.append(_in_place(Labels.NUMBA, "numba", peers.numba.evolve, fixed))
        contenders.append(_in_place(Labels.NUMBA_PARALLEL, "numba", peers.numba.evolve_parallel,
                                    fixed))
    if peers.pythran:
        contenders.append(_in_place(Labels.PYTHRAN, "pythran", peers.pythran.evolve, fixed))
    for library, module in (("pybind11", peers.pybind11), ("nanobind", peers.nanobind)):
        if module:
            contenders.append(_in_place(Labels.bound(library, threads), library, module.evolve, fixed,
                                        kwargs={"num_threads": threads}))
    call_cost = size in CALL_COST_GRIDS
    if peers.cext:
        for count in sorted({1, threads}):
            contenders.append(_in_place(Labels.cext(count), "cext", peers.cext.evolve, fixed,
                                        kwargs={"boundary": "fixed", "num_threads": count}))
        if call_cost:
            # A small call as a newcomer writes it: no keyword arguments.
            contenders.append(_in_place(Labels.CEXT_PLAIN, "cext", peers.cext.evolve, fixed))
        contenders.append(_in_place(Labels.cext(threads, " periodic"), "cext", peers.cext.evolve,
                                    periodic, kwargs={"boundary": "periodic", "num_threads": threads},
                                    reference="periodic"))
    # The copies write the whole grid into the fixed-boundary output, border included: its border stays the
    # grid's, and the next checked contender rewrites its interior.
    if not call_cost:
        contenders.append(Contender(Labels.COPY, "reference", np.copyto, (fixed.out, grid),
                                    reference=None,
                                    note="machine reference: 16 bytes moved per point, 1 thread"))
    if peers.cython_copy and not call_cost:
        contenders.append(Contender(Labels.COPY_PARALLEL, "reference",
                                    peers.cython_copy.copy_prange, (grid, fixed.out),
                                    reference=None,
                                    note=f"machine reference: a memcpy per row, {threads} threads"))

    _mark_paths(contenders, threads)
    references = {
        "default": _first_present(contenders, Labels.cext(threads), Labels.C_CTYPES,
                                  Labels.CYTHON, Labels.NUMPY_SLICING),
        "periodic": _first_present(contenders, Labels.cext(threads, " periodic"),
                                   Labels.NUMPY_ROLL),
    }
    targets = []
    if size == 512:
        targets.append(Target(Labels.cext(threads), Labels.CYTHON_PRANGE, 2.5,
                              "≥ 2.5× Cython prange"))
    if size == 4096:
        targets.append(Target(Labels.cext(threads), Labels.CYTHON_PRANGE, 1.3, "≥ 1.3× Cython prange"))
    if not call_cost:
        # The machine's limit is a copy of the grid with the same threads as cext (one thread's np.copyto
        # reaches less): one step reads and writes the same bytes.
        copy = _first_present(contenders, Labels.COPY_PARALLEL, Labels.COPY)
        for what in ("", " periodic"):
            targets.append(Target(Labels.cext(threads, what), copy, 1 / 1.15,
                                  f"≤ 1.15× the copy's time{what and ', periodic'}", style="time"))
        for peer in (Labels.NUMBA_PARALLEL, Labels.CYTHON_PRANGE):
            targets.append(Target(Labels.cext(threads), peer, 1, f"faster than {peer}"))
    if call_cost:
        targets = [Target(Labels.CEXT_PLAIN, Labels.C_EXTENSION, 1 / SMALL_STEP_VS_C_EXTENSION,
                          f"≤ {SMALL_STEP_VS_C_EXTENSION:g}× the C extension's time", style="time"),
                   Target(Labels.CEXT_PLAIN, Labels.CYTHON, 1 / SMALL_STEP_VS_CYTHON,
                          f"≤ {SMALL_STEP_VS_CYTHON:g}× serial Cython's time", style="time"),
                   *(Target(Labels.cext(count), Labels.CEXT_PLAIN, NUM_THREADS_EXTRA_SECONDS,
                            f"num_threads={count} adds ≤ {NUM_THREADS_EXTRA_SECONDS * 1e9:.0f} ns", kind="extra")
                     for count in sorted({1, threads}))]
        return Workload(
            "evolve", f"evolve-{size}", f"evolve · one step, {size}×{size}: the cost of a call",
            contenders, references, python_label=Labels.PYTHON, cython_label=Labels.CYTHON,
            min_sample_seconds=settings.overhead_sample_seconds, targets=targets)
    return Workload(
        "evolve", f"evolve-{size}",
        f"evolve · one step, {size}×{size} float64, fixed boundary, dt={DT}, D={D}",
        contenders, references,
        python_label=Labels.PYTHON, cython_label=Labels.CYTHON_PRANGE,
        bytes_per_step=BYTES_PER_POINT * size * size, targets=targets)


def multi_step_workload(peers, settings, threads, size):
    """``settings.steps`` diffusion steps: cext's steps= against repeated single steps."""
    grid = np.random.default_rng(size).random((size, size))
    buffers = _Buffers(grid, scratch=True)
    steps = settings.steps
    repeated = f" ×{steps}"
    contenders = []
    if peers.cython_diffusion:
        contenders.append(_repeated(Labels.CYTHON_PRANGE + repeated, "cython",
                                    peers.cython_diffusion.evolve_prange, buffers, steps))
    if peers.numba:
        contenders.append(_repeated(Labels.NUMBA_PARALLEL + repeated, "numba",
                                    peers.numba.evolve_parallel, buffers, steps))
    if peers.cext:
        contenders.append(_repeated(Labels.cext(threads, repeated), "cext",
                                    partial(peers.cext.evolve, num_threads=threads), buffers, steps,
                                    note=f"{steps} separate calls"))
    if peers.cext and peers.cext_has_steps:
        for count in sorted({1, threads}):
            contenders.append(_in_place(Labels.cext(count, f" steps={steps}"), "cext",
                                        peers.cext.evolve, buffers, steps=steps,
                                        kwargs={"steps": steps, "num_threads": count}))
    reference = _first_present(contenders, Labels.cext(threads, repeated),
                               Labels.CYTHON_PRANGE + repeated, Labels.NUMBA_PARALLEL + repeated)
    targets = [Target(Labels.cext(threads, repeated), Labels.CYTHON_PRANGE + repeated, 1,
                      f"{steps} single-step calls no slower than Cython's")]
    # Temporal blocking: each round reads and writes the grid once for several steps, so its lead grows
    # where the grid no longer fits any cache.
    goal = {2048: 1.8, 4096: 3, 8192: 3.5}.get(size)
    if goal:
        targets.append(Target(Labels.cext(threads, f" steps={steps}"),
                              Labels.CYTHON_PRANGE + repeated, goal, f"≥ {goal:g}× Cython prange"))
    return Workload(
        "evolve", f"evolve-{steps}-steps-{size}",
        f"evolve · {steps} steps, {size}×{size} float64, fixed boundary (time per step)",
        contenders, {"default": reference} if reference else {},
        cython_label=Labels.CYTHON_PRANGE + repeated,
        bytes_per_step=BYTES_PER_POINT * size * size, targets=targets)


def fib_workload(peers, settings, threads, n):
    """fib(n) per call: call overhead at n=0, a short scalar loop at n=90.

    The rows of the Cython book's Table 1-1, extended to today's binding tools.
    """
    contenders = [Contender(Labels.PYTHON, "python", python_loops.fib, (n,))]
    if peers.pypy:
        call, timer = peers.pypy.contender_parts("fib", (n,))
        contenders.append(Contender(Labels.PYPY, "pypy", call, timer=timer,
                                    note="timed inside PyPy, whose JIT can inline the call into the loop"))
    for label, family, module in ((Labels.C_EXTENSION, "naive", peers.naive),
                                  (Labels.CYTHON_FIB, "cython", peers.cython_fib),
                                  (Labels.CYTHON_CPDEF, "cython", peers.cython_fib_cpdef),
                                  (Labels.C_CTYPES, "ctypes", peers.ctypes),
                                  (Labels.C_CFFI, "cffi", peers.cffi),
                                  (Labels.PYBIND11_FIB, "pybind11", peers.pybind11),
                                  (Labels.NANOBIND_FIB, "nanobind", peers.nanobind),
                                  (Labels.NUMBA_FIB, "numba", peers.numba),
                                  (Labels.PYTHRAN_FIB, "pythran", peers.pythran),
                                  (Labels.SHEDSKIN, "shedskin", peers.shedskin),
                                  (Labels.NUITKA, "nuitka", peers.nuitka),
                                  (Labels.MYPYC, "mypyc", peers.mypyc),
                                  (Labels.CEXT_FIB, "cext", peers.cext)):
        if module:
            contenders.append(Contender(label, family, module.fib, (n,)))
    _mark_paths(contenders, threads)
    at_most = 0.85 if n == 0 else 1.0
    return Workload(
        "fib", f"fib-{n}", f"fib({n}) · time per call",
        contenders, {"default": _first_present(contenders, Labels.CEXT_FIB, Labels.PYTHON)},
        python_label=Labels.PYTHON, cython_label=Labels.CYTHON_FIB,
        targets=[Target(Labels.CEXT_FIB, Labels.CYTHON_FIB, 1 / at_most,
                        f"≤ {at_most:g}× Cython's time", style="time")],
        min_sample_seconds=settings.overhead_sample_seconds)


def _filling(label, family, kernel, args, kwargs=None):
    """A contender calling ``kernel(*args, counts, **kwargs)`` that fills its own int32 ``counts``."""
    counts = np.empty(args[1].shape, dtype=np.int32)
    return Contender(label, family, kernel, (*args, counts), kwargs or {}, writes_to=counts)


class _Buffers:
    """A diffusion workload's input grid and the output (and scratch) grids its contenders share."""

    def __init__(self, grid, scratch=False):
        self.grid = grid
        self.out = grid.copy()  # carries grid's border: see the module docstring
        self.scratch = grid.copy() if scratch else None


def _in_place(label, family, kernel, buffers, *, extra=(), kwargs=None, steps=1,
              reference="default", note=""):
    """A contender calling ``kernel(grid, out, *extra, DT, D, **kwargs)`` into the shared ``out``."""
    return Contender(label, family, kernel, (buffers.grid, buffers.out, *extra, DT, D), kwargs or {},
                     writes_to=buffers.out, reference=reference, steps=steps, note=note)


def _repeated(label, family, step, buffers, steps, note=""):
    """A contender making ``steps`` single-step calls of ``step`` through repeat_steps."""
    return Contender(label, family, repeat_steps,
                     (step, buffers.grid, buffers.out, buffers.scratch, steps, DT, D),
                     writes_to=buffers.out, steps=steps, note=note)


def _first_present(contenders, *labels):
    """The first of ``labels`` that some contender has, or None."""
    present = {contender.label for contender in contenders}
    return next((label for label in labels if label in present), None)
