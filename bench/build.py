"""Compile the peers that need a compiler, and cache what was built.

Each peer is built the way its users build it:

- ``cython``: a ``setup.py`` with ``cythonize`` + setuptools, as in the books
- ``capi``: a hand-written C extension, with the same ``setup.py`` minus Cython
- ``cc``: the C library for ctypes, with one compiler call
- ``cffi``: an API-mode module, by running its ``ffibuilder`` script
- ``pythran``, ``mypyc``, ``nuitka``, ``shedskin``, ``f2py``: their own commands
- ``pybind11``, ``nanobind``: cext's own ``setup.py`` build (its ``BuildExt``,
  so the same per-instruction-set objects and flags) around a binding file
- ``cargo``: a Rust crate built offline against the system's packaged crates
  (``bench/peers/rust_build.py``)

``TOOLS`` maps each name to its Tool: the commands and what they need.

All of them get ``COMPILE_FLAGS`` (through the tool's own option or the
``CFLAGS``/``CXXFLAGS``/``FFLAGS`` it reads): ``-O3 -fopenmp`` as a user would
pass, and ``-ffp-contract=off`` so that no compiler fuses a multiply and an add
into an FMA, which rounds once instead of twice and would make the results
differ from cext's in the last bit. No ``-march=native``: the comparison is
between portable builds.

A build lands in ``cache_dir/<name>-<key>/``, where the key hashes the
sources, the flags, the compiler and the versions of Python, NumPy and the
tool, so a change to any of them rebuilds and anything else reuses; the build
time is kept beside it, so a cached build still reports what it cost. Builds
run as separate processes, several at a time.
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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

COMPILE_FLAGS = ["-O3", "-fopenmp", "-ffp-contract=off"]
LINK_FLAGS = ["-fopenmp"]
EXT_SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")
REPOSITORY = Path(__file__).resolve().parent.parent

# The books' setup.py with the flags above and the NumPy include
# directory that their `cimport numpy` needs. A hand-written C extension uses
# the same file without cythonize.
_SETUP_PY = """\
# Written by bench/build.py: the books' setup.py with the harness's flags.
import numpy as np
from setuptools import Extension, setup

ext_modules = [Extension({name!r},
                         [{source!r}],
                         include_dirs=[np.get_include()],
                         define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
                         extra_compile_args={compile_flags!r},
                         extra_link_args={link_flags!r})]
{cythonize}
setup(ext_modules=ext_modules)
"""
_CYTHONIZE = """
from Cython.Build import cythonize
ext_modules = cythonize(ext_modules, compiler_directives={"language_level": "3"})
"""

# cext's own setup.py, run for its BuildExt class and ISA_SOURCES list (with
# setup() itself stubbed out), builds a binding file against cext's kernels
# and dispatch exactly as it builds cext: the same flags, the same
# per-instruction-set objects, the same OpenMP probe.
_BINDING_SETUP_PY = """\
# Written by bench/build.py: a {tool} module over cext's kernels, built by cext's BuildExt.
import os
import runpy
import sys

import setuptools

os.chdir({repository!r})  # cext's setup.py names its sources relative to the repository
setup = setuptools.setup
setuptools.setup = lambda **_: None
cext_setup = runpy.run_path("setup.py")
setuptools.setup = setup
import {tool}  # noqa: E402

include_dirs = [{work_dir!r}, "include", cext_setup["np"].get_include(),
                {tool}.get_include() if {tool!r} == "pybind11" else {tool}.include_dir()]
sources = [{binding!r}, *cext_setup["KERNEL_SOURCES"]]
if {tool!r} == "nanobind":
    # nanobind's runtime is compiled into each module (its CMake helper does the same).
    sources.append(os.path.join(nanobind.source_dir(), "nb_combined.cpp"))
    include_dirs.append(os.path.join(os.path.dirname(nanobind.include_dir()), "ext", "robin_map", "include"))
extension = setuptools.Extension({name!r}, sources, include_dirs=include_dirs, language="c++",
                                 depends=[source for source, *_ in cext_setup["ISA_SOURCES"]])
