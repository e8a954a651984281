import inspect
import sys

import numpy as np
import pytest
from child_process import run_python
from reference import bits, diffusion_step, diffusion_steps

import cext

BOUNDARIES = ["fixed", "periodic"]


def random_grid(shape, seed=0):
    return np.random.default_rng(seed).uniform(-1.0, 1.0, shape)


def assert_bit_identical(actual, expected):
    assert actual.shape == expected.shape
    np.testing.assert_array_equal(bits(actual), bits(expected))


# -- one step -------------------------------------------------------------------------------------------------------

# Small grids walk down columns of vectors (partial ones on AVX-512 when narrower than a vector, an overlapping
# last column when the width is not a whole number of vectors); larger ones step along rows.
SHAPES = [(1, 1), (1, 2), (2, 1), (2, 2), (3, 3), (1, 17), (17, 1), (2, 9), (9, 2), (5, 7), (11, 12), (37, 53),
          (64, 64), (200, 301)]


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("shape", SHAPES)
def test_one_step_matches_the_formula(shape, boundary, simd_path):
    grid = random_grid(shape, seed=shape[0] * 1000 + shape[1])
    out = np.empty_like(grid)
    result = cext.evolve(grid, out, 0.1, boundary=boundary)
    assert result is out
    assert_bit_identical(out, diffusion_step(grid, 0.1, 1.0, boundary))


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("dt, D", [(0.1, 1.0), (0.25, 0.5), (1e-3, 3.7), (0.0, 1.0), (-0.2, 1e10), (0.1, np.inf)])
def test_coefficients_enter_as_D_times_dt(dt, D, boundary):
    grid = random_grid((23, 31), seed=5)
    out = np.empty_like(grid)
    with np.errstate(all="ignore"):
        expected = diffusion_step(grid, dt, D, boundary)
    assert_bit_identical(cext.evolve(grid, out, dt, D, boundary=boundary), expected)


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_large_grid_on_every_thread_count(boundary, simd_path):
    grid = random_grid((1031, 1029), seed=7)  # odd sizes: unaligned rows, partial vectors
    expected = diffusion_step(grid, 0.1, 1.0, boundary)
    for threads in (1, 2, 3):
        assert_bit_identical(cext.evolve(grid, np.empty_like(grid), 0.1, boundary=boundary, num_threads=threads),
                             expected)


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_grid_larger_than_the_cache_uses_streaming_stores_and_stays_exact(boundary):
    grid = random_grid((1500, 2500), seed=8)  # 30 MB per array: above the streaming threshold
    assert_bit_identical(cext.evolve(grid, np.empty_like(grid), 0.1, boundary=boundary),
                         diffusion_step(grid, 0.1, 1.0, boundary))


STREAMING_CHILD = """
import sys
import numpy as np
import cext
from reference import bits, diffusion_steps

path = sys.argv[1]
assert cext._core._build_info()["diffusion_tuning"]["stream_bytes"] == 1
cext._core._set_simd(path)
rng = np.random.default_rng(3)
for shape in [(2, 2), (5, 3), (9, 37), (31, 70), (66, 1100)]:
    grid = rng.uniform(-1, 1, shape)
    for boundary in ("fixed", "periodic"):
        for steps in (1, 3, 8, 11, 16, 17, 33):  # streamed grids take up to 16 steps a round
            for threads in (1, 2):
                out = cext.evolve(grid, np.empty_like(grid), 0.1, boundary=boundary, steps=steps, num_threads=threads)
                expected = diffusion_steps(grid, 0.1, 1.0, boundary, steps)
                assert np.array_equal(bits(out), bits(expected)), (path, shape, boundary, steps, threads)
print("exact")
"""


@pytest.mark.parametrize("path", cext._core._build_info()["simd_supported"])
def test_streaming_stores_stay_exact_on_every_simd_path(path):
    # Non-temporal stores need aligned addresses and a fence before other threads read the grid. Only grids
    # larger than the cache use them, so a child process lowers the threshold to one byte (CEXT_STREAM_BYTES)
    # and runs single and multi-step calls of every shape class through them.
    result = run_python(STREAMING_CHILD, path, CEXT_STREAM_BYTES="1")
    assert result.stdout.strip() == "exact", result.stderr


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_nan_inf_and_denormals_propagate_like_the_formula(boundary, simd_path):
    values = np.array([np.nan, np.inf, -np.inf, 5e-324, -1e-310, 1e308, -0.0, 0.0, 1.0])
    grid = np.random.default_rng(9).choice(values, size=(19, 21))
    with np.errstate(all="ignore"):
        expected = diffusion_step(grid, 0.1, 1.0, boundary)
    assert_bit_identical(cext.evolve(grid, np.empty_like(grid), 0.1, boundary=boundary), expected)


