# cython: boundscheck=False, wraparound=False
"""One explicit diffusion step in typed Cython, serial and prange.

The books have no Cython diffusion, so this is the books' C ``evolve``
(bench/peers/diffusion.c) written with typed memoryviews, the way
the books write their Cython Julia kernels. Like the C version it writes only
the interior of ``out``: the caller keeps the border equal to ``grid``'s,
which is what cext's fixed boundary does.
"""
from cython.parallel import prange


def evolve(double[:, ::1] grid, double[:, ::1] out, double dt, double D=1.0):
    cdef Py_ssize_t i, j
    cdef double laplacian
    for i in range(1, grid.shape[0] - 1):
        for j in range(1, grid.shape[1] - 1):
            laplacian = grid[i+1, j] + grid[i-1, j] + grid[i, j+1] + grid[i, j-1] - 4 * grid[i, j]
            out[i, j] = grid[i, j] + D * dt * laplacian


def evolve_prange(double[:, ::1] grid, double[:, ::1] out, double dt, double D=1.0):
    cdef Py_ssize_t i, j
    cdef double laplacian
    # Every row costs the same, so a static schedule is the natural choice
    # (the Julia kernel's "guided" only pays off for uneven work).
    for i in prange(1, grid.shape[0] - 1, nogil=True, schedule="static"):
        for j in range(1, grid.shape[1] - 1):
            laplacian = grid[i+1, j] + grid[i-1, j] + grid[i, j+1] + grid[i, j-1] - 4 * grid[i, j]
            out[i, j] = grid[i, j] + D * dt * laplacian
