"""cext.show_config(): how this build of cext was compiled and what it runs on, in the spirit of numpy.show_config()."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Mapping
from typing import Any, Literal, overload

import numpy as np

from . import _core

# The _OPENMP macro is the release date of the specification the compiler implements.
_OPENMP_SPECIFICATIONS = {
    200203: "2.0",  # MSVC's /openmp
    200505: "2.5",
    200805: "3.0",
    201107: "3.1",
    201307: "4.0",
    201511: "4.5",
    201811: "5.0",
    202011: "5.1",
    202111: "5.2",
    202411: "6.0",
}

# Environment variables that change which kernels run or how many threads they use.
_ENVIRONMENT = ("OMP_NUM_THREADS", "OMP_THREAD_LIMIT", "OMP_DYNAMIC", "OMP_WAIT_POLICY", "OMP_PROC_BIND",
                "OMP_PLACES", "CEXT_SIMD", "CEXT_STREAM_BYTES", "CEXT_TILE_BYTES", "CEXT_COLUMN_BYTES",
                "CEXT_KEEP_SCRATCH")


def _openmp_runtimes() -> list[dict[str, Any]] | str:
    """The OpenMP libraries loaded in this process, as threadpoolctl sees them (it is optional)."""
    try:
        threadpoolctl = importlib.import_module("threadpoolctl")  # untyped, and optional
    except ImportError:
        return "unknown (install threadpoolctl to list the loaded OpenMP libraries)"
    libraries: list[dict[str, Any]] = threadpoolctl.threadpool_info()
    return [
        {"prefix": lib["prefix"], "filepath": lib["filepath"], "version": lib["version"],
         "num_threads": lib["num_threads"]}
        for lib in libraries
        if lib["user_api"] == "openmp"
    ]


def _config() -> dict[str, Any]:
    info = _core._build_info()
    tuning = info["diffusion_tuning"]
    compiler_name, _, compiler_version = info["compiler"].partition(" ")
    openmp: dict[str, Any] = {"enabled": info["openmp"]}
    if info["openmp"]:
        version = info["openmp_version"]
        openmp["specification"] = f"{_OPENMP_SPECIFICATIONS.get(version, 'unknown')} ({version})"
        openmp["runtime"] = _openmp_runtimes()
    openmp["default_threads"] = info["max_threads"]
    openmp["processors"] = info["num_procs"] if info["openmp"] else os.cpu_count() or 1
    return {
        "cext": {"version": _package_version(), "path": os.path.dirname(os.path.abspath(_core.__file__))},
        "Compiler": {"name": compiler_name, "version": compiler_version,
                     "numpy_target_api": info["numpy_build_api"]},
        "SIMD Extensions": {"active": info["simd"], "lanes": info["simd_lanes"],
                            "compiled": list(info["simd_compiled"]), "supported": list(info["simd_supported"]),
                            "native_build": info["native_build"]},
        "OpenMP": openmp,
        "Caches": {"l1d_bytes": info["caches"]["l1d"], "l2_bytes": info["caches"]["l2"],
                   "l3_bytes": info["caches"]["l3"], "source": info["caches"]["source"]},
        "Diffusion": {
            "stream_bytes": tuning["stream_bytes"],
            "stream_bytes_from": _source(tuning, "stream", "CEXT_STREAM_BYTES"),
            "tile_bytes": tuning["tile_bytes"],
            "tile_bytes_from": _source(tuning, "tile", "CEXT_TILE_BYTES"),
            "column_bytes": tuning["column_bytes"],
            "column_bytes_from": _source(tuning, "column", "CEXT_COLUMN_BYTES"),
            "keep_scratch": tuning["keep_scratch"],
            "keep_scratch_from": _source(tuning, "keep_scratch", "CEXT_KEEP_SCRATCH"),
        },
        "Environment": {name: os.environ[name] for name in _ENVIRONMENT if name in os.environ},
        "Python Information": {"path": sys.executable, "version": sys.version.split()[0],
                               "numpy": np.__version__},
    }


def _source(tuning: Mapping[str, Any], key: str, variable: str) -> str:
    """Where a decision came from, and the environment's value if it was malformed and ignored (import warned)."""
    source: str = tuning[f"{key}_source"]
    rejected = tuning[f"{key}_rejected"]
    return source if rejected is None else f"{source} ({variable}={rejected!r} rejected)"


