#!/usr/bin/env bash
# Free-threaded CPython: cext declares Py_mod_gil = Py_MOD_GIL_NOT_USED, so under a CPython built with
# --disable-gil it must import without re-enabling the GIL, pass the whole suite with the GIL disabled, and
# survive its core tests run by several threads at once (pytest-run-parallel).
#
# No registry this project reaches packages a free-threaded interpreter, so the script builds one: CPython 3.13
# from Debian 13's source package (apt-get source python3.13; upstream's tarball inside), configured with
# --disable-gil, without PGO or LTO. NumPy's cp313t wheels come from PyPI.
#
# Run from any directory, as root (it adds a deb-src entry for Debian 13 and installs build dependencies):
#     bash .ci/free_threaded.sh
# Environment: CEXT_FT_PREFIX=/path installs the interpreter there and reuses it when present (the build takes
# minutes); otherwise it lives in the work dir. CEXT_STRESS_SECONDS (default 5 here) bounds the stress test;
# PARALLEL_THREADS (default 4) is pytest-run-parallel's thread count; KEEP=1 keeps the work dir.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
cleanup() { if [ "${KEEP:-0}" = 1 ]; then echo "work dir kept: $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT
step() { printf '\n=== %s\n' "$*"; }

prefix=${CEXT_FT_PREFIX:-$work/python3.13t}
python=$prefix/bin/python3.13t

if [ ! -x "$python" ]; then
    step "CPython 3.13 source from Debian 13 (trixie)"
    sources=/etc/apt/sources.list.d/cext-trixie-src.sources
    if [ ! -e "$sources" ]; then
        cat > "$sources" << 'EOF'
# Source packages of Debian 13 (trixie), for cext's .ci/free_threaded.sh: CPython 3.13's source.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq build-essential pkg-config dpkg-dev libssl-dev \
        zlib1g-dev libffi-dev liblzma-dev libbz2-dev libsqlite3-dev > /dev/null
    mkdir -p "$work/src"
    (cd "$work/src" && apt-get source --download-only python3.13 2>&1 | grep -v "^W: Download is performed unsandboxed")
    orig=$(ls "$work"/src/python3.13_*.orig.tar.xz)
    echo "source: $(basename "$orig")"
    tar -C "$work/src" -xJf "$orig"
    cpython=$(find "$work/src" -maxdepth 1 -type d -name 'Python-3.13*' | head -1)

    step "configure --disable-gil and build (no PGO/LTO)"
    start=$SECONDS
    (cd "$cpython" && ./configure --quiet --disable-gil --prefix="$prefix" --with-ensurepip=install \
        > "$work/configure.txt" 2>&1) || { tail -50 "$work/configure.txt"; exit 1; }
    (cd "$cpython" && nice make -j"$(nproc)" -s > "$work/make.txt" 2>&1 && make -s install > "$work/install.txt" 2>&1) \
        || { tail -50 "$work/make.txt" "$work/install.txt" 2> /dev/null; exit 1; }
    echo "built and installed in $((SECONDS - start)) s"
fi
"$python" -c "import sys, sysconfig; assert sysconfig.get_config_var('Py_GIL_DISABLED'), 'not free-threaded'; \
print('interpreter:', sys.version)"

step "virtualenv with NumPy's cp313t wheel, cext and the test dependencies"
"$python" -m venv "$work/venv"
venv_python=$work/venv/bin/python
"$venv_python" -m pip install --quiet --upgrade pip
# --only-binary: the newest release of each that has a wheel for cp313t. The newest NumPy has none (2.4.6 has),
# nor has the newest hypothesis (a Rust extension): pip would otherwise try to build them from source, NumPy for
# many minutes, hypothesis not at all (its Rust crates are out of reach).
"$venv_python" -m pip install --quiet --only-binary :all: numpy pytest hypothesis pytest-run-parallel threadpoolctl \
    "setuptools>=77"
mkdir -p "$work/tree"
tar -C "$repo" --exclude=./.git --exclude=./build --exclude='*.so' --exclude=./.pytest_cache \
    --exclude=./.hypothesis -cf - . | tar -C "$work/tree" -xf -
"$venv_python" -m pip install --quiet --no-build-isolation "$work/tree"
# A free-threaded interpreter re-enables the GIL (with a RuntimeWarning) when it imports a module that does not
# declare Py_mod_gil = Py_MOD_GIL_NOT_USED, unless PYTHON_GIL=0 forces it off: so this check runs without it.
(cd "$work" && env -u PYTHON_GIL "$venv_python" -W error -c "import sys, numpy, cext; \
assert not sys._is_gil_enabled(), 'importing cext enabled the GIL'; \
print('GIL disabled after import:', not sys._is_gil_enabled(), '; numpy', numpy.__version__, '; cext', cext.__file__)")

step "the whole suite with the GIL disabled"
# `pytest`, not `python -m pytest`: the latter would put the source tree first on sys.path and import its cext/,
# which has no compiled module, instead of the installed one (as in the README's `pip install . && pytest`).
(cd "$work/tree" && PYTHON_GIL=0 CEXT_STRESS_SECONDS="${CEXT_STRESS_SECONDS:-5}" \
    "$work/venv/bin/pytest" -q -p no:cacheprovider tests)

step "core tests, each run by ${PARALLEL_THREADS:-4} threads at once (pytest-run-parallel), GIL disabled"
(cd "$work/tree" && PYTHON_GIL=0 "$work/venv/bin/pytest" -q -p no:cacheprovider \
    --parallel-threads="${PARALLEL_THREADS:-4}" tests/test_calculate_z.py tests/test_evolve.py tests/test_fib.py)

echo
echo "free-threaded passed"
