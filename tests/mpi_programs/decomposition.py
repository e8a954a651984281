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


def tiling_problem(dec: cext.mpi.Decomposition) -> str | None:
    """What keeps the ranks' blocks from tiling the grid, every cell in exactly one block; None if nothing.

    Every rank can tell without a message. Blocks that do not tile the grid are not scattered or gathered: a
    transfer of a block that does not fit its place fails on one side, and the other side, left waiting in a send
    of a block too large for MPI to buffer, would never reach the report."""
    owners = np.zeros(dec.shape, dtype=np.int64)
    for rank in range(dec.comm.size):
        rows, columns = dec.slices_of(rank)
        if not (0 <= rows.start <= rows.stop <= dec.shape[0] and 0 <= columns.start <= columns.stop <= dec.shape[1]):
            return f"rank {rank}'s block {rows}, {columns} is not inside the grid {dec.shape}"
        owners[rows, columns] += 1
    if not (owners == 1).all():
        return f"{int((owners == 0).sum())} cells are in no block and {int((owners > 1).sum())} in several"
    return None


def run(comm: MPI.Intracomm) -> dict[str, Any]:
    found: dict[str, Any] = {"blocks": [], "tiling": [], "scattered": [], "gathered": []}
    for shape, dims in [((100, 50), None), ((7, 5), (3, 2)), ((2, 9), (6, 1)), ((0, 4), None)]:
        dec = cext.mpi.Decomposition(comm, shape, dims=dims)
        rows, columns = dec.block_slices
        found["blocks"].append([list(dec.dims), list(dec.coords), list(dec.block_shape), [rows.start, rows.stop],
                                [columns.start, columns.stop], dec.comm.Get_topo()[1]])
        problem = tiling_problem(dec)
        found["tiling"].append(problem)
        if problem is not None:
            found["scattered"].append(f"not tried: {problem}")
            found["gathered"].append(f"not tried: {problem}")
            continue
        grid = np.arange(shape[0] * shape[1], dtype=np.int64).reshape(shape)
        scattered: object = None
        gathered: object = None
        try:
            block = dec.scatter(grid if comm.rank == 0 else None)
            # The block's own cells, in a C-contiguous array of its own, whatever rank 0's grid becomes.
            checks = {"other cells": np.array_equal(block, grid[dec.block_slices]),
                      f"dtype {block.dtype}": block.dtype == np.int64,
                      "not C-contiguous": block.flags.c_contiguous,
                      "a view of rank 0's grid": not np.shares_memory(block, grid)}
            scattered = ", ".join(what for what, right in checks.items() if not right) or True
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
