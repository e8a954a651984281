"""Turn measurements into the terminal table, the JSON file and the PNG plot.

``summarise()`` reduces a workload's measurements to plain numbers (so the
workload's large buffers can be freed); everything else reads summaries.
Speedups and targets use best (minimum) times: the least disturbed run of
each contender, taken in the same interleaved rounds.
"""
import dataclasses
import json
import math

from .peers import PEERS

STATUS_MARKS = {"ok": "ok", "unchecked": "—", "disagrees": "DIFFERS", "crashed": "CRASHED",
                "unverified": "UNVERIFIED"}
FAILED = ("disagrees", "crashed", "unverified")
BUSY_WARNING_CPUS = 0.25  # other processes' CPU use above which timings are suspect

# One colour per family, so each technology reads the same in every panel; the peer records say which.
FAMILY_COLOURS = {peer.name: peer.colour for peer in PEERS}
FAMILY_NAMES = {peer.name: peer.legend for peer in PEERS}


def summarise(workload, measurements, busy_cpus_elsewhere):
    """A JSON-ready summary of one workload's measurements.

    ``busy_cpus_elsewhere`` is how many CPUs other processes used meanwhile.
    """
    best = {m.contender.label: m.best for m in measurements if m.timed}
    python = best.get(workload.python_label)
    cython = best.get(workload.cython_label)
    targets = [_evaluate(target, best) for target in workload.targets]
    rows = []
    for m in measurements:
        contender = m.contender
        row = {"label": contender.label, "family": contender.family, "path": contender.path,
               "status": m.status,
               "detail": m.detail, "note": contender.note, "calls_per_sample": m.number,
               "first_call_seconds": m.first_call_seconds,
               "seconds": m.seconds, "best": None, "median": None, "gb_per_s": None,
               "vs_python": None, "vs_cython": None,
               "targets": [t for t in targets if t["subject"] == contender.label]}
        if m.timed:
            row["best"], row["median"] = m.best, m.median
            if workload.bytes_per_step:
                row["gb_per_s"] = workload.bytes_per_step / m.best / 1e9
            if contender.family != "reference":
                row["vs_python"] = python / m.best if python else None
                row["vs_cython"] = cython / m.best if cython else None
        rows.append(row)
    return {"group": workload.group, "key": workload.key, "title": workload.title,
            "references": workload.references, "python_baseline": workload.python_label,
            "cython_baseline": workload.cython_label, "rows": rows,
            "targets": targets, "busy_cpus_elsewhere": busy_cpus_elsewhere, "cells": workload.cells}


def failures(summary):
    """Rows of a summary that disagreed, crashed or could not be checked."""
    return [row for row in summary["rows"] if row["status"] in FAILED]


def header(machine, peers, settings, loop_overhead):
    """The lines that say what was measured, on what, and how."""
    versions = ", ".join(f"{name} {version}" for name, version in machine["versions"].items()
                         if version)
    if machine["numba_threading_layer"]:
        versions += f" (Numba threading layer: {machine['numba_threading_layer']})"
    lines = [
        f"cext benchmark · {settings.mode} mode · {machine['threads']} threads",
        f"  CPU        {machine['cpu']} ({machine['logical_cpus']} logical CPUs), "
        f"{machine['platform']}",
        f"  compiler   {machine['compiler']}",
        f"  flags      {machine['compile_flags']} (link {machine['link_flags']}); Cython builds "
        f"also get Python's CFLAGS first: {machine['python_cflags']}",
        f"  versions   {versions}",
    ]
    cext = machine["cext"]
    if cext:
        details = cext.get("build_info") or {"path": cext["path"]}
        lines.append("  cext       " + ", ".join(f"{k}={v}" for k, v in details.items()))
    lines.append(
        f"  method     every output checked bit for bit against the reference before timing; "
        f"best and median of {settings.repeats} interleaved rounds; each sample a timeit loop "
        f"(GC off) of ≥ {settings.min_sample_seconds:g} s, whose own overhead "
        f"({loop_overhead * 1e9:.0f} ns per call) is included")
    builds = ", ".join(f"{built.build.name} {built.status}"
                       + (f" {built.seconds:.1f} s" if built.status == "built" else "")
                       for built in peers.builds)
    lines.append(f"  builds     {builds}; peers ready after {machine['peers_ready_seconds']:.1f} s")
    if peers.numba_compile_seconds:
        compiles = ", ".join(f"{name} {seconds:.2f} s"
                             for name, seconds in peers.numba_compile_seconds.items())
        lines.append(f"  Numba JIT  first-call compile times (not in any timing): {compiles}")
    lines += [f"  skipped    {message}" for message in peers.skipped]
    lines += [f"  FAILED     {message}" for message in peers.failures]
    return "\n".join(lines)


