"""ctypes: the books' C kernels in a shared library, called through ctypes (ctypes_kernels.py)."""
from ..build import Build
from ..cases import MAXITER, Contender, Labels, filling, in_place
from . import ctypes_kernels
from .c_kernels import C_KERNELS
from .record import Cost, Glue, Peer


def julia(case):
    kernels = case.peers.ctypes
    return [filling(Labels.C_CTYPES, "ctypes", kernels.calculate_z, (MAXITER, case.zs, case.cs),
                    path="ctypes")] if kernels else []


def evolve(case):
    kernels = case.peers.ctypes
    return [in_place(Labels.C_CTYPES, "ctypes", kernels.evolve, case.fixed, path="ctypes")] if kernels else []


def fib(case):
    kernels = case.peers.ctypes
    return [Contender(Labels.C_CTYPES, "ctypes", kernels.fib, (case.n,), path="ctypes")] if kernels else []


def gil_calls(peers, inputs):
    return {"ctypes (calculate_z)": lambda: peers.ctypes.calculate_z(inputs.maxiter, inputs.zs, inputs.cs,
                                                                     inputs.counts)}


PEER = Peer("ctypes", "C (ctypes)", "#8172b3",
            builds={"ctypes": Build("c_kernels", "cc", C_KERNELS[0], extras=C_KERNELS[1:])},
            load_built=lambda built: ctypes_kernels.Kernels(built.path),
            julia=julia, evolve=evolve, fib=fib, gil_calls=gil_calls,
            costs=(Cost("ctypes", Glue("all code lines of ctypes_kernels.py", 3,
                                       files=("bench/peers/ctypes_kernels.py",)),
                        builds=("ctypes",), gil_released="yes (CDLL calls)"),))
