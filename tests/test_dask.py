"""cext.dask: the kernels inside Dask give exactly the single-call results, and run in parallel."""

import sys
import time
from pathlib import Path

import numpy as np
import pytest
from child_process import run_script
from reference import VALIDATION_SUM, bits

import cext

da = pytest.importorskip("dask.array")
import cext.dask  # noqa: E402  (needs dask)

C = complex(-0.62772, -0.42193)


def julia_coordinates(width, height, x_range=(-1.8, 1.8), y_range=(-1.8, 1.8)):
    """The documented pixel coordinates, spelled out independently of cext.dask."""
    x_step = (x_range[1] - x_range[0]) / width
    y_step = (y_range[0] - y_range[1]) / height
    zs = np.empty((height, width), dtype=np.complex128)
    for i in range(height):
        for j in range(width):
            zs[i, j] = complex(x_range[0] + j * x_step, y_range[1] + i * y_step)
    return zs


# -- julia_image -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("chunks", [(50, 100), 64, ((10, 90, 100), (7, 293)), "auto"])
def test_julia_image_equals_calculate_z_on_the_same_coordinates(chunks):
    zs = julia_coordinates(300, 200)
    np.testing.assert_array_equal(cext.dask.julia_coordinates(300, 200), zs)
    image = cext.dask.julia_image(300, 200, chunks=chunks)
    assert image.shape == (200, 300) and image.dtype == np.int32
    np.testing.assert_array_equal(image.compute(), cext.calculate_z(300, zs, C))


def test_julia_image_other_region_and_parameters():
    zs = julia_coordinates(97, 41, x_range=(-0.5, 0.25), y_range=(0.1, 0.6))
    image = cext.dask.julia_image(97, 41, c=0.285 + 0.01j, maxiter=1000, x_range=(-0.5, 0.25),
                                  y_range=(0.1, 0.6), chunks=(10, 30), num_threads=None)
    np.testing.assert_array_equal(image.compute(), cext.calculate_z(1000, zs, 0.285 + 0.01j))


def test_julia_image_reproduces_the_validation_sum():
    # The closed-form coordinates happen to give julia1.py's sum for the book's 1000x1000 grid too.
    image = cext.dask.julia_image(1000, 1000, chunks=250)
    assert int(image.sum(dtype=np.int64).compute()) == VALIDATION_SUM


def test_julia_image_blocks_compute_only_their_own_coordinates(monkeypatch):
    calls = []
    real = cext.dask.julia_coordinates

    def spy(*args, **kwargs):
        result = real(*args, **kwargs)
        calls.append(result.shape)
        return result

    monkeypatch.setattr(cext.dask, "julia_coordinates", spy)
    cext.dask.julia_image(400, 300, chunks=100).compute(scheduler="sync")
    assert sorted(calls) == [(100, 100)] * 12


def test_julia_image_is_lazy_and_empty_images_work():
    assert cext.dask.julia_image(100_000, 100_000).npartitions == 49 * 49  # 40 GB of counts: nothing made yet
    assert cext.dask.julia_image(0, 5).compute().shape == (5, 0)
    with pytest.raises(ValueError, match=r"julia_image\(\): 'width' and 'height' must be non-negative"):
        cext.dask.julia_image(-1, 5)


# -- diffuse -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("boundary", ["fixed", "periodic"])
@pytest.mark.parametrize("steps_per_exchange", [1, 5, 20])
def test_diffuse_equals_one_evolve_call(boundary, steps_per_exchange):
    grid = np.random.default_rng(7).uniform(size=(300, 300))
    expected = cext.evolve(grid, np.empty_like(grid), 0.1, boundary=boundary, steps=20)
    lazy = cext.dask.diffuse(da.from_array(grid, chunks=75), 0.1, boundary=boundary, steps=20,
                             steps_per_exchange=steps_per_exchange)
    assert lazy.chunks == ((75,) * 4, (75,) * 4)
    np.testing.assert_array_equal(bits(lazy.compute()), bits(expected))


@pytest.mark.parametrize("boundary", ["fixed", "periodic"])
@pytest.mark.parametrize(
    "shape, chunks, steps, steps_per_exchange",
    [
        ((300, 300), ((70, 80, 90, 60), (100, 50, 150)), 23, 7),  # uneven chunks, a short last exchange
        ((61, 300), ((20, 41), (300,)), 20, 5),  # one block along an axis
        ((40, 40), 5, 12, 8),  # halo deeper than the chunks: Dask merges them
        ((3, 300), ((3,), (100, 100, 100)), 9, 5),  # halo capped at the grid's size
        ((1, 1), 1, 4, 2),
        ((17, 9), (17, 9), 6, 2),  # a single block runs the real boundary itself
        ((50, 50), 25, 0, 3),
    ],
)
def test_diffuse_equals_one_evolve_call_for_awkward_chunkings(boundary, shape, chunks, steps, steps_per_exchange):
    grid = np.random.default_rng(8).uniform(-1, 1, size=shape)
    expected = cext.evolve(grid, np.empty_like(grid), 0.05, 0.7, boundary=boundary, steps=steps)
    lazy = cext.dask.diffuse(da.from_array(grid, chunks=chunks), 0.05, 0.7, boundary=boundary, steps=steps,
                             steps_per_exchange=steps_per_exchange)
    np.testing.assert_array_equal(bits(lazy.compute()), bits(expected))


