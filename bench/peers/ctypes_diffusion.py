"""The seeds' C diffusion step (diffusion.c) called through ctypes."""
import ctypes

_DOUBLE_P = ctypes.POINTER(ctypes.c_double)


def bind(library_path):
    """Load the compiled diffusion.c and return a Python ``evolve``.

    The wrapper follows the seeds' ctypes code, with one fix: the seeds
    declare the arrays as ``double**``, but a NumPy array is one block of
    doubles, so the honest C type is ``double*``. Like the seeds it checks
    nothing: ``grid`` and ``out`` must be C-contiguous float64 arrays of the
    same 2-D shape.
    """
    library = ctypes.CDLL(str(library_path))
    library.evolve.argtypes = [ctypes.c_int, ctypes.c_int, _DOUBLE_P, _DOUBLE_P,
                               ctypes.c_double, ctypes.c_double]
    library.evolve.restype = None

    def evolve(grid, out, dt, D=1.0):
        nx, ny = grid.shape
        library.evolve(nx, ny, grid.ctypes.data_as(_DOUBLE_P),
                       out.ctypes.data_as(_DOUBLE_P), D, dt)

    return evolve
