"""Bad calls to cext.mpi, most of them bad on the last rank only: every rank must raise the same error, and none
may be left waiting. Afterwards the decomposition must still work.

Run by tests/test_mpi.py under mpiexec; each rank's outcome of every call reaches rank 0 (_every_rank.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from _every_rank import report_every_rank
from mpi4py import MPI

import cext.mpi


def run(comm: MPI.Intracomm) -> dict[str, Any]:
    rank = comm.rank
    last = comm.size - 1  # the rank that makes the bad call
    dec = cext.mpi.Decomposition(comm, (40, 30), boundary="periodic")
    good = np.zeros(dec.block_shape)
    # Periodic rows on one rank: its halo comes from itself, and cannot be deeper than its 10 rows.
    thin = cext.mpi.Decomposition(comm, (10, 300), boundary="periodic", dims=(1, comm.size))

    def bad_on_last(**bad: Any) -> Callable[[], object]:
        arguments: dict[str, Any] = dict(block=good, dt=0.1, steps=5, steps_per_exchange=None)
        if rank == last:
            arguments.update(bad)
        return lambda: cext.mpi.diffuse(dec, arguments.pop("block"), arguments.pop("dt"), **arguments)

    calls: dict[str, Callable[[], object]] = {
        "wrong shape": bad_on_last(block=np.zeros((3, 3))),
        "wrong dtype": bad_on_last(block=np.zeros(dec.block_shape, dtype=np.float32)),
        "not an array": bad_on_last(block=[[0.0]]),
        "negative steps": bad_on_last(steps=-1),
        "steps not an int": bad_on_last(steps=2.5),
        "k below 1": bad_on_last(steps_per_exchange=0),
        "bad dt": bad_on_last(dt="0.1"),
        "different dt": bad_on_last(dt=0.2),
        "k deeper than a block": lambda: cext.mpi.diffuse(dec, good, 0.1, steps=50, steps_per_exchange=40),
        "k deeper than a one-rank periodic axis": lambda: cext.mpi.diffuse(thin, np.zeros(thin.block_shape), 0.1,
                                                                           steps=30, steps_per_exchange=20),
        "gather wrong shape": lambda: dec.gather(good if rank != last else good[1:]),
        "gather other dtype": lambda: dec.gather(good if rank != last else good.astype(np.int32)),
        "scatter wrong shape": lambda: dec.scatter(np.zeros((4, 4)) if rank == 0 else None),
        "julia negative width": lambda: cext.mpi.julia_image(comm, -1 if rank == last else 10, 10),
        "julia different maxiter": lambda: cext.mpi.julia_image(comm, 10, 10, maxiter=300 + (rank == last)),
        "julia bad dims": lambda: cext.mpi.julia_image(comm, 10, 10,
                                                       dims=(comm.size + 1, 1) if rank == last else None),
        "decomposition different shapes": lambda: cext.mpi.Decomposition(comm, (10, 10 + (rank == last))),
        "decomposition bad boundary": lambda: cext.mpi.Decomposition(
            comm, (10, 10), boundary="reflect" if rank == last else "fixed"),  # type: ignore[arg-type]
    }
    outcome: dict[str, Any] = {}
    for name, call in calls.items():
        try:
            call()
            outcome[name] = None
        except Exception as error:  # noqa: BLE001  # the error each call raises is what the test checks
            outcome[name] = [type(error).__name__, str(error)]
    # After all these refusals, the same decomposition still works.
    whole = dec.gather(cext.mpi.diffuse(dec, good, 0.1, steps=3))
    outcome["still works"] = (whole is not None and bool(np.array_equal(whole, np.zeros((40, 30))))
                              if rank == 0 else whole is None)
    return outcome


if __name__ == "__main__":
    report_every_rank(run)
