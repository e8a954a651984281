"""Many steps of the 2-D diffusion equation with Dask: blocks exchange halos every few steps (map_overlap).

High Performance Python's initial state (zero, with a square of 0.005 between 40% and 50% of each side) on a
larger grid, split into blocks. Every --per-exchange steps each block takes a halo of that many cells from its
neighbours and advances that many steps in one cext.evolve call; the result is then checked bit for bit against a
single cext.evolve call over the whole grid, which is also timed.

    python examples/dask_diffusion.py [--size 4000] [--chunk 1000] [--steps 500] [--per-exchange 25]
                                      [--boundary periodic|fixed] [--workers N]

Needs dask[array] (pip install "cext[dask]").
"""

import argparse
import os
import time

import dask.array as da
import numpy as np
from dask.diagnostics import ProgressBar
from numpy.typing import NDArray

import cext
import cext.dask


def initial_grid(size: int) -> NDArray[np.float64]:
    grid = np.zeros((size, size))
    block_low, block_high = int(size * 0.4), int(size * 0.5)
    grid[block_low:block_high, block_low:block_high] = 0.005
    return grid


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", type=int, default=4000)
    parser.add_argument("--chunk", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--per-exchange", type=int, default=25, help="steps between halo exchanges (halo depth)")
    parser.add_argument("--boundary", choices=["periodic", "fixed"], default="periodic")
    parser.add_argument("--dt", type=float, default=0.1)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="Dask worker threads")
    args = parser.parse_args()
    size: int = args.size
    steps: int = args.steps

    grid = initial_grid(size)
    lazy = cext.dask.diffuse(da.from_array(grid, chunks=args.chunk), args.dt, boundary=args.boundary, steps=steps,
                             steps_per_exchange=args.per_exchange)
    exchanges = -(-steps // args.per_exchange)
    print(f"Grid {size}x{size} in {lazy.npartitions} blocks of {args.chunk}x{args.chunk}; {steps} steps, "
          f"{args.boundary} boundary, a halo exchange every {args.per_exchange} steps ({exchanges} exchanges, "
          f"{len(dict(lazy.dask))} tasks)")

    start = time.perf_counter()
    with ProgressBar(dt=0.5):
        result = lazy.compute(scheduler="threads", num_workers=args.workers)
    chunked = time.perf_counter() - start
    cells = size * size * steps
    print(f"Dask, {args.workers} worker threads x 1 OpenMP thread: {chunked:.2f} s "
          f"({cells / chunked / 1e9:.2f} billion cell updates/s)")

    start = time.perf_counter()
    whole = cext.evolve(grid, np.empty_like(grid), args.dt, boundary=args.boundary, steps=steps)
    single = time.perf_counter() - start
    print(f"One cext.evolve call, all OpenMP threads: {single:.2f} s "
          f"({cells / single / 1e9:.2f} billion cell updates/s)")

    assert np.array_equal(result, whole), "Dask result differs from the single call"
    print(f"Results identical; total heat {result.sum():.12f} (initial {grid.sum():.12f})")


if __name__ == "__main__":
    main()
