"""The halo exchange of one rank: its block with ``depth`` cells of its neighbours' blocks around it.

Everything about an exchange is known when the depth is: which neighbour sends which cells, and where they land.
So it is all set up once, as mpi4py-fft's ``Transfer`` does: an MPI subarray datatype for every region sent or
received (MPI reads and writes the cells in place, with no packing in Python) and a persistent request for every
message (``Send_init``, ``Recv_init``), which each exchange merely starts (``Startall``) and waits for
(``Waitall``).

Rows go first, then columns: a rank first trades its top and bottom rows with the neighbours above and below,
then its left and right columns, the full height of the extended block, with the neighbours beside it. Those
columns carry the rows just received, so the corners arrive from the diagonal neighbours in two hops: four
messages per exchange instead of eight.

At a fixed grid's own edges there is no neighbour (``Shift`` gives ``MPI.PROC_NULL``), no halo and no message.
On a periodic axis of one rank the neighbour on both sides is the rank itself: its messages to itself carry the
wrap-around like any other (a persistent send to oneself is matched by the persistent receive started with it).
"""

from __future__ import annotations

import numpy as np
from mpi4py import MPI
from numpy.typing import NDArray

__all__ = ["Halo"]

# Message tags, one per axis and direction of travel: the two messages between a pair of ranks that are
# neighbours on both sides (two ranks along a periodic axis) must not be taken for each other. They start above
# the tags of Decomposition.scatter and gather.
_HALO_TAG = 16
_TOWARDS_LOWER, _TOWARDS_HIGHER = 0, 1


def _tag(axis: int, direction: int) -> int:
    return _HALO_TAG + 2 * axis + direction


class Halo:
    """The halo exchange of one rank of a decomposition, for one depth, set up once and run many times.

    Made by :meth:`Decomposition.halo <cext.mpi.Decomposition.halo>`, which keeps one per depth and frees them
    with the decomposition. The extended block (the block with ``depth`` cells more on every side that has a
    neighbour) lives in two arrays, ``buffers``, because a time step reads one grid and writes another; the
    persistent requests of each are bound to its memory.

    Attributes
    ----------
    depth : int
        Cells of halo on each side that has a neighbour.
    shape : tuple of int
        The extended block's shape.
    block : tuple of slice
        Where the block itself lies in the extended block.
    buffers : tuple of two numpy.ndarray of float64
        The two extended blocks whose halos :meth:`exchange` fills.
    messages : int
        Messages this rank sends per exchange (at most 4).
    nbytes : int
        Bytes this rank sends per exchange.

    Examples
    --------
    >>> halo = dec.halo(2)
    >>> extended = halo.buffers[0]
    >>> extended[halo.block] = block
    >>> halo.exchange(extended)                          # the neighbours' cells now surround the block
    """

    depth: int
    shape: tuple[int, int]
    block: tuple[slice, slice]
    buffers: tuple[NDArray[np.float64], NDArray[np.float64]]
    messages: int
    nbytes: int

    def __init__(self, comm: MPI.Cartcomm, block_shape: tuple[int, int], depth: int) -> None:
        """Sets up the exchange; communicates nothing. ``depth`` must not exceed the block of any rank that
        exchanges halos (Decomposition.halo checks it)."""
        self.depth = depth
        neighbours = [comm.Shift(axis, 1) for axis in (0, 1)]  # (lower, higher) along each axis
        before = [0 if lower == MPI.PROC_NULL else depth for lower, _ in neighbours]
        after = [0 if higher == MPI.PROC_NULL else depth for _, higher in neighbours]
        self.shape = (before[0] + block_shape[0] + after[0], before[1] + block_shape[1] + after[1])
        self.block = (slice(before[0], before[0] + block_shape[0]), slice(before[1], before[1] + block_shape[1]))
        self.buffers = (np.zeros(self.shape), np.zeros(self.shape))
        self._datatypes: list[MPI.Datatype] = []
        self._freed = False
        # Per buffer, per phase (rows, then columns): the receives first, then the sends.
        self._phases: list[list[list[MPI.Prequest]]] = [[[], []] for _ in self.buffers]
        self.messages = self.nbytes = 0
        for axis in (0, 1):
            lower, higher = neighbours[axis]
            start, extent = before[axis], block_shape[axis]
            # Rows travel along the block's own columns; columns travel the full height, corners included.
            other = self.block[1] if axis == 0 else slice(0, self.shape[0])
            regions = []  # (neighbour, region received, its tag, region sent, its tag)
            if lower != MPI.PROC_NULL:
                regions.append((lower, slice(0, start), _tag(axis, _TOWARDS_HIGHER),
                                slice(start, start + depth), _tag(axis, _TOWARDS_LOWER)))
            if higher != MPI.PROC_NULL:
                regions.append((higher, slice(start + extent, start + extent + depth), _tag(axis, _TOWARDS_LOWER),
                                slice(start + extent - depth, start + extent), _tag(axis, _TOWARDS_HIGHER)))
            if other.stop == other.start:  # nothing to trade along this axis (an empty grid): no message at all
                continue
            for neighbour, received, receive_tag, sent, send_tag in regions:
                incoming = self._subarray((received, other) if axis == 0 else (other, received))
                outgoing = self._subarray((sent, other) if axis == 0 else (other, sent))
                for buffer, phases in zip(self.buffers, self._phases, strict=True):
                    phases[axis].insert(0, comm.Recv_init([buffer, 1, incoming], neighbour, receive_tag))
                    phases[axis].append(comm.Send_init([buffer, 1, outgoing], neighbour, send_tag))
                self.messages += 1
                self.nbytes += 8 * depth * (other.stop - other.start)

    def _subarray(self, region: tuple[slice, slice]) -> MPI.Datatype:
        """A committed datatype for ``region`` of an extended block."""
        datatype = MPI.DOUBLE.Create_subarray(
            list(self.shape), [s.stop - s.start for s in region], [s.start for s in region], order=MPI.ORDER_C)
        datatype.Commit()
        self._datatypes.append(datatype)
        return datatype

    def exchange(self, extended: NDArray[np.float64]) -> None:
        """Fills the halo of ``extended``, one of ``buffers``, from the neighbours' blocks, and sends them
        this rank's cells. Collective among neighbours: each of them must exchange its halo of the same depth.

        Parameters
        ----------
        extended : numpy.ndarray of float64
            ``buffers[0]`` or ``buffers[1]``, with this rank's block in place.

        Raises
        ------
        ValueError
            ``extended`` is not one of ``buffers``, or the halo was freed.
        """
        for buffer, phases in zip(self.buffers, self._phases, strict=True):
            if extended is buffer:
                if self._freed:
                    raise ValueError("Halo.exchange(): this halo was freed with its decomposition")
                for requests in phases:  # the columns carry the rows' corners: rows complete first
                    if requests:
                        MPI.Prequest.Startall(requests)
                        MPI.Request.Waitall(requests)
                return
        raise ValueError("Halo.exchange(): 'extended' must be one of the halo's own buffers (halo.buffers), whose "
                         "memory its messages are bound to")

    def free(self) -> None:
        """Frees the persistent requests and the datatypes. Idempotent; Decomposition.free() calls it."""
        for phases in self._phases:
            for requests in phases:
                for request in requests:
                    request.Free()
                requests.clear()
        for datatype in self._datatypes:
            datatype.Free()
        self._datatypes.clear()
        self._freed = True
