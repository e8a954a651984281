"""Property-based fuzzing of the argument handling of every function (hypothesis).

Every parameter is drawn from valid values in every form the API accepts (dtypes, byte orders, strides, read-only,
unaligned, broadcast and aliased buffers, Python sequences and scalars) and from invalid ones (arbitrary Python
objects, wrong dtypes and shapes, unusable or overlapping outputs, out-of-range integers). Each call must

* return a result equal to the reference in tests/reference.py when it succeeds (and succeed when every argument
  was valid), or raise TypeError, ValueError or OverflowError naming the function -- never crash, hang or raise
  SystemError;
* leave every input unchanged, and leave `out` untouched when it fails.

Budget: the `ci` profile (used when CI is set; also `HYPOTHESIS_PROFILE=ci`) runs a fixed, derandomized set of
examples, 2500 per test and 10,000 in all (about a minute on 2 cores); `HYPOTHESIS_PROFILE=thorough` runs 6000
per test with fresh randomness. The number of cases run is printed in the "cext reliability figures" summary.
"""

import copy
import decimal
import enum
import fractions
import os

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

from _figures import record  # noqa: E402
from reference import EXTENSION_FUNCTIONS, bits, diffusion_steps, escape_counts_numpy, fib as fib_reference  # noqa: E402

import cext  # noqa: E402

_common = dict(deadline=None, database=None, suppress_health_check=list(HealthCheck), print_blob=True)
settings.register_profile("ci", max_examples=2500, derandomize=True, **_common)
settings.register_profile("dev", max_examples=500, **_common)
settings.register_profile("thorough", max_examples=6000, **_common)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
settings.load_profile(PROFILE)

ALLOWED = (TypeError, ValueError, OverflowError)
CASES = {}  # function -> [cases, of which returned a result]


@pytest.fixture(scope="module", autouse=True)
def report_cases(pytestconfig):
    yield
    if CASES:
        detail = ", ".join(f"{name} {n} ({ok} returned)" for name, (n, ok) in CASES.items())
        total = sum(n for n, _ in CASES.values())
        record(pytestconfig, f"fuzz: {total} hypothesis cases, profile {PROFILE!r}: {detail}")


def count(name, returned=False):
    """Called once per case, and once more with returned=True when the call returned a result."""
    entry = CASES.setdefault(name, [0, 0])
    entry[0] += not returned
    entry[1] += returned


# -- arbitrary objects ----------------------------------------------------------------------------------------------


class Boom(Exception):
    """Raised by the hostile objects' special methods; the functions must turn it into a TypeError."""


class RaisingIndex:
    def __index__(self):
        raise Boom("__index__")


class WrongIndex:
    def __index__(self):
        return 1.5


class RaisingFloat:
    def __float__(self):
        raise Boom("__float__")


class WrongFloat:
    def __float__(self):
        return "1.0"


class RaisingComplex:
    def __complex__(self):
        raise Boom("__complex__")


class RaisingArray:
    def __array__(self, dtype=None, copy=None):
        raise Boom("__array__")


class LyingSequence:
    def __len__(self):
        return 3

    def __getitem__(self, i):
        if i >= 1:
            raise IndexError(i)
        return 1.0


class Color(enum.IntEnum):
    RED = 3


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(),
    st.complex_numbers(),
    st.text(max_size=5),
    st.binary(max_size=5),
    st.lists(st.one_of(st.none(), st.text(max_size=2), st.floats(), st.complex_numbers()), max_size=4),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.tuples(st.integers(), st.text(max_size=2)),
    st.sampled_from([
        object(), RaisingIndex(), WrongIndex(), RaisingFloat(), WrongFloat(), RaisingComplex(), RaisingArray(),
        LyingSequence(), Color.RED, fractions.Fraction(1, 3), decimal.Decimal("0.1"), decimal.Decimal("nan"),
        range(3), {1, 2}, bytearray(b"ab"), memoryview(b"abcd"), Ellipsis, int, np.int32, print, [[1, 2], [3]],
        [[1j], 2j], np.float64(1.5), np.complex128(1j), np.int64(-3), np.uint64(2**64 - 1), np.bool_(True),
        np.datetime64("2020-01-01"), np.array(["a", "b"]), np.zeros(3, "M8[s]"), np.zeros(2, "i4,f8"),
        np.zeros((2, 2), np.longdouble), np.zeros(2, object), np.array([None, 1.0], object), np.ma.zeros(3),
        np.zeros((2, 0, 3)), np.zeros((1,) * 32),
    ]),
)

