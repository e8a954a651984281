"""f2py: the diffusion step in Fortran (diffusion_fortran.f90), wrapped by NumPy's f2py."""
from pathlib import Path

from ..build import Build, load_module
from ..cases import Labels, in_place
from .record import Cost, Glue, Peer


def fortran_evolve(module):
    """The f2py module's evolve with the books' call shape.

    The Fortran routine indexes grid(j, i) for the C grid[i][j]: the
    transposes are views that are Fortran-contiguous, so f2py passes the
    arrays' memory without copying (a C-contiguous array would be copied to
    Fortran order on every call).
    """
    evolve_fortran_order = module.evolve

    def evolve(grid, out, dt, D=1.0):
        evolve_fortran_order(grid.T, out.T, dt, D)

    return evolve


def evolve(case):
    kernel = case.peers.f2py
    return [in_place(Labels.F2PY, "f2py", kernel, case.fixed, path="f2py")] if kernel and case.every_peer else []


def gil_calls(peers, inputs):
    return {"f2py (evolve 4096²)": lambda: peers.f2py(inputs.grid, inputs.out, 0.1, 0.9)}


PEER = Peer("f2py", "Fortran (f2py)", "#edc948",
            builds={"f2py": Build("diffusion_fortran", "f2py", Path(__file__).with_name("diffusion_fortran.f90"))},
            load_built=lambda built: fortran_evolve(load_module(built)), evolve=evolve, gil_calls=gil_calls,
            costs=(Cost("f2py", Glue("the code lines of the transposing wrapper (f2py generates the rest)", 1,
                                     function=fortran_evolve), builds=("f2py",)),))
