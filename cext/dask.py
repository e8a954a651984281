"""cext's kernels inside Dask, for grids larger than one call, or one machine, should hold.

Dask does the chunking, the scheduling, the halo exchange and the distributed memory; cext does the arithmetic,
one block per call. Every cext kernel releases the GIL, so Dask's threaded scheduler and the worker threads of a
``distributed`` cluster run blocks truly in parallel.

julia_image
    Julia-set escape counts of an image of any size, each block computing its own coordinates
    (``dask.array.map_blocks``)
diffuse
    many steps of the diffusion equation, exchanging a halo of ``steps_per_exchange`` cells between blocks every
    ``steps_per_exchange`` steps (``dask.array.map_overlap``)

Both give exactly the results of the single-call kernels. This module needs Dask (``pip install "cext[dask]"``);
``import cext`` never imports it.

Each block runs on one thread by default (``num_threads=1``, as in cext.mpi): Dask already keeps one block per
core busy, and an OpenMP team per block would oversubscribe the cores.

Examples
--------
>>> import numpy as np, dask.array as da, cext, cext.dask
>>> image = cext.dask.julia_image(300, 200, chunks=(50, 100))
>>> image
dask.array<julia_image, shape=(200, 300), dtype=int32, chunksize=(50, 100), chunktype=numpy.ndarray>
>>> grid = np.random.default_rng(0).uniform(size=(120, 90))
>>> result = cext.dask.diffuse(da.from_array(grid, chunks=30), 0.1, steps=12, steps_per_exchange=4)
>>> np.array_equal(result.compute(), cext.evolve(grid, np.empty_like(grid), 0.1, steps=12))
True
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

try:
    import dask.array as da
except ImportError as error:  # pragma: no cover - exercised only without dask
    raise ImportError('cext.dask needs Dask: pip install "dask[array]" (or "cext[dask]")') from error

from . import _arguments as arguments
from ._core import calculate_z, evolve
from ._julia import JULIA_C, JULIA_RANGE, julia_coordinates

__all__ = ["diffuse", "julia_coordinates", "julia_image"]


# ---------------------------------------------------------------------------------------------------------------
# Julia image
# ---------------------------------------------------------------------------------------------------------------


def _julia_block(
    *,
    width: int,
    height: int,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    c: complex,
    maxiter: int,
    num_threads: int | None,
    block_info: dict[object, dict[str, list[tuple[int, int]]]],
) -> NDArray[np.int32]:
    (rows, columns) = block_info[None]["array-location"]
    zs = julia_coordinates(width, height, x_range=x_range, y_range=y_range, rows=rows, columns=columns)
    return calculate_z(maxiter, zs, c, num_threads=num_threads)


def julia_image(
    width: int,
    height: int,
    *,
    c: complex = JULIA_C,
    maxiter: int = 300,
    x_range: tuple[float, float] = JULIA_RANGE,
    y_range: tuple[float, float] = JULIA_RANGE,
    chunks: int | tuple[int, int] | tuple[tuple[int, ...], tuple[int, ...]] | str = 2048,
    num_threads: int | None = arguments.DEFAULT_NUM_THREADS,
) -> da.Array:
    """Julia-set escape counts of a ``height`` x ``width`` image, as a lazy Dask array.

    Each block computes its own starting points (:func:`julia_coordinates`) and calls
    :func:`cext.calculate_z` on them, so the coordinates of the whole image never exist at once: memory is a
    few blocks, whatever the image size. The result equals ``cext.calculate_z(maxiter, julia_coordinates(width,
    height, ...), c)`` element for element.

    Parameters
    ----------
    width, height : int
        Image size in pixels (columns, rows).
    c : complex, default -0.62772-0.42193j
        The constant of the Julia set (julia1.py's).
    maxiter : int, default 300
        Iteration limit.
    x_range, y_range : tuple of float, default (-1.8, 1.8)
        ``(min, max)`` of the real and imaginary axes; row 0 is the top, at ``y_range[1]``.
    chunks : int, tuple or str, default 2048
        Block shape, in any form ``dask.array`` accepts (``'auto'`` too). A block of n pixels needs 20*n bytes
        while it runs.
    num_threads : int or None, default 1
        OpenMP threads per block; None uses the OpenMP default (see the module notes on oversubscription).

    Returns
    -------
    dask.array.Array of int32
        Shape ``(height, width)``; nothing is computed until it is.

    Raises
    ------
    TypeError, ValueError, OverflowError
        An argument of the wrong type or range (a negative width or height, ``maxiter``, ``num_threads``), at
        once rather than when the image is computed.

    See Also
    --------
    julia_coordinates : The starting points of a block.
    cext.calculate_z : The kernel each block calls.

    Examples
    --------
    >>> import cext.dask
    >>> image = cext.dask.julia_image(1000, 1000, chunks=250)
    >>> int(image.sum().compute())  # julia1.py's validation sum
    33219980
    """
    function = "julia_image()"
    width, height = arguments.image_size(function, width, height)
    normalized = da.core.normalize_chunks(chunks, shape=(height, width), dtype=np.int32)
    image: da.Array = da.map_blocks(
        _julia_block,
        width=width,
        height=height,
        x_range=arguments.real_pair(function, "x_range", x_range),
        y_range=arguments.real_pair(function, "y_range", y_range),
        c=arguments.complex_number(function, "c", c),
        maxiter=arguments.maxiter(function, maxiter),
        num_threads=arguments.num_threads(function, num_threads),
        chunks=normalized,
        dtype=np.int32,
        meta=np.empty((0, 0), dtype=np.int32),
        token="julia_image",
    )
    return image


# ---------------------------------------------------------------------------------------------------------------
# Diffusion
# ---------------------------------------------------------------------------------------------------------------


def _evolve_block(block: NDArray[np.float64], *, dt: float, D: float, edges: Literal["fixed", "periodic"],
                  steps: int, num_threads: int | None) -> NDArray[np.float64]:
    # `edges` is evolve's boundary: map_overlap keeps the name `boundary` for the halo at the grid's edges.
    return evolve(block, np.empty(block.shape), dt, D, boundary=edges, steps=steps, num_threads=num_threads)


def diffuse(
    grid: da.Array | ArrayLike,
    dt: float,
    D: float = 1.0,
    *,
    boundary: Literal["fixed", "periodic"] = "fixed",
    steps: int = 1,
    steps_per_exchange: int | None = None,
    num_threads: int | None = arguments.DEFAULT_NUM_THREADS,
) -> da.Array:
    """``steps`` steps of the 2-D diffusion equation on a chunked grid, as a lazy Dask array.

    Every ``steps_per_exchange`` (k) steps, each block receives a halo of k cells from its neighbours
    (``dask.array.map_overlap`` with depth k) and advances k steps in one :func:`cext.evolve` call with
    ``boundary='fixed'``. A halo cell held fixed spoils its neighbour one cell further in per step, so after k
    steps the spoilage has just reached the block's edge and the block itself is exact; the halo is then dropped.
    With ``boundary='fixed'`` no halo is added at the grid's own edges (``boundary='none'`` in Dask), so the true
    border stays fixed; with ``'periodic'`` the halo there wraps around (``boundary='periodic'`` in Dask).
    The result equals ``cext.evolve(grid, out, dt, D, boundary=boundary, steps=steps)`` bit for bit.

    Larger k means fewer exchanges (fewer tasks, less communication) but more redundant work in the halos,
    about ``4*k/chunk`` of a square block's work.

    Parameters
    ----------
    grid : dask.array.Array or array_like, 2-D
        The initial state; converted to float64. A NumPy array becomes a Dask array with ``chunks='auto'``.
    dt : float
        Time step.
    D : float, default 1.0
        Diffusion coefficient.
    boundary : {'fixed', 'periodic'}, default 'fixed'
        As in :func:`cext.evolve`.
    steps : int, default 1
        Number of steps.
    steps_per_exchange : int, optional
        Steps between halo exchanges, which is also the halo depth. Capped at ``steps`` and at the grid's
        shape; Dask merges chunks smaller than the depth. By default ``min(8, b // 16)`` (at least 1), where b is
        the narrowest chunk along an axis that exchanges halos: the rule of
        :func:`cext.mpi.default_steps_per_exchange`.
    num_threads : int or None, default 1
        OpenMP threads per block; None uses the OpenMP default (see the module notes).

    Returns
    -------
    dask.array.Array of float64
        The state after ``steps`` steps, chunked like ``grid``.

    Raises
    ------
    TypeError
        ``steps``, ``steps_per_exchange``, ``dt`` or ``D`` of the wrong type.
    ValueError
        A grid that is not 2-D, a negative ``steps``, ``steps_per_exchange`` below 1, or an unknown boundary.

    See Also
    --------
    cext.evolve : The kernel each block calls.
    dask.array.map_overlap : The halo exchange.

    Examples
    --------
    >>> import numpy as np, dask.array as da, cext, cext.dask
    >>> grid = np.zeros((8, 8)); grid[3:5, 3:5] = 1.0
    >>> lazy = cext.dask.diffuse(da.from_array(grid, chunks=4), 0.1, boundary="periodic", steps=3,
    ...                          steps_per_exchange=2)
    >>> np.array_equal(lazy.compute(), cext.evolve(grid, np.empty_like(grid), 0.1, boundary="periodic", steps=3))
    True
    """
    function = "diffuse()"
    array: da.Array = da.asarray(grid)
    if array.ndim != 2:
        raise ValueError(f"{function}: 'grid' must be 2-dimensional, got shape {array.shape}")
    boundary = arguments.boundary(function, boundary)
    steps = arguments.steps(function, steps)
    steps_per_exchange = arguments.steps_per_exchange(function, steps_per_exchange)
    block = {"dt": arguments.real(function, "dt", dt), "D": arguments.real(function, "D", D),
             "num_threads": arguments.num_threads(function, num_threads)}
    if array.dtype != np.float64:
        array = array.astype(np.float64)
    if steps == 0 or array.size == 0:
        return array
    if array.numblocks == (1, 1):  # one block: no neighbours, the kernel applies the real boundary itself
        array = da.map_blocks(_evolve_block, array, edges=boundary, steps=steps, token="evolve", dtype=np.float64,
                              **block)
        return array
    if steps_per_exchange is None:
        exchanging = [axis for axis in (0, 1) if boundary == "periodic" or array.numblocks[axis] > 1]
        steps_per_exchange = arguments.default_steps_per_exchange(min(min(array.chunks[axis]) for axis in exchanging))
    depth_limit = min(array.shape)  # a periodic halo cannot be deeper than the grid it wraps
    remaining = steps
    while remaining > 0:
        k = min(steps_per_exchange, depth_limit, remaining)
        array = array.map_overlap(
            _evolve_block,
            depth=k,
            boundary="periodic" if boundary == "periodic" else "none",  # Dask's halo at the grid's edges
            trim=True,
            dtype=np.float64,
            meta=np.empty((0, 0)),
            edges="fixed",  # the block's own edges are halo cells, or the grid's fixed border
            steps=k,
            token="evolve",
            **block,
        )
        remaining -= k
    return array
