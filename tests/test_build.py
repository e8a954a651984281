"""The portable build: AVX code must only be reachable through the dispatched AVX2/AVX-512 kernel tables.

The kernels are compiled several times with different -m flags, each copy in a namespace named after its
instruction set (cext::avx2, cext::avx512). Inline functions or templates shared between those objects outside
the namespaces would be merged by the linker, so a careless change could route baseline callers into an AVX copy
and crash older CPUs with SIGILL. Disassemble the module and check that every VEX/EVEX-encoded instruction sits
in a function of an AVX namespace.
"""

import platform
import re
import shutil
import subprocess

import pytest

import cext

pytestmark = pytest.mark.skipif(
    platform.machine().lower() not in {"x86_64", "amd64"} or shutil.which("objdump") is None,
    reason="needs an x86-64 objdump",
)

FUNCTION = re.compile(r"^[0-9a-f]+ <(.*)>:$")
WIDE_REGISTER = re.compile(r"%[yz]mm\d+|%k[0-7]\b")


def avx_instructions_by_function():
    listing = subprocess.run(["objdump", "-d", "--no-show-raw-insn", "-C", cext._core.__file__],
                             capture_output=True, text=True, check=True).stdout
    found = {}
    function = None
    for line in listing.splitlines():
        match = FUNCTION.match(line)
        if match:
            function = match.group(1)
            continue
        fields = line.split("\t")
        if function is None or len(fields) < 2 or not fields[1].split():
            continue
        mnemonic = fields[1].split()[0]
        vex = mnemonic.startswith("v") and mnemonic not in {"verr", "verw"}
        if vex or WIDE_REGISTER.search(line):
            found.setdefault(function, set()).add(mnemonic)
    return found


@pytest.mark.skipif(cext._core._build_info()["native_build"], reason="a -march=native build is not portable")
def test_avx_code_only_in_avx_kernels():
    found = avx_instructions_by_function()
    # Every set but the baseline (include/cext/isa_list.hpp) needs AVX, so its namespace is the only home for it.
    avx_sets = [name for name in cext._core._build_info()["simd_compiled"] if name != "baseline"]
    if avx_sets:
        assert found, "expected AVX kernels in the module"
    avx_owner = re.compile(r"\bcext::(?:" + "|".join(avx_sets or ["(?!)"]) + r")::")
    leaked = {name: sorted(ops)[:5] for name, ops in found.items() if not avx_owner.search(name)}
    assert not leaked, f"AVX instructions outside the AVX kernels: {leaked}"
