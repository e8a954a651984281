"""Cython: the books' typed Cython (memoryviews, prange) and the Cython book's fib as def and cpdef."""
from pathlib import Path

from ..build import Build
from ..cases import MAXITER, Contender, Labels, in_place, repeated
from .record import Cost, Glue, Peer

HERE = Path(__file__).parent
BUILDS = {
    "cython_julia": Build("julia_cython", "cython", HERE / "julia_cython.pyx"),
    "cython_julia_prange": Build("julia_cython_prange", "cython", HERE / "julia_cython_prange.pyx"),
    "cython_diffusion": Build("diffusion_cython", "cython", HERE / "diffusion_cython.pyx"),
    "cython_fib": Build("fib_cython", "cython", HERE / "fib_cython.pyx"),
    "cython_fib_cpdef": Build("fib_cython_cpdef", "cython", HERE / "fib_cython_cpdef.pyx"),
}


def julia(case):
    contenders = []
    if case.peers.cython_julia:
        contenders.append(Contender(Labels.CYTHON, "cython", case.peers.cython_julia.calculate_z,
                                    (MAXITER, case.zs, case.cs), note="allocates its output (the books' API)",
                                    path="Cython def"))
    if case.peers.cython_julia_prange:
        contenders.append(Contender(Labels.CYTHON_PRANGE, "cython", case.peers.cython_julia_prange.calculate_z,
                                    (MAXITER, case.zs, case.cs),
                                    note="schedule=\"guided\"; allocates its output (the books' API)"))
    return contenders


def evolve(case):
    diffusion = case.peers.cython_diffusion
    if not diffusion:
        return []
    return [in_place(Labels.CYTHON, "cython", diffusion.evolve, case.fixed, path="Cython def"),
            in_place(Labels.CYTHON_PRANGE, "cython", diffusion.evolve_prange, case.fixed,
                     note="schedule=\"static\"")]


def steps(case):
    diffusion = case.peers.cython_diffusion
    return [repeated(Labels.CYTHON_PRANGE + f" ×{case.steps}", "cython", diffusion.evolve_prange, case.buffers,
                     case.steps)] if diffusion else []


def fib(case):
    return [Contender(label, "cython", module.fib, (case.n,), path=path)
            for label, module, path in ((Labels.CYTHON_FIB, case.peers.cython_fib, "Cython def"),
                                        (Labels.CYTHON_CPDEF, case.peers.cython_fib_cpdef, "Cython cpdef"))
            if module]


def gil_calls(peers, inputs):
    return {"Cython def (calculate_z)": lambda: peers.cython_julia.calculate_z(inputs.maxiter, inputs.zs,
                                                                               inputs.cs)}


PEER = Peer("cython", "Cython", "#dd8452", builds=BUILDS, julia=julia, evolve=evolve, steps=steps, fib=fib,
            gil_calls=gil_calls,
            costs=(Cost("Cython def", Glue("typed signatures, cdef and cimport lines", 4,
                                           files=("bench/peers/julia_cython.pyx", "bench/peers/diffusion_cython.pyx",
                                                  "bench/peers/fib_cython.pyx"),
                                           pattern=r"^\s*(cdef|cpdef|cimport)\b|^def .*\b(int|double)\b"),
                        builds=("cython_julia", "cython_diffusion", "cython_fib"),
                        gil_released="in prange (nogil) loops only", threads="prange (OpenMP)"),))
