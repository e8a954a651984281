"""The benchmark's workloads: sizes, references and targets, with every peer's contenders.

``plan()`` lists the workloads to run; each is built only when its turn comes
(an 8192x8192 grid is 512 MiB) and dropped after. Building one makes the
inputs and shared buffers (a case of bench/cases.py), asks each peer record
for its contenders, picks the references the others are checked against,
and sets the targets its table judges.
"""
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from .cases import (BYTES_PER_POINT, DT, JULIA_SUM, JULIA_WIDTH, MAXITER, Buffers, D, EvolveCase, FibCase, JuliaCase,
                    Labels, StepsCase, julia_lists, lists_to_arrays, spread_indices)


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


@dataclass(frozen=True)
class Entry:
    """A workload of the plan, built only when its turn comes; ``memory`` is its estimated peak in bytes."""

    group: str
    title: str
    build: Callable[[], Workload]
    memory: int = 0


# The interpreter with every peer loaded (Numba's LLVM, the compiled modules, matplotlib): about 0.5 GB seen.
BASE_MEMORY = 600 * 2**20


def evolve_memory(size, with_roll):
    """Peak bytes of a one-step workload: the grid, the fixed and periodic outputs, NumPy's scratch, and, where
    the np.roll peer runs (``with_roll``), its temporaries (its four rolled copies, two sums and the result)."""
    grids = 4 + (5 if with_roll else 0)
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
                             evolve_memory(size, with_roll=size <= settings.all_peers_up_to)))
    for size in settings.multi_step_sizes:
        entries.append(Entry("evolve", f"evolve {settings.steps} steps {size}²",
                             partial(multi_step_workload, peers, settings, threads, size),
                             multi_step_memory(size)))
    for n in settings.fib_arguments:
        entries.append(Entry("fib", f"fib({n})", partial(fib_workload, peers, settings, threads, n)))
    return [entry for entry in entries if entry.group in groups]


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
    case = JuliaCase(peers, threads, zs, cs, zs_list, cs_list, python_args, sampled_rows, subset, tiny, spread)
    contenders = _gather("julia", case, peers)
    reference = _first_present(contenders, Labels.cext(threads), Labels.CYTHON, Labels.NUMBA,
                               Labels.NUMPY)

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


def evolve_workload(peers, settings, threads, size):
    """One diffusion step on a random size×size grid, with the copy references.

    Every peer runs sizes up to ``settings.all_peers_up_to`` (the 8×8 grid
    measures what a call costs); larger grids compare the fast contenders.
    """
    grid = np.random.default_rng(size).random((size, size))
    every_peer = size <= settings.all_peers_up_to
    call_cost = size in CALL_COST_GRIDS
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
    # The fixed-boundary contenders share one output; the periodic ones write the border too, so they get
    # their own.
    case = EvolveCase(peers, threads, size, grid, Buffers(grid), Buffers(grid), every_peer, call_cost,
                      python_args, subset)
    contenders = _gather("evolve", case, peers)
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
    steps = settings.steps
    repeated = f" ×{steps}"
    contenders = _gather("steps", StepsCase(peers, threads, steps, Buffers(grid, scratch=True)), peers)
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
    contenders = _gather("fib", FibCase(peers, threads, n), peers)
    at_most = 0.85 if n == 0 else 1.0
    return Workload(
        "fib", f"fib-{n}", f"fib({n}) · time per call",
        contenders, {"default": _first_present(contenders, Labels.CEXT_FIB, Labels.PYTHON)},
        python_label=Labels.PYTHON, cython_label=Labels.CYTHON_FIB,
        targets=[Target(Labels.CEXT_FIB, Labels.CYTHON_FIB, 1 / at_most,
                        f"≤ {at_most:g}× Cython's time", style="time")],
        min_sample_seconds=settings.overhead_sample_seconds)


def _gather(kind, case, peers):
    """Every loaded peer's contenders for ``case``, in the order of PEERS."""
    contenders = []
    for peer in peers.records:
        contribute = getattr(peer, kind)
        if contribute:
            contenders += contribute(case)
    return contenders


def _first_present(contenders, *labels):
    """The first of ``labels`` that some contender has, or None."""
    present = {contender.label for contender in contenders}
    return next((label for label in labels if label in present), None)
