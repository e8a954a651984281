"""Does Dask get real parallelism from cext? Times the same work on 1 and on N threads, two ways.

Because every cext kernel releases the GIL, the worker threads of Dask's threaded scheduler and of a
distributed.LocalCluster (processes=False: one process, many threads) run blocks at the same time. Each block
uses one OpenMP thread, so all parallelism comes from Dask. Prints the best of --repeat runs and the speedup.

    python examples/dask_scaling.py [--threads N] [--repeat 3]

Needs dask[array] and distributed (pip install "cext[dask]"). Run it on an otherwise idle machine.
"""

import argparse
import os
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import dask.array as da
import numpy as np
from distributed import Client, LocalCluster

import cext
import cext.dask


def compute_on(client: Client, work: Any) -> object:
    """The result of ``work`` computed on the cluster behind ``client``."""
    return client.compute(work).result()


def best_time(run: Callable[[], object], repeat: int) -> float:
    run()  # warm up: thread pools, imports, first touch of memory
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    threads: int = args.threads
    repeat: int = args.repeat

    image = cext.dask.julia_image(12000, 12000, chunks=1500).sum(dtype=np.int64)
    grid = da.random.default_rng(0).uniform(size=(2000, 2000), chunks=500)  # made by the workers, not shipped
    diffusion = cext.dask.diffuse(grid, 0.1, boundary="periodic", steps=200, steps_per_exchange=20).sum()
    workloads = {
        "julia_image 12000x12000, 64 blocks": image,
        "diffuse 2000x2000, 16 blocks, 200 steps, halo every 20": diffusion,
    }
    workloads = {f"{name} ({len(dict(work.dask))} tasks)": work for name, work in workloads.items()}
    print(f"cext {cext.__version__}, SIMD path {cext._core._build_info()['simd']}, {os.cpu_count()} CPUs; "
          f"best of {repeat}")
    print(f"{'workload':72} {'scheduler':22} {'1 thread':>9} {f'{threads} threads':>10} {'speedup':>8}")
    for name, work in workloads.items():
        results = {}
        for count in (1, threads):
            results[("threaded", count)] = best_time(
                partial(work.compute, scheduler="threads", num_workers=count), repeat)
            with LocalCluster(n_workers=1, threads_per_worker=count, processes=False,
                              dashboard_address=None) as cluster, Client(cluster) as client:
                results[("LocalCluster", count)] = best_time(partial(compute_on, client, work), repeat)
        for scheduler, label in (("threaded", "threaded scheduler"), ("LocalCluster", "LocalCluster (threads)")):
            one, many = results[(scheduler, 1)], results[(scheduler, threads)]
            print(f"{name:72} {label:22} {one:8.3f}s {many:9.3f}s {one / many:7.2f}x")


if __name__ == "__main__":
    main()
