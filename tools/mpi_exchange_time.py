"""The time of one halo exchange of cext.mpi, alone: the best of many, on the slowest rank.

    mpiexec --oversubscribe -n 4 python tools/mpi_exchange_time.py [--size 2048] [--count 400]

A periodic ``size`` x ``size`` grid on MPI's choice of rank grid (2 ranks: 2x1, 4 ranks: 2x2), halos 1 and 8
cells deep. Every exchange starts after a barrier, so each time is one exchange with every rank ready.
"""

import argparse
import time

from mpi4py import MPI

import cext.mpi


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--count", type=int, default=400)
    args = parser.parse_args()
    comm = MPI.COMM_WORLD
    with cext.mpi.Decomposition(comm, (args.size, args.size), boundary="periodic") as dec:
        for depth in (1, 8):
            halo = dec.halo(depth)
            best = float("inf")
            for _ in range(args.count):
                dec.comm.Barrier()
                start = time.perf_counter()
                halo.exchange(halo.buffers[0])
                best = min(best, time.perf_counter() - start)
            slowest = comm.reduce(best, op=MPI.MAX)
            if comm.rank == 0:
                print(f"{comm.size} ranks {dec.dims}, depth {depth}: {slowest * 1e3:.3f} ms "
                      f"({halo.messages} messages, {halo.nbytes:,} bytes sent by rank 0)")


if __name__ == "__main__":
    main()
