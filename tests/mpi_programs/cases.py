"""cext.mpi.diffuse and cext.mpi.julia_image on this many ranks, against the single-process kernels bit for bit.

Run by tests/test_mpi.py under mpiexec. Every rank checks its own block against the same block of the
single-process result, and rank 0 checks the gathered whole grid too; each rank's report reaches rank 0
(_every_rank.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from _every_rank import report_every_rank
from mpi4py import MPI
from numpy.typing import NDArray

import cext
import cext.mpi

# Shapes that every rank count cuts unevenly, thin grids, and grids whose blocks are exactly k wide.
SHAPES = [(61, 47), (30, 90), (90, 17), (24, 24)]


def bits(array: NDArray[Any]) -> NDArray[np.uint64]:
    return array.view(np.uint64)


def coordinates(width: int, height: int, x_range: tuple[float, float],
                y_range: tuple[float, float]) -> NDArray[np.complex128]:
    """The documented pixel coordinates, spelled out independently of cext."""
    x_step = (x_range[1] - x_range[0]) / width
    y_step = (y_range[0] - y_range[1]) / height
    zs = np.empty((height, width), dtype=np.complex128)
    zs.real = x_range[0] + np.arange(width) * x_step
    zs.imag = (y_range[1] + np.arange(height) * y_step)[:, None]
    return zs


def check_diffuse(comm: MPI.Intracomm, report: dict[str, Any]) -> None:
    rank = comm.rank
    dims_options = [None, (comm.size, 1), (1, comm.size)]
    for boundary in ("fixed", "periodic"):
        for shape in SHAPES:
            # Every rank makes the same grid and references, so each can check its own block.
            grid = np.random.default_rng(shape[0] * 1000 + shape[1]).uniform(-1, 1, size=shape)
            references = {steps: cext.evolve(grid, np.empty_like(grid), 0.05, 0.7, boundary=boundary, steps=steps)
                          for steps in (0, 1, 8, 17)}
            for dims in dims_options:
                dec = cext.mpi.Decomposition(comm, shape, boundary=boundary, dims=dims)
                # Scattered float64 stays float64: astype only tells the type checker, without a copy.
                block = dec.scatter(grid if rank == 0 else None).astype(np.float64, copy=False)
                for k in (1, 3, 8, None):
                    for steps, expected in references.items():
                        case = [boundary, shape, dec.dims, k, steps]
                        try:
                            result = cext.mpi.diffuse(dec, block, 0.05, 0.7, steps=steps, steps_per_exchange=k,
                                                      num_threads=1)
                        except ValueError as error:  # k deeper than some block: refused on every rank alike
                            report["refused"].append([*case, str(error)])
                            continue
                        report["diffuse"] += 1
                        if not np.array_equal(bits(result), bits(expected[dec.block_slices])):
                            report["mismatches"].append([*case, "block"])
                        whole = dec.gather(result)
                        if rank == 0 and (whole is None or not np.array_equal(bits(whole), bits(expected))):
                            report["mismatches"].append([*case, "gathered"])
                        elif rank != 0 and whole is not None:
                            report["mismatches"].append([*case, "gathered off rank 0"])


def check_julia(comm: MPI.Intracomm, report: dict[str, Any]) -> None:
    """The book's grid and a region with other parameters, against calculate_z on one process."""
    image = cext.mpi.julia_image(comm, 1000, 1000, num_threads=1)
    other = cext.mpi.julia_image(comm, 97, 41, c=0.285 + 0.01j, maxiter=1000, x_range=(-0.5, 0.25),
                                 y_range=(0.1, 0.6), dims=(1, comm.size))
    if comm.rank != 0:
        report["julia"]["none_elsewhere"] = image is None and other is None
        return
    assert image is not None and other is not None, "julia_image() returned None on rank 0"
    report["julia"]["sum"] = int(image.sum(dtype=np.int64))
    report["julia"]["equal"] = bool(np.array_equal(
        image, cext.calculate_z(300, coordinates(1000, 1000, (-1.8, 1.8), (-1.8, 1.8)), -0.62772 - 0.42193j)))
    report["julia"]["other_equal"] = bool(np.array_equal(
        other, cext.calculate_z(1000, coordinates(97, 41, (-0.5, 0.25), (0.1, 0.6)), 0.285 + 0.01j)))
    try:
        from cext import dask as cext_dask
    except ImportError:  # cext.dask needs Dask, which the MPI extra does not bring
        report["julia"]["dask_equal"] = None
    else:
        report["julia"]["dask_equal"] = bool(np.array_equal(image, cext_dask.julia_image(1000, 1000).compute()))


def run(comm: MPI.Intracomm) -> dict[str, Any]:
    report: dict[str, Any] = {"diffuse": 0, "mismatches": [], "refused": [], "julia": {}, "decompositions": []}
    check_diffuse(comm, report)
    # The block's own cells are never touched, whatever the decomposition.
    dec = cext.mpi.Decomposition(comm, (40, 40), boundary="periodic")
    block = np.full(dec.block_shape, 0.5)
    cext.mpi.diffuse(dec, block, 0.1, steps=5, steps_per_exchange=2)
    report["block_untouched"] = bool((block == 0.5).all())
    # A result is an array of its own: the next call on the same decomposition, which reuses the halo's buffers,
    # leaves it as it was.
    first = cext.mpi.diffuse(dec, block, 0.1, steps=5, steps_per_exchange=2)
    kept = first.copy()
    cext.mpi.diffuse(dec, np.zeros(dec.block_shape), 0.1, steps=5, steps_per_exchange=2)
    report["result_kept"] = bool(np.array_equal(first, kept))
    report["decompositions"].append(repr(dec))
    check_julia(comm, report)
    return report


if __name__ == "__main__":
    report_every_rank(run)