def background_load(busy_cpus, during):
    """A line on how many CPUs other processes kept busy ``during`` something."""
    if busy_cpus is None:
        return f"background load during {during}: unknown (no /proc/stat)"
    line = f"background load during {during}: other processes used {busy_cpus:.2f} CPUs"
    if busy_cpus > BUSY_WARNING_CPUS:
        line += ("\nWARNING: the machine was not idle; parallel timings (OpenMP, Numba) "
                 "suffer most when their threads share cores with other work")
    return line


def table(summary):
    """The terminal table of one workload."""
    rows = summary["rows"]
    show_bandwidth = any(row["gb_per_s"] for row in rows)
    references = "; ".join(label if name == "default" else f"{label} for {name} rows"
                           for name, label in summary["references"].items()) or "nothing"
    lines = [f"\n{summary['title']}",
             f"  checked against: {references}; ×Python = {summary['python_baseline'] or '—'}, "
             f"×Cython = {summary['cython_baseline'] or '—'} (best time ÷ best time)"]
    width = max([len(row["label"]) for row in rows] + [10]) + 2
    heading = f"  {'contender':<{width}}{'best':>10}{'median':>10}"
    heading += f"{'GB/s':>8}" if show_bandwidth else ""
    heading += f"{'×Python':>9}{'×Cython':>9}  {'check':<8} target"
    lines.append(heading)
    for row in rows:
        line = f"  {row['label']:<{width}}{time_text(row['best']):>10}{time_text(row['median']):>10}"
        if show_bandwidth:
            line += f"{number_text(row['gb_per_s']):>8}"
        line += f"{ratio_text(row['vs_python']):>9}{ratio_text(row['vs_cython']):>9}"
        line += f"  {STATUS_MARKS[row['status']]:<8} "
        line += "; ".join(target["text"] for target in row["targets"])
        lines.append(line.rstrip())
    for row in rows:
        if row["status"] in FAILED:
            lines.append(f"  ✗ {row['label']}: {row['detail']}")
        elif row["note"]:
            lines.append(f"  · {row['label']}: {row['note']}")
    busy = summary["busy_cpus_elsewhere"]
    if busy is not None and busy > BUSY_WARNING_CPUS:
        lines.append("  " + background_load(busy, "this workload").replace("\n", "\n  "))
    return "\n".join(lines)


# The call-overhead workloads, as (summary key, column heading).
OVERHEAD_COLUMNS = (("fib-0", "fib(0)"), ("fib-90", "fib(90)"), ("evolve-8", "evolve 8×8"),
                    ("calculate_z-4", "calculate_z 4 pts"))
# The Cython book's Table 1-1 rows first, in its order, then the other paths.
OVERHEAD_ORDER = ("pure Python", "PyPy", "C extension (PyArg_ParseTuple)", "Cython def", "Cython cpdef",
                  "ctypes", "cffi", "pybind11", "nanobind", "Rust (PyO3)", "Numba", "cext")


def call_overhead(summaries):
    """The Cython book's Table 1-1, extended: best time per call of each path, JSON-ready.

    One row per path (the contenders whose peer record names one), with its best time in each
    call-overhead workload and the cost of one loop iteration of fib,
    (fib(90) - fib(0)) / 90, as the book gives it.
    """
    by_key = {summary["key"]: summary for summary in summaries}
    rows = {}
    for key, _ in OVERHEAD_COLUMNS:
        for row in by_key.get(key, {"rows": []})["rows"]:
            if row["path"] and row["best"] is not None:
                rows.setdefault(row["path"], {"path": row["path"]})[key] = row["best"]
    for row in rows.values():
        if "fib-0" in row and "fib-90" in row:
            row["fib_iteration"] = (row["fib-90"] - row["fib-0"]) / 90
    order = {path: index for index, path in enumerate(OVERHEAD_ORDER)}
    return sorted(rows.values(), key=lambda row: order.get(row["path"], len(order)))


