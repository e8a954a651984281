"""Numba peers: the books' Julia kernel and the C diffusion loop, JIT-compiled.

Importing this module needs numba; the harness skips the peer otherwise.
Compilation happens on the first call and is timed separately.
"""
from numba import njit, prange


@njit
def calculate_z(maxiter, zs, cs, output):
    """Calculate output list using Julia update rule"""
    for i in range(len(zs)):
        n = 0
        z = zs[i]
        c = cs[i]
        while n < maxiter and (z.real*z.real + z.imag*z.imag) < 4:
            z = z * z + c
            n += 1
        output[i] = n


# The books write @jit(nopython=False, parallel=True); Numba no longer has an
# object-mode fallback, so @njit(parallel=True) is the same compiled code.
@njit(parallel=True)
def calculate_z_parallel(maxiter, zs, cs, output):
    """Calculate output list using Julia update rule"""
    for i in prange(len(zs)):
        n = 0
        z = zs[i]
        c = cs[i]
        while n < maxiter and (z.real*z.real + z.imag*z.imag) < 4:
            z = z * z + c
            n += 1
        output[i] = n


@njit
def evolve(grid, out, dt, D):
    """One step of the books' C diffusion formula; writes out's interior only."""
    nx, ny = grid.shape
    for i in range(1, nx - 1):
        for j in range(1, ny - 1):
            laplacian = grid[i+1, j] + grid[i-1, j] + grid[i, j+1] + grid[i, j-1] - 4 * grid[i, j]
            out[i, j] = grid[i, j] + D * dt * laplacian


@njit(parallel=True)
def evolve_parallel(grid, out, dt, D):
    """evolve() with the rows spread over threads."""
    nx, ny = grid.shape
    for i in prange(1, nx - 1):
        for j in range(1, ny - 1):
            laplacian = grid[i+1, j] + grid[i-1, j] + grid[i, j+1] + grid[i, j-1] - 4 * grid[i, j]
            out[i, j] = grid[i, j] + D * dt * laplacian


@njit
def fib(n):
    """Returns the nth Fibonacci number"""
    a = 0.0
    b = 1.0
    for i in range(n):
        a, b = a + b, a
    return a
