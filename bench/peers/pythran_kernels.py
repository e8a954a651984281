"""The books' kernels for Pythran (optional peer; High Performance Python recommends it).

The bodies are the books' Cython code with the type declarations moved into
the ``#pythran export`` lines; ``#omp`` comments give the same OpenMP loops
as the Cython ``prange`` versions. bench/build.py compiles this file with
``pythran -O3 -fopenmp -ffp-contract=off``; it is never imported as Python.
"""
#pythran export calculate_z(int, complex128[], complex128[])
#pythran export evolve(float64[:,:], float64[:,:], float64, float64)
#pythran export fib(int)
import numpy as np


def calculate_z(maxiter, zs, cs):
    """Calculate output list using Julia update rule"""
    output = np.empty(len(zs), dtype=np.int32)
    #omp parallel for schedule(guided)
    for i in range(len(zs)):
        n = 0
        z = zs[i]
        c = cs[i]
        while n < maxiter and (z.real * z.real + z.imag * z.imag) < 4:
            z = z * z + c
            n += 1
        output[i] = n
    return output


def evolve(grid, out, dt, D):
    """One step of the books' C diffusion formula; writes out's interior only."""
    nx, ny = grid.shape
    #omp parallel for schedule(static)
    for i in range(1, nx - 1):
        for j in range(1, ny - 1):
            laplacian = grid[i+1, j] + grid[i-1, j] + grid[i, j+1] + grid[i, j-1] - 4 * grid[i, j]
            out[i, j] = grid[i, j] + D * dt * laplacian


def fib(n):
    """Returns the nth Fibonacci number"""
    a = 0.0
    b = 1.0
    for i in range(n):
        a, b = a + b, a
    return a
