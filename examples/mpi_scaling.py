"""How does cext.mpi scale on this machine, next to cext.dask? Times both on 1 and on N workers, and measures what
examples/mpi_model.py needs to predict larger runs.

Run without mpiexec: it starts ``mpiexec -n 1`` and ``mpiexec -n N`` of itself, then runs the Dask side in this
process, prints the tables in Markdown and writes every number to --out (JSON).

* diffusion on 2000x2000 and 4000x4000 periodic grids, 64 steps, a halo exchange every k = 1, 4, 16 steps:
  ``cext.mpi.diffuse`` on N ranks (rank rows x 1), ``cext.dask.diffuse`` with the same blocks on N threads
  (threaded scheduler and a ``distributed.LocalCluster`` of threads); one block per worker, one OpenMP thread each;
* the Julia image at 8000x8000, the same ways;
* for the model: the time of a halo message of every size between two ranks (latency and bandwidth), the time of
  whole halo exchanges, and the per-cell cost of ``cext.evolve(steps=k)`` on one core.

Every figure is the best of --repeat runs. Run it on an otherwise idle machine.

    python examples/mpi_scaling.py [--ranks 2] [--repeat 3] [--out mpi_scaling.json] [--mpiexec-args ...]

Needs mpi4py, an MPI library, dask[array] and distributed (pip install "cext[mpi,dask]"). As root, Open MPI also
needs OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 in the environment.
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

import cext

SIZES = [2000, 4000]
KS = (1, 4, 16)
STEPS = 64
JULIA = [8000]
COMPUTE_SHAPES = [(1024, 2048), (4096, 4096)]
DT = 0.1


def shrink() -> None:
    """--quick: grids a hundred times smaller, to check that the script runs."""
    SIZES[:] = [size // 10 for size in SIZES]
    JULIA[:] = [JULIA[0] // 10]
    COMPUTE_SHAPES[:] = [(rows // 8, columns // 8) for rows, columns in COMPUTE_SHAPES]


def best_time(run: Callable[[], object], repeat: int, barrier: Callable[[], object] = lambda: None) -> float:
    run()  # warm up: first touch of memory, thread pools, connections
    times = []
    for _ in range(repeat):
        barrier()
        start = time.perf_counter()
        run()
        barrier()
        times.append(time.perf_counter() - start)
    return min(times)


# -- under mpiexec -----------------------------------------------------------------------------------------------


def measure_mpi(repeat: int) -> None:
    from mpi4py import MPI

    import cext.mpi

    comm = MPI.COMM_WORLD
    results: dict[str, Any] = {"ranks": comm.size, "diffuse": {}, "julia": None}
    for size in SIZES:
        dec = cext.mpi.Decomposition(comm, (size, size), boundary="periodic", dims=(comm.size, 1))
        block = np.random.default_rng(comm.rank).uniform(size=dec.block_shape)
        for k in KS:
            run = partial(cext.mpi.diffuse, dec, block, DT, steps=STEPS, steps_per_exchange=k, num_threads=1)
            seconds = best_time(run, repeat, comm.Barrier)
            results["diffuse"][f"{size} {k}"] = seconds / STEPS
        if comm.size > 1:  # the halo exchanges alone, for the model
            for k in KS:
                halo = dec.halo(k)
                count = 50
                seconds = best_time(partial(exchanges, halo, count), repeat, comm.Barrier)
                results.setdefault("exchange", {})[f"{size} {k}"] = {
                    "seconds": seconds / count, "bytes": halo.nbytes, "messages": halo.messages}
        dec.free()
    results["julia"] = best_time(lambda: cext.mpi.julia_image(comm, JULIA[0], JULIA[0], num_threads=1), repeat,
                                 comm.Barrier)
    if comm.size == 2:
        results["pingpong"] = ping_pong(comm, repeat)
    if comm.rank == 0:
        print(json.dumps(results))


def exchanges(halo: Any, count: int) -> None:
    for _ in range(count):
        halo.exchange(halo.buffers[0])


def round_trips(comm: Any, data: np.ndarray[Any, Any], rounds: int) -> None:
    for _ in range(rounds):
        if comm.rank == 0:
            comm.Send(data, dest=1)
            comm.Recv(data, source=1)
        elif comm.rank == 1:
            comm.Recv(data, source=0)
            comm.Send(data, dest=0)


def ping_pong(comm: Any, repeat: int) -> dict[str, float]:
    """One-way time of a message of n bytes between ranks 0 and 1 (half a round trip), NumPy buffers through
    mpi4py's Send/Recv: what a halo message costs, software included."""
    times: dict[str, float] = {}
    for exponent in range(3, 26, 2):  # 8 B to 32 MiB
        data = np.zeros(2**exponent, dtype=np.uint8)
        rounds = 200 if exponent < 16 else 10

        times[str(2**exponent)] = best_time(partial(round_trips, comm, data, rounds), repeat, comm.Barrier) / rounds / 2
    return times


