#!/usr/bin/env bash
# Sanitizer CI for cext: two jobs on one instrumented build of the extension.
#
#   1. AddressSanitizer + UndefinedBehaviorSanitizer: the whole test suite, zero reports allowed.
#   2. LeakSanitizer on the module's own allocations: every function, on its success and error paths
#      (tests/test_refleaks.py's cases), called many times; then a leak check while the interpreter is still alive.
#      Python allocates through malloc (PYTHONMALLOC=malloc) so LeakSanitizer sees every object; leaks of the
#      interpreter itself are ignored, any leak whose allocation stack passes through cext's code fails the job.
#      A positive control (an array made by calculate_z and deliberately leaked) must be caught, so the job can
#      never pass vacuously.
#
# Run locally, from any directory, inside a virtualenv (the script uses the `python` on PATH):
#     python3 -m venv /tmp/sanvenv && . /tmp/sanvenv/bin/activate
#     bash .ci/sanitizers.sh                   # installs what is missing (below); about 2 minutes on 2 cores
# Environment: CEXT_STRESS_SECONDS (default 5 here) bounds the thread stress test; KEEP=1 keeps the work dir.
#
# Needs (installed by this script when missing):
#     apt:  g++ (GCC with its libasan/libubsan runtimes; Debian's gcc-12 ships them)
#     pip:  numpy, pytest, hypothesis, setuptools>=77 (the build backend pyproject.toml names)
# Exits non-zero on any sanitizer report, any test failure, or a leak-checker that fails its positive control.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
cleanup() { if [ "${KEEP:-0}" = 1 ]; then echo "work dir kept: $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT
step() { printf '\n=== %s\n' "$*"; }

step "tools"
if ! command -v g++ > /dev/null; then
    apt-get update -qq && apt-get install -y -qq g++
fi
libasan=$(g++ -print-file-name=libasan.so)
if [ ! -e "$libasan" ]; then  # GCC 12-14 use libasan8 (Debian: libasan8, libubsan1)
    apt-get update -qq && apt-get install -y -qq libasan8 libubsan1 || true
    libasan=$(g++ -print-file-name=libasan.so)
fi
[ -e "$libasan" ] || { echo "no libasan.so for $(g++ --version | head -1)"; exit 1; }
# libstdc++ is preloaded too: the interpreter is C, so without it libstdc++ arrives later by dlopen (from an
# extension module that Dask or matplotlib imports), ASan cannot find the real __cxa_throw, and the first C++
# exception thrown in that process aborts it ("CHECK failed ... real___cxa_throw").
libstdcxx=$(g++ -print-file-name=libstdc++.so)
preload="$libasan $libstdcxx"
python -c "import numpy, pytest, hypothesis, setuptools; assert int(setuptools.__version__.split('.')[0]) >= 77" \
    2> /dev/null || python -m pip install --quiet numpy pytest hypothesis "setuptools>=77"
echo "python: $(python -c 'import sys; print(sys.version.split()[0], sys.executable)')"
echo "compiler: $(g++ --version | head -1); runtime: $libasan"

step "instrumented build (CEXT_SANITIZE=address,undefined) in a copy of the work tree"
tar -C "$repo" --exclude=./.git --exclude=./build --exclude='*.so' --exclude=./.pytest_cache \
    --exclude=./.hypothesis -cf - . | tar -C "$work" -xf -
mkdir -p "$work/logs"
(cd "$work" && CEXT_SANITIZE=address,undefined python setup.py --quiet build_ext --inplace > "$work/logs/build.txt" 2>&1) \
    || { cat "$work/logs/build.txt"; exit 1; }
ldd "$work"/cext/_core*.so | grep libasan > /dev/null || { echo "the extension is not linked against libasan"; exit 1; }

reports() { find "$work/logs" -name 'asan.*' -o -name 'ubsan.*' -o -name 'lsan.*' | sort; }

step "job 1: AddressSanitizer + UndefinedBehaviorSanitizer, whole test suite"
# CPython leaks at exit by design, so leak detection is off here (job 2 does it properly). Reports go to files:
# pytest captures stderr, and a report in a child process must fail the job too.
(cd "$work" && env LD_PRELOAD="$preload" \
    ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=0:exitcode=86:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:log_path=$work/logs/asan" \
    UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=87:log_path=$work/logs/ubsan" \
    CEXT_STRESS_SECONDS="${CEXT_STRESS_SECONDS:-5}" \
    python -m pytest -q -p no:cacheprovider -m "not timing" tests) || status=$?
if [ -n "$(reports)" ]; then
    for f in $(reports); do echo "--- $f"; cat "$f"; done
    echo "job 1: sanitizer reports (above)"
    exit 1
fi
[ "${status:-0}" = 0 ] || { echo "job 1: the test suite failed under the sanitizers (exit ${status})"; exit 1; }
echo "job 1: test suite passed, 0 ASan/UBSan reports"

step "job 2: LeakSanitizer on the module's own allocations"
cat > "$work/leak_driver.py" << 'EOF'
"""Drives every call of tests/test_refleaks.py many times, then asks LeakSanitizer for unreachable memory."""
import ctypes, gc, sys
sys.path.insert(0, "tests")
import numpy as np
import cext
from test_refleaks import CASES

rounds = int(sys.argv[1])
calls = 0
for name, (func, args, kwargs, error) in CASES.items():
    for _ in range(rounds):
        try:
            func(*args, **kwargs)
        except BaseException as e:
            if error is None or type(e) is not error:
                raise
        calls += 1
# Large allocations too: a scratch grid (more than 8 steps) and a converted copy of a strided input.
grid = np.random.default_rng(0).uniform(size=(300, 257))
for _ in range(20):
    cext.evolve(grid[:, ::-1], np.empty_like(grid), 0.1, steps=17, num_threads=2)
    cext.calculate_z(50, np.repeat(grid.ravel() + 0.1j, 2)[::2], -0.5j, num_threads=2)
if sys.argv[2:] == ["positive-control"]:
    leaked = cext.calculate_z(10, np.zeros(1000, complex), 0j)
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(leaked))
    del leaked
