"""High Performance Python's numexpr diffusion step, with the books' arithmetic.

The book hands the update to ``numexpr.evaluate``, which compiles the
expression once and runs it over cache-sized blocks on its own threads,
without NumPy's whole-array temporaries. Here the whole stencil is one
expression on shifted views of the grid, parenthesised in the books' C order
(floating-point addition is not associative), writing the interior of
``out``; the border stays as the caller set it.

Importing this module needs numexpr; the harness skips the peer otherwise.
"""
import numexpr  # type: ignore[import-untyped]

STENCIL = "center + D_dt * ((((down + up) + right) + left) - 4.0 * center)"


def evolve(grid, out, dt, D=1.0):
    """One fixed-boundary step from ``grid`` into ``out``'s interior."""
    numexpr.evaluate(STENCIL, out=out[1:-1, 1:-1], local_dict={
        "center": grid[1:-1, 1:-1], "down": grid[2:, 1:-1], "up": grid[:-2, 1:-1],
        "right": grid[1:-1, 2:], "left": grid[1:-1, :-2], "D_dt": D * dt})
