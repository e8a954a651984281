"""Reference leaks of any object, not only of the arguments: every call form -- each success and each error path
of tests/test_refleaks.py, plus the paths only this method can check (exceptions that pass through unchanged, a
Ctrl-C that cancels a running kernel, the private introspection functions) -- runs in rounds, as CPython's own
`regrtest -R` does, and the interpreter's total reference count must not grow from round to round.

sys.gettotalrefcount() exists only in a debug build of CPython (Debian: python3.11-dbg). It counts the
increments and decrements made by code compiled against the debug headers, so cext, and NumPy too, must be
built by that interpreter: a release-built extension or wheel still loads (the ABI is the same since 3.8), but its
own Py_INCREF/Py_DECREF are invisible to the count, which then drifts by a steady amount per call on its own.
`bash .ci/debug_refleaks.sh` sets this up. Elsewhere the module is skipped.

A leak of the exception type on an error path, or of the original exception kept as __cause__, leaks objects
that are neither arguments nor new allocations, which is why tests/test_refleaks.py cannot see it and this can.
"""

import ctypes
import gc
import signal
import sys

import numpy as np
import pytest
from _figures import record
from test_refleaks import CASES

import cext

pytestmark = pytest.mark.skipif(not hasattr(sys, "gettotalrefcount"),
                                reason="needs a debug build of CPython (sys.gettotalrefcount)")

WARMUP = 20  # calls before counting: caches, interned strings and lazily created objects settle
ROUNDS = 4  # like regrtest -R 3:3 and more: a leak grows the count in every round
CALLS = 50  # per round: a leak of one reference per call adds at least this much per round

FIGURES = {"forms": 0, "calls": 0}


class Interrupted(Exception):
    """Raised by the SIGALRM handler below, as KeyboardInterrupt would be by Ctrl-C."""


class RaisingKeyboardInterrupt:
    def __index__(self):
        raise KeyboardInterrupt("__index__")


class RaisingMemoryError:
    def __float__(self):
        raise MemoryError("__float__")


def interrupt_soon():
    """Arms a SIGALRM in a millisecond; its handler raises at the kernel's first poll for signals (after 20 ms)."""
    signal.setitimer(signal.ITIMER_REAL, 0.001)


def on_alarm(signum, frame):
    raise Interrupted


ZS = np.linspace(-2, 2, 64) + 0.5j
GRID = np.random.default_rng(0).uniform(size=(64, 64))
GRID_OUT = np.empty_like(GRID)
NEVER = 2**31 - 1

# name: (function, args, kwargs, expected exception or None, set-up called before each call or None)
EXTRA_CASES = {
    # An exception that is not an Exception, or a MemoryError, passes through the conversion unchanged.
    "calculate_z maxiter __index__ raises KeyboardInterrupt": (
        cext.calculate_z, (RaisingKeyboardInterrupt(), ZS, 0j), {}, KeyboardInterrupt, None),
    "evolve dt __float__ raises MemoryError": (
        cext.evolve, (GRID, GRID_OUT, RaisingMemoryError()), {}, MemoryError, None),
    "calculate_z zs too large to convert": (  # 16 TiB after conversion: NumPy's MemoryError passes through
        cext.calculate_z, (1, np.broadcast_to(np.complex128(1j), (2**40,)), 0j), {}, MemoryError, None),
    # A signal handler that raises while the kernel runs: the kernel is cancelled and its exception returned.
    "calculate_z interrupted": (
        cext.calculate_z, (NEVER, np.zeros(256, complex), 0j), {"num_threads": 2}, Interrupted, interrupt_soon),
    "calculate_z interrupted, 1 thread": (
        cext.calculate_z, (NEVER, np.zeros(8, complex), 0j), {"num_threads": 1}, Interrupted, interrupt_soon),
    "evolve interrupted": (
        cext.evolve, (GRID, GRID_OUT, 0.1), {"steps": 10**12, "num_threads": 2}, Interrupted, interrupt_soon),
    # The private functions show_config() and the tests use.
    "_build_info": (cext._core._build_info, (), {}, None, None),
    "_set_simd": (cext._core._set_simd, ("baseline",), {}, None, None),
    "_set_simd unknown": (cext._core._set_simd, ("sse9",), {}, ValueError, None),
    "_set_simd not a str": (cext._core._set_simd, (b"avx2",), {}, TypeError, None),
    "_set_keep_scratch": (cext._core._set_keep_scratch, (True,), {}, None, None),
    "_set_keep_scratch not a bool": (cext._core._set_keep_scratch, (1,), {}, TypeError, None),
    "_kept_scratch_bytes": (cext._core._kept_scratch_bytes, (), {}, None, None),
}
ALL_CASES = {name: (*case, None) for name, case in CASES.items()} | EXTRA_CASES


