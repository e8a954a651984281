"""Nuitka: the pure-Python loops (python_loops.py) compiled to an extension module by Nuitka."""
from ..build import Build
from ..cases import Labels
from . import compiled_loops
from .record import PYTHON_AS_WRITTEN, Cost, Peer

PEER = Peer("nuitka", "Nuitka", "#bab0ac",
            builds={"nuitka": Build("python_loops_nuitka", "nuitka", compiled_loops.PYTHON_LOOPS)}, optional=True,
            **compiled_loops.contenders("nuitka", Labels.NUITKA, "Nuitka"),
            costs=(Cost("Nuitka", PYTHON_AS_WRITTEN, builds=("nuitka",)),))
