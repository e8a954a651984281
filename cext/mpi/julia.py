"""Julia-set escape counts computed by many ranks, each from its own block's coordinates."""

from __future__ import annotations

import numpy as np
from mpi4py import MPI
from numpy.typing import NDArray

from .. import _arguments as arguments
from .._core import calculate_z
from .._julia import JULIA_C, JULIA_RANGE, julia_coordinates
from .agreement import Call, agree
from .decomposition import Decomposition, check_comm, check_dims

__all__ = ["julia_image"]


def julia_image(
    comm: MPI.Intracomm,
    width: int,
    height: int,
    *,
    c: complex = JULIA_C,
    maxiter: int = 300,
    x_range: tuple[float, float] = JULIA_RANGE,
    y_range: tuple[float, float] = JULIA_RANGE,
    dims: tuple[int, int] | None = None,
    num_threads: int | None = arguments.DEFAULT_NUM_THREADS,
) -> NDArray[np.int32] | None:
    """Julia-set escape counts of a ``height`` x ``width`` image, computed by all ranks of ``comm``. Collective.

    The image is cut into blocks as by :class:`Decomposition`; each rank computes the starting points of its own
    block from their global indices and calls :func:`cext.calculate_z` on them. Nothing is sent but the finished
    counts, to rank 0. The result equals ``cext.dask.julia_image(width, height, ...).compute()`` element for
    element (the same closed-form coordinates), and for julia1.py's 1000x1000 image sums to 33219980.

    Escape counts vary a lot across the image, so blocks of equal size take unequal times; the slowest rank
    sets the pace.

    Parameters
    ----------
    comm : mpi4py.MPI.Intracomm
        The ranks that share the work.
    width, height : int
        Image size in pixels (columns, rows).
    c : complex, default -0.62772-0.42193j
        The constant of the Julia set (julia1.py's).
    maxiter : int, default 300
        Iteration limit.
    x_range, y_range : pair of float, default (-1.8, 1.8)
        ``(min, max)`` of the real and imaginary axes; row 0 is the top, at ``y_range[1]``.
    dims : pair of int, optional
        The grid of ranks, as in :class:`Decomposition`.
    num_threads : int or None, default 1
        OpenMP threads per rank, as in :func:`diffuse`.

    Returns
    -------
    numpy.ndarray of int32 or None
        On rank 0 the image, of shape ``(height, width)``; None on the other ranks.

    Raises
    ------
    TypeError, ValueError, OverflowError
        On every rank, if any rank's arguments are invalid or differ from rank 0's.

    See Also
    --------
    cext.calculate_z : The kernel each rank calls.
    cext.dask.julia_image : The same image, block by block in Dask.

    Examples
    --------
    >>> image = cext.mpi.julia_image(MPI.COMM_WORLD, 1000, 1000)
    >>> if MPI.COMM_WORLD.rank == 0:
    ...     print(int(image.sum()))
    33219980
    """
    function = "julia_image()"
    check_comm(function, comm)
    error: Exception | None = None
    call: Call | None = None
    try:
        width, height = arguments.image_size(function, width, height)
        c = arguments.complex_number(function, "c", c)
        maxiter = arguments.maxiter(function, maxiter)
        x_range = arguments.real_pair(function, "x_range", x_range)
        y_range = arguments.real_pair(function, "y_range", y_range)
        grid_of_ranks = check_dims(function, dims, comm.size)
        num_threads = arguments.num_threads(function, num_threads)
        call = (("width", width), ("height", height), ("c", repr(c)), ("maxiter", maxiter),
                ("x_range", repr(x_range)), ("y_range", repr(y_range)), ("dims", grid_of_ranks))
    except (TypeError, ValueError, OverflowError) as failure:
        error = failure
    agree(comm, function, call, error)  # the only agreement: the decomposition and the gather follow from it

    with Decomposition._agreed(comm, (height, width), "fixed", grid_of_ranks) as dec:
        rows, columns = dec.block_slices
        zs = julia_coordinates(width, height, x_range=x_range, y_range=y_range, rows=(rows.start, rows.stop),
                               columns=(columns.start, columns.stop))
        counts = calculate_z(maxiter, zs, c, num_threads=num_threads)
        image = dec._gather(counts)
    return image  # type: ignore[return-value]  # gather keeps the int32 of calculate_z
