"""The machine references: not ways of running the kernels, but what the tables measure them against."""
from pathlib import Path

import numpy as np

from ..build import Build
from ..cases import Contender, Labels, lists_to_arrays
from .record import Peer


def julia(case):
    if case.tiny:
        return []
    return [Contender(Labels.CONVERSION, "reference", lists_to_arrays, (case.zs_list, case.cs_list), reference=None,
                      note="converting the books' lists, not a kernel: the cost of a list interface")]


def evolve(case):
    """The copies of the grid one step must at least make: its bytes read once and written once.

    They write the whole grid into the fixed-boundary output, border included: its border stays the grid's,
    and the next checked contender rewrites its interior.
    """
    if case.call_cost:
        return []
    contenders = [Contender(Labels.COPY, "reference", np.copyto, (case.fixed.out, case.grid), reference=None,
                            note="machine reference: 16 bytes moved per point, 1 thread")]
    if case.peers.cython_copy:
        contenders.append(Contender(Labels.COPY_PARALLEL, "reference", case.peers.cython_copy.copy_prange,
                                    (case.grid, case.fixed.out), reference=None,
                                    note=f"machine reference: a memcpy per row, {case.threads} threads"))
    return contenders


PEER = Peer("reference", "reference (not a kernel)", "#d0d0d0",
            builds={"cython_copy": Build("memory_copy", "cython", Path(__file__).with_name("memory_copy.pyx"))},
            julia=julia, evolve=evolve, selectable=False)