@pytest.fixture(scope="module", autouse=True)
def report_figures(pytestconfig):
    yield
    if FIGURES["forms"]:
        record(pytestconfig, f"total references (debug CPython, sys.gettotalrefcount): {FIGURES['forms']} call forms, "
                             f"{FIGURES['calls']:,} calls in rounds of {CALLS}, none grew the total; "
                             f"a leak of one reference per call was detected")


@pytest.fixture(scope="module", autouse=True)
def alarm_handler():
    previous = signal.signal(signal.SIGALRM, on_alarm)
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture(autouse=True)
def restore_simd_path():
    previous = cext._core._build_info()["simd"]
    yield
    cext._core._set_simd(previous)


def caller(func, args, kwargs, error, setup):
    def call():
        try:
            # Inside the try: on a loaded machine the interrupting alarm can fire before the call starts, while
            # this frame still runs Python code, and its exception is then the expected one all the same.
            if setup is not None:
                setup()
            func(*args, **kwargs)
        except BaseException as e:
            if error is None or not isinstance(e, error):  # NumPy raises a subclass of MemoryError
                raise
        else:
            assert error is None, f"{func.__name__} did not raise {error.__name__}"

    return call


def growth_per_round(call):
    """The total reference count's growth in each of ROUNDS rounds of CALLS calls, after WARMUP calls."""
    for _ in range(WARMUP):
        call()
    deltas = []
    for _ in range(ROUNDS):
        gc.collect()
        before = sys.gettotalrefcount()
        for _ in range(CALLS):
            call()
        gc.collect()
        deltas.append(sys.gettotalrefcount() - before)
    return deltas


def leaks(call):
    """(whether `call` leaks, its deltas, the harness's own deltas). Like regrtest -R, a leak is a count that grows
    in every round; the harness's own steady overhead (the local variables above) is measured and subtracted."""
    own = growth_per_round(lambda: None)
    deltas = growth_per_round(call)
    return all(d > max(own) for d in deltas), deltas, own


@pytest.mark.parametrize("name", list(ALL_CASES))
def test_total_reference_count_does_not_grow(name):
    call = caller(*ALL_CASES[name])
    leaked, deltas, own = leaks(call)
    assert not leaked, f"{name}: the total reference count grew by {deltas} per round of {CALLS} calls " \
                       f"(the harness alone: {own})"
    FIGURES["forms"] += 1
    FIGURES["calls"] += WARMUP + ROUNDS * CALLS


def test_a_leak_of_one_reference_per_call_is_detected():
    # Positive control: the same measurement must flag a deliberate leak, here one extra reference taken on an
    # argument per call of a function that is otherwise clean.
    func, args, kwargs, error = CASES["calculate_z"]
    victim = args[1]
    clean = caller(func, args, kwargs, error, None)

    def leaky():
        clean()
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(victim))

    before = sys.getrefcount(victim)
    leaked, deltas, _ = leaks(leaky)
    for _ in range(sys.getrefcount(victim) - before):  # give the references back
        ctypes.pythonapi.Py_DecRef(ctypes.py_object(victim))
    assert leaked and min(deltas) >= CALLS, deltas
    assert not leaks(clean)[0]
