"""The implementations the harness compares, loaded when they can be.

Sources, one file per peer so that each can be read against the books:

- ``python_loops.py``: the books' pure-Python loops (always available); the
  same file runs under PyPy (``pypy.py``, ``pypy_worker.py``), in a
  multiprocessing pool, and compiled by Nuitka, mypyc and Shed Skin
- ``numpy_vectorised.py``: whole-array NumPy versions (always available)
- ``numexpr_diffusion.py``: the diffusion step as one numexpr expression
- ``julia_cython.pyx``, ``julia_cython_prange.pyx``, ``fib_cython.pyx``: the
  the books' Cython, unchanged; ``fib_cython_cpdef.pyx``: the same fib as cpdef;
  ``diffusion_cython.pyx``: the books' C diffusion loop in typed Cython
- ``numba_jit.py``: the books' Numba kernels, serial and parallel
- ``diffusion.c``, ``julia.c``, ``fib.c``: the kernels in C, called through
  ctypes (``ctypes_kernels.py``), cffi (``cffi_build.py``,
  ``cffi_kernels.py``) and a hand-written C extension in the books' style
  (``naive_extension.c``)
- ``diffusion_fortran.f90``: the diffusion step in Fortran, for f2py
- ``pybind11_bindings.cpp``, ``nanobind_bindings.cpp``: cext's own kernels and
  dispatch, bound with those libraries
- ``pythran_kernels.py``: optional Pythran versions
- ``rust/``: the kernels in Rust, bound with PyO3 (``rust_build.py`` builds it)
- ``opencl_kernels.cl``: the kernels in OpenCL C, run through PyOpenCL (``opencl.py``)
- ``memory_copy.pyx``: not a peer; a multi-threaded copy, the bandwidth reference
- cext itself, imported from the repository root

Each way of running them is declared once, in a ``*_peer.py`` module's
``PEER`` record (``record.py`` says what a record holds), and ``PEERS`` below
lists the records in the order their rows appear.

A peer whose dependency is missing is skipped with a message saying what to
install; a peer that should work but does not (a failed Cython build, a
Numba compile error) is reported as a failure.
"""

from typing import Any

from ..build import build_all
from . import (cext_peer, cffi_peer, ctypes_peer, cython_peer, f2py_peer, multiprocessing_peer, mypyc_peer,
               nanobind_peer, naive_peer, nuitka_peer, numba_peer, numexpr_peer, numpy_peer, opencl_peer,
               pybind11_peer, pypy_peer, python_peer, pythran_peer, reference_peer, rust_peer, shedskin_peer)

PEERS = (
    python_peer.PEER,
    pypy_peer.PEER,
    multiprocessing_peer.PEER,
    nuitka_peer.PEER,
    mypyc_peer.PEER,
    shedskin_peer.PEER,
    numpy_peer.PEER,
    numexpr_peer.PEER,
    numba_peer.PEER,
    cython_peer.PEER,
    pythran_peer.PEER,
    ctypes_peer.PEER,
    cffi_peer.PEER,
    naive_peer.PEER,
    f2py_peer.PEER,
    rust_peer.PEER,
    opencl_peer.PEER,
    pybind11_peer.PEER,
    nanobind_peer.PEER,
    cext_peer.PEER,
    reference_peer.PEER,
)
PEER_NAMES = tuple(peer.name for peer in PEERS if peer.selectable)


class Peers:
    """The loaded peers: one attribute per build and per started peer (``peers.cython_julia``,
    ``peers.numba``, ``peers.cext``...), None for any that is not available, and what loading them found."""

    def __init__(self, selected=PEER_NAMES):
        self.selected = selected
        self.builds = []  # a Built per build attempted
        self.numba_compile_seconds = {}
        self.skipped = []  # one line per peer that could not run here, naming what installs it
        self.failures = []  # one line per peer that should have run and did not
        self.records = [peer for peer in PEERS if peer.name in selected or not peer.selectable]

    def __getattr__(self, name: str) -> Any:
        # Only reached for attributes never set: a peer that is not loaded.
        if name.startswith("__"):
            raise AttributeError(name)
        return None

    def close(self):
        """Stop the worker processes."""
        for peer in self.records:
            if peer.stop:
                peer.stop(self)


def load(cache_dir, jobs, selected=PEER_NAMES):
    """Build what needs building, import everything available, return Peers.

    Only the peers named in ``selected`` (and cext, the reference, and the
    machine references) are built and loaded. The parallel peers take their
    thread count from OMP_NUM_THREADS and NUMBA_NUM_THREADS, which must be set
    before this is called; the multiprocessing pool gets ``jobs`` processes.
    """
    peers = Peers(selected=tuple(dict.fromkeys((*selected, "cext"))))
    wanted = [(peer, attribute, build) for peer in peers.records for attribute, build in peer.builds.items()]
    peers.builds = build_all([build for _, _, build in wanted], cache_dir, jobs)
    for (peer, attribute, _), built in zip(wanted, peers.builds, strict=True):
        _attach_build(peers, peer, attribute, built)
    for peer in peers.records:
        if peer.start:
            peer.start(peers, jobs)
    return peers


def _attach_build(peers, peer, attribute, built):
    name = built.build.name
    if built.status == "missing":
        peers.skipped.append(f"{name}: {built.detail}")
        return
    if built.status == "failed":
        message = f"{name}: build failed; {built.detail}"
        (peers.skipped if peer.optional else peers.failures).append(message)
        return
    try:
        loaded = peer.load_built(built)
    except (ImportError, OSError) as error:  # e.g. a missing OpenMP runtime
        peers.failures.append(f"{name}: built but cannot be loaded: {error}")
        return
    setattr(peers, attribute, loaded)
