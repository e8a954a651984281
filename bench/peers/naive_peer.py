"""The hand-written C extension in the books' style: PyArg_ParseTuple around the C kernels (naive_extension.c)."""
from pathlib import Path

from ..build import Build
from ..cases import Contender, Labels, in_place
from .record import Cost, Glue, Peer

HERE = Path(__file__).parent


def evolve(case):
    module = case.peers.naive
    return [in_place(Labels.C_EXTENSION, "naive", module.evolve, case.fixed,
                     path="C extension (PyArg_ParseTuple)")] if module and case.every_peer else []


def fib(case):
    module = case.peers.naive
    return [Contender(Labels.C_EXTENSION, "naive", module.fib, (case.n,),
                      path="C extension (PyArg_ParseTuple)")] if module else []


def gil_calls(peers, inputs):
    return {"C extension (evolve 4096²)": lambda: peers.naive.evolve(inputs.grid, inputs.out, 0.1, 0.9)}


PEER = Peer("naive", "C extension (PyArg_ParseTuple)", "#5a4a8a",
            builds={"naive": Build("naive_extension", "capi", HERE / "naive_extension.c",
                                   extras=(HERE / "diffusion.c", HERE / "fib.c"))},
            evolve=evolve, fib=fib, gil_calls=gil_calls,
            costs=(Cost("C extension (PyArg_ParseTuple)", Glue("all code lines of naive_extension.c", 2,
                                                               files=("bench/peers/naive_extension.c",)),
                        builds=("naive",)),))
