"""What each way of running the kernels costs besides its speed.

Per path: hand-written glue lines per function, build time and artefact size
(of this harness's builds), the time of its first call, and three facts about
the code it runs: whether the GIL is released around the kernel, whether the
kernel runs threads, and whether it picks a SIMD instruction set at run time.

Glue is counted from the files, as non-blank lines that are not comments
(for Python, docstrings count as comments), with one of three rules per path:

- a binding file that holds nothing but glue: all its code lines
- glue inside the kernel's own source (decorators, export lines, type
  declarations): the lines matching a pattern
- a glue function: the code lines of that function

and divided by the number of functions the files bind. Paths that need none
(the kernel runs as written) count 0. The three facts come from the code
bench/peers/ runs and the tools' documentation; ``python -m bench.gil_probe``
checks the GIL column by measuring whether another thread runs during a call.
"""
import ast
import inspect
import os
import re
from dataclasses import dataclass

from . import build
from .peers import BUILDS, pool_julia
from .peers import _fortran_evolve as fortran_glue

REPOSITORY = build.REPOSITORY
COMMENT_PREFIXES = {".py": ("#",), ".pyx": ("#",), ".c": ("//", "/*", "*"), ".cpp": ("//", "/*", "*"),
                    ".f90": ("!",)}


@dataclass(frozen=True)
class Glue:
    """How to count one path's glue: ``files`` (with an optional line
    ``pattern``), or the source of ``function``; ``functions`` bound."""

    how: str
    functions: int
    files: tuple = ()
    pattern: str | None = None
    function: object = None
    text: str | None = None


@dataclass(frozen=True)
class Path:
    name: str
    glue: Glue
    builds: tuple = ()  # keys of peers.BUILDS whose time and size this path costs
    gil_released: str = "no"
    threads: str = "no"
    simd: str = "no"


PYTHON_NONE = Glue("none: the books' Python as written", 3)
PATHS = (
    Path("pure Python", PYTHON_NONE),
    Path("PyPy", PYTHON_NONE, gil_released="no (PyPy has a GIL)"),
    Path("multiprocessing", Glue("the code lines of pool_julia.calculate_z", 1, function=pool_julia.calculate_z),
         gil_released="n/a (processes)", threads="processes"),
    Path("Nuitka", PYTHON_NONE, builds=("nuitka",)),
    Path("mypyc", Glue("the annotated def lines of python_loops.py", 3,
                       files=("bench/peers/python_loops.py",), pattern=r"^def .*->"), builds=("mypyc",)),
    Path("Shed Skin", Glue("the type-inference calls under __main__ that bench/build.py appends", 2,
                           text=build._SHEDSKIN_MAIN), builds=("shedskin",)),
    Path("NumPy", Glue("none: whole-array expressions", 3), gil_released="yes (in ufunc loops)",
         simd="yes (NumPy's own dispatch)"),
    Path("numexpr", Glue("none: one expression string", 1), gil_released="yes", threads="own pool"),
    Path("Numba", Glue("the @njit lines of numba_jit.py", 5, files=("bench/peers/numba_jit.py",),
                       pattern=r"^@njit"),
         threads="prange", simd="compiled for this CPU at the first call"),
    Path("Cython def", Glue("typed signatures, cdef and cimport lines", 4,
                            files=("bench/peers/julia_cython.pyx", "bench/peers/diffusion_cython.pyx",
                                   "bench/peers/fib_cython.pyx"),
                            pattern=r"^\s*(cdef|cpdef|cimport)\b|^def .*\b(int|double)\b"),
         builds=("cython_julia", "cython_diffusion", "cython_fib"),
         gil_released="in prange (nogil) loops only", threads="prange (OpenMP)"),
    Path("Pythran", Glue("the #pythran export lines", 3, files=("bench/peers/pythran_kernels.py",),
                         pattern=r"^#pythran export"),
         builds=("pythran",), gil_released="yes", threads="#omp (OpenMP)"),
    Path("ctypes", Glue("all code lines of ctypes_kernels.py", 3, files=("bench/peers/ctypes_kernels.py",)),
         builds=("ctypes",), gil_released="yes (CDLL calls)"),
    Path("cffi", Glue("all code lines of cffi_build.py and cffi_kernels.py", 3,
                      files=("bench/peers/cffi_build.py", "bench/peers/cffi_kernels.py")),
         builds=("cffi",), gil_released="yes"),
    Path("C extension (PyArg_ParseTuple)", Glue("all code lines of naive_extension.c", 2,
                                                files=("bench/peers/naive_extension.c",)),
         builds=("naive",)),
    Path("f2py", Glue("the code lines of the transposing wrapper (f2py generates the rest)", 1,
                      function=fortran_glue), builds=("f2py",)),
    Path("pybind11", Glue("all code lines of pybind11_bindings.cpp and bound_kernels.hpp", 3,
                          files=("bench/peers/pybind11_bindings.cpp", "bench/peers/bound_kernels.hpp")),
         builds=("pybind11",), gil_released="yes", threads="OpenMP", simd="yes (cext's dispatch)"),
    Path("nanobind", Glue("all code lines of nanobind_bindings.cpp and bound_kernels.hpp", 3,
                          files=("bench/peers/nanobind_bindings.cpp", "bench/peers/bound_kernels.hpp")),
         builds=("nanobind",), gil_released="yes", threads="OpenMP", simd="yes (cext's dispatch)"),
    Path("cext", Glue("all code lines of cext/_core.cpp and the cext/py_*.hpp helpers it includes (which also "
                      "hold show_config's build report, the SIMD switch and Ctrl-C polling), over its 3 kernels", 3,
                      files=("cext/_core.cpp",
                             *sorted(f"cext/{path.name}" for path in (REPOSITORY / "cext").glob("py_*.hpp")))),
         gil_released="yes", threads="OpenMP", simd="yes"),
)
# Where a path's first call is read, in order of preference.
FIRST_CALL_WORKLOADS = ("calculate_z", "evolve-512", "fib-90")


