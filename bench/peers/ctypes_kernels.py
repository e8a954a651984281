"""The C kernels (diffusion.c, julia.c, fib.c) called through ctypes, as the books do."""
import ctypes

_DOUBLE_P = ctypes.POINTER(ctypes.c_double)
_INT_P = ctypes.POINTER(ctypes.c_int)


class Kernels:
    """Python callables for the compiled C library at ``library_path``.

    The wrappers follow the books' ctypes code, with one fix: the books
    declare the arrays as ``double**``, but a NumPy array is one block of
    values, so the honest C type is ``double*``. Like the books they check
    nothing: arrays must be C-contiguous, of the declared dtype and shape.
    """

    def __init__(self, library_path):
        library = ctypes.CDLL(str(library_path))
        library.evolve.argtypes = [ctypes.c_int, ctypes.c_int, _DOUBLE_P, _DOUBLE_P,
                                   ctypes.c_double, ctypes.c_double]
        library.evolve.restype = None
        library.calculate_z.argtypes = [ctypes.c_int, _DOUBLE_P, _DOUBLE_P, _INT_P, ctypes.c_long]
        library.calculate_z.restype = None
        library.cfib.argtypes = [ctypes.c_int]
        library.cfib.restype = ctypes.c_double
        self._library = library
        # With argtypes and restype set, the foreign function is itself the Python callable.
        self.fib = library.cfib

    def evolve(self, grid, out, dt, D=1.0):
        """One diffusion step from ``grid`` into the interior of ``out`` (2-D float64)."""
        nx, ny = grid.shape
        self._library.evolve(nx, ny, grid.ctypes.data_as(_DOUBLE_P),
                             out.ctypes.data_as(_DOUBLE_P), D, dt)

    def calculate_z(self, maxiter, zs, cs, output):
        """Escape counts of complex128 ``zs``, ``cs`` into the int32 array ``output``."""
        self._library.calculate_z(maxiter, zs.ctypes.data_as(_DOUBLE_P),
                                  cs.ctypes.data_as(_DOUBLE_P), output.ctypes.data_as(_INT_P),
                                  zs.size)
