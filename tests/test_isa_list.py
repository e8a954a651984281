"""The one list of instruction sets, include/cext/isa_list.hpp: setup.py (and tests/cpp/build.py, through setup.py's
own reader) must see every entry the C++ dispatch expands, with its source file, macro and flags."""

import importlib.util
import re
from pathlib import Path

import pytest

import cext

SOURCE_TREE = Path(__file__).resolve().parent.parent
ISA_LIST = SOURCE_TREE / "include" / "cext" / "isa_list.hpp"

pytestmark = pytest.mark.skipif(not ISA_LIST.is_file(), reason="needs the source tree (include/cext/isa_list.hpp)")


def load_kernel_test_builder():
    spec = importlib.util.spec_from_file_location("kernel_test_build", SOURCE_TREE / "tests" / "cpp" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def entries_in_the_macro():
    """The X(...) lines of the CEXT_FOR_EACH_ISA definition, as the C preprocessor would see them."""
    text = ISA_LIST.read_text()
    body = text[text.index("#define CEXT_FOR_EACH_ISA(X)"):]
    lines = []
    for line in body.splitlines()[1:]:
        lines.append(line)
        if not line.rstrip().endswith("\\"):
            break
    return [line for line in lines if "X(" in line]


def test_setup_reads_every_entry_of_the_list():
    _kernel_sources, isa_sources = load_kernel_test_builder().setup_lists()
    entries = entries_in_the_macro()
    assert entries and len(isa_sources) == len(entries)
    names = [re.search(r"X\((\w+),", line).group(1) for line in entries]
    assert [source for source, _macro, _flags in isa_sources] == [f"src/isa_{name}.cpp" for name in names]
    for (source, macro, gcc_flags), name in zip(isa_sources, names, strict=True):
        assert (SOURCE_TREE / source).is_file(), source
        assert macro == f"CEXT_HAVE_{name.upper()}"
        assert gcc_flags and all(flag.startswith("-m") for flag in gcc_flags)
        assert "-mfma" not in gcc_flags  # a fused multiply-add rounds differently from the reference arithmetic


def test_the_reader_splits_a_new_entry_into_its_fields(tmp_path):
    builder = load_kernel_test_builder()
    header = tmp_path / "isa_list.hpp"
    header.write_text('#define CEXT_FOR_EACH_ISA(X) \\\n'
                      '    X(avx512, CEXT_HAVE_AVX512, "-mavx512f", "/arch:AVX512", 1u << 16, 0u, 0xE6u) \\\n'
                      '    X(sse41, CEXT_HAVE_SSE41, "-msse4.1 -mpopcnt", "/arch:SSE4.2", 0u, 1u << 19, 0u)\n'
                      '//   X(name, macro, "gcc flags", "msvc flags", ...) in a comment is no entry\n')
    read = builder.from_setup_py()["read_isa_list"]
    assert read(header) == [
        ("src/isa_avx512.cpp", "CEXT_HAVE_AVX512", ["-mavx512f"], ["/arch:AVX512"]),
        ("src/isa_sse41.cpp", "CEXT_HAVE_SSE41", ["-msse4.1", "-mpopcnt"], ["/arch:SSE4.2"]),
    ]


def test_the_module_compiled_only_listed_sets():
    names = {re.search(r"X\((\w+),", line).group(1) for line in entries_in_the_macro()}
    compiled = cext._core._build_info()["simd_compiled"]
    assert "baseline" in compiled and set(compiled) <= names | {"baseline"}