# -- numeric arrays in every layout ---------------------------------------------------------------------------------

REAL = st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True, width=64)
NEAR = st.floats(min_value=-2.5, max_value=2.5, allow_subnormal=True)
SPECIAL = st.sampled_from([0.0, -0.0, 5e-324, -1e-310, 2.0, -2.0, 1e154, 1e308, np.inf, -np.inf, np.nan])
VALUE = st.one_of(NEAR, NEAR, SPECIAL, REAL)

COMPLEX_SAFE = ["complex128", ">c16", "complex64", "<c8", ">c8", "float64", ">f8", "float32", "float16", "int8",
                "int16", ">i4", "int64", "uint8", "uint16", "uint32", "uint64", "bool"]
REAL_SAFE = [d for d in COMPLEX_SAFE if not d.lstrip("<>").startswith("c") and "complex" not in d]


def values_array(draw, dtype, shape):
    """An array of `dtype` and `shape` with interesting values (NaN, inf, denormals, escaping and not)."""
    dtype = np.dtype(dtype)
    if dtype.kind in "iub":
        return draw(hnp.arrays(dtype, shape))
    with np.errstate(all="ignore"):
        if dtype.kind == "c":
            re = draw(hnp.arrays(np.float64, shape, elements=VALUE))
            im = draw(hnp.arrays(np.float64, shape, elements=VALUE))
            out = np.empty(shape, dtype)
            out.real, out.imag = re, im  # rounds to complex64 where needed
            return out
        return draw(hnp.arrays(np.float64, shape, elements=VALUE)).astype(dtype)


@st.composite
def laid_out(draw, base, allow_lists=True):
    """`base`'s values in a layout drawn at random. Returns (obj, exact) where `exact` is the array the function
    must see (np.asarray of obj) -- or (obj, None) when the form may legitimately be refused."""
    kind = draw(st.sampled_from(["as-is", "fortran", "reversed", "strided", "unaligned", "read-only", "swapped",
                                 "broadcast", "list", "tuple", "offset-view"]))
    a = base
    if kind == "fortran" and base.ndim:  # (asfortranarray makes 0-d arrays 1-d)
        a = np.asfortranarray(base)
    elif kind == "reversed" and base.ndim:
        a = np.flip(base.copy(), axis=draw(st.integers(0, base.ndim - 1)))
    elif kind == "strided" and base.ndim:
        axis = draw(st.integers(0, base.ndim - 1))
        step = draw(st.sampled_from([2, 3, -2]))
        index = [slice(None)] * base.ndim
        index[axis] = slice(None, None, step)
        a = np.repeat(base, abs(step), axis=axis)[tuple(index)]  # strided view (reversed when step < 0)
    elif kind == "unaligned" and base.dtype.itemsize > 1:
        raw = np.zeros(base.nbytes + 1, np.uint8)
        a = raw[1:].view(base.dtype).reshape(base.shape)
        a[...] = base
    elif kind == "read-only":
        a = base.copy()
        a.flags.writeable = False
    elif kind == "swapped" and base.dtype.itemsize > 1:
        a = base.astype(base.dtype.newbyteorder())
    elif kind == "broadcast" and base.ndim:
        first = base[(slice(0, 1),) * base.ndim] if base.size else base
        a = np.broadcast_to(first, base.shape)  # zero strides, read-only
    elif kind in ("list", "tuple") and allow_lists and base.size <= 64:
        obj = base.tolist()
        if kind == "tuple" and isinstance(obj, list):
            obj = tuple(obj)
        lossless = base.dtype.kind in "fcb" or (base.dtype.kind in "iu" and base.dtype.itemsize < 8)
        same_shape = np.shape(obj) == base.shape  # nested empty lists lose trailing dimensions
        return obj, (np.asarray(base) if lossless and same_shape else None)
    elif kind == "offset-view" and base.ndim:
        holder = np.zeros((2,) + base.shape, base.dtype)
        holder[1] = base
        a = holder[1]  # a view into a larger buffer, offset from its start
    return a, np.asarray(a)


