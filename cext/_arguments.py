"""The argument checks and defaults that cext.dask and cext.mpi share, so that the two agree on what they accept,
on what they do when an argument is left out, and on the words of their errors.

Each check takes the name of the public function it runs for (``"diffuse()"``) and the argument's name, and
raises TypeError, ValueError or OverflowError with a message that names both, as cext's C functions do.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Literal

import numpy as np

# Both modules run many workers at once — Dask threads or MPI ranks, normally one per core — and each worker
# calls a cext kernel on its own block. An OpenMP team per call on top of that would put several threads on every
# core, so each call gets one thread unless told otherwise; ``num_threads=None`` hands the choice back to OpenMP
# (``OMP_NUM_THREADS``), for a program that runs one worker per machine or per socket.
DEFAULT_NUM_THREADS = 1

# cext's kernels accept None or 1 to this many threads (the C side's own limit, far above any machine).
MAX_THREADS = 1024

# calculate_z counts in int32, so the iteration limit must fit in one.
MAX_ITERATIONS = 2**31 - 1

Boundary = Literal["fixed", "periodic"]


def index(function: str, name: str, value: object) -> int:
    """``operator.index(value)``: an int or an object with ``__index__``, never a float."""
    try:
        return operator.index(value)  # type: ignore[arg-type]  # any object may define __index__
    except TypeError:
        raise TypeError(f"{function}: '{name}' must be an int, got {type(value).__name__}") from None


def real(function: str, name: str, value: object) -> float:
    """A real number (float, int, NumPy scalar); complex numbers are refused rather than losing their imaginary
    part."""
    convertible = hasattr(value, "__float__") or hasattr(value, "__index__")
    if isinstance(value, (complex, np.complexfloating)) or not convertible:
        raise TypeError(f"{function}: '{name}' must be a real number, got {type(value).__name__}")
    return float(value)  # type: ignore[arg-type]  # it has __float__ or __index__, checked above


def complex_number(function: str, name: str, value: object) -> complex:
    """A complex number, or a real one."""
    try:
        if isinstance(value, (str, bytes)):  # complex() would parse text, which no kernel accepts
            raise TypeError
        number: complex = complex(value)  # type: ignore[call-overload]  # complex() itself says what it refuses
        return number
    except (TypeError, ValueError):
        raise TypeError(f"{function}: '{name}' must be a complex number, got {type(value).__name__}") from None


def pair(function: str, name: str, value: object) -> tuple[object, object]:
    """Two values, as a tuple, list or 1-D array of length 2."""
    if not isinstance(value, (Sequence, np.ndarray)) or isinstance(value, str) or len(value) != 2:
        raise TypeError(f"{function}: '{name}' must be a pair, got {value!r}")
    return (value[0], value[1])


def int_pair(function: str, name: str, value: object) -> tuple[int, int]:
    """A pair of ints (a shape, a grid of ranks)."""
    first, second = pair(function, name, value)
    return (index(function, name, first), index(function, name, second))


def real_pair(function: str, name: str, value: object) -> tuple[float, float]:
    """A pair of real numbers (a range of coordinates)."""
    first, second = pair(function, name, value)
    try:
        return (real(function, name, first), real(function, name, second))
    except TypeError:
        raise TypeError(f"{function}: '{name}' must be a pair of real numbers, got {value!r}") from None


def image_size(function: str, width: object, height: object) -> tuple[int, int]:
    """An image's ``(width, height)`` in pixels, each an int, zero or more."""
    columns, rows = index(function, "width", width), index(function, "height", height)
    if columns < 0 or rows < 0:
        raise ValueError(f"{function}: 'width' and 'height' must be non-negative, got {columns} and {rows}")
    return (columns, rows)


def boundary(function: str, value: object) -> Boundary:
    """``'fixed'`` or ``'periodic'``, as cext.evolve takes them."""
    if value == "fixed":
        return "fixed"
    if value == "periodic":
        return "periodic"
    raise ValueError(f"{function}: 'boundary' must be 'fixed' or 'periodic', got {value!r}")


def steps(function: str, value: object) -> int:
    """A number of steps: an int, zero or more."""
    count = index(function, "steps", value)
    if count < 0:
        raise ValueError(f"{function}: 'steps' must be non-negative, got {count}")
    return count


def steps_per_exchange(function: str, value: object) -> int | None:
    """None (the default, :func:`default_steps_per_exchange`) or an int, one or more."""
    if value is None:
        return None
    count = index(function, "steps_per_exchange", value)
    if count < 1:
        raise ValueError(f"{function}: 'steps_per_exchange' must be at least 1, got {count}")
    return count


def num_threads(function: str, value: object) -> int | None:
    """None (OpenMP's choice) or an int in [1, MAX_THREADS], as the kernels take it."""
    if value is None:
        return None
    try:
        count = operator.index(value)  # type: ignore[arg-type]  # any object may define __index__
    except TypeError:
        raise TypeError(f"{function}: 'num_threads' must be None or an int, got {type(value).__name__}") from None
    if not 1 <= count <= MAX_THREADS:
        raise ValueError(f"{function}: 'num_threads' must be None or an int in [1, {MAX_THREADS}], got {count}")
    return count


def maxiter(function: str, value: object) -> int:
    """An iteration limit for calculate_z: an int in [0, 2**31 - 1]."""
    limit = index(function, "maxiter", value)
    if limit < 0:
        raise ValueError(f"{function}: 'maxiter' must be non-negative, got {limit}")
    if limit > MAX_ITERATIONS:
        raise OverflowError(f"{function}: 'maxiter' must be at most {MAX_ITERATIONS}, got {limit}")
    return limit


def default_steps_per_exchange(narrowest: int) -> int:
    """The halo depth (steps between exchanges) used when none is given, for blocks whose narrowest extent along
    an axis that exchanges halos is ``narrowest`` cells.

    ``min(8, narrowest // 16)``, at least 1. Eight steps is one round of cext.evolve's temporal blocking for a
    block that stays in the cache, beyond which a call would also need a scratch grid; ``narrowest // 16`` keeps
    the cells computed twice in the halos, about ``4k/b`` of a block of side b, at a quarter or less.
    """
    return max(1, min(8, narrowest // 16))
