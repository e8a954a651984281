"""cext: hand-written C++ kernels for Python, against the raw CPython and NumPy C APIs.

calculate_z
    Julia-set escape counts (High Performance Python's example)
evolve
    explicit steps of the 2-D diffusion equation
fib
    the n-th Fibonacci number as a float (the Cython book's call-overhead benchmark)
show_config
    how this build was compiled: SIMD paths, OpenMP runtime and thread count, compiler

The kernels release the GIL and run OpenMP loops: ``num_threads=`` per call, ``OMP_NUM_THREADS`` and
``threadpoolctl.threadpool_limits()`` control their threads. ``cext.dask`` (needs Dask) runs them on grids
larger than one call should hold, and ``cext.mpi`` (needs mpi4py) on many processes and machines with MPI.
"""

from ._config import show_config
from ._core import calculate_z, evolve, fib

__all__ = ["calculate_z", "evolve", "fib", "show_config"]
__version__ = "0.1.0"  # the one place the version is written: pyproject.toml reads it from here
