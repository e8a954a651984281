"""The module as a whole: exports, docstrings, build information and SIMD dispatch."""

import inspect

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
