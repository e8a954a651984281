"""High Performance Python's 2-D diffusion experiment on many processes with MPI, at any size.

The book's initial state (zero, with a square of 0.005 between 40% and 50% of each side), dt = 0.1 and periodic
boundaries, on a grid of any size split into one block per rank. Every --steps-per-exchange steps neighbouring
ranks trade halos that deep, and each rank advances its block that many steps in one cext.evolve call. Rank 0
then gathers the grid, repeats the run as one cext.evolve call in this single process, and checks that both
give the same bits.

    mpiexec -n 2 python examples/mpi_diffusion.py [--size 640] [--steps 500] [--steps-per-exchange K]
                                                  [--boundary periodic|fixed] [--threads 1]

Needs mpi4py and an MPI library (pip install "cext[mpi]"). As root, Open MPI also needs
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; to start more ranks than cores, add --oversubscribe.
"""

import argparse
import time

import numpy as np
from mpi4py import MPI
from numpy.typing import NDArray

import cext
import cext.mpi


def initial_grid(size: int) -> NDArray[np.float64]:
    grid = np.zeros((size, size))
    block_low, block_high = int(size * 0.4), int(size * 0.5)
    grid[block_low:block_high, block_low:block_high] = 0.005
    return grid


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", type=int, default=640)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--steps-per-exchange", type=int, default=None,
                        help="steps between halo exchanges, the halo depth (default: cext.mpi's choice)")
    parser.add_argument("--boundary", choices=["periodic", "fixed"], default="periodic")
    parser.add_argument("--dt", type=float, default=0.1)
    parser.add_argument("--threads", type=int, default=1, help="OpenMP threads per rank")
    args = parser.parse_args()
    comm = MPI.COMM_WORLD
    size: int = args.size
    steps: int = args.steps

    grid = initial_grid(size) if comm.rank == 0 else None
    dec = cext.mpi.Decomposition(comm, (size, size), boundary=args.boundary)
    block = dec.scatter(grid).astype(np.float64, copy=False)
    k = args.steps_per_exchange or cext.mpi.default_steps_per_exchange(dec)
    shapes = comm.gather(dec.block_shape)
    if comm.rank == 0:
        exchanges = -(-steps // min(k, steps)) if steps else 0
        print(f"Grid {size}x{size}, {args.boundary} boundary, {steps} steps on {comm.size} ranks "
              f"({dec.dims[0]}x{dec.dims[1]}, blocks {sorted(set(shapes or []))}), a halo exchange every {k} steps "
              f"({exchanges} exchanges), {args.threads} OpenMP thread(s) per rank")

    comm.Barrier()
    start = time.perf_counter()
    block = cext.mpi.diffuse(dec, block, args.dt, steps=steps, steps_per_exchange=k, num_threads=args.threads)
    comm.Barrier()
    distributed = time.perf_counter() - start
    gathered = dec.gather(block)
    if comm.rank != 0 or gathered is None or grid is None:
        return
    result = gathered.astype(np.float64, copy=False)  # it is float64 already: this only tells the type checker

    cells = size * size * steps
    print(f"cext.mpi.diffuse, {comm.size} ranks: {distributed:.3f} s ({cells / distributed / 1e9:.2f} billion cell "
          f"updates/s)")
    start = time.perf_counter()
    whole = cext.evolve(grid, np.empty_like(grid), args.dt, boundary=args.boundary, steps=steps,
                        num_threads=args.threads)
    single = time.perf_counter() - start
    print(f"One cext.evolve call in one process, {args.threads} OpenMP thread(s): {single:.3f} s "
          f"({cells / single / 1e9:.2f} billion cell updates/s)")
    if np.array_equal(result.view(np.uint64), whole.view(np.uint64)):
        print(f"Result: bit-identical to the single process; total heat {float(result.sum()):.12f}")
    else:
        different = result != whole
        print(f"Result: DIFFERS from the single process in {int(different.sum())} cells, largest difference "
              f"{float(np.abs(result - whole).max()):.3e}")
        comm.Abort(1)


if __name__ == "__main__":
    main()
