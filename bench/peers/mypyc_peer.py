"""mypyc: the pure-Python loops (python_loops.py), whose type annotations mypyc compiles to C."""
from ..build import Build
from ..cases import Labels
from . import compiled_loops
from .record import Cost, Glue, Peer

PEER = Peer("mypyc", "mypyc", "#9c755f",
            builds={"mypyc": Build("python_loops_mypyc", "mypyc", compiled_loops.PYTHON_LOOPS)}, optional=True,
            **compiled_loops.contenders("mypyc", Labels.MYPYC, "mypyc"),
            costs=(Cost("mypyc", Glue("the annotated def lines of python_loops.py", 3,
                                      files=("bench/peers/python_loops.py",), pattern=r"^def .*->"),
                        builds=("mypyc",)),))