def test_diffuse_accepts_numpy_and_other_dtypes():
    grid = np.arange(36, dtype=np.float32).reshape(6, 6)
    expected = cext.evolve(grid, np.empty((6, 6)), 0.1, steps=3)
    result = cext.dask.diffuse(grid, 0.1, steps=3).compute()
    assert result.dtype == np.float64
    np.testing.assert_array_equal(result, expected)


def test_diffuse_exchanges_halos_every_steps_per_exchange_steps():
    lazy = cext.dask.diffuse(da.zeros((100, 100), chunks=50), 0.1, steps=20, steps_per_exchange=5)
    layers = [name for name in lazy.dask.layers if name.startswith("evolve")]
    assert len(layers) == 4


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"steps": -1}, ValueError, r"'steps' must be non-negative, got -1"),
        ({"steps_per_exchange": 0}, ValueError, r"'steps_per_exchange' must be at least 1, got 0"),
        ({"boundary": "reflect"}, ValueError, r"'boundary' must be 'fixed' or 'periodic', got 'reflect'"),
        ({"steps": 1.5}, TypeError, r"diffuse\(\): 'steps' must be an int, got float"),
    ],
)
def test_diffuse_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        cext.dask.diffuse(da.zeros((10, 10), chunks=5), 0.1, **kwargs)


def test_diffuse_rejects_grids_that_are_not_2d():
    with pytest.raises(ValueError, match=r"diffuse\(\): 'grid' must be 2-dimensional, got shape \(10,\)"):
        cext.dask.diffuse(da.zeros(10, chunks=5), 0.1)


# -- parallelism -------------------------------------------------------------------------------------------------


def record_kernel_intervals(monkeypatch):
    """Wraps the kernel cext.dask calls so that each call records when it ran, on which thread."""
    intervals = []
    real = cext.dask.calculate_z

    def timed(*args, **kwargs):
        start = time.perf_counter()
        result = real(*args, **kwargs)
        intervals.append((start, time.perf_counter()))
        return result

    monkeypatch.setattr(cext.dask, "calculate_z", timed)
    return intervals


def test_threaded_scheduler_runs_kernels_concurrently(monkeypatch):
    # With the switch interval raised out of reach, a thread gives up the GIL only when it blocks or a C function
    # releases it. Were the kernel to hold the GIL, no other Dask thread could reach its own call before the kernel
    # returned, and the recorded intervals would be disjoint (they are, for a stand-in running sum(range(10**6))).
    # That they overlap shows the kernels run side by side; examples/dask_scaling.py measures the speedup.
    intervals = record_kernel_intervals(monkeypatch)
    image = cext.dask.julia_image(800, 800, c=-0.12 + 0.75j, maxiter=3000, chunks=200)
    previous = sys.getswitchinterval()
    sys.setswitchinterval(60.0)
    try:
        image.compute(scheduler="threads", num_workers=2)
    finally:
        sys.setswitchinterval(previous)
    intervals.sort()
    overlapping = sum(later_start < earlier_end
                      for (_, earlier_end), (later_start, _) in zip(intervals, intervals[1:], strict=False))
    assert len(intervals) == 16 and overlapping >= 1, intervals


def test_distributed_local_cluster_gives_the_same_results():
    distributed = pytest.importorskip("distributed")
    grid = np.random.default_rng(9).uniform(size=(120, 120))
    expected = cext.evolve(grid, np.empty_like(grid), 0.1, boundary="periodic", steps=10)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        lazy = cext.dask.diffuse(da.from_array(grid, chunks=40), 0.1, boundary="periodic", steps=10,
                                 steps_per_exchange=4)
        result = client.compute(lazy).result()
        image = client.compute(cext.dask.julia_image(120, 90, chunks=30)).result()
    np.testing.assert_array_equal(bits(result), bits(expected))
    np.testing.assert_array_equal(image, cext.calculate_z(300, julia_coordinates(120, 90), C))


# -- the examples ------------------------------------------------------------------------------------------------

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="examples/ is in the source tree only")
def test_dask_julia_example_writes_a_downsampled_png(tmp_path):
    pytest.importorskip("matplotlib")
    png = tmp_path / "julia.png"
    output = run_script(EXAMPLES / "dask_julia.py", "--size", "1000", "--chunk", "250", "--factor", "10",
                        "--png", str(png), cwd=tmp_path).stdout
    assert "Sum of all escape counts: 33,219,980" in output  # julia1.py's validation sum
    assert f"Wrote {png} (100x100 pixels, log scale)" in output
    assert png.read_bytes().startswith(b"\x89PNG")


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="examples/ is in the source tree only")
def test_dask_diffusion_example_matches_one_call(tmp_path):
    output = run_script(EXAMPLES / "dask_diffusion.py", "--size", "200", "--chunk", "50", "--steps", "30",
                        "--per-exchange", "7", cwd=tmp_path).stdout
    assert "Results identical" in output