# -- without mpiexec ---------------------------------------------------------------------------------------------


def measure_dask(threads: int, repeat: int) -> dict[str, Any]:
    import dask.array as da
    from distributed import Client, LocalCluster

    import cext.dask

    def workloads(grids: dict[int, Any], workers: int) -> dict[str, Any]:
        work: dict[str, Any] = {}
        for size, grid in grids.items():
            for k in KS:
                work[f"diffuse {size} {k}"] = cext.dask.diffuse(grid, DT, boundary="periodic", steps=STEPS,
                                                                steps_per_exchange=k).sum()
        julia = cext.dask.julia_image(JULIA[0], JULIA[0], chunks=(-(-JULIA[0] // workers), JULIA[0]))
        work["julia"] = julia.sum(dtype=np.int64)
        return work

    results: dict[str, Any] = {}
    for workers in sorted({1, threads}):
        # The blocks of the MPI run: one per worker, rank rows x 1.
        grids = {size: da.from_array(np.random.default_rng(0).uniform(size=(size, size)),
                                     chunks=(-(-size // workers), size)) for size in SIZES}
        threaded = {name: best_time(partial(lazy.compute, scheduler="threads", num_workers=workers), repeat)
                    for name, lazy in workloads(grids, workers).items()}
        with LocalCluster(n_workers=1, threads_per_worker=workers, processes=False,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            # The grids live in the cluster beforehand, as MPI's blocks live in the ranks: not shipped in each graph.
            grids = {size: client.persist(grid) for size, grid in grids.items()}
            cluster_times = {name: best_time(partial(client.compute, lazy, sync=True), repeat)
                             for name, lazy in workloads(grids, workers).items()}
        results[str(workers)] = {"threaded": threaded, "LocalCluster": cluster_times}
    return results


def measure_compute(repeat: int) -> dict[str, dict[str, float]]:
    """Seconds per cell and step of one cext.evolve(steps=k) call on one core, for blocks that fit in this CPU's
    L3 cache and blocks that do not."""
    rates: dict[str, dict[str, float]] = {}
    for shape in COMPUTE_SHAPES:
        grid = np.random.default_rng(0).uniform(size=shape)
        out = np.empty_like(grid)
        for k in (1, 2, 4, 8, 16, 32):
            seconds = best_time(partial(cext.evolve, grid, out, DT, steps=k, num_threads=1), repeat)
            rates.setdefault(f"{shape[0]}x{shape[1]}", {})[str(k)] = seconds / (grid.size * k)
    return rates


def cpu_model() -> str:
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return platform.processor() or "unknown CPU"


def run_mpi(ranks: int, repeat: int, extra: list[str]) -> dict[str, Any]:
    mpiexec = str(Path(sys.executable).parent / "mpiexec")
    if not Path(mpiexec).is_file():
        mpiexec = shutil.which("mpiexec") or "mpiexec"
    oversubscribe = ["--oversubscribe"] if ranks > (os.cpu_count() or 1) else []
    command = [mpiexec, *oversubscribe, *extra, "-n", str(ranks), sys.executable, __file__, "--worker",
               "--repeat", str(repeat), *(["--quick"] if SIZES[0] < 2000 else [])]
    output = subprocess.run(command, capture_output=True, text=True, check=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"}).stdout
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return result


def print_tables(data: dict[str, Any]) -> None:
    ranks = data["ranks"]
    one, many = data["mpi"]["1"], data["mpi"][str(ranks)]
    dask_one, dask_many = data["dask"]["1"], data["dask"][str(ranks)]
    print(f"\n{data['cpu']}, {os.cpu_count()} CPUs; best of {data['repeat']}; one OpenMP thread per rank or block\n")
    print(f"| workload | k | MPI, 1 rank | MPI, {ranks} ranks | speedup | Dask threaded, 1 / {ranks} threads | "
          f"Dask LocalCluster, 1 / {ranks} threads |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for size in SIZES:
        for k in KS:
            key, dask_key = f"{size} {k}", f"diffuse {size} {k}"
            t1, tn = one["diffuse"][key], many["diffuse"][key]
            print(f"| diffusion {size}², per step | {k} | {t1 * 1e3:.2f} ms | {tn * 1e3:.2f} ms | {t1 / tn:.2f}x | "
                  f"{dask_one['threaded'][dask_key] / STEPS * 1e3:.2f} / "
                  f"{dask_many['threaded'][dask_key] / STEPS * 1e3:.2f} ms | "
                  f"{dask_one['LocalCluster'][dask_key] / STEPS * 1e3:.2f} / "
                  f"{dask_many['LocalCluster'][dask_key] / STEPS * 1e3:.2f} ms |")
    t1, tn = one["julia"], many["julia"]
    print(f"| Julia {JULIA[0]}², 300 it | — | {t1:.3f} s | {tn:.3f} s | {t1 / tn:.2f}x | "
          f"{dask_one['threaded']['julia']:.3f} / {dask_many['threaded']['julia']:.3f} s | "
          f"{dask_one['LocalCluster']['julia']:.3f} / {dask_many['LocalCluster']['julia']:.3f} s |")
    if "pingpong" in data["mpi"].get("2", {}):
        print("\nOne halo-sized message between two ranks (half a round trip):")
        print(" ".join(f"{int(n):,} B: {t * 1e6:.2f} µs;" for n, t in data["mpi"]["2"]["pingpong"].items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--ranks", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default="mpi_scaling.json")
    parser.add_argument("--mpiexec-args", default="", help="extra mpiexec options, one string")
    parser.add_argument("--quick", action="store_true", help="small grids: check that it runs, measure nothing")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)  # the mpiexec side
    args = parser.parse_args()
    if args.quick:
        shrink()
    if args.worker:
        measure_mpi(args.repeat)
        return
    ranks: int = args.ranks
    repeat: int = args.repeat
    extra = args.mpiexec_args.split()
    data: dict[str, Any] = {"cpu": cpu_model(), "cpus": os.cpu_count(), "ranks": ranks, "repeat": repeat,
                            "steps": STEPS, "simd": cext._core._build_info()["simd"], "mpi": {}}
    for count in sorted({1, ranks, 2}):  # 2 ranks for the ping-pong, whatever --ranks says
        print(f"mpiexec -n {count} ...", flush=True)
        data["mpi"][str(count)] = run_mpi(count, repeat, extra)
    print("Dask ...", flush=True)
    data["dask"] = measure_dask(ranks, repeat)
    print("evolve per-cell cost ...", flush=True)
    data["compute"] = measure_compute(repeat)
    Path(args.out).write_text(json.dumps(data, indent=1), encoding="utf-8")
    print_tables(data)
    print(f"\nWrote {args.out}; python examples/mpi_model.py {args.out} predicts larger runs from it.")


if __name__ == "__main__":
    main()
