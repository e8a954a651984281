"""Pure-Python peers: the books' loops on Python lists.

These are the baselines of the "vs pure Python" column. The harness runs the
Julia and large diffusion cases on a subset of rows and scales the time; see
bench/workloads.py.

The same file is what PyPy runs, what Nuitka, mypyc and Shed Skin compile and
what the multiprocessing peer's workers call. The annotations are the only
addition to the books' code: CPython and PyPy ignore them, mypyc compiles
with them (unboxed ints and floats).
"""


def calculate_z(maxiter: int, zs: list[complex], cs: list[complex]) -> list[int]:
    """Calculate output list using Julia update rule"""
    # The books' calculate_z_serial_purepython, annotated. Its
    # abs(z) < 2 test rounds differently from z.real**2 + z.imag**2 < 4 near
    # |z| = 2; on the books' grid the two agree point for point, and the
    # harness checks that before timing.
    output = [0] * len(zs)
    for i in range(len(zs)):
        n = 0
        z = zs[i]
        c = cs[i]
        while n < maxiter and abs(z) < 2:
            z = z * z + c
            n += 1
        output[i] = n
    return output


def evolve(grid: list[list[float]], out: list[list[float]], dt: float, D: float = 1.0) -> None:
    """One diffusion step over nested lists: the books' C loop, line for line.

    Writes only the interior of ``out``; its border stays as the caller set it.
    """
    nx, ny = len(grid), len(grid[0])
    for i in range(1, nx - 1):
        for j in range(1, ny - 1):
            laplacian = grid[i+1][j] + grid[i-1][j] + grid[i][j+1] + grid[i][j-1] - 4 * grid[i][j]
            out[i][j] = grid[i][j] + D * dt * laplacian


# Returns the nth Fibonacci number unchanged but for the annotations)
def fib(n: int) -> float:
    a = 0.0
    b = 1.0
    for i in range(n):
        a, b = a + b, a
    return a
