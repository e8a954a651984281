"""cext.mpi.Decomposition on this many ranks: each rank's block, its place in the grid of ranks, and scatter and
gather round trips.

Run by tests/test_mpi.py under mpiexec; each rank's findings reach rank 0 (_every_rank.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from _every_rank import report_every_rank
from mpi4py import MPI

import cext.mpi


def run(comm: MPI.Intracomm) -> dict[str, Any]:
    found: dict[str, Any] = {"blocks": [], "scattered": [], "gathered": []}
    for shape, dims in [((100, 50), None), ((7, 5), (3, 2)), ((2, 9), (6, 1)), ((0, 4), None)]:
        dec = cext.mpi.Decomposition(comm, shape, dims=dims)
        rows, columns = dec.block_slices
        found["blocks"].append([list(dec.dims), list(dec.coords), list(dec.block_shape), [rows.start, rows.stop],
                                [columns.start, columns.stop], dec.comm.Get_topo()[1]])
        grid = np.arange(shape[0] * shape[1], dtype=np.int64).reshape(shape)
        scattered: object = None
        gathered: object = None
        try:  # a block that does not fit its place raises here; the ranks go on to the next shape in step
            block = dec.scatter(grid if comm.rank == 0 else None)
            # A block of its own, whatever rank 0's grid becomes.
            scattered = bool(np.array_equal(block, grid[dec.block_slices]) and block.dtype == np.int64
                             and block.flags.c_contiguous and not np.shares_memory(block, grid))
            whole = dec.gather(block)
            gathered = whole is None if comm.rank != 0 else whole is not None and bool(np.array_equal(whole, grid))
        except Exception as error:  # noqa: BLE001  # reported with this shape
            scattered = gathered = f"{type(error).__name__}: {error}"
        found["scattered"].append(scattered)
        found["gathered"].append(gathered)
    periodic = cext.mpi.Decomposition(comm, (10, 10), boundary="periodic")
    found["periodic"] = periodic.comm.Get_topo()[1]
    return found


if __name__ == "__main__":
    report_every_rank(run)
