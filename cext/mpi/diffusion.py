"""Steps of the diffusion equation on a grid spread over the ranks of a decomposition."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .. import _arguments as arguments
from .._core import evolve
from .agreement import Call
from .decomposition import Decomposition

__all__ = ["default_steps_per_exchange", "diffuse"]


def default_steps_per_exchange(dec: Decomposition) -> int:
    """The ``steps_per_exchange`` that :func:`diffuse` uses unless told otherwise.

    ``min(8, b // 16)``, at least 1, where b is the narrowest extent of any rank's block along the axes that
    exchange halos: the rule :func:`cext.dask.diffuse` applies to its chunks too. 8 steps is one round of
    cext.evolve's temporal blocking for a block that stays in the cache, beyond which a call also needs a scratch
    grid; ``b // 16`` keeps the cells computed twice in the halos, about ``4k/b`` of the block's, at a quarter or
    less.

    Parameters
    ----------
    dec : Decomposition
        The decomposition whose blocks set the limit.

    Returns
    -------
    int
        The number of steps between halo exchanges, the same on every rank.

    See Also
    --------
    diffuse : Where it is used.

    Examples
    --------
    >>> cext.mpi.default_steps_per_exchange(cext.mpi.Decomposition(MPI.COMM_WORLD, (1000, 1000)))
    8
    """
    extents = [min(dec.shape_of(rank)[axis] for rank in range(dec.comm.size)) for axis in dec.exchanging_axes()]
    return arguments.default_steps_per_exchange(min(extents, default=128))


def diffuse(
    dec: Decomposition,
    block: NDArray[np.float64],
    dt: float,
    D: float = 1.0,
    *,
    steps: int = 1,
    steps_per_exchange: int | None = None,
    num_threads: int | None = arguments.DEFAULT_NUM_THREADS,
) -> NDArray[np.float64]:
    """``steps`` steps of the 2-D diffusion equation on a grid distributed over the ranks of ``dec``. Collective.

    Every ``steps_per_exchange`` (k) steps, each rank receives a halo of k cells from its neighbours (rows from
    those above and below, then columns, corners included, from those beside it: :class:`~cext.mpi.halo.Halo`)
    and advances its block plus halo k
    steps in one :func:`cext.evolve` call with ``boundary='fixed'``. That call holds the outer ring of the halo
    fixed, which spoils one more cell inwards per step, so after k steps the spoilage has just reached the block
    and the block itself is exact; the halo is then refreshed. At the grid's own edges a fixed grid has no halo:
    the block's edge is the grid's border, which that same call holds fixed. A periodic grid's halos wrap around,
    from the rank itself when an axis has one rank.

    Gathered on rank 0, the result equals ``cext.evolve(grid, out, dt, D, boundary=dec.boundary, steps=steps)``
    bit for bit. With a single rank it is that call.

    Larger k means fewer exchanges (fewer messages, each k times deeper) but more cells computed twice: a square
    block of side b computes ``(b + 2k)**2`` cells per step rather than ``b**2``.

    Parameters
    ----------
    dec : Decomposition
        The grid of ranks and the grid's boundary.
    block : numpy.ndarray of float64
        This rank's block, of shape ``dec.block_shape`` (from :meth:`Decomposition.scatter` or made in place).
        It is not modified.
    dt : float
        Time step.
    D : float, default 1.0
        Diffusion coefficient.
    steps : int, default 1
        Number of steps.
    steps_per_exchange : int, optional
        Steps between halo exchanges, which is also the halo depth. By default ``min(8, b // 16)`` (at least 1),
        where b is the narrowest block extent along an axis that exchanges halos
        (:func:`default_steps_per_exchange`). The last exchange may advance fewer steps.
    num_threads : int or None, default 1
        OpenMP threads per rank: one, as ranks normally fill the cores; None uses the OpenMP default
        (``OMP_NUM_THREADS``), for one rank per machine or socket.

    Returns
    -------
    numpy.ndarray of float64
        This rank's block after ``steps`` steps: a new array of shape ``dec.block_shape``.

    Raises
    ------
    TypeError
        ``dec`` is not a Decomposition (on that rank only), ``block`` is not a float64 array, or an argument has
        the wrong type; on every rank.
    ValueError
        ``block`` does not have this rank's block shape, ``steps`` is negative, ``steps_per_exchange`` is below 1
        or larger than some rank's block along an axis that exchanges halos (the message names the rank and its
        block's shape), or the ranks pass different ``dt``, ``D``, ``steps`` or ``steps_per_exchange``; on every
        rank.
    TimeoutError
        Some rank did not join the call within ``CEXT_MPI_TIMEOUT`` seconds (see the module notes).

    See Also
    --------
    cext.evolve : The kernel each rank calls.
    cext.dask.diffuse : The same scheme, with Dask moving the halos.

    Examples
    --------
    >>> dec = cext.mpi.Decomposition(MPI.COMM_WORLD, (1000, 1000))
    >>> block = np.zeros(dec.block_shape)
    >>> block = cext.mpi.diffuse(dec, block, 0.1, steps=100, steps_per_exchange=10)
    """
    function = "diffuse()"
    if not isinstance(dec, Decomposition):
        raise TypeError(f"{function}: 'dec' must be a cext.mpi.Decomposition, got {type(dec).__name__}")
    dec._check_usable(function)
    error: Exception | None = None
    call: Call | None = None
    try:
        if not isinstance(block, np.ndarray):
            raise TypeError(f"{function}: 'block' must be a NumPy array, got {type(block).__name__}")
        if block.dtype != np.float64:
            raise TypeError(f"{function}: 'block' must have dtype float64, got {block.dtype} (rank {dec.comm.rank})")
        if block.shape != dec.block_shape:
            raise ValueError(f"{function}: 'block' must have this rank's block shape {dec.block_shape}, got "
                             f"{block.shape} (rank {dec.comm.rank})")
        dt, D = arguments.real(function, "dt", dt), arguments.real(function, "D", D)
        steps = arguments.steps(function, steps)
        steps_per_exchange = arguments.steps_per_exchange(function, steps_per_exchange)
        num_threads = arguments.num_threads(function, num_threads)
        # repr() of a float gives its exact value, and NaN compares equal to NaN as text.
        call = (("dt", repr(dt)), ("D", repr(D)), ("steps", steps), ("steps_per_exchange", steps_per_exchange))
    except (TypeError, ValueError, OverflowError) as failure:
        error = failure
    dec._collective(function, call, error)

    if steps == 0:
        return block.copy()
    if dec.comm.size == 1:  # no neighbours: the kernel applies the real boundary itself
        return evolve(block, np.empty(block.shape), dt, D, boundary=dec.boundary, steps=steps, num_threads=num_threads)
    depth = default_steps_per_exchange(dec) if steps_per_exchange is None else steps_per_exchange
    depth = min(depth, steps)  # a halo deeper than the whole run would only cost
    # The same verdict on every rank (every rank knows every block's shape), so no second agreement is needed.
    dec.check_depth(function, "steps_per_exchange", depth)

    halo = dec.halo(depth)
    current, following = halo.buffers
    current[halo.block] = block
    remaining = steps
    while remaining > 0:
        advance = min(depth, remaining)  # the halo stays ``depth`` deep, enough for a shorter last round
        halo.exchange(current)
        evolve(current, following, dt, D, boundary="fixed", steps=advance, num_threads=num_threads)
        current, following = following, current
        remaining -= advance
    return current[halo.block].copy()
