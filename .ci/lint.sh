#!/usr/bin/env bash
# Formatter and linter, at the versions .pre-commit-config.yaml pins: clang-format over the C++ (the peers' C,
# which reproduces the books' code, excepted) and ruff over the Python. Run from anywhere inside an activated
# virtualenv; installs the tools into it. Fails on the first complaint. (mypy checks the package and examples in
# .ci/ecosystem.sh, and the benchmark harness once its dependencies are installed, in .ci/run.)
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install --quiet "clang-format==23.1.5" "ruff==0.17.6"

echo "=== clang-format --dry-run --Werror"
git ls-files '*.cpp' '*.hpp' '*.c' ':!bench/peers/*.c' | xargs clang-format --dry-run --Werror
echo "clang-format: $(git ls-files '*.cpp' '*.hpp' '*.c' ':!bench/peers/*.c' | wc -l) files clean"

echo "=== ruff check"
ruff check .

# Every mutant's snippet must still occur exactly once in the sources it plants its bug in: a mutant list that
# drifts from the code fails here, not on the day someone runs the half-hour mutation run.
echo "=== python tools/mutate.py --list"
python tools/mutate.py --list | tail -n 1