sys.argv[1:] = ["build_ext", "--build-lib", {work_dir!r}, "--build-temp", {build_temp!r}]
setuptools.setup(name={name!r}, ext_modules=[extension], cmdclass={{"build_ext": cext_setup["BuildExt"]}})
"""


@dataclass(frozen=True)
class Build:
    """One thing to compile: ``name`` is the module (or library) name.

    ``source`` is the main file; ``extras`` are files it includes, copied
    next to it; ``depends`` are files read in place (cext's kernels). All of
    them are part of the cache key.
    """

    name: str
    tool: str  # a key of TOOLS
    source: Path
    extras: tuple = ()
    depends: tuple = ()

    @property
    def staged_name(self):
        """The source's file name in the build directory.

        Tools that compile a Python file into a module of the same name get a
        copy named after the module, so one source can become several.
        """
        if self.tool in ("mypyc", "nuitka", "shedskin"):
            return f"{self.name}.py"
        return self.source.name


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

    @property
    def size_bytes(self):
        """Size of the built module or library, or None."""
        return self.path.stat().st_size if self.path else None


def default_cache_dir():
    """Where compiled peers are kept between runs: $XDG_CACHE_HOME/cext-bench, or ~/.cache/cext-bench."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cext-bench"


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
        seconds_file = target_dir / "build-seconds"
        seconds = float(seconds_file.read_text()) if seconds_file.exists() else 0.0
        return Built(build, "cached", artifact, seconds)

    # Build in a private directory and rename it into place, so that an
    # interrupted or concurrent run never leaves a half-built entry behind.
    work_dir = cache_dir / f".building-{target_dir.name}-{os.getpid()}"
    shutil.rmtree(work_dir, ignore_errors=True)
    work_dir.mkdir()
    shutil.copy(build.source, work_dir / build.staged_name)
    for extra in build.extras:
        shutil.copy(extra, work_dir)
    start = time.perf_counter()
    log = ""
    tool = TOOLS[build.tool]
    for command in tool.commands(build, work_dir):
        result = subprocess.run(command, cwd=work_dir, capture_output=True, text=True,
                                env={**os.environ, **tool.environment(build)})
        log += result.stdout + result.stderr
        if result.returncode != 0:
            break
    seconds = time.perf_counter() - start
    (work_dir / "build.log").write_text(log)
    if result.returncode != 0 or not (work_dir / artifact.name).exists():
        log_tail = "\n".join(log.strip().splitlines()[-15:])
        return Built(build, "failed", seconds=seconds,
                     detail=f"build log in {work_dir / 'build.log'}:\n{log_tail}")
    (work_dir / "build-seconds").write_text(f"{seconds:.3f}\n")
    shutil.rmtree(target_dir, ignore_errors=True)  # an incomplete entry, since no artifact
    try:
        work_dir.rename(target_dir)
    except OSError:  # another run finished the same build first
        shutil.rmtree(work_dir, ignore_errors=True)
    return Built(build, "built", artifact, seconds)


def _missing_tool(tool_name):
    """Why ``tool_name`` cannot run here, with the command that installs it, or "" if it can."""
    tool = TOOLS[tool_name]
    if tool.needs_c_compiler and not compiler_version():
        return f"no C compiler ({compiler()!r} not found)"
    if tool.package and not _installed(tool.package):
        return f"{tool.package} is not installed (pip install {tool.pip_names or tool.package})"
    for program, debian_package in tool.programs:
        if shutil.which(program) is None:
            return f"{program} is not installed (apt-get install {debian_package})"
    if tool.header:
        header, debian_package = tool.header
        if not _header_found(header):
            return f"{header} is not found (apt-get install {debian_package})"
    return tool.missing() if tool.missing else ""


def _installed(package):
    try:
        importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def _header_found(header):
    """Whether the C compiler finds ``header`` on its default include path."""
    result = subprocess.run([compiler(), "-E", "-x", "c++", "-"], input=f"#include <{header}>\n",
                            capture_output=True, text=True)
    return result.returncode == 0


def _cache_key(build):
    tool = TOOLS[build.tool]
    package = tool.package
    digest = hashlib.sha256(build.source.read_bytes())
    for path in (*build.extras, *build.depends):
        digest.update(b"\0" + Path(path).read_bytes())
    digest.update(b"\0" + tool.generated_text.encode())
    if tool.environment(build):
        digest.update(b"\0" + repr(sorted(tool.environment(build).items())).encode())
    for part in (
        build.tool,
        " ".join(COMPILE_FLAGS + LINK_FLAGS),
        compiler_version(),
        sys.version,
        EXT_SUFFIX,
        np.__version__,
        importlib.metadata.version(package) if package else tool.version() if tool.version else "",
        # User compiler settings reach the tools through these.
        *(os.environ.get(name, "") for name in ("CC", "CXX", "CFLAGS", "CXXFLAGS", "LDFLAGS")),
    ):
        digest.update(b"\0" + part.encode())
    return digest.hexdigest()[:16]


def _artifact_name(build):
    return build.name + TOOLS[build.tool].suffix


def _no_environment(build):
    return {}


def _flags_in(variable):
    """Tools without a flags option read COMPILE_FLAGS from ``variable``, after what the user set there."""
    return lambda build: {variable: f"{os.environ.get(variable, '')} {' '.join(COMPILE_FLAGS)}".strip()}


def _setup_py_commands(cythonize):
    def commands(build, work_dir):
        (work_dir / "setup.py").write_text(_SETUP_PY.format(
            name=build.name, source=build.staged_name, compile_flags=COMPILE_FLAGS, link_flags=LINK_FLAGS,
            cythonize=_CYTHONIZE if cythonize else ""))
        return [[sys.executable, "setup.py", "build_ext", "--inplace"]]
    return commands


def _cc_commands(build, work_dir):
    # -std=gnu99 and -shared as in the books' build of diffusion.so.
    return [[compiler(), *COMPILE_FLAGS, "-std=gnu99", "-fPIC", "-shared",
             build.staged_name, *(Path(extra).name for extra in build.extras), "-o", _artifact_name(build)]]


def _cffi_commands(build, work_dir):
    return [[sys.executable, build.staged_name, build.name, *COMPILE_FLAGS]]


def _pythran_commands(build, work_dir):
    return [[sys.executable, "-m", "pythran.run", *COMPILE_FLAGS, build.staged_name, "-o", _artifact_name(build)]]


def _mypyc_commands(build, work_dir):
    # The setup.py that mypy's documentation gives; built into the work directory rather than --inplace, whose
    # mypyc hook needs a newer setuptools than Pythran allows.
    (work_dir / "setup.py").write_text(
        "from setuptools import setup\nfrom mypyc.build import mypycify\n\n"
        f"setup(ext_modules=mypycify([{build.staged_name!r}]))\n")
    return [[sys.executable, "setup.py", "build_ext", "--build-lib", ".", "--build-temp", "build"]]


def _nuitka_commands(build, work_dir):
    return [[sys.executable, "-m", "nuitka", "--module", build.staged_name, "--remove-output",
             "--no-pyi-file", "--quiet"]]


def _shedskin_commands(build, work_dir):
    # The type-inference call Shed Skin needs, as the book adds it to julia1.py.
    with open(work_dir / build.staged_name, "a") as module:
        module.write(SHEDSKIN_MAIN)
    return [[sys.executable, "-m", "shedskin", "build", "--extmod", "--build-type", "Release",
             build.staged_name], ["cp", f"build/{_artifact_name(build)}", _artifact_name(build)]]


def _f2py_commands(build, work_dir):
    return [[sys.executable, "-m", "numpy.f2py", "-c", build.staged_name, "-m", build.name, "--backend", "meson"]]


def _binding_commands(build, work_dir):
    (work_dir / "setup_binding.py").write_text(_BINDING_SETUP_PY.format(
        tool=build.tool, repository=str(REPOSITORY), name=build.name,
        binding=str(work_dir / build.staged_name), work_dir=str(work_dir), build_temp=str(work_dir / "build")))
    return [[sys.executable, "setup_binding.py"]]


def _cargo_commands(build, work_dir):
    # The crate is built where it lives (its Cargo.toml is the Build's source), into this work directory.
    return [[sys.executable, str(REPOSITORY / "bench" / "peers" / "rust_build.py"), str(build.source.parent),
             str(work_dir), _artifact_name(build)]]


def _rust_build():
    from .peers import rust_build
    return rust_build


@dataclass(frozen=True)
class Tool:
    """How one kind of peer is built: the commands that leave ``<name><suffix>`` in the work directory, and what
    must be installed for them (a Python ``package``, OS ``programs`` and a C++ ``header``, each with the
    package that provides it, or a ``missing()`` check of its own that returns why it cannot run)."""

    commands: Callable
    package: str | None = None
    pip_names: str | None = None
    programs: tuple = ()
    header: tuple | None = None
    missing: Callable[[], str] | None = None
    environment: Callable = _no_environment
    suffix: str = EXT_SUFFIX
    generated_text: str = ""  # what this module writes into the build (part of its cache key)
    needs_c_compiler: bool = True
    version: Callable[[], str] | None = None  # the tool's version where no Python package has one


TOOLS = {
    "cython": Tool(_setup_py_commands(cythonize=True), "cython", generated_text=_SETUP_PY + _CYTHONIZE),
    "capi": Tool(_setup_py_commands(cythonize=False), "setuptools", generated_text=_SETUP_PY),
    "cc": Tool(_cc_commands, suffix=".so"),
    "cffi": Tool(_cffi_commands, "cffi"),
    "pythran": Tool(_pythran_commands, "pythran"),
    "mypyc": Tool(_mypyc_commands, "mypy", environment=_flags_in("CFLAGS")),
    "nuitka": Tool(_nuitka_commands, "nuitka", environment=_flags_in("CFLAGS")),
    "shedskin": Tool(_shedskin_commands, "shed-skin", programs=(("cmake", "cmake"),),
                     header=("gc/gc_allocator.h", "libgc-dev"), environment=_flags_in("CXXFLAGS"), suffix=".so"),
    # -fopenmp is left out: the Fortran loop has no OpenMP directives.
    "f2py": Tool(_f2py_commands, "meson", pip_names="meson ninja",
                 programs=(("gfortran", "gfortran"), ("ninja", "ninja (pip install ninja)")),
                 environment=lambda build: {"FFLAGS": "-O3 -ffp-contract=off"}),
    "pybind11": Tool(_binding_commands, "pybind11", generated_text=_BINDING_SETUP_PY),
    "nanobind": Tool(_binding_commands, "nanobind", generated_text=_BINDING_SETUP_PY),
    "cargo": Tool(_cargo_commands, missing=lambda: _rust_build().missing(),
                  version=lambda: _rust_build().cargo_version(), needs_c_compiler=False),
}


SHEDSKIN_MAIN = """

if __name__ == "__main__":
    # make a trivial example using the correct types to enable type inference
    calculate_z(1, [0j], [0j])
    fib(1)
"""