def snapshot(obj):
    """A deep, bit-exact copy of an argument, to check it is left unchanged."""
    if isinstance(obj, np.ndarray):
        return ("array", obj.dtype, obj.shape, obj.strides, obj.tobytes(), obj.flags.writeable)
    try:
        return ("object", repr(obj), copy.deepcopy(obj))
    except Exception:  # noqa: BLE001 -- an object that cannot be copied is compared by its repr alone
        return ("object", repr(obj), None)


def assert_unchanged(before, obj):
    after = snapshot(obj)
    if before[0] == "array":
        assert before == after, "an input array was modified"
    else:
        assert before[1] == after[1], "an input object was modified"


def check_error(error, func):
    assert isinstance(error, ALLOWED), f"{type(error).__name__}: {error}"
    assert f"{func}()" in str(error), f"the message does not name the function: {error}"


# -- calculate_z ----------------------------------------------------------------------------------------------------

VALID_MAXITER = st.one_of(st.integers(0, 60), st.sampled_from([np.int8(7), np.uint16(40), np.int64(0), True,
                                                               False, Color.RED]))
INVALID_MAXITER = st.one_of(
    st.integers(max_value=-1).map(lambda v: (v, ValueError)),
    st.integers(min_value=2**31, max_value=2**100).map(lambda v: (v, OverflowError)),
    st.sampled_from([(2**31, OverflowError), (-(2**31), ValueError), (np.int64(-1), ValueError),
                     (np.uint64(2**64 - 1), OverflowError), (10.0, TypeError), ("5", TypeError), (None, TypeError),
                     (np.float64(3), TypeError), (1j, TypeError), ([5], TypeError), (WrongIndex(), TypeError),
                     (RaisingIndex(), TypeError)]),
)
VALID_THREADS = st.sampled_from([None, 1, 2, 3, 4, np.int32(2), True])
INVALID_THREADS = st.sampled_from([(0, ValueError), (-1, ValueError), (1025, ValueError), (2**70, ValueError),
                                   (False, ValueError), (2.0, TypeError), ("2", TypeError), ([1], TypeError)])


