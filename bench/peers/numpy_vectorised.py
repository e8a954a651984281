"""NumPy peers: whole-array versions of the Julia and diffusion kernels."""
import numpy as np


def calculate_z(maxiter, zs, cs):
    """Escape counts for every point, iterating only the points still inside.

    One vectorised Julia step per iteration on the points that have not yet
    escaped, so the work shrinks as points leave (a full-grid masked update
    would touch all 10**6 points 300 times). Same arithmetic as the books:
    the test is z.real*z.real + z.imag*z.imag < 4, the update z*z + c.
    Allocates its output.
    """
    output = np.zeros(zs.shape, dtype=np.int32)
    alive = np.arange(zs.size)
    z = zs.ravel()
    c = cs.ravel()
    for _ in range(maxiter):
        inside = z.real * z.real + z.imag * z.imag < 4
        alive, z, c = alive[inside], z[inside], c[inside]
        if alive.size == 0:
            break
        output.flat[alive] += 1
        z = z * z + c
    return output


def evolve_roll(grid, dt, D=1.0):
    """High Performance Python's np.roll diffusion step (periodic boundary).

    The book writes np.roll(grid, +1, 0) + np.roll(grid, -1, 0) +
    np.roll(grid, +1, 1) + np.roll(grid, -1, 1) - 4 * grid. The rolls are
    reordered here to add in[i+1] + in[i-1] + in[i][j+1] + in[i][j-1], the
    the books' C order: floating-point addition is not associative, and only
    that order is bit-identical to the other peers. Allocates its result.
    """
    laplacian = (np.roll(grid, -1, 0) + np.roll(grid, +1, 0)
                 + np.roll(grid, -1, 1) + np.roll(grid, +1, 1) - 4 * grid)
    return grid + (D * dt) * laplacian


def evolve_slicing(grid, out, scratch, dt, D=1.0):
    """One fixed-boundary step with slices and ufunc ``out=``: no allocation.

    Computes the books' C formula term by term, in its order, into the
    interior of ``out``; ``scratch`` holds 4 * in[i][j] and has the
    interior's shape. The border of ``out`` stays as the caller set it.
    """
    interior = out[1:-1, 1:-1]
    center = grid[1:-1, 1:-1]
    np.add(grid[2:, 1:-1], grid[:-2, 1:-1], out=interior)
    np.add(interior, grid[1:-1, 2:], out=interior)
    np.add(interior, grid[1:-1, :-2], out=interior)
    np.multiply(center, 4, out=scratch)
    np.subtract(interior, scratch, out=interior)
    np.multiply(interior, D * dt, out=interior)
    np.add(interior, center, out=interior)
