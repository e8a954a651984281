"""The signatures of cext.mpi's public callables, as inspect sees them (the module cannot be imported by the
test process itself, which must not initialise MPI).

Run by tests/test_mpi.py under mpiexec; each rank's findings reach rank 0 (_every_rank.py).
"""

from __future__ import annotations

import inspect

from _every_rank import report_every_rank
from mpi4py import MPI

import cext.mpi


def run(comm: MPI.Intracomm) -> dict[str, list[list[str]]]:
    return {function.__name__: [[p.name, p.kind.name, repr(p.default)]
                                for p in inspect.signature(function).parameters.values()]
            for function in (cext.mpi.Decomposition, cext.mpi.diffuse, cext.mpi.julia_image)}


if __name__ == "__main__":
    report_every_rank(run)