@pytest.mark.parametrize("shape", [(0, 0), (0, 5), (5, 0)])
def test_empty_grids(shape):
    grid = np.zeros(shape)
    out = np.zeros(shape)
    assert cext.evolve(grid, out, 0.1, steps=3) is out


# -- many steps -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize(
    "shape, steps",
    [((1, 1), 5), ((2, 3), 7), ((5, 7), 9), ((3, 40), 20), ((40, 3), 20), ((64, 48), 1), ((64, 48), 2),
     ((64, 48), 8), ((64, 48), 9), ((64, 48), 17), ((130, 257), 25), ((3, 5000), 10), ((700, 600), 12)],
)
def test_many_steps_equal_repeated_single_steps(shape, steps, boundary, simd_path):
    grid = random_grid(shape, seed=steps)
    before = grid.copy()
    out = np.empty_like(grid)
    assert cext.evolve(grid, out, 0.1, boundary=boundary, steps=steps) is out
    assert_bit_identical(out, diffusion_steps(grid, 0.1, 1.0, boundary, steps))
    assert_bit_identical(grid, before)


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_many_steps_on_every_thread_count(boundary):
    grid = random_grid((300, 301), seed=11)
    expected = diffusion_steps(grid, 0.05, 1.0, boundary, 20)
    for threads in (1, 2, 3, 5):
        out = np.empty_like(grid)
        assert_bit_identical(cext.evolve(grid, out, 0.05, boundary=boundary, steps=20, num_threads=threads),
                             expected)


def test_zero_steps_copies_the_grid():
    grid = random_grid((5, 6))
    out = np.full_like(grid, np.nan)
    assert_bit_identical(cext.evolve(grid, out, 0.1, steps=0), grid)


def test_book_experiment_ping_pong_equals_many_steps():
    # High Performance Python's experiment: 640x640, a square of 0.005 at 40-50%, dt=0.1, ping-ponged buffers.
    grid = np.zeros((640, 640))
    grid[256:320, 256:320] = 0.005
    a, b = grid.copy(), np.empty_like(grid)
    for _ in range(50):
        cext.evolve(a, b, 0.1, boundary="periodic")
        a, b = b, a
    assert_bit_identical(a, cext.evolve(grid, np.empty_like(grid), 0.1, boundary="periodic", steps=50))
    assert_bit_identical(a, diffusion_steps(grid, 0.1, 1.0, "periodic", 50))


# -- layouts and conversions ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda g: np.asfortranarray(g), id="fortran"),
        pytest.param(lambda g: g[::-1, ::-1], id="reversed"),
        pytest.param(lambda g: np.repeat(g, 2, axis=1)[:, ::2], id="strided"),
        pytest.param(lambda g: g.astype(">f8"), id="big-endian"),
        pytest.param(lambda g: g.tolist(), id="nested-list"),
        pytest.param(lambda g: g.astype(np.float32), id="float32"),
        pytest.param(lambda g: (g * 100).astype(np.int64), id="int64"),
    ],
)
def test_any_layout_of_grid(make):
    grid = make(random_grid((21, 34), seed=12))
    expected = diffusion_step(np.asarray(grid, dtype=np.float64), 0.1)
    assert_bit_identical(cext.evolve(grid, np.empty((21, 34)), 0.1), expected)


def test_keywords_and_defaults():
    grid = random_grid((10, 12))
    expected = cext.evolve(grid, np.empty_like(grid), 0.1)
    same = cext.evolve(grid=grid, out=np.empty_like(grid), dt=0.1, D=1.0, boundary="fixed", steps=1,
                       num_threads=None)
    assert_bit_identical(same, expected)
    assert_bit_identical(cext.evolve(grid, np.empty_like(grid), np.float32(0.5), 2), diffusion_step(grid, 0.5, 2.0))


# -- bad input --------------------------------------------------------------------------------------------------------

G = np.zeros((4, 5))


def out_like(**flags):
    return np.zeros((4, 5))


