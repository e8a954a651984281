#!/usr/bin/env bash
# The comparison's smoke run with every peer present: installs the OS toolchains (gfortran for f2py, pypy3,
# libgc-dev for Shed Skin, Rust's pyo3 and rayon crates, pocl's OpenCL CPU device) and every optional Python
# peer (PyOpenCL among them) into the active virtualenv, runs
# `python -m bench --quick`, and fails if any peer was skipped, failed to build, crashed or disagreed bit for
# bit. Run from anywhere inside an activated virtualenv; as root it installs the Debian packages (apt-get
# update first), otherwise they must already be there.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
step() { printf '\n=== %s\n' "$*"; }

step "OS toolchains: gfortran pypy3 libgc-dev, Rust's crates, an OpenCL CPU device"
needed=()
command -v gfortran > /dev/null || needed+=(gfortran)
command -v pypy3 > /dev/null || needed+=(pypy3)
[ -e /usr/include/gc/gc_allocator.h ] || needed+=(libgc-dev)
# The Rust peer builds offline against the crates Debian packages; cargo itself comes with the machine's Rust
# toolchain, or from Debian where there is none.
dpkg -s librust-pyo3-dev librust-rayon-dev > /dev/null 2>&1 || needed+=(librust-pyo3-dev librust-rayon-dev)
command -v cargo > /dev/null || needed+=(cargo)
dpkg -s pocl-opencl-icd > /dev/null 2>&1 || needed+=(pocl-opencl-icd)
if [ ${#needed[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "missing ${needed[*]} and not root: apt-get install ${needed[*]}" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${needed[@]}" > /dev/null
fi
echo "gfortran: $(gfortran --version | head -1); pypy3: $(pypy3 --version 2>&1 | tail -1); $(cargo --version)"

step "Python peers: pip install -e \".[bench-all]\" pythran"
cd "$repo"
python -m pip install --quiet -e ".[bench-all]" pythran
# Pythran pins setuptools<60 on Python < 3.12, which cext's setup.py (run again for the pybind11 and nanobind
# peers) refuses; Pythran itself builds with the newer one.
python -m pip install --quiet "setuptools>=77"

step "python -m bench --quick"
status=0
python -m bench --quick --out-dir "$work" || status=$?

step "every peer ran and agreed"
python - "$work/quick.json" <<'PYTHON'
import json
import sys

document = json.load(open(sys.argv[1]))
problems = [f"skipped: {line}" for line in document["skipped"]]
problems += [f"failed: {line}" for line in document["failures"]]
problems += [f"{workload['title']}: {row['label']} {row['status']}: {row['detail']}"
             for workload in document["workloads"] for row in workload["rows"]
             if row["status"] not in ("ok", "unchecked")]
families = sorted({row["family"] for workload in document["workloads"] for row in workload["rows"]})
print(f"{len(families)} families ran: {', '.join(families)}")
for problem in problems:
    print(f"PROBLEM: {problem}")
sys.exit(1 if problems else 0)
PYTHON
exit $status
