# cython: boundscheck=False, wraparound=False
"""A machine reference, not a peer: copy a grid with every thread.

np.copyto is one thread's memcpy, which on many machines cannot use all of
the memory bandwidth that several threads reach; this row-wise copy spread
over OpenMP threads measures what a multi-threaded kernel can hope for.
"""
from cython.parallel import prange
from libc.string cimport memcpy


def copy_prange(double[:, ::1] grid, double[:, ::1] out):
    cdef Py_ssize_t i
    for i in prange(grid.shape[0], nogil=True, schedule="static"):
        memcpy(&out[i, 0], &grid[i, 0], grid.shape[1] * sizeof(double))
