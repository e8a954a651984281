"""Reference leaks: every function, on its success paths and on every error path, called thousands of times,
leaves the reference counts of its arguments unchanged and does not grow the number of allocated blocks."""

import gc
import sys

import numpy as np
import pytest

import cext

CALLS = 2000
WARMUP = 200
BLOCK_SLACK = 100  # a leak of one object per call would be >= CALLS blocks


class RaisingIndex:
    def __index__(self):
        raise ZeroDivisionError("__index__")


class RaisingFloat:
    def __float__(self):
        raise ZeroDivisionError("__float__")


class RaisingArray:
    def __array__(self, dtype=None, copy=None):
        raise ZeroDivisionError("__array__")


def fresh():
    """Arguments that are not shared with anything else (so their reference counts are meaningful)."""
    zs = np.linspace(-2, 2, 64) + 0.5j
    grid = np.random.default_rng(0).uniform(size=(12, 10))
    buffer = np.zeros(16, np.complex128)
    return dict(
        zs=zs, zs_list=zs[:8].tolist(), zs_strided=np.repeat(zs, 2)[::2], cs=np.full(64, -0.5 + 0.25j),
        c=complex(-0.62772, -0.42193), out=np.empty(64, np.int32), maxiter=12345678 // 100000,
        big=2**40, grid=grid, grid_t=np.ascontiguousarray(grid.T).T, grid_out=np.empty((12, 10)),
        dt=0.123456, D=1.5, boundary="periodic", steps=9, n=12345678, threads=2, buffer=buffer,
        read_only=np.frombuffer(bytes(256), np.int32), swapped=np.zeros(64, ">i4"),
        strided_out=np.zeros(128, np.int32)[::2], wrong_shape=np.zeros(63, np.int32), wrong_dtype=np.zeros(64),
        grid_wrong=np.zeros((12, 11)), grid_ro=np.frombuffer(bytes(960), np.float64).reshape(12, 10),
        raising_index=RaisingIndex(), raising_float=RaisingFloat(), raising_array=RaisingArray(),
        text="abc", ragged=[[1j, 2j], [3j]], objects=[object(), object()],
    )


