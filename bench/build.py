"""Compile the peers that need a compiler, and cache what was built.

Each peer is built the way its users build it: a Cython module with a
``setup.py`` (``cythonize`` + setuptools, as in the seeds), the C library with
one compiler call, the Pythran module with the ``pythran`` command. All of
them get ``COMPILE_FLAGS``: ``-O3 -fopenmp`` as a user would pass, and
``-ffp-contract=off`` so that no compiler fuses a multiply and an add into an
FMA, which rounds once instead of twice and would make the results differ
from cext's in the last bit. No ``-march=native``: the comparison is between
portable builds.

A build lands in ``cache_dir/<name>-<key>/``, where the key hashes the
source, the flags, the compiler and the versions of Python, NumPy and the
tool, so a change to any of them rebuilds and anything else reuses. Builds run
as separate processes, several at a time.
"""
import hashlib
import importlib.metadata
import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

COMPILE_FLAGS = ["-O3", "-fopenmp", "-ffp-contract=off"]
LINK_FLAGS = ["-fopenmp"]
EXT_SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")

# The seeds' setup.py (seed 000), with the flags above and the NumPy include
# directory that their `cimport numpy` needs.
_SETUP_PY = """\
# Written by bench/build.py: the seeds' setup.py with the harness's flags.
import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

ext_modules = [Extension({name!r},
                         [{source!r}],
                         include_dirs=[np.get_include()],
                         define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
                         extra_compile_args={compile_flags!r},
                         extra_link_args={link_flags!r})]

setup(ext_modules=cythonize(ext_modules,
                            compiler_directives={{"language_level": "3"}}))
"""


@dataclass(frozen=True)
class Build:
    """One thing to compile: ``name`` is the module (or library) name."""

    name: str
    tool: str  # "cython", "cc" or "pythran"
    source: Path


@dataclass
class Built:
    """The outcome of a Build.

    ``status`` is "built", "cached", "missing" (the tool is not installed) or
    "failed"; ``path`` is the compiled file when there is one, and ``detail``
    says what is missing or ends the build log of a failure.
    """

    build: Build
    status: str
    path: Path | None = None
    seconds: float = 0.0
    detail: str = ""


def compiler():
    """The C compiler setuptools uses for extensions (first word of CC)."""
    return (os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc").split()[0]


@cache
def compiler_version():
    """First line of ``<compiler> --version``, or "" if there is no compiler."""
    try:
        result = subprocess.run([compiler(), "--version"], capture_output=True, text=True)
    except OSError:
        return ""
    return result.stdout.splitlines()[0] if result.returncode == 0 else ""


def build_all(builds, cache_dir, jobs):
    """Build (or reuse) every Build, ``jobs`` at a time; return the Builts in order."""
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(lambda build: _build_cached(build, cache_dir), builds))


def load_module(built):
    """Import a built extension module from its cached file."""
    spec = importlib.util.spec_from_file_location(built.build.name, built.path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _build_cached(build, cache_dir):
    missing = _missing_tool(build.tool)
    if missing:
        return Built(build, "missing", detail=missing)
    target_dir = cache_dir / f"{build.name}-{_cache_key(build)}"
    artifact = target_dir / _artifact_name(build)
    if artifact.exists():
        return Built(build, "cached", artifact)

    # Build in a private directory and rename it into place, so that an
    # interrupted or concurrent run never leaves a half-built entry behind.
    work_dir = cache_dir / f".building-{target_dir.name}-{os.getpid()}"
    shutil.rmtree(work_dir, ignore_errors=True)
    work_dir.mkdir()
    shutil.copy(build.source, work_dir)
    start = time.perf_counter()
    result = subprocess.run(_command(build, work_dir), cwd=work_dir,
                            capture_output=True, text=True)
    seconds = time.perf_counter() - start
    (work_dir / "build.log").write_text(result.stdout + result.stderr)
    if result.returncode != 0 or not (work_dir / artifact.name).exists():
        log_tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        return Built(build, "failed", seconds=seconds,
                     detail=f"build log in {work_dir / 'build.log'}:\n{log_tail}")
    shutil.rmtree(target_dir, ignore_errors=True)  # an incomplete entry, since no artifact
    try:
        work_dir.rename(target_dir)
    except OSError:  # another run finished the same build first
        shutil.rmtree(work_dir, ignore_errors=True)
    return Built(build, "built", artifact, seconds)


def _missing_tool(tool):
    """Why ``tool`` cannot run here, or "" if it can."""
    if not compiler_version():
        return f"no C compiler ({compiler()!r} not found)"
    if tool == "cython" and importlib.util.find_spec("Cython") is None:
        return "Cython is not installed (pip install cython)"
    if tool == "pythran" and importlib.util.find_spec("pythran") is None:
        return "Pythran is not installed (pip install pythran)"
    return ""


def _cache_key(build):
    tool_package = {"cython": "cython", "pythran": "pythran"}.get(build.tool)
    digest = hashlib.sha256(build.source.read_bytes())
    for part in (
        build.tool,
        " ".join(COMPILE_FLAGS + LINK_FLAGS),
        compiler_version(),
        sys.version,
        EXT_SUFFIX,
        np.__version__,
        importlib.metadata.version(tool_package) if tool_package else "",
        # User compiler settings reach setuptools and pythran through these.
        *(os.environ.get(name, "") for name in ("CC", "CFLAGS", "LDFLAGS")),
    ):
        digest.update(b"\0" + part.encode())
    return digest.hexdigest()[:16]


def _artifact_name(build):
    return build.name + (".so" if build.tool == "cc" else EXT_SUFFIX)


def _command(build, work_dir):
    source = build.source.name
    if build.tool == "cython":
        (work_dir / "setup.py").write_text(_SETUP_PY.format(
            name=build.name, source=source,
            compile_flags=COMPILE_FLAGS, link_flags=LINK_FLAGS))
        return [sys.executable, "setup.py", "build_ext", "--inplace"]
    if build.tool == "cc":
        # -std=gnu99 and -shared as in the seeds' build of diffusion.so.
        return [compiler(), *COMPILE_FLAGS, "-std=gnu99", "-fPIC", "-shared",
                source, "-o", _artifact_name(build)]
    if build.tool == "pythran":
        return [sys.executable, "-m", "pythran.run", *COMPILE_FLAGS,
                source, "-o", _artifact_name(build)]
    raise ValueError(f"unknown build tool {build.tool!r}")
