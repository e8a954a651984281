"""pybind11: cext's own kernels and SIMD dispatch bound with pybind11 instead of the raw C API."""
from ..cases import Labels
from . import bound_kernels
from .record import Peer

PEER = Peer("pybind11", "pybind11", "#ff9da7", builds={"pybind11": bound_kernels.build("pybind11")},
            **bound_kernels.contenders("pybind11", Labels.PYBIND11_FIB), costs=(bound_kernels.cost("pybind11"),))
