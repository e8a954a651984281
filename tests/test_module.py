"""The module as a whole: exports, docstrings, build information and SIMD dispatch."""

import inspect
import platform

import pytest
from child_process import run_python
from reference import EXTENSION_FUNCTIONS

import cext


def test_exports():
    public = {name for name in dir(cext._core) if not name.startswith("_")}
    assert set(EXTENSION_FUNCTIONS) == public, "every public function of cext._core is in cext.__all__"
    assert set(cext.__all__) == public | {"show_config"}
    for name in EXTENSION_FUNCTIONS:
        assert getattr(cext, name) is getattr(cext._core, name)


@pytest.mark.parametrize("name", EXTENSION_FUNCTIONS)
def test_docstrings_start_with_a_summary_and_document_parameters(name):
    doc = inspect.getdoc(getattr(cext, name))
    assert doc.splitlines()[0].strip()
    for section in ("Parameters", "Returns", "Raises", "Examples"):
        assert section in doc


def test_build_info():
    info = cext._core._build_info()
    assert info["simd"] in info["simd_supported"]
    assert set(info["simd_supported"]) <= set(info["simd_compiled"])
    assert info["simd_compiled"][0] == "baseline"
    assert info["max_threads"] >= 1
    assert isinstance(info["openmp"], bool)


def test_build_info_reports_the_active_paths_vector_width(simd_path):
    # The bench derives the Julia grid's lane occupancy from it. x86-64's baseline is SSE2 (2 doubles); other
    # targets' baseline is the scalar loop.
    baseline = 2 if platform.machine().lower() in ("x86_64", "amd64") else 1
    expected = {"baseline": baseline, "avx2": 4, "avx512": 8}[simd_path]
    assert cext._core._build_info()["simd_lanes"] == expected


def test_supported_paths_are_those_the_cpu_reports():
    # Every per-path test runs over simd_supported: a path missing from it is silently never tested, and one
    # listed that the CPU lacks would crash. The baseline runs everywhere; on Linux x86 the CPU's own flags say
    # which of the others must be there (the kernel lists only what the OS enables too).
    supported = cext._core._build_info()["simd_supported"]
    assert "baseline" in supported
    try:
        with open("/proc/cpuinfo") as f:
            flags = next(line for line in f if line.startswith("flags")).split()
    except (OSError, StopIteration):
        pytest.skip("no /proc/cpuinfo flags")
    compiled = cext._core._build_info()["simd_compiled"]
    for path, flag in (("avx2", "avx2"), ("avx512", "avx512f")):
        if path in compiled:
            assert (path in supported) == (flag in flags), (path, supported)


def test_set_simd_rejects_unknown_paths():
    with pytest.raises(ValueError, match=r"SIMD path 'sse9' is not compiled into this build"):
        cext._core._set_simd("sse9")
    with pytest.raises(TypeError):
        cext._core._set_simd(3)


@pytest.mark.parametrize("path", cext._core._build_info()["simd_supported"])
def test_environment_variable_forces_a_path(path):
    result = run_python("import cext; print(cext._core._build_info()['simd'])", CEXT_SIMD=path)
    assert result.stdout.strip() == path


def test_unknown_environment_value_warns_and_falls_back():
    result = run_python("import cext; print(cext._core._build_info()['simd'])", CEXT_SIMD="nonsense")
    assert result.stdout.strip() == cext._core._build_info()["simd_supported"][-1]
    assert "CEXT_SIMD=nonsense is not compiled into this build" in result.stderr
