"""Every field of cext.show_config() (and of cext._core._build_info(), which it reports) against a source that
does not go through cext: the environment the test set in a child process, the CPU's flags and caches as Linux
lists them, the affinity mask, the compiler's own note in the built module, the interpreter.

Each value the test sets is distinct from every other one the report holds (3 threads on a 2-CPU mask, byte
counts no cache has), so a field that reports another field's value fails here, not only a field that is wrong.
Checks whose source does not exist on this system (no /proc/cpuinfo, no sysfs caches) are skipped.
"""

import ast
import json
import os
import platform
import re
from pathlib import Path

import pytest
from child_process import run_python

import cext
from cext._config import _ENVIRONMENT

INFO = cext._core._build_info()
MODULE = Path(cext._core.__file__)
SYSFS = Path("/sys/devices/system/cpu/cpu0/cache")
X86_64 = platform.machine().lower() in ("x86_64", "amd64")

REPORT = """
import json, os, platform, sys
import numpy as np
import cext
print(json.dumps({"config": cext.show_config(mode="dicts"), "info": cext._core._build_info(),
                  "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
                  "executable": sys.executable, "python": platform.python_version(), "numpy": np.__version__}))
"""


def forced_path():
    """The lowest SIMD path: where the CPU runs more than one, not the path chosen by default."""
    return INFO["simd_supported"][0]


