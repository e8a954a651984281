"""A bad call on rank 1 that no rank catches: every rank must raise and end, none left waiting.

Run by tests/test_mpi.py under mpiexec. The exception is left uncaught on purpose, so that mpiexec ends the job,
and so no rank lives to take part in a gather: each rank prints its own outcome line instead, and the test checks
that every rank printed one.
"""

from __future__ import annotations

import numpy as np
from mpi4py import MPI

import cext.mpi


def main() -> None:
    comm = MPI.COMM_WORLD
    dec = cext.mpi.Decomposition(comm, (400, 400))
    block = np.zeros(dec.block_shape if comm.rank != 1 else (3, 3))
    try:
        cext.mpi.diffuse(dec, block, 0.1, steps=100, steps_per_exchange=4)
    except ValueError as error:
        print(f"rank {comm.rank} raised: {error}", flush=True)
        raise
    print(f"rank {comm.rank} was not stopped", flush=True)


if __name__ == "__main__":
    main()