@st.composite
def calculate_z_calls(draw):
    """((maxiter, zs, cs), kwargs, problems, zs_exact, cs_exact). `problems` holds the exception type each invalid
    argument must raise, or "any" for a form that may be accepted or refused; empty means the call must work."""
    problems = []
    maxiter = maybe(draw, VALID_MAXITER, INVALID_MAXITER, problems, odds=12)
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=6))
    zs_base = values_array(draw, draw(st.sampled_from(COMPLEX_SAFE)), shape)
    zs, zs_exact = draw(laid_out(zs_base))
    if zs_exact is None:
        problems.append("any")
    if not draw(st.integers(0, 12)):
        zs = draw(JUNK)
        zs_exact = None
        problems.append("any")

    cs_form = draw(st.sampled_from(["scalar", "scalar", "array", "alias-zs", "mismatched", "junk"]))
    if cs_form == "scalar":
        cs = draw(st.one_of(st.complex_numbers(allow_nan=True, allow_infinity=True), REAL.map(float),
                            st.integers(-3, 3), st.sampled_from([np.complex128(-0.5 + 0.5j), np.float32(0.25),
                                                                 np.complex64(1j), np.array(-0.62772 - 0.42193j),
                                                                 np.int16(-1), True])))
        cs_exact = np.asarray(cs, np.complex128)
    elif cs_form == "array":
        cs_base = values_array(draw, draw(st.sampled_from(COMPLEX_SAFE)), shape)
        cs, cs_exact = draw(laid_out(cs_base))
        if cs_exact is None:
            problems.append("any")
    elif cs_form == "alias-zs":  # inputs may share memory with each other
        cs, cs_exact = zs, zs_exact
    elif cs_form == "mismatched":
        other = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4))
        cs = np.zeros(other, np.complex128)
        cs_exact = None
        actual = zs_exact.shape if zs_exact is not None else other  # unknown if zs itself may be refused
        problems.append(ValueError if other != actual else "any")
    else:
        cs = draw(JUNK)
        cs_exact = None
        problems.append("any")

    kwargs = {}
    out_form = draw(st.sampled_from(["none", "none", "good", "good", "bad", "alias", "omit"]))
    if out_form == "none":
        kwargs["out"] = None
    elif out_form == "good":
        kwargs["out"] = np.full(shape, -7, np.int32)
    elif out_form == "bad":
        out, error = draw(st.sampled_from([
            (np.full(shape, -7, np.int64), TypeError),
            (np.full(shape, -7, np.dtype(np.int32).newbyteorder()), TypeError),
            (np.full(shape + (1,), -7, np.int32), ValueError),
            (np.full(shape, -7, np.int32).tolist(), TypeError),
            ("out", TypeError),
        ]))
        if shape and draw(st.booleans()):
            big = np.full(shape[:-1] + (2 * shape[-1],), -7, np.int32)
            out = big[..., ::2]
            error = ValueError if not out.flags.c_contiguous else "any"  # empty and 1-wide views count as contiguous
        kwargs["out"] = out
        problems.append(error)
    elif out_form == "alias" and isinstance(zs, np.ndarray) and zs.size and zs.dtype.itemsize >= 4 \
            and zs.flags.c_contiguous and zs.flags.writeable:
        # An out that overlaps the bytes of zs (or of its converted copy): refused, nothing written.
        raw = zs.reshape(-1).view(np.uint8)
        if raw.size >= 4 * int(np.prod(shape)):
            kwargs["out"] = raw[: 4 * int(np.prod(shape))].view(np.int32).reshape(shape)
            problems.append(ValueError)
    if draw(st.booleans()):
        if draw(st.integers(0, 4)):
            kwargs["num_threads"] = draw(VALID_THREADS)
        else:
            kwargs["num_threads"], error = draw(INVALID_THREADS)
            problems.append(error)
    if not draw(st.integers(0, 30)):
        kwargs["bogus"] = 1
        problems.append(TypeError)
    return (maxiter, zs, cs), kwargs, problems, zs_exact, cs_exact


def run_checked(func, name, args, kwargs, problems, out=None):
    """Calls func; checks the error contract, and that no argument changed (`out` only if the call failed).
    Returns (result, error)."""
    objects = list(args) + list(kwargs.values())
    before = [snapshot(o) for o in objects]
    try:
        result, error = func(*args, **kwargs), None
    except BaseException as e:  # noqa: BLE001 -- anything but the allowed errors is a failure
        result, error = None, e
    for b, o in zip(before, objects, strict=True):
        if error is not None or o is not out or out is None:
            assert_unchanged(b, o)
    if error is not None:
        check_error(error, name)
        if not problems:
            raise AssertionError(f"a valid call failed: {type(error).__name__}: {error}") from error
        definite = [p for p in problems if isinstance(p, type)]
        if len(definite) == len(problems) == 1:  # a single known problem: its exception type is certain
            assert isinstance(error, definite[0]), f"expected {definite[0].__name__}, got {error!r}"
    else:
        definite = [p for p in problems if isinstance(p, type)]
        assert not definite, f"expected {definite[0].__name__}, the call returned"
    return result, error


@given(calculate_z_calls())
def test_calculate_z_returns_the_reference_or_raises_cleanly(call):
    count("calculate_z")
    (maxiter, zs, cs), kwargs, problems, zs_exact, cs_exact = call
    result, error = run_checked(cext.calculate_z, "calculate_z", (maxiter, zs, cs), kwargs, problems,
                                out=kwargs.get("out"))
    if error is not None:
        return
    assert result.dtype == np.int32 and result.flags.c_contiguous
    if kwargs.get("out") is not None:
        assert result is kwargs["out"]
    if zs_exact is None:  # a form that could have been refused was accepted: convert it as NumPy does
        zs_exact = np.asarray(zs)
    if cs_exact is None:
        cs_exact = np.asarray(cs)
    assert result.shape == zs_exact.shape
    expected = escape_counts_numpy(int(maxiter), zs_exact.astype(np.complex128).ravel(),
                                   np.broadcast_to(cs_exact.astype(np.complex128), zs_exact.shape).ravel())
    np.testing.assert_array_equal(result.ravel(), expected)
    count("calculate_z", returned=True)


