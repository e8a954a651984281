"""cffi: the books' C kernels compiled into an API-mode cffi module (cffi_build.py, cffi_kernels.py)."""
from pathlib import Path

from ..build import Build, load_module
from ..cases import MAXITER, Contender, Labels, filling, in_place
from . import cffi_kernels
from .c_kernels import C_KERNELS
from .record import Cost, Glue, Peer


def julia(case):
    kernels = case.peers.cffi
    return [filling(Labels.C_CFFI, "cffi", kernels.calculate_z, (MAXITER, case.zs, case.cs),
                    path="cffi")] if kernels else []


def evolve(case):
    kernels = case.peers.cffi
    return [in_place(Labels.C_CFFI, "cffi", kernels.evolve, case.fixed, path="cffi")] \
        if kernels and case.every_peer else []


def fib(case):
    kernels = case.peers.cffi
    return [Contender(Labels.C_CFFI, "cffi", kernels.fib, (case.n,), path="cffi")] if kernels else []


def gil_calls(peers, inputs):
    return {"cffi (calculate_z)": lambda: peers.cffi.calculate_z(inputs.maxiter, inputs.zs, inputs.cs,
                                                                 inputs.counts)}


PEER = Peer("cffi", "C (cffi)", "#a896d0",
            builds={"cffi": Build("c_kernels_cffi", "cffi", Path(__file__).with_name("cffi_build.py"),
                                  extras=C_KERNELS)},
            load_built=lambda built: cffi_kernels.Kernels(load_module(built)),
            julia=julia, evolve=evolve, fib=fib, gil_calls=gil_calls,
            costs=(Cost("cffi", Glue("all code lines of cffi_build.py and cffi_kernels.py", 3,
                                     files=("bench/peers/cffi_build.py", "bench/peers/cffi_kernels.py")),
                        builds=("cffi",), gil_released="yes"),))
