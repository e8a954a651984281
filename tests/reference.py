"""Plain Python/NumPy references that state the exact arithmetic the kernels must reproduce bit for bit."""

import numpy as np

import cext

# The extension's functions, read from the one list the package keeps (cext.__all__), for tests that must cover
# every function: adding a function to the package adds it to them.
EXTENSION_FUNCTIONS = tuple(name for name in cext.__all__ if hasattr(cext._core, name))

# High Performance Python's julia1.py: the area of complex space to investigate and the constant c.
X1, X2, Y1, Y2 = -1.8, 1.8, -1.8, 1.8
C_REAL, C_IMAG = -0.62772, -0.42193
VALIDATION_SUM = 33219980  # for width 1000, maxiter 300


def julia_inputs(width):
    """zs and cs lists built exactly as julia1.py does (float-stepping loops, not linspace)."""
    x_step = (X2 - X1) / width
    y_step = (Y1 - Y2) / width
    x, y = [], []
    ycoord = Y2
    while ycoord > Y1:
        y.append(ycoord)
        ycoord += y_step
    xcoord = X1
    while xcoord < X2:
        x.append(xcoord)
        xcoord += x_step
    zs, cs = [], []
    for ycoord in y:
        for xcoord in x:
            zs.append(complex(xcoord, ycoord))
            cs.append(complex(C_REAL, C_IMAG))
    return zs, cs


def escape_counts_python(maxiter, zs, cs):
    """The escape-count loop, point by point, in pure Python (Python's complex z*z + c, spelled out)."""
    output = []
    for z, c in zip(zs, cs, strict=True):
        zr, zi, cr, ci = float(z.real), float(z.imag), float(c.real), float(c.imag)
        n = 0
        while n < maxiter and zr * zr + zi * zi < 4:
            zr, zi = (zr * zr - zi * zi) + cr, (zr * zi + zi * zr) + ci
            n += 1
        output.append(n)
    return output


def escape_counts_numpy(maxiter, zs, cs):
    """The same arithmetic vectorised with NumPy (element-wise IEEE operations, no fusion), for large inputs.

    Finished points are dropped from the working set, so the cost follows the total iteration count.
    """
    zs = np.asarray(zs, dtype=np.complex128).ravel()
    cs = np.broadcast_to(np.asarray(cs, dtype=np.complex128), zs.shape).ravel()
    counts = np.zeros(zs.shape, dtype=np.int32)
    index = np.arange(zs.size)
    zr, zi, cr, ci = zs.real.copy(), zs.imag.copy(), cs.real.copy(), cs.imag.copy()
    with np.errstate(all="ignore"):
        for _ in range(maxiter):
            zr2, zi2 = zr * zr, zi * zi
            live = zr2 + zi2 < 4
            if not live.all():
                index, zr, zi, cr, ci, zr2, zi2 = (a[live] for a in (index, zr, zi, cr, ci, zr2, zi2))
            if index.size == 0:
                break
            counts[index] += 1
            t = zr * zi
            zr, zi = (zr2 - zi2) + cr, (t + t) + ci
    return counts


def diffusion_step(grid, dt, D=1.0, boundary="fixed"):
    """One step of High Performance Python's C formula: in + (D*dt) * (in[i+1] + in[i-1] + in[j+1] + in[j-1] - 4*in)."""
    g = np.asarray(grid, dtype=np.float64)
    with np.errstate(all="ignore"):
        if boundary == "periodic":
            # np.roll(g, -1, 0)[i] == g[i+1] with wrap-around, and so on; summed in the formula's order.
            lap = np.roll(g, -1, 0) + np.roll(g, 1, 0) + np.roll(g, -1, 1) + np.roll(g, 1, 1) - 4 * g
            return g + (D * dt) * lap
        out = g.copy()
        if g.shape[0] >= 3 and g.shape[1] >= 3:
            c = g[1:-1, 1:-1]
            lap = g[2:, 1:-1] + g[:-2, 1:-1] + g[1:-1, 2:] + g[1:-1, :-2] - 4 * c
            out[1:-1, 1:-1] = c + (D * dt) * lap
        return out


def diffusion_steps(grid, dt, D=1.0, boundary="fixed", steps=1):
    g = np.array(grid, dtype=np.float64)
    for _ in range(steps):
        g = diffusion_step(g, dt, D, boundary)
    return g


def fib(n):
    """The Cython book's fib."""
    a, b = 0.0, 1.0
    for _ in range(n):
        a, b = a + b, a
    return a


def bits(a):
    """Bit patterns of a float64 array, so equality means bit-identical: -0.0 differs from 0.0, every finite and
    infinite value must match exactly. NaNs are mapped to one pattern, because IEEE 754 leaves the sign and
    payload of a NaN result unspecified (x86 returns the first operand's NaN, and compilers may commute + and *).
    """
    a = np.array(a, dtype=np.float64)
    a[np.isnan(a)] = np.nan
    return a.view(np.uint64)