@pytest.fixture(scope="module")
def child():
    """show_config() in a child whose environment the test chose: every variable the report lists is set to a
    value of our choosing or removed."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    chosen = {"OMP_NUM_THREADS": str(cpus + 1), "CEXT_SIMD": forced_path(), "CEXT_STREAM_BYTES": "123457",
              "CEXT_TILE_BYTES": "65537", "CEXT_COLUMN_BYTES": "4099", "CEXT_KEEP_SCRATCH": "0"}
    environment = {name: chosen.get(name) for name in _ENVIRONMENT}
    report = json.loads(run_python(REPORT, **environment).stdout)
    return report, chosen


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            return next(line for line in f if line.startswith(("flags", "Features"))).split(":", 1)[1].split()
    except (OSError, StopIteration):
        pytest.skip("no /proc/cpuinfo flags on this system")


def sysfs_caches():
    """{level: bytes} of the data and unified caches of the first CPU, read here from sysfs."""
    if not SYSFS.is_dir():
        pytest.skip("no sysfs cache listing on this system")
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    sizes = {}
    for index in SYSFS.glob("index*"):
        if (index / "type").read_text().strip() != "Instruction":
            text = (index / "size").read_text().strip()
            sizes[int((index / "level").read_text())] = int(text.rstrip("KMG")) * units.get(text[-1], 1)
    return sizes


def test_the_report_has_exactly_the_documented_sections(child):
    config = child[0]["config"]
    assert list(config) == ["cext", "Compiler", "SIMD Extensions", "OpenMP", "Caches", "Diffusion", "Environment",
                            "Python Information"]


def test_package_and_interpreter(child):
    report = child[0]
    source = (MODULE.parent / "__init__.py").read_text()
    version = next(node.value.value for node in ast.parse(source).body if isinstance(node, ast.Assign)
                   and getattr(node.targets[0], "id", "") == "__version__")
    assert report["config"]["cext"] == {"version": version, "path": str(MODULE.parent.resolve())}
    assert report["config"]["Python Information"] == {"path": report["executable"], "version": report["python"],
                                                      "numpy": report["numpy"]}


def test_the_environment_section_is_what_the_child_was_given(child):
    report, chosen = child
    assert report["config"]["Environment"] == chosen


def test_compiler_is_the_one_that_built_the_module(child):
    # Compilers note their name and version in the object's .comment section (ELF); that note is the source.
    compiler = child[0]["config"]["Compiler"]
    assert f"{compiler['name']} {compiler['version']}" == child[0]["info"]["compiler"]
    assert compiler["numpy_target_api"] == child[0]["info"]["numpy_build_api"]
    notes = MODULE.read_bytes()
    gcc = re.findall(rb"GCC: \([^)]*\) ([0-9][0-9.]*)", notes)
    clang = re.findall(rb"clang version ([0-9][0-9.]*)", notes)
    if not gcc and not clang:
        pytest.skip("the module carries no compiler note (not ELF, or stripped)")
    if compiler["name"] == "clang":
        assert clang and compiler["version"].split()[0] in {v.decode() for v in clang}, (compiler, clang)
    else:
        assert compiler["name"] == "gcc" and not clang, (compiler, clang)
        assert compiler["version"].split()[0] in {v.decode() for v in gcc}, (compiler, gcc)
    # The NumPy C API the module was built for can be no newer than the NumPy that runs it.
    target = tuple(int(part) for part in compiler["numpy_target_api"].split("."))
    assert target <= tuple(int(part) for part in child[0]["numpy"].split(".")[:2])


def test_simd_fields(child):
    report, chosen = child
    simd = report["config"]["SIMD Extensions"]
    # The path the child was told to use, with that path's own vector width (x86-64's baseline is SSE2).
    assert simd["active"] == report["info"]["simd"] == chosen["CEXT_SIMD"]
    lanes = {"baseline": 2 if X86_64 else 1, "avx2": 4, "avx512": 8}
    assert simd["lanes"] == report["info"]["simd_lanes"] == lanes[chosen["CEXT_SIMD"]]
    assert simd["compiled"] == list(report["info"]["simd_compiled"])
    assert simd["compiled"][0] == "baseline"
    assert simd["supported"] == list(report["info"]["simd_supported"])
    assert simd["native_build"] is report["info"]["native_build"] is False
    if X86_64:
        flags = cpu_flags()
        needs = {"baseline": "sse2", "avx2": "avx2", "avx512": "avx512f"}
        assert simd["supported"] == [path for path in simd["compiled"] if needs[path] in flags], flags


def test_openmp_fields(child):
    report, chosen = child
    openmp, info = report["config"]["OpenMP"], report["info"]
    # A module built with OpenMP calls its runtime, so the runtime's symbols are in its import table.
    assert openmp["enabled"] is info["openmp"] is (b"omp_get_max_threads" in MODULE.read_bytes())
    threads = int(chosen["OMP_NUM_THREADS"])
    if info["openmp"]:
        assert openmp["default_threads"] == info["max_threads"] == threads
        assert openmp["specification"].endswith(f"({info['openmp_version']})")
        assert info["openmp_version"] >= 200203
    else:
        assert openmp["default_threads"] == info["max_threads"] == 1
    if report["affinity"] is None:
        pytest.skip("no affinity mask on this system")
    # OpenMP counts the processors this process may run on, which is not the thread count the child asked for.
    assert openmp["processors"] == report["affinity"] != threads
    if info["openmp"]:
        assert info["num_procs"] == report["affinity"]


def test_cache_fields(child):
    report = child[0]
    expected = sysfs_caches()
    if 2 not in expected:
        pytest.skip("sysfs lists no L2 cache here")
    caches = {"l1d_bytes": expected[1], "l2_bytes": expected[2], "l3_bytes": expected.get(3, 0), "source": "sysfs"}
    assert report["config"]["Caches"] == caches
    assert report["info"]["caches"] == {"l1d": expected[1], "l2": expected[2], "l3": expected.get(3, 0),
                                        "source": "sysfs"}


def test_diffusion_fields(child):
    report, chosen = child
    assert report["config"]["Diffusion"] == {
        "stream_bytes": int(chosen["CEXT_STREAM_BYTES"]), "stream_bytes_from": "CEXT_STREAM_BYTES",
        "tile_bytes": int(chosen["CEXT_TILE_BYTES"]), "tile_bytes_from": "CEXT_TILE_BYTES",
        "column_bytes": int(chosen["CEXT_COLUMN_BYTES"]), "column_bytes_from": "CEXT_COLUMN_BYTES",
        "keep_scratch": False, "keep_scratch_from": "CEXT_KEEP_SCRATCH"}


def test_build_info_has_no_field_left_unchecked():
    # The fields the tests above check, through show_config() or directly; a new one must be added to them.
    assert set(INFO) == {"simd", "simd_lanes", "native_build", "simd_compiled", "simd_supported", "openmp",
                         "openmp_version", "max_threads", "num_procs", "compiler", "numpy_build_api", "caches",
                         "diffusion_tuning", "release_gil_work"}
    assert INFO["release_gil_work"] > 0
