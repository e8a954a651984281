"""What every MPI test program shares: each rank's outcome, an exception included, reaches rank 0.

A program calls :func:`report_every_rank` with its work. Rank 0 prints, as the last line of its output, a JSON
list of every rank's outcome in rank order, ``{"result": ..., "error": None}`` or ``{"result": None, "error":
traceback}``, so that the test checks each rank's entry and a rank that raised is named in the failure.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable

from mpi4py import MPI


def report_every_rank(work: Callable[[MPI.Intracomm], object], comm: MPI.Intracomm = MPI.COMM_WORLD) -> None:
    """Runs ``work(comm)`` on this rank and gathers every rank's result (JSON-serialisable) or exception to rank
    0, which prints them."""
    try:
        outcome = {"result": work(comm), "error": None}
    except Exception:  # noqa: BLE001  # whatever a rank raises is its outcome, reported like any other
        error = traceback.format_exc()
        # Printed at once as well: if the others are left waiting for this rank in a call it never joins, the
        # gather below may never complete, and the test's timeout message then shows this.
        print(f"rank {comm.rank} raised:\n{error}", file=sys.stderr, flush=True)
        outcome = {"result": None, "error": error}
    outcomes = comm.gather(outcome)
    if comm.rank == 0:
        print(json.dumps(outcomes), flush=True)
