"""The grid of ranks, each rank's block of the whole grid, and moving whole grids to and from rank 0."""

from __future__ import annotations

from types import TracebackType
from typing import Literal

import numpy as np
from mpi4py import MPI
from numpy.typing import ArrayLike, NDArray

from .. import _arguments as arguments
from .agreement import Call, agree
from .halo import Halo

__all__ = ["Decomposition"]

# Message tags: each kind of message has its own, so that a block being scattered can never be taken for one
# being gathered (the halo's tags, in cext.mpi.halo, lie above these).
_SCATTER_TAG = 1
_GATHER_TAG = 2


def check_dims(function: str, dims: object, size: int) -> tuple[int, int]:
    """The grid of ranks: ``dims`` checked against the communicator's size, or MPI's balanced choice."""
    if dims is None:
        rows, columns = MPI.Compute_dims(size, 2)
        return (rows, columns)
    rows, columns = arguments.int_pair(function, "dims", dims)
    if rows < 1 or columns < 1 or rows * columns != size:
        raise ValueError(f"{function}: 'dims' must be two positive ints whose product is the number of ranks "
                         f"{size}, got {dims!r}")
    return (rows, columns)


def check_comm(function: str, comm: object) -> MPI.Intracomm:
    """``comm`` itself, if it is an intracommunicator. Checked on the calling rank alone: without a
    communicator there is no one to tell."""
    if not isinstance(comm, MPI.Intracomm):
        raise TypeError(f"{function}: 'comm' must be an mpi4py intracommunicator (MPI.COMM_WORLD, ...), "
                        f"got {type(comm).__name__}")
    return comm


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
        check_comm(function, comm)
        error: Exception | None = None
        call: Call | None = None
        try:
            rows, columns = arguments.int_pair(function, "shape", shape)
            if rows < 0 or columns < 0:
                raise ValueError(f"{function}: 'shape' must be non-negative, got {shape!r}")
            boundary = arguments.boundary(function, boundary)
            checked_dims = check_dims(function, dims, comm.size)
            call = (("shape", (rows, columns)), ("boundary", boundary), ("dims", checked_dims))
        except (TypeError, ValueError, OverflowError) as failure:
            error = failure
        agree(comm, function, call, error)
        self._build(comm, (rows, columns), boundary, checked_dims)

    @classmethod
    def _agreed(cls, comm: MPI.Intracomm, shape: tuple[int, int], boundary: Literal["fixed", "periodic"],
                dims: tuple[int, int]) -> Decomposition:
        """A decomposition of arguments that the ranks have already checked and agreed on, within a call that
        made its own agreement (julia_image): one agreement per public call is enough."""
        dec = cls.__new__(cls)
        dec._build(comm, shape, boundary, dims)
        return dec

    def _build(self, comm: MPI.Intracomm, shape: tuple[int, int], boundary: Literal["fixed", "periodic"],
               dims: tuple[int, int]) -> None:
        self.shape = (int(shape[0]), int(shape[1]))
        self.boundary = boundary
        self.dims = dims
        periodic = boundary == "periodic"
        self.comm = comm.Create_cart(list(self.dims), periods=[periodic, periodic], reorder=False)
        coords = self.comm.Get_coords(self.comm.rank)
        self.coords = (coords[0], coords[1])
        self._broken: str | None = None
        self._halos: dict[int, Halo] = {}

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

    def halo(self, depth: int) -> Halo:
        """The halo exchange of this rank for halos ``depth`` cells deep, set up on first use and kept.

        Its datatypes and persistent requests are made once per depth and freed by :meth:`free`. Setting it up
        communicates nothing; every rank computes the same checks, so a bad depth raises on every rank that asks.

        Parameters
        ----------
        depth : int
            Cells of halo on each side that has a neighbour, at least 1 and at most any rank's block extent
            along an axis that exchanges halos.

        Returns
        -------
        Halo
            The same object on every call with this depth.

        Raises
        ------
        TypeError, ValueError
            ``depth`` is not an int, below 1, or deeper than some rank's block.

        Examples
        --------
        >>> halo = dec.halo(2)                               # 100x50 on 3x2 ranks, fixed: rank 0 has two neighbours
        >>> halo.shape, halo.messages
        ((36, 27), 2)
        """
        function = "Decomposition.halo()"
        self._check_usable(function)
        depth = arguments.index(function, "depth", depth)
        if depth < 1:
            raise ValueError(f"{function}: 'depth' must be at least 1, got {depth}")
        self.check_depth(function, "depth", depth)
        if depth not in self._halos:
            self._halos[depth] = Halo(self.comm, self.block_shape, depth)
        return self._halos[depth]

    def exchanging_axes(self) -> list[int]:
        """The axes along which blocks have neighbours: those of several ranks, and both when the grid wraps."""
        return [axis for axis in (0, 1) if self.boundary == "periodic" or self.dims[axis] > 1]

    def check_depth(self, function: str, name: str, depth: int) -> None:
        """Raises ValueError if some rank's block is thinner than ``depth`` along an axis that exchanges halos:
        a halo is taken from the neighbours' blocks alone. The same verdict on every rank, with no message."""
        for axis in self.exchanging_axes():
            for rank in range(self.comm.size):
                if self.shape_of(rank)[axis] < depth:
                    raise ValueError(
                        f"{function}: rank {rank}'s block {self.shape_of(rank)} has fewer "
                        f"{('rows', 'columns')[axis]} than {name}={depth}: a halo is taken from the neighbours' "
                        f"blocks alone. Use fewer steps per exchange, fewer ranks or other dims."
                    )

    def free(self) -> None:
        """Frees the Cartesian communicator and every halo's datatypes and persistent requests. Collective.

        Idempotent: later calls do nothing. Leaving a ``with`` block calls it. Afterwards the decomposition
        cannot be used: its methods raise RuntimeError.

        Examples
        --------
        >>> with cext.mpi.Decomposition(MPI.COMM_WORLD, (60, 60)) as scratch:
        ...     scratch.block_shape                          # on rank 0 of 3x2
        (20, 30)
        >>> scratch.free()                                   # already freed: nothing happens
        """
        if getattr(self, "_freed", False):
            return
        for halo in self._halos.values():
            halo.free()
        self._halos.clear()
        self.comm.Free()
        self._freed = True

    def __enter__(self) -> Decomposition:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.free()

    def _check_usable(self, function: str) -> None:
        if getattr(self, "_freed", False):
            raise RuntimeError(f"{function}: this decomposition was freed (Decomposition.free())")
        if self._broken is not None:
            raise RuntimeError(f"{function}: this decomposition cannot be used any more: {self._broken}")

    def _collective(self, function: str, call: Call | None, error: Exception | None,
                    *, compare: bool = True) -> list[Call | None]:
        """:func:`~cext.mpi.agreement.agree` on this decomposition's communicator; a timeout leaves it unusable,
        since the others may still join the abandoned barrier later and would then be out of step."""
        try:
            return agree(self.comm, function, call, error, compare=compare)
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
        return self._gather(np.asarray(array, dtype=dtype))

    def _gather(self, array: NDArray[np.generic]) -> NDArray[np.generic] | None:
        """The transfers of :meth:`gather`, for blocks of this rank's shape and one dtype on every rank, checked
        and agreed on already."""
        comm, dtype = self.comm, array.dtype
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

