#!/usr/bin/env bash
# Portability that is checked, not claimed:
#   1. the C++ kernel tests (tests/cpp), no Python involved: GCC and clang natively (every SIMD table this CPU
#      runs), and GCC for aarch64 under qemu-user, bit-identical to the same contraction-proof references;
#   2. a negative control: the aarch64 build *without* -ffp-contract=off must fail those tests (GCC fuses
#      multiply-adds there by default), so a build that lost the flag cannot pass silently; and the module's
#      import-time contraction check must refuse such a build (clang natively, GCC for aarch64);
#   3. the extension built with clang + LLVM's OpenMP runtime, and the whole Python suite against it.
# Run from anywhere inside an activated virtualenv with the test extras (as .ci/run does). As root it installs
# the Debian toolchains it needs (apt-get update first).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
step() { printf '\n=== %s\n' "$*"; }

needed=()
command -v clang++ > /dev/null || needed+=(clang)
[ -e /usr/lib/llvm-14/lib/libomp.so ] || [ -n "$(ls /usr/lib/llvm-*/lib/libomp.so 2>/dev/null)" ] || needed+=(libomp-dev)
command -v aarch64-linux-gnu-g++ > /dev/null || needed+=(g++-aarch64-linux-gnu)
command -v qemu-aarch64 > /dev/null || needed+=(qemu-user)
if [ ${#needed[@]} -gt 0 ]; then
    step "apt-get install ${needed[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${needed[@]}" > /dev/null
fi

step "C++ kernel tests: g++ $(g++ -dumpversion), native"
python "$repo/tests/cpp/build.py" --cxx g++ | grep -v '^g++ '

step "C++ kernel tests: $(clang++ --version | head -1), native"
python "$repo/tests/cpp/build.py" --cxx clang++ | grep -v '^clang++ '

step "C++ kernel tests: aarch64-linux-gnu-g++ under qemu-aarch64"
python "$repo/tests/cpp/build.py" --cxx aarch64-linux-gnu-g++ --runner "qemu-aarch64 -L /usr/aarch64-linux-gnu" \
    | grep -v '^aarch64-linux-gnu-g++ '

step "negative control: aarch64 with -ffp-contract=fast must fail"
if python "$repo/tests/cpp/build.py" --cxx aarch64-linux-gnu-g++ --contract \
        --runner "qemu-aarch64 -L /usr/aarch64-linux-gnu" > "$work/contract.log" 2>&1; then
    echo "the kernel tests passed a build that fuses multiply-adds: they cannot see contraction"
    exit 1
fi
echo "failed as it must: $(tail -1 "$work/contract.log")"

# The suite runs the same check with the default compiler (tests/test_self_check.py); here the other two.
step "the import-time contraction check refuses a fused build: clang natively, GCC for aarch64 under qemu"
status=0
python "$repo/tests/cpp/build.py" --self-check --contract --cxx clang++ | grep -v '^clang++ ' || status=$?
if [ "$status" -eq 77 ]; then
    echo "skipped natively: this CPU or clang cannot make a fused build"
elif [ "$status" -ne 0 ]; then
    exit "$status"
fi
python "$repo/tests/cpp/build.py" --self-check --contract --cxx aarch64-linux-gnu-g++ \
    --runner "qemu-aarch64 -L /usr/aarch64-linux-gnu" | grep -v '^aarch64-linux-gnu-g++ '

step "the extension built with clang and libomp, whole suite"
git clone --quiet "$repo" "$work/clang"
cd "$work/clang"
CC=clang CXX=clang++ python setup.py --quiet build_ext --inplace 2>&1 | tee "$work/clang-build.log"
if grep -q "warning:" "$work/clang-build.log"; then
    echo "clang warned while building the extension"
    exit 1
fi
python -c "import cext; info = cext._core._build_info(); print(info['compiler'], 'openmp', info['openmp']); \
assert info['compiler'].startswith('clang') and info['openmp'], info"
python -m pytest -q -p no:cacheprovider tests
