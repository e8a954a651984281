"""Pythran: the kernels as plain Python with #pythran export lines, compiled to C++ with OpenMP."""
from pathlib import Path

from ..build import Build
from ..cases import MAXITER, Contender, Labels, in_place
from .record import Cost, Glue, Peer


def julia(case):
    module = case.peers.pythran
    return [Contender(Labels.PYTHRAN, "pythran", module.calculate_z, (MAXITER, case.zs, case.cs),
                      note="allocates its output", path="Pythran")] if module else []


def evolve(case):
    module = case.peers.pythran
    return [in_place(Labels.PYTHRAN, "pythran", module.evolve, case.fixed, path="Pythran")] if module else []


def fib(case):
    module = case.peers.pythran
    return [Contender(Labels.PYTHRAN_FIB, "pythran", module.fib, (case.n,), path="Pythran")] if module else []


def gil_calls(peers, inputs):
    return {"Pythran (calculate_z)": lambda: peers.pythran.calculate_z(inputs.maxiter, inputs.zs, inputs.cs)}


PEER = Peer("pythran", "Pythran", "#64b5cd",
            builds={"pythran": Build("pythran_kernels", "pythran", Path(__file__).with_name("pythran_kernels.py"))},
            julia=julia, evolve=evolve, fib=fib, gil_calls=gil_calls, optional=True,
            costs=(Cost("Pythran", Glue("the #pythran export lines", 3, files=("bench/peers/pythran_kernels.py",),
                                        pattern=r"^#pythran export"),
                        builds=("pythran",), gil_released="yes", threads="#omp (OpenMP)"),))
