#!/usr/bin/env bash
# ThreadSanitizer over cext's threaded tests: the module built by clang with -fsanitize=thread against LLVM's
# OpenMP runtime (libomp), whose Archer tool tells TSan about OpenMP's own synchronisation (barriers, worksharing,
# atomics); with GCC's libgomp TSan would see none of it and report every parallel region. The interpreter and
# NumPy are not instrumented: TSan checks cext's memory accesses, and sees the GIL and Python's threads through
# the pthread calls it intercepts.
#
# The runtime preloaded into the interpreter is GCC's libtsan, which clang's instrumentation calls just as well:
# clang 14's own shared runtime (libclang_rt.tsan-x86_64.so) crashes when preloaded into any program, even
# /bin/true, because libstdc++'s constructor calls its __cxa_atexit interceptor before the runtime has
# initialised (a call through a null pointer in __interceptor___cxa_atexit).
#
#   1. controls: a tiny OpenMP library built and loaded the same way must have its deliberate data race reported
#      (so the job cannot pass because reports went nowhere), and its accesses ordered only by an OpenMP barrier
#      must not be (so Archer is really in use);
#   2. the threaded tests (threads, stress, thread pools, both kernels on 1-5 threads, Ctrl-C) with 0 reports.
#
# Run from any directory inside a virtualenv with cext's test dependencies (the script uses the `python` on
# PATH; as root it installs what is missing):
#     bash .ci/tsan.sh
# Environment: CEXT_STRESS_SECONDS (default 5 here) bounds the stress test; KEEP=1 keeps the work dir.
#
# Needs (installed by this script when missing): apt: clang, libomp-dev (with Archer), g++ and libtsan2 (the
# runtime); pip: numpy, pytest, hypothesis, setuptools>=77.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
cleanup() { if [ "${KEEP:-0}" = 1 ]; then echo "work dir kept: $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT
step() { printf '\n=== %s\n' "$*"; }

step "tools"
llvm_lib() { echo "$(dirname "$(readlink -f "$(command -v clang++)")")/../lib/$1"; }  # /usr/lib/llvm-N/lib/
if ! command -v clang++ > /dev/null || [ ! -e "$(llvm_lib libomp.so)" ] || [ ! -e "$(llvm_lib libarcher.so)" ] \
        || ! command -v g++ > /dev/null || [ ! -e "$(g++ -print-file-name=libtsan.so)" ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang libomp-dev g++ > /dev/null
    [ -e "$(g++ -print-file-name=libtsan.so)" ] \
        || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libtsan2 > /dev/null
fi
runtime=$(readlink -f "$(g++ -print-file-name=libtsan.so)")
archer=$(readlink -f "$(llvm_lib libarcher.so)")
[ -e "$runtime" ] || { echo "no TSan runtime (libtsan.so) for $(g++ --version | head -1)"; exit 1; }
[ -e "$archer" ] || { echo "no Archer (libarcher.so) for libomp"; exit 1; }
python -c "import numpy, pytest, hypothesis, threadpoolctl, setuptools; \
assert int(setuptools.__version__.split('.')[0]) >= 77" 2> /dev/null \
    || python -m pip install --quiet numpy pytest hypothesis threadpoolctl "setuptools>=77"
echo "compiler: $(clang++ --version | head -1)"
echo "TSan runtime: $runtime"
echo "OpenMP tool: $archer"
echo "python: $(python -c 'import sys; print(sys.version.split()[0], sys.executable)')"

mkdir -p "$work/logs"
# ignore_noninstrumented_modules: libomp itself is not instrumented; Archer reports its synchronisation, and
# accesses inside it are not to be reported. Reports go to files, since pytest captures stderr and a report in a
# child process must fail the job too. OMP_TOOL_LIBRARIES names Archer explicitly (libomp also finds it itself).
tsan_options="ignore_noninstrumented_modules=1:halt_on_error=0:exitcode=66:second_deadlock_stack=1"
export OMP_TOOL_LIBRARIES=$archer
with_tsan() {  # with_tsan LOGNAME COMMAND...: runs COMMAND with TSan; its reports land in logs/LOGNAME.*
    env LD_PRELOAD="$runtime" TSAN_OPTIONS="$tsan_options:log_path=$work/logs/$1" "${@:2}"
}

step "controls: a deliberate data race is reported, accesses ordered by an OpenMP barrier are not"
cat > "$work/controls.cpp" << 'END_OF_CONTROLS'
#include <omp.h>
// Every thread of the team increments the same int without synchronisation.
extern "C" int race() {
    int counter = 0;
#pragma omp parallel num_threads(2)
    { counter += 1; }
    return counter;
}
// Correct, but ordered only by OpenMP's barrier: without Archer, TSan would report it.
extern "C" int ordered_by_barrier() {
    int data[2] = {0, 0}, seen = 0;
#pragma omp parallel num_threads(2)
    {
        data[omp_get_thread_num()] = 1;
#pragma omp barrier
        if (omp_get_thread_num() == 0) seen = data[1];
    }
    return seen;
}
END_OF_CONTROLS
clang++ -shared -fPIC -O1 -g -fopenmp -fsanitize=thread "$work/controls.cpp" -o "$work/libcontrols.so"
for control in race ordered_by_barrier; do
    with_tsan "$control" python -c "import ctypes; ctypes.CDLL('$work/libcontrols.so').$control()" || true
done
if ! grep -qs "WARNING: ThreadSanitizer: data race" "$work"/logs/race.*; then
    cat "$work"/logs/race.* 2> /dev/null || true
    echo "control: the deliberate race was not reported"
    exit 1
fi
echo "deliberate race reported: $(grep -h -m1 'SUMMARY' "$work"/logs/race.*)"
if grep -qs "WARNING: ThreadSanitizer" "$work"/logs/ordered_by_barrier.*; then
    cat "$work"/logs/ordered_by_barrier.*
    echo "control: an access ordered by an OpenMP barrier was reported, so Archer is not in use"
    exit 1
fi
echo "barrier-ordered accesses: no report (Archer in use)"

step "build with clang, -fsanitize=thread, libomp (CEXT_SANITIZE=thread), in a copy of the work tree"
mkdir -p "$work/tree"
tar -C "$repo" --exclude=./.git --exclude=./build --exclude='*.so' --exclude=./.pytest_cache \
    --exclude=./.hypothesis -cf - . | tar -C "$work/tree" -xf -
(cd "$work/tree" && CC=clang CXX=clang++ CEXT_SANITIZE=thread python setup.py build_ext --inplace \
    > "$work/logs/build.txt" 2>&1) || { cat "$work/logs/build.txt"; exit 1; }
module=$(ls "$work"/tree/cext/_core*.so)
libraries=$(ldd "$module")
# setup.py's OpenMP probe must have picked libomp (clang's -fopenmp), not GCC's libgomp.
case "$libraries" in *libomp.so*) ;; *) echo "$module is not linked against libomp:"; echo "$libraries"; exit 1 ;; esac
case "$libraries" in *libgomp*) echo "$module links libgomp too"; exit 1 ;; esac
case "$(nm "$module")" in *__tsan_func_entry*) ;; *) echo "$module is not instrumented"; exit 1 ;; esac
# PYTHONPATH: the copy's module, even where the virtualenv has cext installed (or installed in editable mode).
export PYTHONPATH="$work/tree"
(cd "$work/tree" && with_tsan import python -c "import cext; info = cext._core._build_info(); \
assert cext.__file__.startswith('$work/tree/'), cext.__file__; assert info['compiler'].startswith('clang'), info; \
print('built:', info['compiler'], 'OpenMP', info['openmp_version'], cext.__file__)")

