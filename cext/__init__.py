"""cext: hand-written C++ kernels for Python, against the raw CPython and NumPy C APIs.

calculate_z -- Julia-set escape counts (High Performance Python's example)
evolve      -- explicit steps of the 2-D diffusion equation
fib         -- the n-th Fibonacci number as a float (the Cython book's call-overhead benchmark)
"""

from ._core import calculate_z, evolve, fib

__all__ = ["calculate_z", "evolve", "fib"]
__version__ = "0.1.0"
