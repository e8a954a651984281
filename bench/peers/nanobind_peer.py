"""nanobind: cext's own kernels and SIMD dispatch bound with nanobind instead of the raw C API."""
from ..cases import Labels
from . import bound_kernels
from .record import Peer

PEER = Peer("nanobind", "nanobind", "#e15759", builds={"nanobind": bound_kernels.build("nanobind")},
            **bound_kernels.contenders("nanobind", Labels.NANOBIND_FIB), costs=(bound_kernels.cost("nanobind"),))
