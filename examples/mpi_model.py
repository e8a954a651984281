"""A performance model of cext.mpi.diffuse, built from numbers measured on this machine, for runs larger than it.

    python examples/mpi_model.py mpi_scaling.json [--size 32768] [--ranks 8 64 512]
                                 [--latency 1.5e-6] [--bandwidth 25e9]

The measured numbers come from examples/mpi_scaling.py. For a block of bx x by cells and k steps per exchange,
one rank's time per step is::

    compute   c(k) * (bx + 2k) * (by + 2k)           every cell of block and halo, every step
  + exchange (a + 4 * latency + B(k) / bandwidth + B(k) / beta) / k     once per k steps

* c(k): seconds per cell and step of one cext.evolve(steps=k) call on one core, measured for a block that fits
  in this CPU's L3 cache and one that does not (the nearer in size is used). The halo is computed too: k steps
  on (bx + 2k)(by + 2k) cells, the redundant work that grows with k.
* a, beta: a halo exchange between two ranks of this machine, fitted as a + B / beta over the measured exchanges
  (four messages of persistent requests: the rows, then the columns carrying the corners): a is the fixed
  software cost of one exchange (Python, mpi4py, two Startall/Waitall rounds over shared memory), beta the rate
  of copying halo bytes.
* B(k) = 8 bytes * (2k * bx + 2k * by + 4k^2): the halo one rank receives, corners included.
* latency and bandwidth: the network between nodes, by default InfiniBand HDR (about 1.5 µs MPI latency and
  25 GB/s, 200 Gb/s, per link), paid by each of the four messages in turn.

Parallel efficiency is the time one process would take per step on the whole grid (the best measured c(k) on
the large block times N^2 cells), divided by (ranks x time per step).

What it ignores: messages between ranks of the same node (cheaper than the network), the four messages
overlapping each other (they would, partly), network contention and topology, the memory bandwidth that ranks on
one node share (c(k) is measured with one busy core, which flatters a full node), load imbalance (none when the
ranks divide the grid evenly), operating-system noise, and start-up. Before predicting, the script checks the
model against the measured 2-rank runs of this machine (no network: latency 0, bandwidth infinite).
"""

import argparse
import json
import math
from pathlib import Path
from typing import Any

from mpi4py import MPI

CANDIDATE_KS = (1, 2, 4, 8, 16, 32)


def fit_exchange(exchanges: dict[str, dict[str, float]]) -> tuple[float, float]:
    """Least-squares a and beta of seconds = a + bytes / beta."""
    points = [(entry["bytes"], entry["seconds"]) for entry in exchanges.values()]
    mean_bytes = sum(b for b, _ in points) / len(points)
    mean_seconds = sum(s for _, s in points) / len(points)
    slope = (sum((b - mean_bytes) * (s - mean_seconds) for b, s in points)
             / sum((b - mean_bytes) ** 2 for b, _ in points))
    slope = max(slope, 1e-15)  # a rate, never negative
    return max(mean_seconds - slope * mean_bytes, 0.0), 1.0 / slope


def cell_cost(compute: dict[str, dict[str, float]], cells: float, k: int) -> float:
    """c(k) of the measured block nearest in size (on a log scale) to a block of `cells` cells."""
    def size(name: str) -> float:
        rows, columns = name.split("x")
        return float(rows) * float(columns)

    nearest = min(compute, key=lambda name: abs(math.log(size(name) / cells)))
    return compute[nearest][str(k)]


