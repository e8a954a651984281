"""PyPy: the same pure-Python loops, timed inside a pypy3 worker process whose JIT compiles them."""
import subprocess

from ..cases import Contender, Labels
from .pypy import PyPy
from .record import PYTHON_AS_WRITTEN, Cost, Peer


def start(peers, jobs):
    try:
        peers.pypy = PyPy.find()
    except (OSError, subprocess.CalledProcessError) as error:
        peers.failures.append(f"PyPy: pypy3 is installed but does not start: {error}")
        return
    if peers.pypy is None:
        peers.skipped.append("PyPy: pypy3 is not on PATH (apt-get install pypy3)")


def stop(peers):
    if peers.pypy:
        peers.pypy.close()


def julia(case):
    if not case.peers.pypy:
        return []
    call, timer = case.peers.pypy.contender_parts("calculate_z", case.python_args)
    return [Contender(Labels.PYPY, "pypy", call, timer=timer, path="PyPy", **case.subset)]


def evolve(case):
    if not (case.every_peer and case.peers.pypy):
        return []
    call, timer = case.peers.pypy.contender_parts("evolve", case.python_args(), output=1)
    return [Contender(Labels.PYPY, "pypy", call, timer=timer, path="PyPy", **case.subset)]


def fib(case):
    if not case.peers.pypy:
        return []
    call, timer = case.peers.pypy.contender_parts("fib", (case.n,))
    return [Contender(Labels.PYPY, "pypy", call, timer=timer, path="PyPy",
                      note="timed inside PyPy, whose JIT can inline the call into the loop")]


PEER = Peer("pypy", "PyPy", "#b07aa1", start=start, stop=stop, julia=julia, evolve=evolve, fib=fib,
            costs=(Cost("PyPy", PYTHON_AS_WRITTEN, gil_released="no (PyPy has a GIL)"),))
