#!/usr/bin/env bash
# Ecosystem checks: type stubs, packaging, thread control, Dask, docs.
#
# Call from the repository root inside an activated virtualenv where `pip install ".[test]"` was done (as
# .ci/run does). It installs the tools it needs into that environment, then:
#   1. mypy --strict on examples/, the cext package (stubs included) and the MPI test programs;
#   2. python -m build: an sdist, then a wheel built from that sdist;
#   3. the typing, docs, packaging, thread-control and Dask tests here, against the built sdist and wheel;
#   4. the wheel in a fresh virtualenv, with the whole test suite run from a copy of tests/ outside the tree;
#   5. the same wheel (built against NumPy 2) with NumPy 1.26, where the Python version allows it.
# Exits non-zero on the first failure.
set -euo pipefail

if [[ ! -f pyproject.toml || ! -d include || ! -d tests ]]; then
    echo "ecosystem.sh: run me from the repository root" >&2
    exit 2
fi
if [[ -z "${VIRTUAL_ENV:-}" ]]; then
    echo "ecosystem.sh: activate a virtualenv with cext installed first (pip install \".[test]\")" >&2
    exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
started=$SECONDS
step() { printf '\n=== [%4ds] %s\n' $((SECONDS - started)) "$*"; }
# The dask extra's own requirements, read from pyproject.toml so that this list cannot drift from what users get.
mapfile -t dask_extra < <(python -c 'import tomllib; [print(r) for r in tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["dask"]]')
tools=(threadpoolctl numpydoc mypy "${dask_extra[@]}")

step "tools: mypy, build, threadpoolctl, numpydoc and the dask extra (${dask_extra[*]})"
python -m pip install --quiet build "${tools[@]}"

step "mypy --strict examples/ cext/ tests/mpi_programs/"
python -m mypy --strict examples/ cext/ tests/mpi_programs/

step "python -m build (sdist, then a wheel from the sdist)"
python -m build --outdir "$work/dist" . >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
grep -E "^Successfully built" "$work/build.log"
sdist=$(echo "$work"/dist/*.tar.gz)
wheel=$(echo "$work"/dist/*.whl)
export CEXT_SDIST=$sdist CEXT_WHEEL=$wheel

step "typing, docs, packaging, thread-control and Dask tests (installed cext, this tree's tests)"
pytest -q -p no:cacheprovider tests/test_typing.py tests/test_docs.py tests/test_packaging.py \
    tests/test_threadpool.py tests/test_dask.py

# A directory holding nothing but a copy of the tests, so `import cext` can only find the installed wheel.
mkdir "$work/outside"
cp -r tests "$work/outside/tests"
rm -rf "$work/outside/tests/__pycache__"

step "the wheel in a fresh virtualenv; the whole suite from outside the source tree"
python -m venv "$work/wheel-venv"
"$work/wheel-venv/bin/python" -m pip install --quiet "$wheel[test]" "${tools[@]}"
(cd "$work/outside" && CEXT_EXPECT_INSTALLED=1 "$work/wheel-venv/bin/python" -m pytest -q -p no:cacheprovider tests)

if python -c 'import sys; sys.exit(sys.version_info >= (3, 13))'; then
    step "the same wheel (built against NumPy 2) with NumPy 1.26"
    python -m venv "$work/numpy1-venv"
    "$work/numpy1-venv/bin/python" -m pip install --quiet "numpy==1.26.*" "$wheel[test]" threadpoolctl
    "$work/numpy1-venv/bin/python" -c 'import numpy; assert numpy.__version__.startswith("1.26"), numpy.__version__; print("numpy", numpy.__version__)'
    (cd "$work/outside" && CEXT_EXPECT_INSTALLED=1 "$work/numpy1-venv/bin/python" -m pytest -q -p no:cacheprovider tests)
else
    step "NumPy 1.26 check skipped: no NumPy 1.26 wheels for Python $(python -c 'import sys; print(sys.version.split()[0])')"
fi

step "ecosystem checks passed"
