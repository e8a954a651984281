"""multiprocessing: the pure-Python Julia loop over a Pool of processes, one per CPU (pool_julia.py)."""
import multiprocessing

from ..cases import Contender, Labels
from . import pool_julia
from .record import Cost, Glue, Peer


def start(peers, jobs):
    # "spawn" starts clean interpreters: forking a process whose OpenMP and Numba thread pools are running can
    # deadlock the children.
    context = multiprocessing.get_context("spawn")
    peers.pool = context.Pool(jobs)
    peers.pool.map(abs, range(jobs))  # waits until every worker has started
    peers.pool_processes = jobs


def stop(peers):
    if peers.pool:
        peers.pool.terminate()
        peers.pool.join()


def julia(case):
    if not case.peers.pool or case.tiny:
        return []
    return [Contender(Labels.pool(case.peers.pool_processes), "multiprocessing", pool_julia.calculate_z,
                      (case.peers.pool, case.python_args[0], *case.sampled_rows), path="multiprocessing",
                      **case.subset)]


PEER = Peer("multiprocessing", "multiprocessing", "#a0a0a0", start=start, stop=stop, julia=julia,
            costs=(Cost("multiprocessing", Glue("the code lines of pool_julia.calculate_z", 1,
                                                function=pool_julia.calculate_z),
                        gil_released="n/a (processes)", threads="processes"),))
