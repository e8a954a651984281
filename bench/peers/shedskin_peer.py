"""Shed Skin: the pure-Python loops (python_loops.py) translated to C++ and compiled, as the book does."""
from ..build import SHEDSKIN_MAIN, Build
from ..cases import MAXITER, Contender, Labels
from . import compiled_loops
from .record import Cost, Glue, Peer


def julia(case):
    module = case.peers.shedskin
    return [Contender(Labels.SHEDSKIN, "shedskin", module.calculate_z, (MAXITER, case.zs_list, case.cs_list),
                      path="Shed Skin", note="takes the books' lists; converts them on every call")] if module else []


PEER = Peer("shedskin", "Shed Skin", "#76b7b2",
            builds={"shedskin": Build("python_loops_shedskin", "shedskin", compiled_loops.PYTHON_LOOPS)},
            julia=julia, fib=compiled_loops.contenders("shedskin", Labels.SHEDSKIN, "Shed Skin")["fib"],
            costs=(Cost("Shed Skin", Glue("the type-inference calls under __main__ that bench/build.py appends", 2,
                                          text=SHEDSKIN_MAIN), builds=("shedskin",)),))