step "threaded tests under ThreadSanitizer"
tests=(tests/test_threads.py tests/test_stress.py tests/test_threadpool.py tests/test_calculate_z.py
       tests/test_evolve.py tests/test_interrupt.py)
# The tests that bound Ctrl-C's latency (marked timing) are left out: TSan's several-fold slowdown makes the bound
# meaningless. The cancellation paths still run, once per scenario, without a bound; only the scenarios built to
# be the kernels' slowest (a 7000x7000 grid, subnormal orbits, 8 million points) are left out there too, since
# the grid alone would need gigabytes of shadow memory.
slowest="largest-round or slowest_chunk or many-short-chunks"
(cd "$work/tree" && CEXT_STRESS_SECONDS="${CEXT_STRESS_SECONDS:-5}" with_tsan tests \
    python -m pytest -q -p no:cacheprovider "${tests[@]}" -m "not timing" -k "not ($slowest)") || status=$?
reports=$(find "$work/logs" -name 'tsan.*' -o -name 'tests.*' -o -name 'import.*' | sort)
if [ -n "$reports" ]; then
    for f in $reports; do echo "--- $f"; cat "$f"; done
    # shellcheck disable=SC2086
    echo "ThreadSanitizer: $(cat $reports | grep -c 'WARNING: ThreadSanitizer') reports (above)"
    exit 1
fi
[ "${status:-0}" = 0 ] || { echo "the threaded tests failed under ThreadSanitizer (exit ${status})"; exit 1; }
echo
echo "tsan passed: 0 reports over ${tests[*]}"