A = fresh()
CASES = {
    # calculate_z: results
    "calculate_z": (cext.calculate_z, (A["maxiter"], A["zs"], A["cs"]), {}, None),
    "calculate_z scalar c, out": (cext.calculate_z, (A["maxiter"], A["zs"], A["c"]), {"out": A["out"]}, None),
    "calculate_z list": (cext.calculate_z, (A["maxiter"], A["zs_list"], A["c"]), {"num_threads": A["threads"]}, None),
    "calculate_z strided copy": (cext.calculate_z, (A["maxiter"], A["zs_strided"], A["cs"]), {}, None),
    # calculate_z: every error path
    "calculate_z missing cs": (cext.calculate_z, (A["maxiter"], A["zs"]), {}, TypeError),
    "calculate_z unknown keyword": (cext.calculate_z, (A["maxiter"], A["zs"], A["c"]), {"bogus": A["n"]}, TypeError),
    "calculate_z maxiter float": (cext.calculate_z, (A["dt"], A["zs"], A["c"]), {}, TypeError),
    "calculate_z maxiter negative": (cext.calculate_z, (-A["n"], A["zs"], A["c"]), {}, ValueError),
    "calculate_z maxiter too large": (cext.calculate_z, (A["big"], A["zs"], A["c"]), {}, OverflowError),
    "calculate_z maxiter __index__ raises": (cext.calculate_z, (A["raising_index"], A["zs"], A["c"]), {}, TypeError),
    "calculate_z num_threads 0": (cext.calculate_z, (1, A["zs"], A["c"]), {"num_threads": 0}, ValueError),
    "calculate_z num_threads str": (cext.calculate_z, (1, A["zs"], A["c"]), {"num_threads": A["text"]}, TypeError),
    "calculate_z num_threads __index__ raises": (cext.calculate_z, (1, A["zs"], A["c"]),
                                                 {"num_threads": A["raising_index"]}, TypeError),
    "calculate_z zs str": (cext.calculate_z, (1, A["text"], A["c"]), {}, TypeError),
    "calculate_z zs ragged": (cext.calculate_z, (1, A["ragged"], A["c"]), {}, ValueError),
    "calculate_z zs objects": (cext.calculate_z, (1, A["objects"], A["c"]), {}, TypeError),
    "calculate_z zs __array__ raises": (cext.calculate_z, (1, A["raising_array"], A["c"]), {}, TypeError),
    "calculate_z zs datetime": (cext.calculate_z, (1, np.zeros(3, "M8[s]"), A["c"]), {}, TypeError),
    "calculate_z cs shape": (cext.calculate_z, (1, A["zs"], A["cs"][:5]), {}, ValueError),
    "calculate_z cs str": (cext.calculate_z, (1, A["zs"], A["text"]), {}, TypeError),
    "calculate_z out list": (cext.calculate_z, (1, A["zs"], A["c"]), {"out": A["zs_list"]}, TypeError),
    "calculate_z out dtype": (cext.calculate_z, (1, A["zs"], A["c"]), {"out": A["wrong_dtype"]}, TypeError),
    "calculate_z out byte order": (cext.calculate_z, (1, A["zs"], A["c"]), {"out": A["swapped"]}, TypeError),
    "calculate_z out shape": (cext.calculate_z, (1, A["zs"], A["c"]), {"out": A["wrong_shape"]}, ValueError),
    "calculate_z out strided": (cext.calculate_z, (1, A["zs"], A["c"]), {"out": A["strided_out"]}, ValueError),
    "calculate_z out read-only": (cext.calculate_z, (1, A["zs"], A["c"]), {"out": A["read_only"]}, ValueError),
    "calculate_z out overlaps zs": (cext.calculate_z, (1, A["buffer"][:8], A["c"]),
                                    {"out": A["buffer"].view(np.int32)[:8]}, ValueError),
    "calculate_z out overlaps cs": (cext.calculate_z, (1, A["zs"][:8], A["buffer"][:8]),
                                    {"out": A["buffer"].view(np.int32)[:8]}, ValueError),
    # evolve: results
    "evolve": (cext.evolve, (A["grid"], A["grid_out"], A["dt"]), {}, None),
    "evolve all options": (cext.evolve, (A["grid"], A["grid_out"], A["dt"], A["D"]),
                           {"boundary": A["boundary"], "steps": A["steps"], "num_threads": A["threads"]}, None),
    "evolve transposed copy": (cext.evolve, (A["grid_t"], A["grid_out"], A["dt"]), {}, None),
    # evolve: every error path
    "evolve missing dt": (cext.evolve, (A["grid"], A["grid_out"]), {}, TypeError),
    "evolve dt str": (cext.evolve, (A["grid"], A["grid_out"], A["text"]), {}, TypeError),
    "evolve dt complex": (cext.evolve, (A["grid"], A["grid_out"], A["c"]), {}, TypeError),
    "evolve dt huge int": (cext.evolve, (A["grid"], A["grid_out"], 10**400), {}, OverflowError),
    "evolve dt __float__ raises": (cext.evolve, (A["grid"], A["grid_out"], A["raising_float"]), {}, TypeError),
    "evolve D str": (cext.evolve, (A["grid"], A["grid_out"], A["dt"], A["text"]), {}, TypeError),
    "evolve boundary value": (cext.evolve, (A["grid"], A["grid_out"], A["dt"]), {"boundary": A["text"]}, ValueError),
    "evolve boundary type": (cext.evolve, (A["grid"], A["grid_out"], A["dt"]), {"boundary": A["D"]}, TypeError),
    "evolve steps negative": (cext.evolve, (A["grid"], A["grid_out"], A["dt"]), {"steps": -A["n"]}, ValueError),
    "evolve steps too large": (cext.evolve, (A["grid"], A["grid_out"], A["dt"]), {"steps": 2**64}, OverflowError),
    "evolve steps float": (cext.evolve, (A["grid"], A["grid_out"], A["dt"]), {"steps": A["dt"]}, TypeError),
    "evolve num_threads": (cext.evolve, (A["grid"], A["grid_out"], A["dt"]), {"num_threads": -1}, ValueError),
    "evolve grid 1-D": (cext.evolve, (A["zs"].real.copy(), A["grid_out"], A["dt"]), {}, ValueError),
    "evolve grid complex": (cext.evolve, (A["zs"].reshape(8, 8), A["grid_out"], A["dt"]), {}, TypeError),
    "evolve grid ragged": (cext.evolve, (A["ragged"], A["grid_out"], A["dt"]), {}, ValueError),
    "evolve grid __array__ raises": (cext.evolve, (A["raising_array"], A["grid_out"], A["dt"]), {}, TypeError),
    "evolve out shape": (cext.evolve, (A["grid"], A["grid_wrong"], A["dt"]), {}, ValueError),
    "evolve out dtype": (cext.evolve, (A["grid"], A["out"], A["dt"]), {}, TypeError),
    "evolve out read-only": (cext.evolve, (A["grid"], A["grid_ro"], A["dt"]), {}, ValueError),
    "evolve out is grid": (cext.evolve, (A["grid"], A["grid"], A["dt"]), {}, ValueError),
    "evolve out overlaps converted grid": (cext.evolve, (A["grid_t"], A["grid_t"], A["dt"]), {}, ValueError),
    # fib
    "fib": (cext.fib, (A["n"],), {}, None),
    "fib numpy int": (cext.fib, (np.int64(90),), {}, None),
    "fib negative": (cext.fib, (-A["n"],), {}, ValueError),
    "fib too large": (cext.fib, (A["big"] ** 2,), {}, OverflowError),
    "fib float": (cext.fib, (A["dt"],), {}, TypeError),
    "fib __index__ raises": (cext.fib, (A["raising_index"],), {}, TypeError),
}


@pytest.mark.parametrize("name", list(CASES))
def test_no_reference_or_memory_leak(name):
    func, args, kwargs, error = CASES[name]
    # Small ints and singletons are shared by the whole interpreter: their counts move with unrelated activity.
    objects = [o for o in list(args) + list(kwargs.values()) if not (type(o) is int and -5 <= o <= 256)]

    def call():
        try:
            func(*args, **kwargs)
        except BaseException as e:  # noqa: BLE001
            if error is None or type(e) is not error:
                raise

    if error is not None:
        with pytest.raises(error, match=rf"{func.__name__}\(\)"):
            func(*args, **kwargs)
    for _ in range(WARMUP):
        call()
    gc.collect()
    refcounts = [sys.getrefcount(o) for o in objects]
    for _attempt in range(3):  # allocator noise (free lists, caches) may grow a little once; a leak grows each time
        blocks = sys.getallocatedblocks()
        for _ in range(CALLS):
            call()
        gc.collect()
        growth = sys.getallocatedblocks() - blocks
        if growth < BLOCK_SLACK:
            break
    assert [sys.getrefcount(o) for o in objects] == refcounts
    assert growth < BLOCK_SLACK, f"{growth} more allocated blocks after {CALLS} calls"
