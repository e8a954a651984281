#!/usr/bin/env bash
# Formatter and linters, at the versions .pre-commit-config.yaml pins: clang-format over the C++ (the peers' C,
# which reproduces the books' code, excepted), ruff over the Python, mypy over the benchmark harness. Run from anywhere inside an
# activated virtualenv; installs the tools into it. Fails on the first complaint.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install --quiet "clang-format==23.1.5" "ruff==0.17.6" mypy

echo "=== clang-format --dry-run --Werror"
git ls-files '*.cpp' '*.hpp' '*.c' ':!bench/peers/*.c' | xargs clang-format --dry-run --Werror
echo "clang-format: $(git ls-files '*.cpp' '*.hpp' '*.c' ':!bench/peers/*.c' | wc -l) files clean"

echo "=== ruff check"
ruff check .

echo "=== mypy bench/"
mypy bench/
