#!/usr/bin/env bash
# Each optional extra a user can ask for (dask, mpi), installed the way a user would — `pip install ".[NAME]"`
# into a brand-new virtualenv of the machine's Python, nothing upgraded first — and its examples run on small
# inputs. A set that pip resolves but that does not work together (a Dask with an old distributed, say) fails
# here. The bench, test and docs extras are proven by the README commands and .ci/docs.sh. Run from anywhere.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
started=$SECONDS
step() { printf '\n=== [%4ds] %s\n' $((SECONDS - started)) "$*"; }
cd "$work"

fresh_venv() {
    python3 -m venv "$work/$1"
    # shellcheck disable=SC1090
    . "$work/$1/bin/activate"
    echo "new venv: $(python --version), pip $(python -m pip --version | cut -d' ' -f2)"
}

step "dask: pip install \"$repo[dask]\" in a new venv, then the Dask examples"
fresh_venv dask
pip install --quiet "$repo[dask]"
python -c 'import dask, distributed; assert dask.__version__ == distributed.__version__, (dask.__version__, distributed.__version__); print("dask", dask.__version__, "distributed", distributed.__version__)'
python "$repo/examples/dask_julia.py" --size 2000 --chunk 500 --factor 10 --workers 2 --png "$work/julia.png"
python "$repo/examples/dask_julia.py" --size 2000 --chunk 500 --factor 10 --workers 2 --scheduler distributed \
    --png "$work/julia-distributed.png"
python "$repo/examples/dask_diffusion.py" --size 512 --chunk 256 --steps 50 --per-exchange 10 --workers 2
deactivate

step "mpi: pip install \"$repo[mpi]\" in a new venv, then the MPI examples on 2 ranks"
fresh_venv mpi
pip install --quiet "$repo[mpi]"
# CI containers often run as root, which Open MPI refuses unless told twice.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpiexec --oversubscribe -n 2 python "$repo/examples/mpi_julia.py" --size 400
mpiexec --oversubscribe -n 2 python "$repo/examples/mpi_diffusion.py" --size 128 --steps 40
deactivate

step "extras installed and ran"
