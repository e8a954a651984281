"""Build the cffi API-mode module from the same C as the ctypes peer.

Run by bench/build.py as ``python cffi_build.py <module name> <compiler flags...>``
in a directory holding diffusion.c, julia.c and fib.c. API mode compiles a real
extension module whose C wrappers cffi generates from the declarations below.
"""
import sys

from cffi import FFI  # type: ignore[import-untyped]

name, *compile_flags = sys.argv[1:]
builder = FFI()
builder.cdef("""
    void evolve_flat(int nx, int ny, double *in, double *out, double D, double dt);
    void calculate_z(int maxiter, const double *zs, const double *cs, int *output, long n);
    double cfib(int n);
""")
# diffusion.c declares its grids as C99 variably modified arrays, which cffi's
# parser does not read; evolve_flat passes it a NumPy array's flat doubles.
SOURCE = """
#include "diffusion.c"
#include "julia.c"
#include "fib.c"

static void evolve_flat(int nx, int ny, double *in, double *out, double D, double dt) {
    evolve(nx, ny, (double (*)[ny])in, (double (*)[ny])out, D, dt);
}
"""
builder.set_source(name, SOURCE, extra_compile_args=compile_flags)
builder.compile(verbose=False)
