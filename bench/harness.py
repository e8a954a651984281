"""Check that contenders agree, then time them fairly.

The method, for one workload:

1. Run each reference once and keep, for every contender that refers to it,
   what that contender must produce: a copy where it is small, else its
   shape, dtype and a digest of its bytes (so a 512 MiB grid costs no second
   512 MiB, and the contenders can share their output buffers).
2. Run every contender once and compare its output bit for bit with what the
   reference says it must be. A contender that raises or disagrees is
   flagged and never timed. This first call is also the warm-up.
3. Calibrate: per contender, find how many calls make one sample last at
   least ``min_sample_seconds`` (the calls made meanwhile warm caches, page
   in buffers and wake thread pools).
4. Take ``repeats`` samples of each contender round-robin, starting the round
   at a different contender each time, so that drift in clock speed or
   memory state is spread over everyone instead of landing on one.

A sample is a ``timeit`` loop (garbage collector off) over a plain call
``f(a0, a1, ..., k0=...)`` whose function and arguments are local variables:
no lambda or wrapper is timed along with the kernel. A contender that runs in
another process (PyPy) brings its own timer, which runs the same kind of loop
there. Times are reported per call, or per step for multi-step contenders,
and scaled up for contenders that run on a stated subset of the problem.
"""
import hashlib
import statistics
import time
import timeit
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np


def _unchanged(output):
    return output


@dataclass
class Contender:
    """One implementation on one workload.

    ``func(*args, **kwargs)`` is the timed call. Its output is the return
    value, or ``writes_to`` when the function fills a buffer in place.
    ``reference`` names the workload reference it must agree with (None for
    timing references such as a plain memory copy), and ``select`` maps that
    reference's output to what this contender must produce (for runs on a
    subset). ``scale`` multiplies the measured time (subset runs) and
    ``steps`` divides it (multi-step runs).
    """

    label: str
    family: str
    func: Callable
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    writes_to: Any = None
    reference: str | None = "default"
    select: Callable = _unchanged
    scale: float = 1.0
    steps: int = 1
    note: str = ""
    timer: Callable[[int], float] | None = None
    path: str = ""  # its row in the call-overhead and cost tables ("" if none)
    # For a call that leaves its output where Python cannot see it (on an OpenCL device): fetches it, untimed.
    fetch: Callable[[], Any] | None = None

    def call(self):
        """Call once (untimed) and return the output to check."""
        returned = self.func(*self.args, **self.kwargs)
        if self.fetch is not None:
            return self.fetch()
        return returned if self.writes_to is None else self.writes_to


@dataclass
class Measurement:
    """What happened to one contender.

    ``status`` is "ok" (agrees with its reference), "unchecked" (a timing
    reference), "disagrees", "crashed" or "unverified" (its reference
    failed); only the first two are timed. ``seconds`` holds one scaled
    per-call (or per-step) time per repeat; ``first_call_seconds`` is the
    time of the contender's first call in this workload (the checking call,
    which includes any warm-up it needs), scaled the same way.
    """

    contender: Contender
    status: str
    detail: str = ""
    number: int = 0
    seconds: list = field(default_factory=list)
    first_call_seconds: float | None = None

    @property
    def timed(self):
        return bool(self.seconds)

    @property
    def best(self):
        return min(self.seconds)

    @property
    def median(self):
        return statistics.median(self.seconds)


def measure(contenders, references, *, repeats, min_sample_seconds,
            check_reference=None, tick=lambda: None):
    """Validate and time ``contenders``; return their Measurements in order.

    ``references`` maps a reference name to the label of the contender whose
    output defines it; ``check_reference(output)``, if given, returns a
    complaint about a reference output (such as a wrong checksum) or None.
    ``tick`` is called after validation and after each round of samples (for
    a progress bar).
    """
    expected = _expected_outputs(contenders, references, check_reference)
    measurements = [_validate(contender, expected) for contender in contenders]
    tick()

    timed = [m for m in measurements if m.status in ("ok", "unchecked")]
    timers = {id(m): _timer(m.contender) for m in timed}
    for m in timed:
        m.number = _calibrate(timers[id(m)], min_sample_seconds)
    for round_index in range(repeats):
        start = round_index % len(timed) if timed else 0
        for m in timed[start:] + timed[:start]:
            elapsed = timers[id(m)].timeit(m.number)
            m.seconds.append(elapsed / m.number * m.contender.scale / m.contender.steps)
        tick()
    return measurements


# Expected outputs up to this size are kept as copies and compared value by value, with the first difference
# reported; larger ones (the 2048² grids and up) are kept as a digest of their bytes.
COPY_LIMIT_BYTES = 16 * 2**20


@dataclass(frozen=True)
class Digest:
    """What a large expected output must be, without keeping it: its shape, dtype and a hash of its bytes."""

    shape: tuple
    dtype: np.dtype
    hexdigest: str

    @classmethod
    def of(cls, array):
        array = np.ascontiguousarray(array)
        return cls(array.shape, array.dtype, hashlib.blake2b(array.data, digest_size=16).hexdigest())


def expected_form(output):
    """What to keep of a reference output: a copy if it is small, else its Digest."""
    array = np.asarray(output)
    if array.nbytes <= COPY_LIMIT_BYTES:
        return np.array(array, copy=True)
    return Digest.of(array)


