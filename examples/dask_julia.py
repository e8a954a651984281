"""A 20000x20000 Julia image with Dask: computed block by block, averaged down inside Dask, written as a PNG.

The full image never exists. 400 million escape counts would take 1.6 GB as int32 (and their starting points
6.4 GB as complex128); instead each block computes its own starting points, runs cext.calculate_z on them and is
averaged down to a small tile straight away, so memory stays at a few blocks per worker thread. The total of all
escape counts is computed from the same blocks in the same pass.

    python examples/dask_julia.py [--size 20000] [--chunk 2000] [--factor 20] [--maxiter 300]
                                  [--workers N] [--scheduler threads|distributed] [--png julia_dask.png]

Needs dask[array] and matplotlib (pip install "cext[dask]"); --scheduler distributed also needs distributed.
"""

import argparse
import os
import sys
import time

import dask
import dask.array as da
import numpy as np
from dask.diagnostics import ProgressBar
from numpy.typing import NDArray

import cext
import cext.dask

# julia1.py's region of the complex plane and its constant c.
EXTENT = (-1.8, 1.8, -1.8, 1.8)
C = complex(-0.62772, -0.42193)


def peak_memory_mb() -> float | None:
    """Peak resident memory of this process, where the platform reports it."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS, KiB on Linux


def render(means: NDArray[np.float64], path: str) -> None:
    """Writes the tile means as an image of exactly their size, one pixel per tile, on a log colour scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.imsave(path, np.log1p(means), cmap="magma")
    print(f"Wrote {path} ({means.shape[1]}x{means.shape[0]} pixels, log scale)")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", type=int, default=20000, help="image width and height in pixels")
    parser.add_argument("--chunk", type=int, default=2000, help="block width and height in pixels")
    parser.add_argument("--factor", type=int, default=20, help="downsampling factor (must divide --chunk)")
    parser.add_argument("--maxiter", type=int, default=300)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="Dask worker threads")
    parser.add_argument("--scheduler", choices=["threads", "distributed"], default="threads")
    parser.add_argument("--png", default="julia_dask.png")
    args = parser.parse_args()
    size: int = args.size
    chunk: int = args.chunk
    factor: int = args.factor
    if chunk % factor or size % factor:
        parser.error("--factor must divide both --size and --chunk")

    image = cext.dask.julia_image(size, size, c=C, maxiter=args.maxiter, x_range=EXTENT[:2], y_range=EXTENT[2:],
                                  chunks=chunk)
    means = da.coarsen(np.mean, image, {0: factor, 1: factor})  # each block shrinks to a tile where it is made
    total = image.sum(dtype=np.int64)
    print(f"Image: {size}x{size} = {size * size:,} points in {image.npartitions} blocks of {chunk}x{chunk}; "
          f"maxiter {args.maxiter}")
    print(f"Output: {means.shape[1]}x{means.shape[0]} tile means; scheduler {args.scheduler!r}, "
          f"{args.workers} worker threads, 1 OpenMP thread per block")

    if args.scheduler == "threads":
        start = time.perf_counter()
        with ProgressBar(dt=0.5):
            small, checksum = dask.compute(means, total, scheduler="threads", num_workers=args.workers)
        elapsed = time.perf_counter() - start
    else:
        from distributed import Client, LocalCluster, progress

        with LocalCluster(n_workers=1, threads_per_worker=args.workers, processes=False,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            start = time.perf_counter()
            futures = client.compute([means, total])
            progress(futures, notebook=False)
            print()
            small, checksum = client.gather(futures)
            elapsed = time.perf_counter() - start
            time.sleep(0.3)  # lets the scheduler's progress feed (100 ms poll) see the bar go before shutdown

    print(f"Computed in {elapsed:.2f} s ({size * size / elapsed / 1e6:,.0f} million points/s)")
    print(f"Sum of all escape counts: {int(checksum):,}")
    peak = peak_memory_mb()
    if peak is not None:
        print(f"Peak resident memory: {peak:,.0f} MB (the full image alone would be {size * size * 4 / 2**20:,.0f} MB)")
    render(np.asarray(small, dtype=np.float64), args.png)


if __name__ == "__main__":
    main()
