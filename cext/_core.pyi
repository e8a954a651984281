"""Type stubs for cext._core, the hand-written C++ extension module.

Signatures here must match the text signatures in cext/_core.cpp exactly (names, kinds and defaults);
tests/test_typing.py compares them with inspect.signature() of the compiled functions.
"""

from typing import Literal, SupportsIndex, TypedDict

import numpy as np
from numpy.typing import ArrayLike, NDArray

class _Caches(TypedDict):
    l1d: int
    l2: int
    l3: int
    source: str

class _DiffusionTuning(TypedDict):
    stream_bytes: int
    stream_source: str
    stream_rejected: str | None
    tile_bytes: int
    tile_source: str
    tile_rejected: str | None
    column_bytes: int
    column_source: str
    column_rejected: str | None
    keep_scratch: bool
    keep_scratch_source: str
    keep_scratch_rejected: str | None

class _BuildInfo(TypedDict):
    simd: str
    simd_lanes: int
    native_build: bool
    simd_compiled: tuple[str, ...]
    simd_supported: tuple[str, ...]
    openmp: bool
    openmp_version: int
    max_threads: int
    num_procs: int
    compiler: str
    numpy_build_api: str
    caches: _Caches
    diffusion_tuning: _DiffusionTuning

def calculate_z(
    maxiter: SupportsIndex,
    zs: ArrayLike,
    cs: ArrayLike,
    *,
    out: NDArray[np.int32] | None = None,
    num_threads: SupportsIndex | None = None,
) -> NDArray[np.int32]: ...
def evolve(
    grid: ArrayLike,
    out: NDArray[np.float64],
    dt: float,
    D: float = 1.0,
    *,
    boundary: Literal["fixed", "periodic"] = "fixed",
    steps: SupportsIndex = 1,
    num_threads: SupportsIndex | None = None,
) -> NDArray[np.float64]: ...
def fib(n: SupportsIndex, /) -> float: ...
def _build_info() -> _BuildInfo: ...
def _set_simd(name: str, /) -> str: ...
def _set_keep_scratch(keep: bool, /) -> bool: ...
def _kept_scratch_bytes() -> int: ...
