"""The collective agreement that every public call of cext.mpi makes once, before any data moves.

Every rank checks its own arguments and brings its verdict (the exception it would raise, or None) and a
description of its call. The ranks wait for one another, then trade verdicts and descriptions in one
``allgather``: if any rank found an error, every rank raises it, with the same type and message (naming the
rank); if two ranks describe different calls, every rank raises ValueError. So a bad argument on one rank never
leaves the others waiting in a send or receive that will not come.

A rank that never joins the call (it raised earlier, or passed a decomposition of another communicator) cannot be
told from a slow one, so the others wait for it at most ``CEXT_MPI_TIMEOUT`` seconds (default 60; ``0`` waits for
ever) and then raise TimeoutError.
"""

from __future__ import annotations

import os
import time

from mpi4py import MPI

__all__ = ["Call", "agree"]

# A call's description, compared between ranks: (argument name, value) pairs, values compared exactly.
Call = tuple[tuple[str, object], ...]

# Argument errors that cross to the other ranks keep their type there.
_ERROR_TYPES: dict[str, type[Exception]] = {cls.__name__: cls for cls in (TypeError, ValueError, OverflowError)}


def _timeout() -> float | None:
    """Seconds a rank waits for the others to join a call; None waits for ever."""
    text = os.environ.get("CEXT_MPI_TIMEOUT", "60")
    try:
        seconds = float(text)
    except ValueError:
        raise ValueError(f"cext.mpi: CEXT_MPI_TIMEOUT must be a number of seconds, got {text!r}") from None
    return seconds if seconds > 0 else None


def _wait_for_everyone(comm: MPI.Intracomm, function: str) -> None:
    """Returns once every rank of ``comm`` has entered the same collective call; raises TimeoutError if they do
    not within CEXT_MPI_TIMEOUT seconds.

    A blocking barrier would hang for ever if one rank never arrives; a non-blocking one, polled, lets this rank
    give up. The poll sleeps a little longer each round (at most 10 ms), so a waiting rank leaves its core to
    the ranks still working.
    """
    timeout = _timeout()  # read first: a bad setting must not leave a barrier behind
    request = comm.Ibarrier()
    deadline = None if timeout is None else time.monotonic() + timeout
    pause = 0.0
    while not request.Test():
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError(
                f"{function}: rank {comm.rank} waited {timeout:g} s for the other {comm.size - 1} ranks of the "
                f"communicator to call it too. Every rank must make the same call with the same decomposition "
                f"(a rank that raised earlier, or passed a decomposition of another communicator, never "
                f"arrives); set CEXT_MPI_TIMEOUT to wait longer."
            )
        time.sleep(pause)
        pause = min(max(2 * pause, 1e-5), 1e-2)


def agree(comm: MPI.Intracomm, function: str, call: Call | None, error: Exception | None,
          *, compare: bool = True) -> list[Call | None]:
    """Every rank's ``call``, indexed by rank, once all ranks of ``comm`` have joined and none found an error.

    Parameters
    ----------
    comm : mpi4py.MPI.Intracomm
        The ranks that make the call.
    function : str
        The public function's name as its messages begin, such as ``"diffuse()"``.
    call : tuple of (str, object) pairs, or None
        This rank's arguments, as they must be equal on every rank (None when ``error`` is set).
    error : TypeError, ValueError, OverflowError or None
        What this rank's own checks raised.
    compare : bool, default True
        Whether every rank must describe the same call.

    Returns
    -------
    list
        Every rank's ``call``.

    Raises
    ------
    TypeError, ValueError, OverflowError
        The first failing rank's error, on every rank, its message followed by which ranks failed.
    ValueError
        When ``compare`` and two ranks describe different calls.
    TimeoutError
        Some rank did not join within ``CEXT_MPI_TIMEOUT`` seconds.
    """
    _wait_for_everyone(comm, function)
    verdict = None if error is None else (type(error).__name__, str(error))
    reports: list[tuple[Call | None, tuple[str, str] | None]] = comm.allgather((call, verdict))
    failed = [(rank, report[1]) for rank, report in enumerate(reports) if report[1] is not None]
    if failed:
        rank, (kind, message) = failed[0]
        where = f"rank {rank}" if len(failed) == 1 else f"ranks {', '.join(str(r) for r, _ in failed)}"
        suffix = f" [on {where} of {comm.size}; every rank raises]" if comm.size > 1 else ""
        raise _ERROR_TYPES.get(kind, RuntimeError)(message + suffix)
    calls = [report[0] for report in reports]
    if compare:
        for rank, other in enumerate(calls):
            if other != calls[0]:
                raise ValueError(f"{function}: every rank must pass the same arguments, but rank 0 passed "
                                 f"{_describe(calls[0])} and rank {rank} passed {_describe(other)}")
    return calls


def _describe(call: Call | None) -> str:
    return ", ".join(f"{name}={value}" for name, value in call or ())