# -- evolve ---------------------------------------------------------------------------------------------------------

VALID_REAL = st.one_of(st.floats(-1, 1), REAL, st.integers(-5, 5),
                       st.sampled_from([np.float32(0.25), np.float16(0.5), np.int8(1), True, fractions.Fraction(1, 3),
                                        decimal.Decimal("0.1"), np.float64(np.nan), np.array(0.5)]))
INVALID_REAL = st.sampled_from([(0.1j, TypeError), (np.complex128(1), TypeError), ("0.1", TypeError),
                                (None, TypeError), ([0.1], TypeError), (10**400, OverflowError),
                                (RaisingFloat(), TypeError), (WrongFloat(), TypeError), (object(), TypeError)])
VALID_BOUNDARY = st.sampled_from(["fixed", "periodic"])
INVALID_BOUNDARY = st.one_of(st.text(max_size=9).filter(lambda s: s not in ("fixed", "periodic"))
                             .map(lambda s: (s, ValueError)),
                             st.sampled_from([(None, TypeError), (b"fixed", TypeError), (1, TypeError),
                                              ("Fixed", ValueError), ("fixed\0", ValueError)]))
VALID_STEPS = st.one_of(st.integers(0, 12), st.sampled_from([np.int16(3), np.uint8(9), True]))
INVALID_STEPS = st.sampled_from([(-1, ValueError), (-(2**70), ValueError), (2**63, OverflowError),
                                 (2**90, OverflowError), (2.0, TypeError), ("3", TypeError), (None, TypeError),
                                 (RaisingIndex(), TypeError)])


def maybe(draw, valid, invalid, problems, odds=12):
    """A valid value, or (one time in `odds`) an invalid one whose expected error is recorded."""
    if draw(st.integers(0, odds - 1)):
        return draw(valid)
    value, error = draw(invalid)
    problems.append(error)
    return value


@st.composite
def evolve_calls(draw):
    problems = []
    shape = draw(st.tuples(st.integers(0, 9), st.integers(0, 9)) | st.tuples(st.integers(1, 3), st.integers(30, 70))
                 | st.tuples(st.integers(30, 70), st.integers(1, 3)))
    grid_base = values_array(draw, draw(st.sampled_from(REAL_SAFE)), shape)
    grid, grid_exact = draw(laid_out(grid_base))
    if grid_exact is None:
        problems.append("any")
    grid_form = draw(st.integers(0, 24))
    if grid_form == 0:
        grid, grid_exact = draw(JUNK), None
        problems.append("any")
    elif grid_form == 1:
        grid, grid_exact = np.zeros(shape, np.complex128), None
        problems.append(TypeError)
    elif grid_form == 2:
        grid, grid_exact = np.zeros(shape + (1,)), None
        problems.append(ValueError)

    out_form = draw(st.sampled_from(["good"] * 6 + ["bad", "alias", "disjoint-view"]))
    out = np.full(shape, 7.25)
    if out_form == "bad":
        out, error = draw(st.sampled_from([
            (np.full(shape, 7.25, np.float32), TypeError),
            (np.full(shape, 7.25, ">f8"), TypeError),
            (np.full(shape[::-1] + (1,), 7.25), ValueError),
            (np.full(shape, 7.25).tolist(), TypeError),
            (None, TypeError),
        ]))
        if draw(st.booleans()) and shape[0] > 1 and shape[1] > 1:
            out, error = np.full(shape[::-1], 7.25).T, ValueError  # F-contiguous: not C-contiguous
        if draw(st.booleans()) and shape[0] > 0 and shape[1] > 0:
            ro = np.full(shape, 7.25)
            ro.flags.writeable = False
            out, error = ro, ValueError
        problems.append(error)
    elif out_form == "alias" and isinstance(grid, np.ndarray) and grid.size and grid.dtype == np.float64 \
            and grid.flags.writeable:
        out = grid if grid.flags.c_contiguous else out
        if out is grid:
            problems.append(ValueError)
    elif out_form == "disjoint-view":  # out and grid in one buffer without overlap: allowed
        if isinstance(grid, np.ndarray) and grid_exact is not None:
            buffer = np.full((2,) + shape, 7.25)
            buffer[0] = grid_exact
            grid, out = buffer[0], buffer[1]
            grid_exact = np.asarray(grid)

    dt = maybe(draw, VALID_REAL, INVALID_REAL, problems)
    args = [grid, out, dt]
    kwargs = {}
    if draw(st.booleans()):
        D = maybe(draw, VALID_REAL, INVALID_REAL, problems)
        if draw(st.booleans()):
            args.append(D)
        else:
            kwargs["D"] = D
    if draw(st.booleans()):
        kwargs["boundary"] = maybe(draw, VALID_BOUNDARY, INVALID_BOUNDARY, problems)
    if draw(st.booleans()):
        kwargs["steps"] = maybe(draw, VALID_STEPS, INVALID_STEPS, problems)
    if draw(st.booleans()):
        kwargs["num_threads"] = maybe(draw, VALID_THREADS, INVALID_THREADS, problems)
    return args, kwargs, problems, grid_exact


