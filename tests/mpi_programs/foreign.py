"""A rank that passes a decomposition of another communicator: the others cannot tell it from a slow rank, so
they must give up after CEXT_MPI_TIMEOUT seconds, and the decomposition must be unusable afterwards.

Run by tests/test_mpi.py under mpiexec with CEXT_MPI_TIMEOUT=2; each rank's outcome reaches rank 0
(_every_rank.py).
"""

from __future__ import annotations

import time

import numpy as np
from _every_rank import report_every_rank
from mpi4py import MPI

import cext.mpi


def run(comm: MPI.Intracomm) -> list[object]:
    dec = cext.mpi.Decomposition(comm, (30, 30))
    block = np.zeros(dec.block_shape)
    if comm.rank == 1:  # a decomposition of another communicator: the others can only wait for this rank
        dec = cext.mpi.Decomposition(MPI.COMM_SELF, (30, 30))
    start = time.monotonic()
    outcome: list[str] | None = None
    try:
        cext.mpi.diffuse(dec, block, 0.1, steps=4)
    except Exception as error:  # noqa: BLE001  # the error raised is what the test checks
        outcome = [type(error).__name__, str(error)]
    again: str | None = None
    try:  # an abandoned call leaves the decomposition unusable, rather than out of step
        cext.mpi.diffuse(dec, block, 0.1, steps=4)
    except Exception as error:  # noqa: BLE001  # as above
        again = type(error).__name__
    return [outcome, round(time.monotonic() - start, 1), again]


if __name__ == "__main__":
    report_every_rank(run)
