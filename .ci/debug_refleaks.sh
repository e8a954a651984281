#!/usr/bin/env bash
# Reference leaks of any object, counted by a debug build of CPython (sys.gettotalrefcount), as CPython's own
# `regrtest -R` does: tests/test_total_refcount.py runs every call form of cext (each success and each error path)
# in rounds and fails if the interpreter's total reference count grows; a positive control proves the method
# detects one leaked reference per call. tests/test_refleaks.py runs under the same interpreter.
#
# The debug interpreter is Debian's python3.11-dbg, in a virtualenv of its own. cext and NumPy are both built by
# it from source: a release-built module or wheel loads in a debug interpreter, but its Py_INCREF/Py_DECREF do not
# update the total, which then drifts by a steady amount per call and would hide or fake a leak. Building NumPy
# takes about 15 minutes on 2 busy cores the first time; pip caches the wheel, so later runs install it in seconds.
#
# Run from any directory (as root, to install the packages below when missing); the `python` on PATH is not used:
#     bash .ci/debug_refleaks.sh
# Environment: CEXT_DEBUG_VENV=/path keeps the debug virtualenv there and reuses it (for tools/mutate.py's
# CEXT_DEBUG_PYTHON); otherwise it lives in a temporary directory. KEEP=1 keeps the work dir.
#
# Needs (installed by this script when missing): apt: python3.11-dbg, libpython3.11-dbg, python3.11-venv, g++.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
cleanup() { if [ "${KEEP:-0}" = 1 ]; then echo "work dir kept: $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT
step() { printf '\n=== %s\n' "$*"; }

step "tools"
has_headers="import ensurepip, os, sysconfig; assert os.path.exists(sysconfig.get_paths()['include'] + '/Python.h')"
if ! command -v python3.11-dbg > /dev/null || ! command -v g++ > /dev/null \
        || ! python3.11-dbg -c "$has_headers" 2> /dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3.11-dbg libpython3.11-dbg python3.11-venv g++ \
        > /dev/null
fi
python3.11-dbg -c "import sys; assert hasattr(sys, 'gettotalrefcount'), 'not a debug build'"
echo "interpreter: $(python3.11-dbg -c 'import sys; print(sys.version.split()[0], sys.executable, sys.abiflags)')"

venv=${CEXT_DEBUG_VENV:-$work/venv-dbg}
if [ ! -x "$venv/bin/python" ]; then
    step "debug virtualenv at $venv; NumPy built from source by the debug interpreter"
    python3.11-dbg -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    start=$SECONDS
    "$venv/bin/python" -m pip install --quiet --no-binary numpy numpy pytest "setuptools>=77"
    echo "installed in $((SECONDS - start)) s"
fi
python=$venv/bin/python
# NumPy's compiled core must carry the debug ABI tag, i.e. have been built by this interpreter.
"$python" -c "import numpy._core._multiarray_umath as m, sys; assert 'cpython-311d' in m.__file__, m.__file__; \
print('numpy', sys.modules['numpy'].__version__, m.__file__)"

step "cext built by the debug interpreter, in a copy of the work tree"
tar -C "$repo" --exclude=./.git --exclude=./build --exclude='*.so' --exclude=./.pytest_cache \
    --exclude=./.hypothesis -cf - . | tar -C "$work" -xf -
(cd "$work" && "$python" setup.py --quiet build_ext --inplace > "$work/build.txt" 2>&1) \
    || { cat "$work/build.txt"; exit 1; }
module=$(ls "$work"/cext/_core.cpython-311d-*.so)
# Built against the debug headers, the module updates the total itself: it references _Py_RefTotal.
case "$(nm -D "$module")" in *" U _Py_RefTotal"*) ;; *) echo "$module was not built with Py_DEBUG"; exit 1 ;; esac
echo "module: $module"

step "total reference counts around every call form (and the argument counts of tests/test_refleaks.py)"
(cd "$work" && "$python" -m pytest -q -p no:cacheprovider tests/test_total_refcount.py tests/test_refleaks.py) \
    | tee "$work/pytest.txt"
# The module skips itself without sys.gettotalrefcount; here it must have run, positive control included.
grep -q "a leak of one reference per call was detected" "$work/pytest.txt" \
    || { echo "the total reference count tests did not run"; exit 1; }
if [ -n "${CEXT_DEBUG_VENV:-}" ]; then
    echo "debug python for tools/mutate.py: CEXT_DEBUG_PYTHON=$python"
fi
echo
echo "debug refleaks passed"