@pytest.mark.parametrize(
    "args, kwargs, error, match",
    [
        ((np.zeros(5), np.zeros(5), 0.1), {}, ValueError, r"evolve\(\): 'grid' must be 2-dimensional, got 1 dimensions with shape \(5,\)"),
        ((np.zeros((2, 2, 2)), np.zeros((2, 2, 2)), 0.1), {}, ValueError, r"'grid' must be 2-dimensional, got 3"),
        ((3.0, np.zeros(()), 0.1), {}, ValueError, r"'grid' must be 2-dimensional, got 0 dimensions"),
        (([[1, 2], [3]], np.zeros((2, 2)), 0.1), {}, ValueError, r"evolve\(\): 'grid' must be a 2-D array-like of real numbers:"),
        ((np.zeros((4, 5), complex), np.zeros((4, 5)), 0.1), {}, TypeError, r"evolve\(\): 'grid' must be a 2-D array-like of real numbers, got an array of dtype complex128"),
        ((np.zeros((4, 5), "U3"), np.zeros((4, 5)), 0.1), {}, TypeError, r"'grid' must be .* got an array of dtype <U3"),
        (("grid", np.zeros((4, 5)), 0.1), {}, TypeError, r"'grid' must be a 2-D array-like of real numbers, got str"),
        ((None, np.zeros((4, 5)), 0.1), {}, TypeError, r"'grid' must be .*, got NoneType"),
        ((G, np.zeros((4, 5), np.float32), 0.1), {}, TypeError, r"evolve\(\): 'out' must have dtype float64, got float32"),
        ((G, np.zeros((4, 5), ">f8"), 0.1), {}, TypeError, r"'out' must have dtype float64, got >f8"),
        ((G, np.zeros((4, 5)).tolist(), 0.1), {}, TypeError, r"'out' must be a numpy.ndarray of dtype float64, got list"),
        ((G, None, 0.1), {}, TypeError, r"'out' must be a numpy.ndarray of dtype float64, got NoneType"),
        ((G, np.zeros((5, 4)), 0.1), {}, ValueError, r"evolve\(\): 'out' must have shape \(4, 5\), got \(5, 4\)"),
        ((G, np.zeros(20), 0.1), {}, ValueError, r"'out' must have shape \(4, 5\), got \(20,\)"),
        ((G, np.zeros((5, 4)).T, 0.1), {}, ValueError, r"'out' must be C-contiguous and aligned"),
        ((G, np.zeros((4, 10))[:, ::2], 0.1), {}, ValueError, r"'out' must be C-contiguous and aligned"),
        ((G, G, 0.1), {}, ValueError, r"evolve\(\): 'out' must not share memory with 'grid'"),
        ((G, np.zeros((4, 5)), "0.1"), {}, TypeError, r"evolve\(\): 'dt' must be a real number, got str"),
        ((G, np.zeros((4, 5)), 0.1j), {}, TypeError, r"'dt' must be a real number, got complex"),
        ((G, np.zeros((4, 5)), np.complex128(1)), {}, TypeError, r"'dt' must be a real number, got numpy.complex128"),
        ((G, np.zeros((4, 5)), None), {}, TypeError, r"'dt' must be a real number, got NoneType"),
        ((G, np.zeros((4, 5)), 10**400), {}, OverflowError, r"evolve\(\): 'dt' must be a real number: int too large"),
        ((G, np.zeros((4, 5)), 0.1, "1"), {}, TypeError, r"evolve\(\): 'D' must be a real number, got str"),
        ((G, np.zeros((4, 5)), 0.1), {"boundary": "wrap"}, ValueError, r"evolve\(\): 'boundary' must be 'fixed' or 'periodic', got 'wrap'"),
        ((G, np.zeros((4, 5)), 0.1), {"boundary": None}, TypeError, r"evolve\(\): 'boundary' must be a str, got NoneType"),
        ((G, np.zeros((4, 5)), 0.1), {"steps": -1}, ValueError, r"evolve\(\): 'steps' must be non-negative, got -1"),
        ((G, np.zeros((4, 5)), 0.1), {"steps": 2.0}, TypeError, r"evolve\(\): 'steps' must be an int, got float"),
        ((G, np.zeros((4, 5)), 0.1), {"steps": 2**63}, OverflowError, r"evolve\(\): 'steps' must be at most 9223372036854775807"),
        ((G, np.zeros((4, 5)), 0.1), {"num_threads": 0}, ValueError, r"evolve\(\): 'num_threads' must be None or an int in \[1, 1024\], got 0"),
        ((G, np.zeros((4, 5)), 0.1), {"num_threads": 1.5}, TypeError, r"'num_threads' must be None or an int, got float"),
        ((G, np.zeros((4, 5)), 0.1, 1.0, "fixed"), {}, TypeError, r"evolve\(\) takes at most 4 positional arguments"),
        ((G, np.zeros((4, 5))), {}, TypeError, r"evolve\(\) missing required argument 'dt'"),
        ((G, np.zeros((4, 5)), 0.1), {"Dt": 1}, TypeError, r"'Dt' is an invalid keyword argument for evolve\(\)|evolve\(\) got an unexpected keyword argument 'Dt'"),
    ],
)
def test_bad_arguments_raise_clear_errors(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        cext.evolve(*args, **kwargs)


@pytest.mark.parametrize(
    "alias",
    [
        pytest.param(lambda g: g, id="same-array"),
        pytest.param(lambda g: g[:, :], id="view"),
        pytest.param(lambda g: g.reshape(5, 4), id="reshaped-view"),
    ],
)
def test_out_aliasing_grid_is_refused_and_nothing_is_written(alias):
    grid = random_grid((4, 5))
    before = grid.copy()
    out = alias(grid)
    if out.shape != grid.shape:  # same memory, other shape: the shape check or the overlap check refuses it
        with pytest.raises(ValueError, match=r"evolve\(\): 'out' must (have shape|not share memory)"):
            cext.evolve(grid, out, 0.1)
    else:
        with pytest.raises(ValueError, match=r"evolve\(\): 'out' must not share memory with 'grid'"):
            cext.evolve(grid, out, 0.1)
    assert_bit_identical(grid, before)


def test_overlapping_slices_of_one_buffer_are_refused():
    buffer = np.zeros((10, 5))
    with pytest.raises(ValueError, match=r"'out' must not share memory with 'grid'"):
        cext.evolve(buffer[:6], buffer[4:], 0.1)
    cext.evolve(buffer[:5], buffer[5:], 0.1)  # adjacent, disjoint: fine
    flat = np.zeros(49)
    with pytest.raises(ValueError, match=r"'out' must not share memory with 'grid'"):  # one shared cell
        cext.evolve(flat[:25].reshape(5, 5), flat[24:].reshape(5, 5), 0.1)


def test_read_only_out_is_refused_and_left_untouched():
    out = np.full((4, 5), 3.0)
    out.flags.writeable = False
    with pytest.raises(ValueError, match=r"evolve\(\): 'out' must be writeable, got a read-only array"):
        cext.evolve(G, out, 0.1)
    assert (out == 3.0).all()


def test_failed_call_leaves_out_untouched():
    out = np.full((4, 5), 3.0)
    with pytest.raises(ValueError):
        cext.evolve(G, out, 0.1, boundary="nope")
    with pytest.raises(TypeError):
        cext.evolve(G, out, None)
    assert (out == 3.0).all()


# -- API ----------------------------------------------------------------------------------------------------------------


def test_signature():
    sig = inspect.signature(cext.evolve)
    assert str(sig) == "(grid, out, dt, D=1.0, *, boundary='fixed', steps=1, num_threads=None)"


def test_refcounts_of_arguments_are_unchanged():
    grid = random_grid((20, 20))
    out = np.empty_like(grid)
    dt = 0.123456
    boundary = "periodic"
    objects = (grid, out, dt, boundary)
    before = [sys.getrefcount(o) for o in objects]
    for _ in range(500):
        cext.evolve(grid, out, dt, boundary=boundary)
        cext.evolve(grid, out, dt, boundary=boundary, steps=3)
        with pytest.raises(ValueError):
            cext.evolve(grid, grid, dt)
        with pytest.raises(TypeError):
            cext.evolve(grid, out, dt, boundary=1)
    assert [sys.getrefcount(o) for o in objects] == before


def test_a_failed_conversion_names_the_argument_and_keeps_the_original_error_as_its_cause():
    class Unconvertible:
        def __float__(self):
            raise RuntimeError("no float here")

    grid = np.zeros((4, 4))
    out = grid.copy()
    with pytest.raises(TypeError, match=r"^evolve\(\): 'dt' must be a real number: no float here$") as caught:
        cext.evolve(grid, out, Unconvertible())
    cause = caught.value.__cause__
    assert type(cause) is RuntimeError and str(cause) == "no float here"
    assert cause.__traceback__ is not None  # where the original was raised, for the reader of the report
    assert not out.any()