def _package_version() -> str:
    from . import __version__

    return __version__


def _format(value: Any, indent: int) -> list[str]:
    pad = "  " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, list) and not any(isinstance(element, (dict, list)) for element in item):
                lines.append(f"{pad}{key}: [{', '.join(_scalar(element) for element in item)}]")
            elif isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{key}:")
                lines += _format(item, indent + 1)
            else:
                lines.append(f"{pad}{key}: {_scalar(item)}")
    else:
        for item in value:
            if isinstance(item, dict):
                first, *rest = _format(item, indent + 1)
                lines.append(f"{pad}- {first.lstrip()}")
                lines += rest
            else:
                lines.append(f"{pad}- {_scalar(item)}")
    return lines


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):  # empty
        return "{}"
    return str(value)


@overload
def show_config(mode: Literal["stdout"] = "stdout") -> None: ...


@overload
def show_config(mode: Literal["dicts"]) -> dict[str, Any]: ...


def show_config(mode: str = "stdout") -> dict[str, Any] | None:
    """Show how cext was built and what it will use on this machine.

    Reports the SIMD path in use and the paths compiled in and supported by this CPU, whether the kernels were
    built with OpenMP (the specification version and the runtime library loaded in this process), how many
    threads a call with ``num_threads=None`` would use from this thread, the compiler, the cache sizes the
    machine reports and what the diffusion kernel decides from them, and the environment variables that change
    any of these. Like ``numpy.show_config()``.

    Parameters
    ----------
    mode : {'stdout', 'dicts'}, default 'stdout'
        'stdout' prints a YAML-like report; 'dicts' returns it as a dict instead.

    Returns
    -------
    dict or None
        The report (``mode='dicts'``), otherwise None.

    Raises
    ------
    ValueError
        An unknown mode.

    See Also
    --------
    numpy.show_config : NumPy's report, which this one imitates.
    threadpoolctl.threadpool_info : Every thread pool loaded in the process.

    Notes
    -----
    ``OpenMP.default_threads`` is ``omp_get_max_threads()`` in the calling thread. It follows
    ``OMP_NUM_THREADS`` and ``threadpoolctl.threadpool_limits()``; the per-call ``num_threads=`` argument
    overrides it, and small inputs use fewer threads. The list of runtimes needs threadpoolctl.

    ``Diffusion.stream_bytes``: grids at least this large are written with non-temporal stores (by default 3/4
    of the last-level cache; ``CEXT_STREAM_BYTES`` overrides it). ``Diffusion.tile_bytes``: each thread's
    budget for the ring of rows of multi-step calls (3/4 of the L2; ``CEXT_TILE_BYTES``); a grid that fits
    in those budgets with its output is stepped one step at a time instead, without tiles.
    ``Diffusion.column_bytes``: steps on grids of at most this size walk down columns of vectors instead of
    along rows, and several run one after another on one thread, without tiles (1/2 of the L1 data cache;
    ``CEXT_COLUMN_BYTES``).
    ``Diffusion.keep_scratch``: the scratch grid of a call that takes several rounds is
    kept for the next such call on a grid of similar size (``CEXT_KEEP_SCRATCH=0`` frees it after every call).
    Results are identical either way; only speed and memory held change.

    Examples
    --------
    >>> import cext
    >>> config = cext.show_config(mode="dicts")
    >>> config["SIMD Extensions"]["active"] in config["SIMD Extensions"]["supported"]
    True
    >>> config["OpenMP"]["default_threads"] >= 1
    True
    """
    if mode == "dicts":
        return _config()
    if mode == "stdout":
        print("\n".join(_format(_config(), 0)))
        return None
    raise ValueError(f"show_config(): 'mode' must be 'stdout' or 'dicts', got {mode!r}")
