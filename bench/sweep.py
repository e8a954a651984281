"""Where does cext start to win? The size sweep (``python -m bench --sweep``).

One diffusion step from 4×4 to 8192×8192 and ``calculate_z`` from 4 to 10**6
points spread over the books' Julia grid, for cext and every compiled peer
(NumPy and numexpr included), checked bit for bit and timed like the main
run. Plotted as time per cell (grid point) on log–log axes, the fixed cost
of a call dominates on the left and the kernel's speed on the right, so the
crossovers with the book's C extension, Cython and Numba show at a glance.
"""
import copy
import dataclasses
from functools import partial

from . import report
from .cases import MAXITER, Labels
from .workloads import Entry, evolve_memory, evolve_workload, julia_workload

EVOLVE_SIZES = tuple(2**k for k in range(2, 14))  # 4² ... 8192²
JULIA_POINTS = (4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1_000_000)
QUICK_EVOLVE_SIZES = (4, 8, 32, 128, 512)
QUICK_JULIA_POINTS = (4, 64, 1024, 16384)
# The interpreted ways of running the loops take seconds per call at the large sizes and say nothing about
# where the compiled paths cross.
LEFT_OUT_FAMILIES = ("python", "pypy", "multiprocessing", "nuitka", "mypyc", "shedskin")
# np.roll allocates several grids per call; the periodic rows have no compiled peer to cross.
LEFT_OUT_LABELS = (Labels.NUMPY_ROLL, Labels.COPY)


def plan(peers, settings, threads, groups, quick):
    """The sweep's workloads, as Entries of the main plan's kind."""
    # Every peer at every size: the main run's size limit for the slow serial peers does not apply here.
    settings = dataclasses.replace(settings, all_peers_up_to=max(EVOLVE_SIZES), python_points=64)
    compiled = copy.copy(peers)
    compiled.records = [peer for peer in peers.records if peer.name not in LEFT_OUT_FAMILIES]
    entries = []
    if "calculate_z" in groups:
        for points in QUICK_JULIA_POINTS if quick else JULIA_POINTS:
            entries.append(Entry("calculate_z", f"calculate_z {points} points",
                                 partial(_compiled_only, points, julia_workload, compiled, settings, threads,
                                         points=points, spread=True)))
    if "evolve" in groups:
        for size in QUICK_EVOLVE_SIZES if quick else EVOLVE_SIZES:
            # np.roll is left out here (LEFT_OUT_LABELS), so its temporaries are never made.
            entries.append(Entry("evolve", f"evolve {size}²",
                                 partial(_compiled_only, size * size, evolve_workload, compiled, settings,
                                         threads, size),
                                 evolve_memory(size, with_roll=False)))
    return entries


def _compiled_only(cells, build, *args, **kwargs):
    """The main run's workload, without the interpreted contenders and with its size in cells."""
    workload = build(*args, **kwargs)
    workload.contenders = [c for c in workload.contenders
                           if c.family not in LEFT_OUT_FAMILIES and c.label not in LEFT_OUT_LABELS
                           and c.reference in (None, "default")]
    workload.references = {"default": workload.references["default"]}
    workload.python_label = None
    workload.targets = []
    workload.cells = cells
    return workload


def series(summaries, group):
    """{label: (family, [(cells, seconds per cell), ...])} for one group's summaries, in size order."""
    lines = {}
    for summary in sorted((s for s in summaries if s["group"] == group), key=lambda s: s["cells"]):
        for row in summary["rows"]:
            if row["best"] is not None:
                lines.setdefault(row["label"], (row["family"], []))[1].append(
                    (summary["cells"], row["best"] / summary["cells"]))
    return lines


# A peer counts as faster only below this share of the subject's time: pybind11 and nanobind run cext's own
# kernels, and two runs of the same code differ by a few percent from one interleaved round to the next.
FASTER = 0.97


def crossover(summaries, group, family="cext"):
    """The smallest size from which ``family`` is at least as fast as every compiled peer at every larger size.

    At each size the family's fastest row stands for it (on the smallest grids, the plain call without keyword
    arguments, which is how the other paths are called). Returns (cells or None, [(cells, faster peer label),
    ...] for the sizes where some peer took less than FASTER times its time). The bandwidth references (copies)
    are not peers.
    """
    beaten = []
    for summary in sorted((s for s in summaries if s["group"] == group), key=lambda s: s["cells"]):
        best = {row["label"]: row["best"] for row in summary["rows"]
                if row["best"] is not None and row["family"] != "reference"}
        own = [row["best"] for row in summary["rows"] if row["best"] is not None and row["family"] == family]
        if not own:
            continue
        faster = [label for label, seconds in best.items() if seconds < FASTER * min(own)
                  and not label.startswith(family)]
        if faster:
            beaten.append((summary["cells"], min(faster, key=best.get)))
    sizes = sorted(s["cells"] for s in summaries if s["group"] == group)
    if not sizes:
        return None, beaten
    last_beaten = max((cells for cells, _ in beaten), default=None)
    wins_from = next((cells for cells in sizes if last_beaten is None or cells > last_beaten), None)
    return wins_from, beaten


