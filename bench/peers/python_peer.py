"""Pure Python: the books' loops as written (python_loops.py), run by CPython on a sample of each problem."""
from ..cases import Contender, Labels
from . import python_loops
from .record import PYTHON_AS_WRITTEN, Cost, Peer


def julia(case):
    return [Contender(Labels.PYTHON, "python", python_loops.calculate_z, case.python_args, path="pure Python",
                      **case.subset)]


def evolve(case):
    args = case.python_args()
    return [Contender(Labels.PYTHON, "python", python_loops.evolve, args, writes_to=args[1], path="pure Python",
                      **case.subset)]


def fib(case):
    return [Contender(Labels.PYTHON, "python", python_loops.fib, (case.n,), path="pure Python")]


PEER = Peer("python", "pure Python", "#8c8c8c", julia=julia, evolve=evolve, fib=fib,
            costs=(Cost("pure Python", PYTHON_AS_WRITTEN),))