def call_overhead_table(rows):
    """The terminal table of call_overhead()."""
    width = max([len(row["path"]) for row in rows] + [10]) + 2
    lines = ["\nCall overhead · best time per call; fib's loop iteration = (fib(90) − fib(0)) / 90",
             f"  {'path':<{width}}" + "".join(f"{heading:>19}" for _, heading in OVERHEAD_COLUMNS)
             + f"{'per fib iteration':>19}"]
    for row in rows:
        lines.append(f"  {row['path']:<{width}}"
                     + "".join(f"{time_text(row.get(key)):>19}" for key, _ in OVERHEAD_COLUMNS)
                     + f"{time_text(row.get('fib_iteration')):>19}")
    return "\n".join(lines)


def costs_table(rows):
    """The terminal table of costs.measure()."""
    headings = ("path", "glue/function", "build", "artefact", "first call", "best call", "GIL released",
                "threads", "SIMD chosen at run time")
    cells = [[row["path"], number_text(row["glue_lines_per_function"]),
              f"{row['build_seconds']:.1f} s" if row["build_seconds"] else "—",
              f"{row['artefact_bytes'] / 1e3:.0f} kB" if row["artefact_bytes"] else "—",
              time_text(row["first_call_seconds"]), time_text(row["best_call_seconds"]),
              row["gil_released"], row["threads"], row["simd"]]
             for row in rows]
    widths = [max(len(str(cell)) for cell in column) + 2 for column in zip(headings, *cells, strict=True)]
    lines = ["\nWhat each path costs · glue = hand-written binding lines per function bound (how: "
             "below); build time and file size as built by this harness (setuptools builds carry "
             "Python's -g); first and best call in the calculate_z 1000² table (evolve 512² or "
             "fib(90) where a path has none), the first including any JIT warm-up or compile",
             ("  " + "".join(f"{heading:<{width}}"
                             for heading, width in zip(headings, widths, strict=True))).rstrip()]
    for row_cells in cells:
        lines.append(("  " + "".join(f"{str(cell):<{width}}"
                                     for cell, width in zip(row_cells, widths, strict=True))).rstrip())
    lines += [f"  · {row['path']}: glue counted as {row['glue_counted']}" for row in rows]
    return "\n".join(lines)


def write_json(path, machine, peers, settings, summaries, wall_seconds, tables):
    """Write everything measured, with every sample, as JSON, and return that document.

    ``tables`` holds the cross-workload tables.
    """
    document = {
        "machine": machine,
        "settings": dataclasses.asdict(settings),
        "wall_seconds": wall_seconds,
        "builds": [{"name": built.build.name, "tool": built.build.tool, "status": built.status,
                    "seconds": built.seconds, "path": str(built.path) if built.path else None,
                    "size_bytes": built.size_bytes, "detail": built.detail}
                   for built in peers.builds],
        "numba_compile_seconds": peers.numba_compile_seconds,
        "skipped": peers.skipped,
        "failures": peers.failures,
        "workloads": summaries,
        **tables,
    }
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    return document


def plot(path, machine, summaries):
    """One log-scale bar panel per workload; return an error message or None."""
    try:
        import matplotlib
        matplotlib.use("Agg")  # files only: no display needed
        import matplotlib.pyplot as plt
        from matplotlib.patches import Patch
    except ImportError as error:
        return f"no plot: matplotlib is missing ({error}); pip install matplotlib"
    columns = 2
    panel_rows = math.ceil(len(summaries) / columns)
    # Room for each bar's label: the tallest panel sets every panel's height.
    bars = max(len(summary["rows"]) for summary in summaries)
    figure, axes = plt.subplots(panel_rows, columns, figsize=(15, (0.16 * bars + 1.2) * panel_rows + 1),
                                squeeze=False)
    for axis in axes.flat[len(summaries):]:
        axis.set_visible(False)
    for axis, summary in zip(axes.flat, summaries, strict=False):  # spare axes hidden above
        _plot_panel(axis, summary)
    families = {row["family"] for summary in summaries for row in summary["rows"]}
    # The legend sits below the panels, inside the figure: six names fit the figure's width in a row, and
    # the panels leave room for as many rows as it takes.
    columns = 6
    legend_inches = 0.25 * math.ceil(len(families) / columns) + 0.2
    figure.legend(handles=[Patch(color=FAMILY_COLOURS[f], label=FAMILY_NAMES[f])
                           for f in FAMILY_COLOURS if f in families],
                  loc="lower center", ncol=columns, frameon=False, bbox_to_anchor=(0.5, 0.0))
    figure.suptitle(f"cext vs peers · {machine['cpu']}, {machine['threads']} threads · "
                    "best time per call (bar) and median (whisker); log scale, shorter is faster")
    figure.tight_layout(rect=(0, legend_inches / figure.get_figheight(), 1, 0.97))
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return None