del CASES, grid
gc.collect()
print(f"{calls} calls made; leak check:", flush=True)
ctypes.CDLL(None).__lsan_do_recoverable_leak_check()
EOF
cat > "$work/leak_filter.py" << 'EOF'
"""Prints the LeakSanitizer reports whose allocation stack passes through cext; exit 1 if there is any."""
import re, sys
ours = re.compile(r"cext/_core\.cpp|include/cext/|src/isa_|src/dispatch\.cpp|_core\.cpython")
found = total = 0
for path in sys.argv[1:]:
    text = open(path, errors="replace").read()
    for block in re.split(r"\n(?=(?:Direct|Indirect) leak of )", text):
        if not re.match(r"(?:Direct|Indirect) leak of ", block):
            continue
        total += 1
        if ours.search(block):
            found += 1
            print(block.strip() + "\n")
print(f"leak reports: {total}, of which through cext: {found}")
sys.exit(1 if found else 0)
EOF
lsan_run() {  # lsan_run NAME ARGS...: run the driver with leak checking; its reports land in logs/NAME/
    mkdir -p "$work/logs/$1"
    (cd "$work" && env LD_PRELOAD="$preload" PYTHONMALLOC=malloc \
        ASAN_OPTIONS="detect_leaks=1:leak_check_at_exit=0:halt_on_error=1:exitcode=86:malloc_context_size=64:fast_unwind_on_malloc=0:log_path=$work/logs/$1/lsan" \
        LSAN_OPTIONS="exitcode=0:report_objects=0:log_path=$work/logs/$1/lsan" \
        UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=87:log_path=$work/logs/$1/ubsan" \
        python leak_driver.py "${@:2}")
}
lsan_run control 3 positive-control
if python "$work/leak_filter.py" "$work"/logs/control/lsan.* > "$work/logs/control.txt" 2>&1; then
    cat "$work/logs/control.txt"
    echo "job 2: the positive control (a deliberately leaked calculate_z result) was not detected"
    exit 1
fi
echo "positive control detected: $(tail -1 "$work/logs/control.txt")"
lsan_run leaks 300
shopt -s nullglob
lsan_logs=("$work"/logs/leaks/lsan.*)
python "$work/leak_filter.py" "${lsan_logs[@]}" || { echo "job 2: leaks in cext (above)"; exit 1; }
ubsan_logs=("$work"/logs/leaks/ubsan.*)
if [ ${#ubsan_logs[@]} -gt 0 ] || { [ ${#lsan_logs[@]} -gt 0 ] && grep -q "ERROR: AddressSanitizer" "${lsan_logs[@]}"; }; then
    cat "$work"/logs/leaks/*
    echo "job 2: sanitizer reports"
    exit 1
fi
echo "job 2: 0 leaks through cext"

echo
echo "sanitizers passed"
