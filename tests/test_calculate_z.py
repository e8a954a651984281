import inspect
import sys
import time

import numpy as np
import pytest
from reference import VALIDATION_SUM, escape_counts_numpy, escape_counts_python, julia_inputs

import cext

C = complex(-0.62772, -0.42193)


@pytest.fixture(scope="module")
def julia_1000():
    zs, cs = julia_inputs(1000)
    expected = escape_counts_numpy(300, zs, cs)
    return zs, cs, expected


# -- results ------------------------------------------------------------------------------------------------------


def test_validation_sum_from_lists_as_in_julia1(julia_1000):
    zs, cs, expected = julia_1000
    assert len(zs) == 1_000_000
    output = cext.calculate_z(300, zs, cs)
    assert output.dtype == np.int32 and output.shape == (1_000_000,)
    assert int(output.sum()) == VALIDATION_SUM
    np.testing.assert_array_equal(output, expected)


def test_validation_grid_on_every_simd_path_and_thread_count(julia_1000, simd_path):
    zs, cs, expected = julia_1000
    zs, cs = np.array(zs), np.array(cs)
    for threads in (1, 2, 3):
        np.testing.assert_array_equal(cext.calculate_z(300, zs, cs, num_threads=threads), expected)
        np.testing.assert_array_equal(cext.calculate_z(300, zs, C, num_threads=threads), expected)


def test_numpy_reference_agrees_with_the_python_loop(julia_1000):
    zs, cs, expected = julia_1000
    sample = slice(0, None, 97)
    assert escape_counts_python(300, zs[sample], cs[sample]) == expected[sample].tolist()


@pytest.mark.parametrize("maxiter", [0, 1, 2, 7, 50, 300, 1000])
def test_random_points_match_the_python_loop(maxiter, simd_path):
    rng = np.random.default_rng(maxiter)
    zs = rng.uniform(-2.2, 2.2, 3001) + 1j * rng.uniform(-2.2, 2.2, 3001)  # odd length: partial vectors
    cs = rng.uniform(-1, 1, 3001) + 1j * rng.uniform(-1, 1, 3001)
    expected = escape_counts_python(maxiter, zs.tolist(), cs.tolist())
    assert cext.calculate_z(maxiter, zs, cs).tolist() == expected
    scalar_expected = escape_counts_python(maxiter, zs.tolist(), [C] * zs.size)
    assert cext.calculate_z(maxiter, zs, C).tolist() == scalar_expected


@pytest.mark.parametrize("other_from", [0, 1, 700, 2040, 2047, 2048])
def test_cs_of_one_value_then_another_match_the_python_loop(other_from, simd_path):
    # An array cs of a single value (the books' calls pass one) is run as if it were a scalar until a point with
    # another c turns up; the points still going by then must be given their c. The other c starts at the first
    # point, within the first vector, after many points of the first chunk (2048 points) are still going, at its
    # last point, or in the next chunk.
    rng = np.random.default_rng(other_from)
    zs = rng.uniform(-0.6, 0.6, 3001) + 1j * rng.uniform(-0.6, 0.6, 3001)
    cs = np.full(zs.size, C)
    cs[other_from:] = complex(0.285, 0.01)
    for maxiter in (3, 40, 300):
        expected = escape_counts_python(maxiter, zs.tolist(), cs.tolist())
        for threads in (1, 2):
            assert cext.calculate_z(maxiter, zs, cs, num_threads=threads).tolist() == expected


SPECIAL = [0.0, -0.0, 1.0, -1.5, 1.9999999999999998, 2.0, 1e-310, -5e-324, 1e154, 1e308, np.inf, -np.inf, np.nan]


def test_nan_inf_and_denormal_inputs_match_the_python_loop(simd_path):
    re, im = np.meshgrid(SPECIAL, SPECIAL)
    zs = np.empty(re.size, dtype=np.complex128)
    zs.real, zs.imag = re.ravel(), im.ravel()
    cs = zs[::-1].copy()
    for maxiter in (0, 1, 300):
        assert cext.calculate_z(maxiter, zs, cs).tolist() == escape_counts_python(maxiter, zs, cs)
        for c in (0j, complex(np.nan, 0), complex(np.inf, -np.inf), 1e-320j):
            assert cext.calculate_z(maxiter, zs, c).tolist() == escape_counts_python(maxiter, zs, [c] * zs.size)


def test_points_that_never_escape_count_to_maxiter():
    assert cext.calculate_z(10**6, [0j, 0.1j], 0j).tolist() == [10**6, 10**6]


def test_largest_maxiter_with_points_that_escape():
    assert cext.calculate_z(2**31 - 1, [3 + 0j, 1.9 + 0j], 1 + 0j).tolist() == [0, 1]


