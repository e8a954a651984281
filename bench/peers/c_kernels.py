"""The books' C kernels (diffusion.c, julia.c, fib.c), which ctypes, cffi and the hand-written C extension call."""
from pathlib import Path

HERE = Path(__file__).parent
C_KERNELS = (HERE / "diffusion.c", HERE / "julia.c", HERE / "fib.c")