def measure(peers, summaries):
    """One JSON-ready row per path that ran, in PATHS order."""
    ran = {row["path"] for summary in summaries for row in summary["rows"] if row["path"]}
    builds = {built.build.name: built for built in peers.builds}
    rows = []
    for path in PATHS:
        if path.name not in ran:
            continue
        built = [builds[BUILDS[key].name] for key in path.builds if BUILDS[key].name in builds]
        rows.append({
            "path": path.name,
            "glue_lines_per_function": glue_lines(path.glue) / path.glue.functions,
            "glue_counted": path.glue.how,
            "build_seconds": sum(b.seconds for b in built) or None,
            "artefact_bytes": sum(b.size_bytes or 0 for b in built) or _cext_size(peers, path),
            **dict(zip(("first_call_seconds", "best_call_seconds", "first_call_workload"),
                       _first_call(path, summaries, peers), strict=True)),
            "gil_released": path.gil_released,
            "threads": path.threads,
            "simd": path.simd,
        })
    return rows


def glue_lines(glue):
    """The number of glue lines ``glue`` describes."""
    if glue.function is not None:
        return _code_lines(inspect.getsource(glue.function), ".py")
    if glue.text is not None:
        return _code_lines(glue.text, ".py")
    total = 0
    for name in glue.files:
        text = (REPOSITORY / name).read_text()
        if glue.pattern:
            total += sum(1 for line in text.splitlines() if re.search(glue.pattern, line))
        else:
            total += _code_lines(text, (REPOSITORY / name).suffix)
    return total


def _code_lines(text, suffix):
    """Non-blank lines that are not comments (or, in Python, docstrings)."""
    skip = set()
    if suffix == ".py":
        tree = ast.parse(inspect.cleandoc(text) if text.startswith((" ", "\t")) else text)
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                    and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
                skip.update(range(body[0].lineno, body[0].end_lineno + 1))
        text = inspect.cleandoc(text) if text.startswith((" ", "\t")) else text
    in_block_comment = False
    count = 0
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if suffix in (".c", ".cpp"):
            if in_block_comment:
                in_block_comment = "*/" not in stripped
                continue
            if stripped.startswith("/*"):
                in_block_comment = "*/" not in stripped
                continue
        if not stripped or number in skip or stripped.startswith(COMMENT_PREFIXES.get(suffix, ("#",))):
            continue
        count += 1
    return count


def _cext_size(peers, path):
    if path.name != "cext" or peers.cext is None:
        return None
    core = getattr(peers.cext, "_core", None)
    source = getattr(core, "__file__", None)
    return os.path.getsize(source) if source else None


def _first_call(path, summaries, peers):
    """(first call, best call) of the path in the first of FIRST_CALL_WORKLOADS it ran, or (None, None).

    Numba compiles each function at its first call; the harness makes that
    call on tiny inputs when it loads the peer, so here the compile time is
    added to the workload's first (already compiled) call.
    """
    by_key = {summary["key"]: summary for summary in summaries}
    for key in FIRST_CALL_WORKLOADS:
        for row in by_key.get(key, {"rows": []})["rows"]:
            if row["path"] == path.name and row["first_call_seconds"] is not None and row["best"]:
                compile_seconds = peers.numba_compile_seconds.get(key.split("-")[0], 0.0) \
                    if path.name == "Numba" else 0.0
                return row["first_call_seconds"] + compile_seconds, row["best"], key
    return None, None, None