def table(summaries, group, family="cext"):
    """The terminal table of one group: time per cell of each contender at each size, and the crossover."""
    lines = series(summaries, group)
    if not lines:
        return ""
    sizes = sorted({cells for _, points in lines.values() for cells, _ in points})
    unit = "point" if group == "calculate_z" else "cell"
    width = max(len(label) for label in lines) + 2
    out = [f"\nSize sweep · {group} · best time per {unit} (ns)",
           f"  {'contender':<{width}}" + "".join(f"{size_name(group, cells):>9}" for cells in sizes)]
    for label, (_, points) in lines.items():
        per_cell = dict(points)
        out.append(f"  {label:<{width}}" + "".join(
            f"{report.number_text(per_cell[cells] * 1e9) if cells in per_cell else '—':>9}" for cells in sizes))
    wins_from, beaten = crossover(summaries, group, family)
    if wins_from is not None:
        out.append(f"  {family}'s fastest row is at or below every compiled peer from {size_name(group, wins_from)} "
                   f"up (a peer counts as faster below {FASTER:.0%} of its time)")
    else:
        out.append(f"  {family} is beaten at the largest size measured")
    for cells, peer in beaten:
        out.append(f"  · at {size_name(group, cells)}: {peer} is faster")
    return "\n".join(out)


def size_name(group, cells):
    if group == "evolve":
        return f"{round(cells ** 0.5)}²"
    return f"{cells:,}".replace(",", " ") if cells < 10**6 else "10⁶"


def plot(path, document):
    """Time per cell against cells, log–log, one panel per group; return an error message or None."""
    try:
        import matplotlib
        matplotlib.use("Agg")  # files only: no display needed
        import matplotlib.pyplot as plt
    except ImportError as error:
        return f"no plot: matplotlib is missing ({error}); pip install matplotlib"
    summaries = document["workloads"]
    groups = [group for group in ("evolve", "calculate_z") if series(summaries, group)]
    if not groups:
        return "no plot: the sweep measured nothing"
    figure, axes = plt.subplots(1, len(groups), figsize=(7.5 * len(groups), 6.5), squeeze=False)
    handles = {}
    for axis, group in zip(axes.flat, groups, strict=True):
        for label, (family, points) in series(summaries, group).items():
            serial = "1 thread" in label or "serial" in label or family in ("naive", "f2py") \
                or label in (Labels.NUMBA_FIB, Labels.NUMPY_SLICING, Labels.NUMPY, Labels.COPY)
            line, = axis.plot([cells for cells, _ in points], [seconds * 1e9 for _, seconds in points],
                              color=report.FAMILY_COLOURS[family], linestyle="--" if serial else "-",
                              linewidth=2.6 if family == "cext" else 1.4, marker="o", markersize=3,
                              label=label)
            handles.setdefault(label, line)
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.grid(True, which="major", linewidth=0.5, alpha=0.5)
        if group == "evolve":
            axis.set_title("evolve · one step of an n×n grid", fontsize=10)
            axis.set_xlabel("grid points (n²)")
            axis.set_ylabel("nanoseconds per grid point (lower is faster)")
        else:
            axis.set_title(f"calculate_z · points spread over the Julia grid, maxiter {MAXITER}", fontsize=10)
            axis.set_xlabel("points")
            axis.set_ylabel("nanoseconds per point (lower is faster)")
    machine = document["machine"]
    figure.suptitle(f"Where cext starts to win · {machine['cpu']}, {machine['threads']} threads · "
                    "best of repeats; dashed: one thread", fontsize=11)
    # The legend sits below the panels, inside the figure, in as many columns as fit its width.
    columns = 3 * len(groups)
    legend_rows = -(-len(handles) // columns)
    bottom = 0.04 + 0.035 * legend_rows
    figure.legend(handles=list(handles.values()), loc="lower center", ncol=columns, fontsize=8,
                  frameon=False, bbox_to_anchor=(0.5, 0.0))
    figure.tight_layout(rect=(0, bottom, 1, 0.96))
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return None
