"""The import-time contraction check (src/self_check.cpp) must refuse a build that fuses multiplies and adds.

A normal build never fuses, so the suite alone could not tell a working check from one that always passes, and a
build that lost -ffp-contract=off would then import and return numbers that differ from the reference
arithmetic. tests/cpp/build.py --self-check compiles the check with the kernels (a few seconds, no Python) and
runs it on every table this CPU supports: without contraction each must pass, with -ffp-contract=fast (and -mfma
on x86-64) each must fail. The test binary finds out for itself whether the compiler fused at all, and exits
with 77 where a fused build cannot be made (no FMA in the CPU, a compiler that does not contract): skipped.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "tests" / "cpp" / "build.py"
COMPILER = shutil.which(os.environ.get("CXX", "c++"))


@pytest.mark.skipif(COMPILER is None or not (ROOT / "include" / "cext").is_dir(), reason="needs a C++ compiler "
                    "and the sources")
@pytest.mark.parametrize(("contract", "verdict"), [(False, "accepts a build that does not fuse"),
                                                   (True, "refuses a build that fuses")],
                         ids=["unfused-build-accepted", "fused-build-refused"])
def test_the_check_tells_a_fused_build_from_an_exact_one(contract, verdict):
    command = [sys.executable, str(BUILD), "--self-check", "--no-openmp", "--cxx", COMPILER]
    result = subprocess.run(command + (["--contract"] if contract else []), capture_output=True, text=True)
    report = [line for line in result.stdout.splitlines() if not line.startswith(COMPILER)]
    if result.returncode == 77:
        pytest.skip(report[-1])
    assert result.returncode == 0, "\n".join(report) + result.stderr
    tables = [line for line in report if line.startswith(("ok ", "FAILED "))]
    assert tables and all(line.startswith("ok ") and line.endswith(verdict) for line in tables), report
