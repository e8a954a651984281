"""The Julia image's starting points, shared by cext.dask and cext.mpi (which must not need each other's
dependencies)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

# High Performance Python's julia1.py: the area of the complex plane and the constant c.
JULIA_C = complex(-0.62772, -0.42193)
JULIA_RANGE = (-1.8, 1.8)


def julia_coordinates(
    width: int,
    height: int,
    *,
    x_range: tuple[float, float] = JULIA_RANGE,
    y_range: tuple[float, float] = JULIA_RANGE,
    rows: tuple[int, int] | None = None,
    columns: tuple[int, int] | None = None,
) -> NDArray[np.complex128]:
    """The starting points z of a ``height`` x ``width`` image, or of the block ``rows`` x ``columns`` of it.

    Pixel ``(i, j)`` is ``complex(x_min + j * x_step, y_max + i * y_step)`` with
    ``x_step = (x_max - x_min) / width`` and ``y_step = (y_min - y_max) / height``: julia1.py's grid (top row at
    ``y_max``), each coordinate computed from its global index rather than by repeated addition, so that a block
    needs nothing but its position to produce exactly the values of the whole image.

    Parameters
    ----------
    width, height : int
        Size of the whole image in pixels.
    x_range, y_range : tuple of float, default (-1.8, 1.8)
        ``(min, max)`` of the real and imaginary axes.
    rows, columns : tuple of int, optional
        ``(start, stop)`` of the block to return; the whole image by default.

    Returns
    -------
    numpy.ndarray of complex128
        Shape ``(rows[1] - rows[0], columns[1] - columns[0])``.

    See Also
    --------
    cext.dask.julia_image : The escape counts of these points, block by block, with Dask.
    cext.mpi.julia_image : The same on MPI ranks.

    Examples
    --------
    >>> from cext.dask import julia_coordinates
    >>> julia_coordinates(4, 2, x_range=(0.0, 1.0), y_range=(-1.0, 1.0))
    array([[0.  +1.j, 0.25+1.j, 0.5 +1.j, 0.75+1.j],
           [0.  +0.j, 0.25+0.j, 0.5 +0.j, 0.75+0.j]])
    """
    row_start, row_stop = rows if rows is not None else (0, height)
    column_start, column_stop = columns if columns is not None else (0, width)
    x_step = (x_range[1] - x_range[0]) / width if width else 0.0
    y_step = (y_range[0] - y_range[1]) / height if height else 0.0
    zs = np.empty((row_stop - row_start, column_stop - column_start), dtype=np.complex128)
    # Real and imaginary parts are stored separately, so each is exactly the float above (x + 1j*y would pass
    # through complex arithmetic, which does not keep the sign of a zero).
    zs.real = x_range[0] + np.arange(column_start, column_stop, dtype=np.float64) * x_step
    zs.imag = (y_range[1] + np.arange(row_start, row_stop, dtype=np.float64) * y_step)[:, np.newaxis]
    return zs
