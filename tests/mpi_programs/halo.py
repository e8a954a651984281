"""cext.mpi.Halo on this many ranks: after an exchange, every cell of a rank's extended block holds what the
whole grid holds there, the halo's cells included (its corners, from the diagonal neighbours, too).

Run by tests/test_mpi.py under mpiexec; each rank's findings reach rank 0 (_every_rank.py). The grid's cells are
all different, so a cell taken from the wrong place cannot pass. An exchange waits for its messages with no time
limit, so each runs in a thread given a few seconds: one that never completes (a message that never comes) is
reported as that rank's error rather than leaving the whole program to mpiexec's timeout.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from _every_rank import report_every_rank
from mpi4py import MPI
from numpy.typing import NDArray

import cext.mpi

SHAPE = (13, 11)  # cut unevenly by 2, 3 and 4 ranks along either axis, each block at least 2 cells thick
SECONDS = 10.0
# Exchanges still waiting for a message when this rank gave up on them.
abandoned: list[threading.Thread] = []


def exchange_within(halo: cext.mpi.Halo, extended: NDArray[np.float64], case: str) -> None:
    """``halo.exchange(extended)``, or TimeoutError if it has not returned within SECONDS."""
    failures: list[Exception] = []

    def exchange() -> None:
        try:
            halo.exchange(extended)
        except Exception as error:  # noqa: BLE001  # handed to the calling thread, which raises it
            failures.append(error)

    thread = threading.Thread(target=exchange, daemon=True)
    thread.start()
    thread.join(SECONDS)
    if thread.is_alive():
        abandoned.append(thread)
        raise TimeoutError(f"{case}: the halo exchange did not complete within {SECONDS:g} s: a message this rank "
                           f"waits for was never sent to it")
    if failures:
        raise failures[0]


def expected_extended(dec: cext.mpi.Decomposition, grid: NDArray[np.float64], depth: int) -> NDArray[np.float64]:
    """The block and ``depth`` cells around it, taken from the whole grid: on every side of a periodic grid
    (wrapping around), and on the sides of a fixed grid where another block lies."""
    ranges = []
    for axis, block in enumerate(dec.block_slices):
        periodic = dec.boundary == "periodic"
        before = depth if periodic or dec.coords[axis] > 0 else 0
        after = depth if periodic or dec.coords[axis] < dec.dims[axis] - 1 else 0
        ranges.append(np.arange(block.start - before, block.stop + after) % grid.shape[axis])
    return grid[np.ix_(ranges[0], ranges[1])]


def check(dec: cext.mpi.Decomposition, depth: int, case: str) -> list[str]:
    """What is wrong with each of the halo's two buffers after an exchange, as text (nothing when right)."""
    problems = []
    grid = np.arange(SHAPE[0] * SHAPE[1], dtype=np.float64).reshape(SHAPE)
    expected = expected_extended(dec, grid, depth)
    halo = dec.halo(depth)
    for index, extended in enumerate(halo.buffers):
        extended.fill(-1.0)  # no cell of the grid holds this
        extended[halo.block] = grid[dec.block_slices]
        exchange_within(halo, extended, f"{case}, buffer {index}")
        if extended.shape != expected.shape:
            problems.append(f"{case}, buffer {index}: extended block of shape {extended.shape}, expected "
                            f"{expected.shape}")
        elif not np.array_equal(extended, expected):
            wrong = np.argwhere(extended != expected)
            row, column = wrong[0]
            problems.append(f"{case}, buffer {index}: {len(wrong)} cells differ, the first at {(int(row), int(column))}"
                            f" of the extended block: {extended[row, column]:g}, expected {expected[row, column]:g}")
    return problems


def run(comm: MPI.Intracomm) -> dict[str, Any]:
    report: dict[str, Any] = {"cases": 0, "problems": []}
    for boundary in ("fixed", "periodic"):
        for dims in (None, (comm.size, 1), (1, comm.size)):
            with cext.mpi.Decomposition(comm, SHAPE, boundary=boundary, dims=dims) as dec:
                for depth in (1, 2):
                    case = f"{boundary}, dims {dec.dims}, depth {depth}, rank {comm.rank} at {dec.coords}"
                    report["problems"] += check(dec, depth, case)
                    report["cases"] += 1
    return report


if __name__ == "__main__":
    report_every_rank(run)
    # A rank that gave up on an exchange cannot end normally: MPI would wait for its messages at exit. The others
    # wait here until rank 0 has printed every rank's report.
    MPI.COMM_WORLD.Barrier()
    if abandoned:
        MPI.COMM_WORLD.Abort(1)
