"""What the numbers were measured on: CPU, compiler, flags and versions."""
import importlib.metadata
import os
import platform
import subprocess
import sys
import sysconfig
import time

from .build import COMPILE_FLAGS, LINK_FLAGS, compiler_version


def describe(peers, threads):
    """A JSON-ready description of this machine and software for the report header."""
    return {
        "cpu": cpu_model(),
        "logical_cpus": os.cpu_count(),
        "threads": threads,
        "platform": platform.platform(),
        "compiler": compiler_version() or "none found",
        "compile_flags": " ".join(COMPILE_FLAGS),
        "link_flags": " ".join(LINK_FLAGS),
        # setuptools puts Python's own CFLAGS before the extension's flags.
        "python_cflags": sysconfig.get_config_var("CFLAGS") or "",
        "versions": {
            "Python": platform.python_version(),
            **{name: _version(package) for name, package in (
                ("NumPy", "numpy"), ("Cython", "cython"), ("Numba", "numba"),
                ("Pythran", "pythran"), ("setuptools", "setuptools"))},
        },
        "numba_threading_layer": _numba_threading_layer(peers),
        "cext": _cext_info(peers),
    }


def available_memory():
    """Bytes the OS says a new allocation can take without swapping, or None where it does not say.

    Linux's MemAvailable (free memory plus the caches it can drop); elsewhere the free physical pages.
    """
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def cpu_snapshot():
    """Counters for busy_cpus_elsewhere(): CPU time of all processes and of this one.

    None where /proc/stat is missing (not Linux).
    """
    try:
        with open("/proc/stat") as stat:
            # user nice system idle iowait irq softirq steal; guest time
            # follows but is already counted in user and nice.
            ticks = [int(value) for value in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    own = os.times()  # every thread of this process
    busy_seconds = (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")
    return busy_seconds, own.user + own.system, time.monotonic()


def busy_cpus_elsewhere(start, end):
    """How many CPUs other processes kept busy between two cpu_snapshot()s.

    Parallel timings are only meaningful on an otherwise idle machine: an
    OpenMP team whose threads share cores with other work waits at every
    barrier. None if either snapshot is.
    """
    if start is None or end is None or end[2] <= start[2]:
        return None
    all_busy, own_busy, wall = (after - before for before, after in zip(start, end, strict=True))
    return max(0.0, (all_busy - own_busy) / wall)


def cpu_model():
    """The CPU's marketing name from /proc/cpuinfo, or what platform knows."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(package):
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _numba_threading_layer(peers):
    if peers.numba is None:
        return None
    numba = sys.modules["numba"]
    try:
        return numba.threading_layer()
    except ValueError:  # no parallel function has run yet
        return None


def _cext_info(peers):
    if peers.cext is None:
        return None
    info = {"path": getattr(peers.cext, "__file__", None), "source": _source_revision()}
    build_info = getattr(getattr(peers.cext, "_core", None), "_build_info", None)
    if build_info is not None:
        info["build_info"] = {key: str(value) for key, value in build_info().items()}
    return info


def _source_revision():
    """The repository's commit the bench ran from ("+ changes" when the work tree differs), or None outside git."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        commit = subprocess.run(["git", "-C", root, "rev-parse", "--short=12", "HEAD"], capture_output=True,
                                text=True, timeout=10)
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    if commit.returncode != 0:
        return None
    return commit.stdout.strip() + (" + changes" if dirty.stdout.strip() else "")