def mismatch(expected, got):
    """Describe how ``got`` differs from ``expected``, or None if bit-identical.

    Floating-point values are compared as raw bits, so -0.0 differs from 0.0
    and the same NaN equals itself; integers are compared by value, so a
    list of Python ints can match an int32 array. Against a Digest, the
    shape, the dtype and every byte must match.
    """
    if isinstance(expected, Digest):
        have = np.asarray(got)
        if have.shape != expected.shape:
            return f"shape {have.shape}, expected {expected.shape}"
        if have.dtype != expected.dtype:
            return f"dtype {have.dtype}, expected {expected.dtype}"
        if Digest.of(have) != expected:
            return (f"its {have.nbytes} bytes differ from the reference's (compared by digest at this size; "
                    f"the smaller sizes compare value by value and show where)")
        return None
    want, have = np.asarray(expected), np.asarray(got)
    if want.shape != have.shape:
        return f"shape {have.shape}, expected {want.shape}"
    if want.dtype.kind in "fc" or have.dtype.kind in "fc":
        if want.dtype.kind not in "fc" or have.dtype.kind not in "fc":
            return f"dtype {have.dtype}, expected {want.dtype}"
        common = np.result_type(want, have)
        differs = (_bits(want.astype(common)) != _bits(have.astype(common))).any(axis=1)
    else:
        differs = (want != have).ravel()
    count = int(np.count_nonzero(differs))
    if count == 0:
        return None
    first = np.unravel_index(int(np.argmax(differs)), want.shape)
    return (f"{count} of {want.size} values differ; first at index {tuple(map(int, first))}: "
            f"got {have[first].item()!r}, expected {want[first].item()!r}")


def _bits(array):
    """The raw 64-bit words of each element, one row per element."""
    return np.ascontiguousarray(array).reshape(-1).view(np.uint64).reshape(array.size, -1)


def _expected_outputs(contenders, references, check_reference):
    """Run each reference contender once; map each contender (by id) to what it must produce, or an exception.

    What is kept is taken right after the reference's call, before any other contender runs: contenders may
    share output buffers, and the reference's own is overwritten when it runs again.
    """
    by_label = {contender.label: contender for contender in contenders}
    expected = {}
    for name, label in references.items():
        users = [contender for contender in contenders if contender.reference == name]
        try:
            output = np.asarray(by_label[label].call())
            complaint = check_reference(output) if check_reference else None
            if complaint:
                raise ValueError(f"{label}: {complaint}")
            # One form per selection: contenders running the whole problem share one copy or digest.
            whole = expected_form(output)
            for contender in users:
                selected = contender.select(output)
                expected[id(contender)] = whole if selected is output else expected_form(selected)
        except Exception as error:  # noqa: BLE001 -- reported on every contender that needs it
            for contender in users:
                expected[id(contender)] = error
    return expected


def _validate(contender, expected):
    reference = None
    if contender.reference is not None:
        reference = expected.get(id(contender), LookupError("no reference contender ran"))
        if isinstance(reference, Exception):
            return Measurement(contender, "unverified",
                               f"reference failed: {type(reference).__name__}: {reference}")
    try:
        started = time.perf_counter()
        output = contender.call()
        first_call = (time.perf_counter() - started) * contender.scale / contender.steps
    except Exception as error:  # noqa: BLE001 -- a crashing contender must not end the run
        return Measurement(contender, "crashed", f"{type(error).__name__}: {error}")
    if contender.reference is None:
        return Measurement(contender, "unchecked", first_call_seconds=first_call)
    problem = mismatch(reference, output)
    if problem:
        return Measurement(contender, "disagrees", problem, first_call_seconds=first_call)
    return Measurement(contender, "ok", first_call_seconds=first_call)


class _ExternalTimer:
    """The timeit.Timer interface over a contender's own ``timer(number)``."""

    def __init__(self, timer):
        self.timeit = timer


def _timer(contender):
    """A timeit.Timer whose loop body is exactly the call ``f(a0, ..., k=...)``."""
    if contender.timer is not None:
        return _ExternalTimer(contender.timer)
    positional = [f"a{i}" for i in range(len(contender.args))]
    keywords = [f"{name}=k_{name}" for name in contender.kwargs]
    # Bound in timeit's setup, so they are locals of the timing function.
    setup = ["f = _func"]
    setup += [f"a{i} = _args[{i}]" for i in range(len(contender.args))]
    setup += [f"k_{name} = _kwargs[{name!r}]" for name in contender.kwargs]
    return timeit.Timer(
        stmt=f"f({', '.join(positional + keywords)})",
        setup="; ".join(setup),
        globals={"_func": contender.func, "_args": contender.args, "_kwargs": contender.kwargs},
    )


def _calibrate(timer, min_sample_seconds):
    """The smallest number in 1, 2, 5, 10, 20, 50, ... of calls that lasts long enough."""
    number = 1
    while True:
        for multiplier in (1, 2, 5):
            if timer.timeit(number * multiplier) >= min_sample_seconds:
                return number * multiplier
        number *= 10


def loop_overhead_seconds():
    """Cost of one iteration of an empty timeit loop, included in every per-call time."""
    timer = timeit.Timer("pass")
    number = 1_000_000
    return min(timer.repeat(repeat=5, number=number)) / number
