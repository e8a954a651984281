#!/usr/bin/env bash
# cext on one given interpreter: a new venv with NumPy's wheel and the test tools from PyPI, cext built from this
# tree with every compiler warning an error, then the whole suite. On a free-threaded interpreter, importing cext
# must also leave the GIL off, the suite runs with PYTHON_GIL=0, and the core tests run on several threads at once
# (pytest-run-parallel). .ci/cpython.sh (CPython built from source) and .ci/debian_python.sh (Debian's own
# builds, in a Debian unstable root) call it; by hand:
#     bash .ci/python_suite.sh /path/to/python3
# Environment: CEXT_STRESS_SECONDS (default 5 here) bounds the stress test; PARALLEL_THREADS (default 4) is
# pytest-run-parallel's thread count; KEEP=1 keeps the work dir.
set -euo pipefail

python=${1:?usage: bash .ci/python_suite.sh /path/to/python}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
cleanup() { if [ "${KEEP:-0}" = 1 ]; then echo "work dir kept: $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT
started=$SECONDS
step() { printf '\n=== [%4ds] %s\n' "$((SECONDS - started))" "$*"; }
free_threaded=$("$python" -c "import sysconfig; print(1 if sysconfig.get_config_var('Py_GIL_DISABLED') else 0)")
version=$("$python" -c "import sys; print(sys.version.split()[0] + ('t' if sys.argv[1] == '1' else ''))" "$free_threaded")

step "Python $version: a venv with NumPy's wheel, pytest, hypothesis, threadpoolctl"
"$python" -m venv "$work/venv"
venv_python=$work/venv/bin/python
"$venv_python" -m pip install --quiet --upgrade pip
test_tools=(numpy pytest hypothesis threadpoolctl "setuptools>=77")
if [ "$free_threaded" = 1 ]; then test_tools+=(pytest-run-parallel); fi
# --only-binary: on an interpreter this new, pip takes the newest release that has a wheel for it rather than
# building NumPy from source for many minutes.
"$venv_python" -m pip install --quiet --only-binary :all: "${test_tools[@]}"
"$venv_python" -c "import numpy, sys; print('numpy', numpy.__version__, 'on', sys.version.replace(chr(10), ' '))"

step "cext built from this tree with CEXT_WERROR=1 (every warning an error, deprecated C API calls included)"
mkdir -p "$work/tree"
tar -C "$repo" --exclude=./.git --exclude=./build --exclude='*.so' --exclude=./.pytest_cache \
    --exclude=./.hypothesis --exclude=./docs/_build -cf - . | tar -C "$work/tree" -xf -
CEXT_WERROR=1 "$venv_python" -m pip install --quiet --no-build-isolation "$work/tree"

# A clean build proves something only if these headers mark what they deprecate and the flag turns it into an
# error: so a reference to one declaration the headers mark Py_DEPRECATED, compiled with the same compiler and
# -Werror=deprecated-declarations, must fail. (Some deprecated calls are marked in the documentation only:
# PyErr_Fetch, deprecated since 3.12, carries no mark, so cext avoids it by version check, not by this flag.)
step "the deprecation check is real: a use of a Py_DEPRECATED declaration fails -Werror=deprecated-declarations"
include=$("$venv_python" -c "import sysconfig; print(sysconfig.get_paths()['include'])")
deprecated=$(grep -rhoE 'Py_DEPRECATED\([0-9.]+\) PyAPI_(FUNC|DATA)\([^)]*\) *[A-Za-z_]+' "$include" \
    | grep -oE '[A-Za-z_]+$' | sort | head -1)
[ -n "$deprecated" ] || { echo "no Py_DEPRECATED declaration found in $include" >&2; exit 1; }
probe=$work/deprecated_probe.cpp
printf '%s\n' '#include <Python.h>' "const void* probe() { return reinterpret_cast<const void*>(&$deprecated); }" \
    > "$probe"
if "${CXX:-g++}" -std=c++17 -fsyntax-only -Werror=deprecated-declarations -I"$include" "$probe" \
    2> "$work/probe.txt"; then
    echo "a use of $deprecated compiled without a deprecation error, so the clean build above proves nothing" >&2
    exit 1
fi
echo "$deprecated: $(grep -m1 -oE "error: .*deprecated.*" "$work/probe.txt")"

gil_env=()
if [ "$free_threaded" = 1 ]; then
    step "free-threaded: importing cext leaves the GIL disabled"
    # The interpreter re-enables the GIL (with a RuntimeWarning) when it imports a module that does not declare
    # Py_mod_gil = Py_MOD_GIL_NOT_USED, unless PYTHON_GIL=0 forces it off: so this check runs without it.
    (cd "$work" && env -u PYTHON_GIL "$venv_python" -W error -c "import sys, numpy, cext; \
assert not sys._is_gil_enabled(), 'importing cext enabled the GIL'; \
print('GIL disabled after import:', not sys._is_gil_enabled(), '; cext', cext.__file__)")
    gil_env=(PYTHON_GIL=0)
fi

step "the whole suite on Python $version$([ "$free_threaded" = 1 ] && echo ', GIL disabled')"
# `pytest`, not `python -m pytest`: the latter would put the tree first on sys.path and import its cext/, which
# has no compiled module, instead of the installed one (as in the README's `pip install . && pytest`).
(cd "$work/tree" && env "${gil_env[@]}" CEXT_STRESS_SECONDS="${CEXT_STRESS_SECONDS:-5}" \
    "$work/venv/bin/pytest" -q -p no:cacheprovider tests)

if [ "$free_threaded" = 1 ]; then
    step "core tests, each run by ${PARALLEL_THREADS:-4} threads at once (pytest-run-parallel), GIL disabled"
    (cd "$work/tree" && PYTHON_GIL=0 "$work/venv/bin/pytest" -q -p no:cacheprovider \
        --parallel-threads="${PARALLEL_THREADS:-4}" tests/test_calculate_z.py tests/test_evolve.py tests/test_fib.py)
fi

echo
echo "cext on Python $version passed in $((SECONDS - started)) s"