@given(evolve_calls())
def test_evolve_returns_the_reference_or_raises_cleanly(call):
    count("evolve")
    args, kwargs, problems, grid_exact = call
    out = args[1]
    result, error = run_checked(cext.evolve, "evolve", args, kwargs, problems, out=out)
    if error is not None:
        return
    assert result is out
    grid = (np.asarray(args[0]) if grid_exact is None else grid_exact).astype(np.float64)
    D = args[3] if len(args) > 3 else kwargs.get("D", 1.0)
    expected = diffusion_steps(grid, float(args[2]), float(D), kwargs.get("boundary", "fixed"),
                               int(kwargs.get("steps", 1)))
    np.testing.assert_array_equal(bits(result), bits(expected))
    count("evolve", returned=True)


# -- fib ------------------------------------------------------------------------------------------------------------


@given(st.one_of(
    st.integers(0, 3000).map(lambda n: (n, [])),
    st.integers(3000, 2**63 - 1).map(lambda n: (n, [])),
    st.sampled_from([np.int8(12), np.uint64(2**63 - 1), True, Color.RED]).map(lambda n: (n, [])),
    st.integers(max_value=-1).map(lambda n: (n, [ValueError])),
    st.integers(min_value=2**63, max_value=2**200).map(lambda n: (n, [OverflowError])),
    INVALID_MAXITER.filter(lambda p: p[1] is TypeError).map(lambda p: (p[0], [p[1]])),
    JUNK.filter(lambda o: not isinstance(o, (int, np.integer))).map(lambda o: (o, ["any"])),
))
def test_fib_returns_the_reference_or_raises_cleanly(case):
    count("fib")
    n, problems = case
    result, error = run_checked(cext.fib, "fib", (n,), {}, problems)
    if error is None:
        assert type(result) is float
        assert result == fib_reference(min(int(n), 1600))
        count("fib", returned=True)


# -- argument lists -------------------------------------------------------------------------------------------------

ARGUMENTS = st.lists(st.one_of(JUNK, st.integers(0, 5), st.just(np.zeros(3, complex))), max_size=8)
KEYWORDS = st.dictionaries(st.sampled_from(["maxiter", "zs", "cs", "out", "num_threads", "grid", "dt", "D",
                                            "boundary", "steps", "n", "bogus", ""]),
                           st.one_of(JUNK, st.integers(0, 5)), max_size=4)


@given(st.sampled_from(EXTENSION_FUNCTIONS), ARGUMENTS, KEYWORDS)
def test_any_argument_list_raises_cleanly_or_works(name, args, kwargs):
    count("argument lists")
    func = getattr(cext, name)
    objects = list(args) + list(kwargs.values())
    before = [snapshot(o) for o in objects]
    try:
        func(*args, **kwargs)
        count("argument lists", returned=True)
    except BaseException as e:  # noqa: BLE001
        check_error(e, name)
    for b, o in zip(before, objects, strict=True):
        assert_unchanged(b, o)
