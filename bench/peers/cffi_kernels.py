"""The C kernels through a cffi API-mode module (built by cffi_build.py)."""


class Kernels:
    """Python callables over the compiled cffi module ``module``.

    NumPy arrays are passed with ``ffi.from_buffer``, which cffi documents for
    objects with the buffer protocol. As with ctypes nothing else is checked:
    arrays must be C-contiguous, of the declared dtype and shape.
    """

    def __init__(self, module):
        self._ffi, self._lib = module.ffi, module.lib
        # cffi's generated wrapper converts the int and the double itself.
        self.fib = module.lib.cfib

    def evolve(self, grid, out, dt, D=1.0):
        """One diffusion step from ``grid`` into the interior of ``out`` (2-D float64)."""
        nx, ny = grid.shape
        from_buffer = self._ffi.from_buffer
        self._lib.evolve_flat(nx, ny, from_buffer("double[]", grid), from_buffer("double[]", out),
                              D, dt)

    def calculate_z(self, maxiter, zs, cs, output):
        """Escape counts of complex128 ``zs``, ``cs`` into the int32 array ``output``."""
        from_buffer = self._ffi.from_buffer
        self._lib.calculate_z(maxiter, from_buffer("double[]", zs), from_buffer("double[]", cs),
                              from_buffer("int[]", output), zs.size)
