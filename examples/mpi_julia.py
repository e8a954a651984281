"""High Performance Python's Julia image (julia1.py) on many processes with MPI.

Each rank computes the escape counts of its own block of the image, from its own coordinates: nothing is sent
but the finished counts, which rank 0 gathers. Rank 0 then computes the whole image in this single process with
one cext.calculate_z call, checks that both are the same, and prints the validation sum (33,219,980 for the
book's 1000x1000 image).

    mpiexec -n 2 python examples/mpi_julia.py [--size 1000] [--maxiter 300] [--threads 1]

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


def julia_coordinates(size: int) -> NDArray[np.complex128]:
    """The whole image's starting points, by the formula cext.mpi documents: pixel (i, j) is
    complex(-1.8 + j * step, 1.8 - i * step) with step = 3.6 / size, each computed from its index."""
    x_step, y_step = (1.8 - -1.8) / size, (-1.8 - 1.8) / size
    zs = np.empty((size, size), dtype=np.complex128)
    zs.real = -1.8 + np.arange(size, dtype=np.float64) * x_step
    zs.imag = (1.8 + np.arange(size, dtype=np.float64) * y_step)[:, np.newaxis]
    return zs


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--maxiter", type=int, default=300)
    parser.add_argument("--threads", type=int, default=1, help="OpenMP threads per rank")
    args = parser.parse_args()
    comm = MPI.COMM_WORLD
    size: int = args.size

    comm.Barrier()
    start = time.perf_counter()
    image = cext.mpi.julia_image(comm, size, size, maxiter=args.maxiter, num_threads=args.threads)
    distributed = time.perf_counter() - start
    if comm.rank != 0 or image is None:
        return
    print(f"Julia image {size}x{size}, maxiter {args.maxiter}, on {comm.size} ranks x {args.threads} OpenMP "
          f"thread(s): {distributed:.3f} s")
    print(f"Sum of all escape counts: {int(image.sum(dtype=np.int64)):,}")

    start = time.perf_counter()
    whole = cext.calculate_z(args.maxiter, julia_coordinates(size), complex(-0.62772, -0.42193),
                             num_threads=args.threads)
    single = time.perf_counter() - start
    print(f"One cext.calculate_z call in one process, {args.threads} OpenMP thread(s): {single:.3f} s")
    if np.array_equal(image, whole):
        print("Result: bit-identical to the single process")
    else:
        print(f"Result: DIFFERS from the single process in {int((image != whole).sum())} pixels")
        comm.Abort(1)


if __name__ == "__main__":
    main()
