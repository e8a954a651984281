"""Compare cext with every other way of running the books' kernels from Python.

Run from the repository root (so that ``import cext`` finds the in-place build)::

    python -m bench               # the full comparison: a few minutes on 2 cores
    python -m bench --quick       # sub-minute smoke run for CI: agreement, not speed
    python -m bench --sweep       # where cext starts to win: every size, compiled peers
    python -m bench --only fib --threads 1
    python -m bench --peers cext,pybind11,nanobind

The peers: pure Python (also under PyPy, in a multiprocessing pool, and
compiled by Nuitka, mypyc and Shed Skin), NumPy, numexpr, Numba, Cython,
Pythran, C through ctypes, cffi and a hand-written C extension, Fortran
through f2py, and cext's own kernels bound with pybind11 and nanobind. The
harness builds the compiled ones itself (``-O3 -fopenmp -ffp-contract=off``,
cached between runs), checks every peer's output bit for bit against cext's
(or, without cext, against the first available peer in a fixed order), then
times the peers that agree in interleaved rounds. It prints one table per
workload with speedups against pure Python and Cython and cext's performance
targets, then a call-overhead table and a table of what each path costs, and
writes the JSON and a PNG plot to --out-dir. A peer whose tools are missing is
skipped with a line naming the command that installs them. The CPU time other
processes take meanwhile is measured for every workload, with a warning where
the machine was not idle.

Exit status is 1 when any peer disagreed, crashed or failed to build where
its tools are installed, else 0; timings never fail a run.
"""
import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

from . import costs, harness, machine, report, sweep
from .build import default_cache_dir
from .peers import PEER_NAMES
from .peers import load as load_peers
from .report import STATUS_MARKS
from .workloads import FULL, QUICK, plan

GROUPS = ("calculate_z", "evolve", "fib")


def main(argv=None):
    options = _parse(argv)
    threads = options.threads or _omp_threads_from_environment() or _usable_cpus()
    # All are read once, when the OpenMP runtime, Numba and rayon load (in
    # load_peers() below). Numba's OpenMP layer also resets the runtime's
    # default team size to its own thread count, so the two must agree or
    # the Cython and Pythran prange loops would silently change team size.
    os.environ["OMP_NUM_THREADS"] = os.environ["NUMBA_NUM_THREADS"] = os.environ["RAYON_NUM_THREADS"] = str(threads)
    settings = QUICK if options.quick else FULL
    if options.repeats:
        settings = dataclasses.replace(settings, repeats=options.repeats)

    started = time.perf_counter()
    print("building and loading peers ...", file=sys.stderr, flush=True)
    peers = load_peers(options.cache_dir, jobs=threads, selected=options.peers)
    try:
        description = machine.describe(peers, threads)
        description["peers_ready_seconds"] = time.perf_counter() - started
        print(report.header(description, peers, settings, harness.loop_overhead_seconds()),
              flush=True)

        timings_started = machine.cpu_snapshot()
        entries = (sweep.plan(peers, settings, threads, options.only, options.quick) if options.sweep
                   else plan(peers, settings, threads, options.only))
        entries, description["skipped_for_memory"] = _fitting(entries, options.ignore_memory)
        summaries = _run(entries, settings, options.peers, quiet=options.sweep)
        description["busy_cpus_elsewhere"] = machine.busy_cpus_elsewhere(
            timings_started, machine.cpu_snapshot())
        tables = {} if options.sweep else {"call_overhead": report.call_overhead(summaries),
                                           "costs": costs.measure(peers, summaries)}
    finally:
        peers.close()
    if options.sweep:
        for group in ("evolve", "calculate_z"):
            print(sweep.table(summaries, group))
    else:
        print(report.call_overhead_table(tables["call_overhead"]))
        print(report.costs_table(tables["costs"]))
    wall_seconds = time.perf_counter() - started

    options.out_dir.mkdir(parents=True, exist_ok=True)
    name = ("sweep-quick" if options.quick else "sweep") if options.sweep else settings.mode
    json_path = options.out_dir / f"{name}.json"
    png_path = options.out_dir / f"{name}.png"
    document = report.write_json(json_path, description, peers, settings, summaries, wall_seconds, tables)
    plot_problem = (sweep.plot(png_path, document) if options.sweep
                    else report.plot(png_path, description, summaries))
    print(f"\nwrote {json_path}" + (f"\n{plot_problem}" if plot_problem else f" and {png_path}"))

    problems = [f"{s['title']}: {row['label']} {row['status']}"
                for s in summaries for row in report.failures(s)] + peers.failures
    checked = sum(row["status"] == "ok" for s in summaries for row in s["rows"])
    print(f"{checked} contender runs agreed bit for bit; wall time {wall_seconds:.0f} s")
    print(report.background_load(description["busy_cpus_elsewhere"], "all timings"))
    for problem in problems:
        print(f"PROBLEM: {problem}")
    return 1 if problems else 0