# Every count of points modulo every vector width (2, 4 and 8 lanes), more points than the four vectors in flight
# hold, and lengths past the scheduling chunks (256 to 2048 points).
TAIL_LENGTHS = [*range(1, 34), 127, 129, 255, 257, 511, 513, 1031, 2047, 2049, 4103]


@pytest.mark.parametrize("cs_form", ["array", "scalar"])
def test_partial_last_vector_costs_only_its_points(cs_form, simd_path):
    # Every point escapes within two iterations while maxiter allows 2**31 - 1. Whatever fills the unused lanes of
    # a partial last vector must stop at once too: lanes that never escape would keep their vector iterating to
    # maxiter (about ten seconds) and still give the right counts, so only the time shows it. An array `cs` is the
    # case to watch, since the padding of a scalar c is the real c, which makes most fillers escape anyway.
    for n in TAIL_LENGTHS:
        zs = np.where(np.arange(n) % 3 == 1, 1.9 + 0j, 3 + 0j)
        cs = np.full(n, 1 + 0j) if cs_form == "array" else 1 + 0j
        for threads in (1, 2):
            start = time.perf_counter()
            counts = cext.calculate_z(2**31 - 1, zs, cs, num_threads=threads)
            elapsed = time.perf_counter() - start
            assert counts.tolist() == escape_counts_python(2**31 - 1, zs, np.broadcast_to(cs, n))
            # Microseconds of work; a generous bound against a pathological tail, not a benchmark.
            assert elapsed < 1.0, f"{n} points on {threads} thread(s) took {elapsed:.2f} s"


# -- shapes, dtypes and layouts -------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(), (1,), (7,), (0,), (3, 0), (4, 5), (2, 3, 4), (1, 1, 1, 9)])
def test_result_has_the_shape_of_zs(shape):
    rng = np.random.default_rng(1)
    zs = rng.uniform(-2, 2, shape) + 1j * rng.uniform(-2, 2, shape)
    out = cext.calculate_z(60, zs, C)
    assert out.shape == shape and out.dtype == np.int32 and out.flags.c_contiguous
    assert out.ravel().tolist() == escape_counts_python(60, zs.ravel().tolist(), [C] * zs.size)


def test_cs_array_of_the_same_shape():
    rng = np.random.default_rng(2)
    zs = rng.uniform(-2, 2, (30, 40)) + 1j * rng.uniform(-2, 2, (30, 40))
    cs = rng.uniform(-1, 1, (30, 40)) + 1j * rng.uniform(-1, 1, (30, 40))
    expected = np.array(escape_counts_python(80, zs.ravel(), cs.ravel())).reshape(30, 40)
    np.testing.assert_array_equal(cext.calculate_z(80, zs, cs), expected)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda a: a[::2], id="strided"),
        pytest.param(lambda a: a[::-1], id="reversed"),
        pytest.param(lambda a: a.reshape(40, 50).T, id="transposed"),
        pytest.param(lambda a: a.astype(np.complex64).astype(np.complex128), id="rounded"),
        pytest.param(lambda a: a.astype(">c16"), id="big-endian"),
        pytest.param(lambda a: a.tolist(), id="list"),
        pytest.param(lambda a: tuple(a.tolist()), id="tuple"),
        pytest.param(lambda a: np.frombuffer(a.tobytes()[8:-8], dtype=np.complex128), id="unaligned-capable"),
    ],
)
def test_any_layout_of_zs_gives_the_same_counts(make):
    rng = np.random.default_rng(3)
    base = rng.uniform(-2, 2, 2000) + 1j * rng.uniform(-2, 2, 2000)
    zs = make(base)
    as_array = np.asarray(zs, dtype=np.complex128)
    expected = np.array(escape_counts_python(100, as_array.ravel().tolist(), [C] * as_array.size))
    np.testing.assert_array_equal(cext.calculate_z(100, zs, C).ravel(), expected)


@pytest.mark.parametrize(
    "zs", [np.arange(-3, 4), np.linspace(-2, 2, 9), np.linspace(-2, 2, 9, dtype=np.float32), [True, False]]
)
def test_real_and_integer_inputs_are_converted_to_complex(zs):
    values = np.asarray(zs, dtype=np.complex128)
    assert cext.calculate_z(50, zs, C).tolist() == escape_counts_python(50, values.tolist(), [C] * values.size)


def test_scalar_cs_accepts_python_and_numpy_scalars():
    zs = np.linspace(-2, 2, 11) + 0.3j
    expected = cext.calculate_z(50, zs, C)
    for c in (C, np.complex128(C), np.complex64(C).astype(np.complex128), np.array(C)):
        np.testing.assert_array_equal(cext.calculate_z(50, zs, c), expected)
    np.testing.assert_array_equal(cext.calculate_z(50, zs, 0.25), cext.calculate_z(50, zs, 0.25 + 0j))


