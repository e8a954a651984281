"""High Performance Python's julia1.py, with the CPU-bound function replaced by cext.calculate_z.

Builds the 1000x1000 grid of complex coordinates exactly as the book does (float-stepping loops), times the
kernel, and checks the book's validation sum. With --png it also renders the escape counts as an image.

    python examples/julia.py [--width 1000] [--maxiter 300] [--threads N] [--png julia.png]
"""

import argparse
import time

import numpy as np
from numpy.typing import NDArray

import cext

# Area of complex space to investigate, and the constant c of the Julia set.
x1, x2, y1, y2 = -1.8, 1.8, -1.8, 1.8
c_real, c_imag = -0.62772, -0.42193
VALIDATION_SUM = 33219980  # for a 1000x1000 grid and 300 iterations


def build_inputs(desired_width: int) -> tuple[list[float], list[float], list[complex], list[complex]]:
    """The book's coordinate lists: zs over the grid, cs the constant c at every point."""
    x_step = (x2 - x1) / desired_width
    y_step = (y1 - y2) / desired_width
    x: list[float] = []
    y: list[float] = []
    ycoord = y2
    while ycoord > y1:
        y.append(ycoord)
        ycoord += y_step
    xcoord = x1
    while xcoord < x2:
        x.append(xcoord)
        xcoord += x_step
    zs = [complex(xcoord, ycoord) for ycoord in y for xcoord in x]
    cs = [complex(c_real, c_imag)] * len(zs)
    return x, y, zs, cs


def render(counts: NDArray[np.int32], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 8), dpi=100)
    ax.imshow(np.log1p(counts), cmap="magma", extent=(x1, x2, y1, y2), interpolation="nearest")
    ax.set_title(f"Julia set, c = {c_real}{c_imag:+}j: escape counts (log scale)")
    ax.set_xlabel("Re z")
    ax.set_ylabel("Im z")
    fig.tight_layout()
    fig.savefig(path)
    print(f"Wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=1000)
    parser.add_argument("--maxiter", type=int, default=300)
    parser.add_argument("--threads", type=int, default=None, help="OpenMP threads (default: all)")
    parser.add_argument("--png", help="also render the escape counts to this PNG file (needs matplotlib)")
    args = parser.parse_args()

    x, y, zs, cs = build_inputs(args.width)
    print("Length of x:", len(x))
    print("Total elements:", len(zs))

    start = time.perf_counter()
    zs_array, cs_array = np.array(zs), np.array(cs)
    print(f"Converting the lists to arrays took {time.perf_counter() - start:.4f} seconds")

    cext.calculate_z(args.maxiter, zs_array, cs_array, num_threads=args.threads)  # warm-up: wake the threads
    start = time.perf_counter()
    output = cext.calculate_z(args.maxiter, zs_array, cs_array, num_threads=args.threads)
    secs = time.perf_counter() - start
    print(f"calculate_z took {secs:.6f} seconds")

    total = int(output.sum())
    print("Total sum of elements (for validation):", total)
    if args.width == 1000 and args.maxiter == 300:
        assert total == VALIDATION_SUM, f"expected {VALIDATION_SUM}"

    if args.png:
        render(output.reshape(len(y), len(x)), args.png)


if __name__ == "__main__":
    main()
