"""The docstring examples of cext.mpi, run on this many ranks in the order a reader meets them.

Run by tests/test_mpi.py under mpiexec (6 ranks, as the examples assume). The examples show rank 0's output, so
rank 0 compares output; the other ranks accept any output, but an exception still fails them. Each rank's
failures reach rank 0 (_every_rank.py).
"""

from __future__ import annotations

import doctest
import functools

import numpy as np
from _every_rank import report_every_rank
from mpi4py import MPI

import cext
import cext.mpi

# Sharing names (dec, block) from one example to the next, as a reader's session would.
NAMES = ["cext.mpi", "Decomposition", "Decomposition.slices_of", "Decomposition.shape_of", "Decomposition.scatter",
         "Decomposition.gather", "Decomposition.halo", "Halo", "Decomposition.free", "default_steps_per_exchange",
         "diffuse", "julia_image"]


class AnyOutput(doctest.OutputChecker):
    """The examples show rank 0's output; on the other ranks any output is right, but an exception still fails."""

    def check_output(self, want: str, got: str, optionflags: int) -> bool:
        return True


def run(comm: MPI.Intracomm) -> list[object]:
    globs = {"np": np, "cext": cext, "MPI": MPI}
    failures = tries = 0
    report: list[str] = []
    for name in NAMES:
        obj = cext.mpi if name == "cext.mpi" else functools.reduce(getattr, name.split("."), cext.mpi)
        test = doctest.DocTestParser().get_doctest(obj.__doc__ or "", globs, name, None, 0)
        runner = doctest.DocTestRunner(checker=None if comm.rank == 0 else AnyOutput(),
                                       optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        runner.run(test, out=report.append, clear_globs=False)
        globs.update(test.globs)  # DocTest ran on a copy
        failures += runner.failures
        tries += runner.tries
    return [failures, tries, "".join(report)]


if __name__ == "__main__":
    report_every_rank(run)
