"""What the peers that compile the pure-Python loops (python_loops.py) share: their contenders are the pure-Python
ones, calling the compiled module instead."""
from pathlib import Path

from ..cases import Contender

PYTHON_LOOPS = Path(__file__).with_name("python_loops.py")


def contenders(attribute, label, path):
    """``julia``, ``evolve`` and ``fib`` contenders of the module loaded as ``peers.<attribute>``."""
    def julia(case):
        module = getattr(case.peers, attribute)
        return [Contender(label, attribute, module.calculate_z, case.python_args, path=path,
                          **case.subset)] if module else []

    def evolve(case):
        module = getattr(case.peers, attribute)
        if not (case.every_peer and module):
            return []
        args = case.python_args()
        return [Contender(label, attribute, module.evolve, args, writes_to=args[1], path=path, **case.subset)]

    def fib(case):
        module = getattr(case.peers, attribute)
        return [Contender(label, attribute, module.fib, (case.n,), path=path)] if module else []

    return {"julia": julia, "evolve": evolve, "fib": fib}