def test_well_formed_input_is_not_copied_and_not_modified():
    zs = np.linspace(-2, 2, 1000) + 0.5j
    before = zs.copy()
    cext.calculate_z(100, zs, C)
    np.testing.assert_array_equal(zs, before)


def test_out_is_filled_and_returned():
    zs = (np.linspace(-2, 2, 60) + 0.2j).reshape(6, 10)
    out = np.full((6, 10), -1, dtype=np.int32)
    result = cext.calculate_z(120, zs, C, out=out)
    assert result is out
    np.testing.assert_array_equal(out, cext.calculate_z(120, zs, C))


# -- bad input --------------------------------------------------------------------------------------------------------

Z = np.zeros(4, dtype=np.complex128)


@pytest.mark.parametrize(
    "args, kwargs, error, match",
    [
        ((-1, Z, C), {}, ValueError, r"calculate_z\(\): 'maxiter' must be non-negative, got -1"),
        ((-(2**80), Z, C), {}, ValueError, r"'maxiter' must be non-negative"),
        ((2**31, Z, C), {}, OverflowError, r"calculate_z\(\): 'maxiter' must be at most 2147483647, got 2147483648"),
        ((2**80, Z, C), {}, OverflowError, r"'maxiter' must be at most"),
        ((300.0, Z, C), {}, TypeError, r"calculate_z\(\): 'maxiter' must be an int, got float"),
        (("300", Z, C), {}, TypeError, r"'maxiter' must be an int, got str"),
        ((None, Z, C), {}, TypeError, r"'maxiter' must be an int, got NoneType"),
        ((np.float64(3), Z, C), {}, TypeError, r"'maxiter' must be an int, got numpy.float64"),
        ((10, "abc", C), {}, TypeError, r"calculate_z\(\): 'zs' must be array-like of complex numbers, got str"),
        ((10, None, C), {}, TypeError, r"'zs' must be array-like of complex numbers, got NoneType"),
        ((10, b"ab", C), {}, TypeError, r"'zs' must be .* got bytes"),
        ((10, np.array(["1"]), C), {}, TypeError, r"'zs' must be .* got an array of dtype <U1"),
        ((10, np.zeros(2, "M8[s]"), C), {}, TypeError, r"'zs' must be .* dtype datetime64\[s\]"),
        ((10, [1j, [2j, 3j]], C), {}, ValueError, r"calculate_z\(\): 'zs' must be array-like of complex numbers:"),
        ((10, [object()], C), {}, TypeError, r"calculate_z\(\): 'zs' must be array-like of complex numbers:"),
        ((10, [1j, None], C), {}, TypeError, r"'zs' must be array-like of complex numbers"),
        ((10, Z, "c"), {}, TypeError, r"calculate_z\(\): 'cs' must be a complex number or array-like, got str"),
        ((10, Z, None), {}, TypeError, r"'cs' must be a complex number or array-like, got NoneType"),
        ((10, Z, np.zeros(3, complex)), {}, ValueError, r"'cs' must be a scalar or have the shape of 'zs' \(4,\), got \(3,\)"),
        ((10, Z, np.zeros((4, 1), complex)), {}, ValueError, r"have the shape of 'zs' \(4,\), got \(4, 1\)"),
        ((10, Z, [C]), {}, ValueError, r"have the shape of 'zs' \(4,\), got \(1,\)"),
        ((10, Z, C), {"out": np.zeros(4)}, TypeError, r"calculate_z\(\): 'out' must have dtype int32, got float64"),
        ((10, Z, C), {"out": np.zeros(4, np.int64)}, TypeError, r"'out' must have dtype int32, got int64"),
        ((10, Z, C), {"out": np.zeros(4, ">i4")}, TypeError, r"'out' must have dtype int32, got >i4"),
        ((10, Z, C), {"out": [0, 0, 0, 0]}, TypeError, r"'out' must be a numpy.ndarray of dtype int32, got list"),
        ((10, Z, C), {"out": np.zeros(5, np.int32)}, ValueError, r"'out' must have shape \(4,\), got \(5,\)"),
        ((10, Z, C), {"out": np.zeros((4, 1), np.int32)}, ValueError, r"'out' must have shape \(4,\), got \(4, 1\)"),
        ((10, Z, C), {"out": np.zeros(8, np.int32)[::2]}, ValueError, r"'out' must be C-contiguous and aligned"),
        ((10, Z, C), {"num_threads": 0}, ValueError, r"calculate_z\(\): 'num_threads' must be None or an int in \[1, 1024\], got 0"),
        ((10, Z, C), {"num_threads": -3}, ValueError, r"'num_threads' must be None or an int in \[1, 1024\], got -3"),
        ((10, Z, C), {"num_threads": 10**6}, ValueError, r"'num_threads' must be None or an int in \[1, 1024\]"),
        ((10, Z, C), {"num_threads": 2.0}, TypeError, r"'num_threads' must be None or an int, got float"),
        ((10, Z, C), {"num_threads": "2"}, TypeError, r"'num_threads' must be None or an int, got str"),
        ((10, Z, C), {"bogus": 1}, TypeError, r"'bogus' is an invalid keyword argument for calculate_z\(\)|calculate_z\(\) got an unexpected keyword argument 'bogus'"),
        ((10, Z), {}, TypeError, r"calculate_z\(\) missing required argument 'cs'"),
        ((10, Z, C, None), {}, TypeError, r"calculate_z\(\) takes at most 3 positional arguments"),
    ],
)
def test_bad_arguments_raise_clear_errors(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        cext.calculate_z(*args, **kwargs)


def test_read_only_out_is_refused_and_left_untouched():
    out = np.full(4, 7, dtype=np.int32)
    out.flags.writeable = False
    with pytest.raises(ValueError, match=r"calculate_z\(\): 'out' must be writeable, got a read-only array"):
        cext.calculate_z(10, Z, C, out=out)
    assert out.tolist() == [7, 7, 7, 7]


def test_out_sharing_memory_with_an_input_is_refused():
    buffer = np.zeros(8, dtype=np.complex128)
    zs = buffer[:4]
    cext.calculate_z(10, zs, C, out=buffer[4:].view(np.int32)[:4])  # disjoint bytes of one buffer: allowed
    with pytest.raises(ValueError, match=r"calculate_z\(\): 'out' must not share memory with 'zs'"):
        cext.calculate_z(10, zs, C, out=buffer.view(np.int32)[:4])
    with pytest.raises(ValueError, match=r"'out' must not share memory with 'zs'"):
        cext.calculate_z(10, buffer[::2], C, out=buffer[1:].view(np.int32)[:4])  # zs is copied, still refused
    with pytest.raises(ValueError, match=r"'out' must not share memory with 'cs'"):
        cext.calculate_z(10, Z, zs, out=zs.view(np.int32)[:4])
    # Only the last 4 bytes of zs's last element are shared: the overlap test must count an element's own bytes.
    with pytest.raises(ValueError, match=r"'out' must not share memory with 'zs'"):
        cext.calculate_z(10, zs, C, out=buffer.view(np.int32)[15:19])


def test_nothing_is_written_past_the_end_of_out(simd_path):
    # A partial last vector's counts are stored lane by lane: storing a whole vector would overwrite whatever
    # follows the result in memory, here the rest of the buffer `out` is cut from.
    for n in TAIL_LENGTHS[:40]:
        buffer = np.full(n + 16, -7, dtype=np.int32)
        zs = np.linspace(-1.5, 1.5, n) + 0.3j
        counts = cext.calculate_z(40, zs, np.full(n, C), out=buffer[:n])
        assert counts.tolist() == escape_counts_python(40, zs, [C] * n)
        assert (buffer[n:] == -7).all(), f"{n} points: wrote past the end of out"


def test_failed_call_leaves_out_untouched():
    out = np.full(3, 5, dtype=np.int32)
    with pytest.raises(ValueError):
        cext.calculate_z(10, [0j, 1j, 2j], np.zeros(2, complex), out=out)
    assert out.tolist() == [5, 5, 5]


# -- API ----------------------------------------------------------------------------------------------------------------


def test_signature():
    sig = inspect.signature(cext.calculate_z)
    assert str(sig) == "(maxiter, zs, cs, *, out=None, num_threads=None)"


def test_keywords_work():
    zs = [0j, 1j]
    expected = cext.calculate_z(20, zs, C)
    np.testing.assert_array_equal(cext.calculate_z(maxiter=20, zs=zs, cs=C, num_threads=1), expected)


def test_refcounts_of_arguments_are_unchanged():
    zs = np.linspace(-2, 2, 64) + 0.5j
    cs = np.full(64, C)
    out = np.empty(64, dtype=np.int32)
    maxiter = 12345678  # not a cached small int
    objects = (zs, cs, out, maxiter)
    before = [sys.getrefcount(o) for o in objects]
    for _ in range(500):
        cext.calculate_z(30, zs, cs, out=out)
        cext.calculate_z(30, zs, C)
        with pytest.raises(ValueError):
            cext.calculate_z(30, zs, cs[:3])
        with pytest.raises(OverflowError):
            cext.calculate_z(2**40, zs, cs)
    assert [sys.getrefcount(o) for o in objects] == before