def step_time(data: dict[str, Any], block: tuple[float, float], k: int, latency: float,
              bandwidth: float) -> tuple[float, float, float]:
    """(time per step, its compute part, its exchange part) for one rank owning a block of bx x by cells."""
    a, beta = fit_exchange(data["mpi"]["2"]["exchange"])
    bx, by = block
    compute = cell_cost(data["compute"], bx * by, k) * (bx + 2 * k) * (by + 2 * k)
    halo_bytes = 8 * (2 * k * bx + 2 * k * by + 4 * k * k)
    exchange = (a + 4 * latency + halo_bytes / bandwidth + halo_bytes / beta) / k
    return compute + exchange, compute, exchange


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("measured", help="the JSON file written by examples/mpi_scaling.py")
    parser.add_argument("--size", type=int, default=32768, help="side of the square grid to predict")
    parser.add_argument("--ranks", type=int, nargs="+", default=[8, 64, 512])
    parser.add_argument("--latency", type=float, default=1.5e-6, help="network latency per message, seconds")
    parser.add_argument("--bandwidth", type=float, default=25e9, help="network bandwidth per link, bytes/s")
    args = parser.parse_args()
    data: dict[str, Any] = json.loads(Path(args.measured).read_text(encoding="utf-8"))
    size: int = args.size

    a, beta = fit_exchange(data["mpi"]["2"]["exchange"])
    pingpong = data["mpi"]["2"]["pingpong"]
    largest = max(pingpong, key=int)
    print(f"Measured on {data['cpu']}:")
    print(f"  halo message between two ranks: {pingpong['8'] * 1e6:.2f} µs for 8 B, "
          f"{int(largest) / pingpong[largest] / 1e9:.2f} GB/s for {int(largest) / 2**20:.0f} MiB")
    print(f"  halo exchange (4 messages): a = {a * 1e6:.0f} µs + bytes / {beta / 1e9:.2f} GB/s")
    print("  evolve(steps=k), one core, ns per cell and step: " + "; ".join(
        f"{name}: " + ", ".join(f"k={k} {c * 1e9:.3f}" for k, c in rates.items())
        for name, rates in data["compute"].items()))

    print("\nThe model against this machine's 2-rank runs (rank rows x 1, periodic, shared memory):")
    print("| grid | k | measured per step | model | compute | exchange |")
    print("|---|---:|---:|---:|---:|---:|")
    for key, measured in data["mpi"]["2"]["diffuse"].items():
        grid, k = (int(word) for word in key.split())
        # Rank rows x 1 on a periodic grid: the columns wrap onto the rank itself, so it has halos on all sides.
        total, compute, exchange = step_time(data, (grid / 2, grid), k, 0.0, math.inf)
        print(f"| {grid}² | {k} | {measured * 1e3:.2f} ms | {total * 1e3:.2f} ms | {compute * 1e3:.2f} ms | "
              f"{exchange * 1e3:.3f} ms |")

    largest_block = max(data["compute"], key=lambda name: math.prod(int(n) for n in name.split("x")))
    serial = min(data["compute"][largest_block].values()) * size * size
    print(f"\nPrediction for a {size}² periodic grid (one process: {serial:.2f} s per step at the best measured "
          f"rate), network latency {args.latency * 1e6:g} µs and bandwidth {args.bandwidth / 1e9:g} GB/s per message:")
    print("| ranks | rank grid | block | best k | time per step | compute | exchange | efficiency | "
          "k = 1 instead |")
    print("|---:|---|---|---:|---:|---:|---:|---:|---:|")
    for ranks in args.ranks:
        rows, columns = MPI.Compute_dims(ranks, 2)
        block = (size / rows, size / columns)
        options = {k: step_time(data, block, k, args.latency, args.bandwidth) for k in CANDIDATE_KS}
        best = min(options, key=lambda k: options[k][0])
        total, compute, exchange = options[best]
        print(f"| {ranks} | {rows}x{columns} | {block[0]:.0f}x{block[1]:.0f} | {best} | {total * 1e3:.3f} ms | "
              f"{compute * 1e3:.3f} ms | {exchange * 1e3:.3f} ms | {serial / (ranks * total):.0%} | "
              f"{options[1][0] * 1e3:.3f} ms, {serial / (ranks * options[1][0]):.0%} |")


if __name__ == "__main__":
    main()