def _fitting(entries, ignore_memory):
    """The entries whose estimated peak memory fits in what the OS says is available, and a line per other.

    Each skipped workload is printed with what it needs and the flag that runs it anyway.
    """
    available = None if ignore_memory else machine.available_memory()
    if available is None:
        return entries, []
    kept, skipped = [], []
    for entry in entries:
        if entry.memory > available:
            skipped.append(f"skipped {entry.title}: needs about {entry.memory / 2**30:.1f} GiB, "
                           f"{available / 2**30:.1f} GiB available (MemAvailable); --ignore-memory runs it")
            print(skipped[-1], flush=True)
        else:
            kept.append(entry)
    return kept, skipped


def _run(entries, settings, selected, quiet=False):
    """Build, measure and print each workload in turn; return their summaries.

    Only the contenders of the ``selected`` peers are measured, and those
    that define a workload's references (without which nothing is checked).
    ``quiet`` leaves out the per-workload tables (the sweep prints its own).
    """
    progress = _progress(total=len(entries) * (settings.repeats + 1))
    summaries = []
    for entry in entries:
        progress.set_description(entry.title)
        started = machine.cpu_snapshot()
        workload = entry.build()
        references = set(workload.references.values())
        workload.contenders = [c for c in workload.contenders
                               if c.family in (*selected, "reference") or c.label in references]
        measurements = harness.measure(
            workload.contenders, workload.references, repeats=settings.repeats,
            min_sample_seconds=workload.min_sample_seconds or settings.min_sample_seconds,
            check_reference=workload.check_reference, tick=lambda: progress.update(1))
        busy_cpus = machine.busy_cpus_elsewhere(started, machine.cpu_snapshot())
        summaries.append(report.summarise(workload, measurements, busy_cpus))
        del workload, measurements  # frees this workload's buffers before the next
        if quiet:
            progress.write(f"{entry.title}: " + ", ".join(
                f"{row['label']} {STATUS_MARKS[row['status']]}" for row in report.failures(summaries[-1]))
                           if report.failures(summaries[-1]) else f"{entry.title}: all agree")
        else:
            progress.write(report.table(summaries[-1]))
    progress.close()
    return summaries


def _parse(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="small sizes and few repeats: checks agreement in under a minute")
    parser.add_argument("--sweep", action="store_true",
                        help="the size sweep instead of the comparison: one evolve step from 4² to 8192², "
                             "calculate_z from 4 to 10⁶ points, cext and the compiled peers, time per cell "
                             "(sweep.json and sweep.png; with --quick, a few small sizes)")
    parser.add_argument("--only", type=_groups, default=GROUPS, metavar="NAMES",
                        help="comma-separated subset of " + ",".join(GROUPS))
    parser.add_argument("--peers", type=_peers, default=PEER_NAMES, metavar="NAMES",
                        help="comma-separated contenders to run, from " + ",".join(PEER_NAMES)
                             + " (default: all; the reference of each table always runs)")
    parser.add_argument("--threads", type=int, default=0,
                        help="threads for the parallel peers and cext's 'all threads' rows "
                             "(default: $OMP_NUM_THREADS, else every CPU this process may use)")
    parser.add_argument("--repeats", type=int, default=0,
                        help=f"interleaved rounds per workload (default {FULL.repeats}, "
                             f"--quick {QUICK.repeats})")
    parser.add_argument("--ignore-memory", action="store_true",
                        help="run the large grids even where their estimated memory exceeds what the OS says "
                             "is available (they are skipped, with a line saying so, by default)")
    parser.add_argument("--out-dir", type=Path, default=Path(__file__).parent / "results",
                        help="where the JSON and PNG go (default: bench/results)")
    parser.add_argument("--cache-dir", type=Path, default=default_cache_dir(),
                        help="where compiled peers are kept between runs (default: %(default)s)")
    return parser.parse_args(argv)


def _groups(text):
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = set(names) - set(GROUPS)
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"expected names from {','.join(GROUPS)}, got {text!r}")
    return names


def _peers(text):
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = set(names) - set(PEER_NAMES)
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"expected names from {','.join(PEER_NAMES)}, got {text!r}")
    return names


def _omp_threads_from_environment():
    """The outermost team size in OMP_NUM_THREADS (which may list nested levels), or 0."""
    first = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    return int(first) if first.isdigit() else 0


def _usable_cpus():
    """CPUs this process may run on (its affinity mask where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _progress(total):
    """A tqdm bar on stderr (silent when stderr is not a terminal), or a stand-in."""
    try:
        from tqdm import tqdm
    except ImportError:
        return _NoProgress()
    return tqdm(total=total, unit="round", disable=None, leave=False, dynamic_ncols=True)


class _NoProgress:
    """What the harness needs of a tqdm bar, for when tqdm is not installed."""

    def set_description(self, text):
        pass

    def update(self, count):
        pass

    def write(self, text):
        print(text, flush=True)

    def close(self):
        pass


if __name__ == "__main__":
    sys.exit(main())