def _plot_panel(axis, summary):
    rows = [row for row in summary["rows"] if row["best"]]
    positions = range(len(rows))
    axis.barh(positions, [row["best"] for row in rows],
              color=[FAMILY_COLOURS[row["family"]] for row in rows])
    # The median as a tick at the end of a whisker from the best time.
    axis.hlines(positions, [row["best"] for row in rows], [row["median"] for row in rows],
                color="black", linewidth=0.8)
    axis.scatter([row["median"] for row in rows], positions, marker="|", color="black", s=60)
    for position, row in zip(positions, rows, strict=True):
        text = time_text(row["best"])
        if row["vs_cython"]:
            text += f"  ({ratio_text(row['vs_cython'])} Cython)"
        # Right of the median tick, which is never left of the bar's end.
        axis.annotate(text, (row["median"], position), xytext=(5, 0), textcoords="offset points",
                      va="center", fontsize=8)
    axis.set_yticks(list(positions), [row["label"] for row in rows], fontsize=8)
    axis.invert_yaxis()
    axis.set_xscale("log")
    low = min(row["best"] for row in rows)
    high = max(row["median"] for row in rows)
    # Room right of the longest whisker for its label: about a third of the width.
    axis.set_xlim(low / 2, high * max(30.0, (high / low) ** 0.5))
    axis.set_xlabel("seconds per call" if "step" not in summary["title"] else "seconds per step",
                    fontsize=8)
    title = summary["title"]
    busy = summary["busy_cpus_elsewhere"]
    if busy is not None and busy > BUSY_WARNING_CPUS:
        title += f"\nwarning: other processes used {busy:.2f} CPUs meanwhile"
    axis.set_title(title, fontsize=9)
    axis.grid(axis="x", which="major", alpha=0.3)


def _evaluate(target, best):
    """Whether a target is met, from the best times of its two contenders."""
    result = {"subject": target.subject, "baseline": target.baseline, "goal": target.goal,
              "value": None, "met": None}
    needed = [target.subject, *([target.baseline] if target.baseline else []), *target.limits]
    if any(label not in best for label in needed):
        result["text"] = f"{target.goal}: not measured"
        return result
    if target.kind != "ratio":
        if target.kind == "at_most":
            value, shown = best[target.subject], time_text(best[target.subject])
            met = value <= target.threshold
        elif target.kind == "extra":
            value = best[target.subject] - best[target.baseline]
            shown = ("+" if value >= 0 else "−") + time_text(abs(value))
            met = value <= target.threshold
        else:  # scaling
            value = (best[target.baseline] / best[target.subject]) / (best[target.limits[0]] / best[target.limits[1]])
            shown = f"{value:.0%} of the limit's gain"
            met = value >= target.threshold
        result.update(value=value, met=met)
        result["text"] = f"{target.goal}: {shown} {'met' if met else 'MISSED'}"
        return result
    speedup = best[target.baseline] / best[target.subject]
    shown = {"speedup": ratio_text(speedup), "time": ratio_text(1 / speedup),
             "share": f"{speedup:.0%}"}[target.style]
    result.update(value=speedup, met=speedup >= target.threshold)
    result["text"] = f"{target.goal}: {shown} {'met' if result['met'] else 'MISSED'}"
    return result


def time_text(seconds):
    """A time in the unit that reads best: 1.23 s, 45.6 ms, 789 µs, 12.3 ns; — for None."""
    if seconds is None:
        return "—"
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if seconds >= scale or unit == "ns":
            return f"{number_text(seconds / scale)} {unit}"


def ratio_text(value):
    """A ratio as 1.23×; — for None."""
    return "—" if value is None else f"{number_text(value)}×"


def number_text(value):
    """Three significant digits without exponent: 0.0213, 4.17, 58.2, 880, 12300."""
    if value is None:
        return "—"
    if value == 0:
        return "0"
    decimals = max(0, 2 - math.floor(math.log10(abs(value))))
    return f"{value:.{decimals}f}"
