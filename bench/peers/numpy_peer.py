"""NumPy: whole-array versions of the Julia and diffusion kernels (numpy_vectorised.py)."""
import numpy as np

from ..cases import DT, MAXITER, D, Contender, Labels, in_place
from . import numpy_vectorised
from .record import Cost, Glue, Peer


def julia(case):
    return [Contender(Labels.NUMPY, "numpy", numpy_vectorised.calculate_z, (MAXITER, case.zs, case.cs),
                      note="allocates its output", path="NumPy")]


def evolve(case):
    contenders = []
    if case.every_peer:
        # Its four rolled copies and their sums take several grids of memory at once.
        contenders.append(Contender(Labels.NUMPY_ROLL, "numpy", numpy_vectorised.evolve_roll, (case.grid, DT, D),
                                    reference="periodic", note="periodic boundary; allocates its result"))
    contenders.append(in_place(Labels.NUMPY_SLICING, "numpy", numpy_vectorised.evolve_slicing, case.fixed,
                               extra=(np.empty((case.size - 2, case.size - 2)),), path="NumPy"))
    return contenders


PEER = Peer("numpy", "NumPy", "#4c72b0", julia=julia, evolve=evolve,
            costs=(Cost("NumPy", Glue("none: whole-array expressions", 3), gil_released="yes (in ufunc loops)",
                        simd="yes (NumPy's own dispatch)"),))
