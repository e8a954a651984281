"""OpenCL peer: the books' Julia kernel and C diffusion step as OpenCL C
kernels (``opencl_kernels.cl``), run through PyOpenCL.

Importing this module needs nothing beyond NumPy; ``Kernels()`` raises
``Unavailable`` (one line naming what to install) when PyOpenCL, an OpenCL
device or double precision on it is missing. ``pip install pyopencl`` and
``apt-get install pocl-opencl-icd`` give a CPU device (PoCL).

Two ways of calling each kernel:

- host arrays (``Kernels.calculate_z``, ``Kernels.evolve``): NumPy arrays in
  and out, every call copying the inputs to the device and the result back,
  which is what a NumPy user pays;
- device-resident (``Kernels.calculate_z_resident_setup``,
  ``Kernels.evolve_resident_setup``): the inputs are copied once, and the
  returned zero-argument callable only launches the kernel and waits, so a
  benchmark can time the kernel without the transfers; ``.result()`` copies
  the output back afterwards for checking.

The program is built in ``Kernels()``, which then launches each kernel once
on tiny inputs, since PoCL generates a kernel's machine code at its first
launch; ``build_seconds`` is both (PoCL caches compiled kernels in
``~/.cache/pocl``, so a later process builds faster; ``POCL_KERNEL_CACHE=0``
turns the cache off). A device
compiler that fuses a*b + c into an fma despite ``#pragma OPENCL FP_CONTRACT
OFF`` would break the bit-for-bit check, so ``Kernels()`` runs
``contraction_check`` first and refuses such a device.

``CEXT_OPENCL_DEVICE=<part of a device name>`` picks the device; without
it a CPU device is preferred.
"""
import os
import time
from pathlib import Path

import numpy as np

KERNEL_FILE = Path(__file__).with_name("opencl_kernels.cl")
DEVICE_VARIABLE = "CEXT_OPENCL_DEVICE"
# Only what the kernels need: no -cl-mad-enable, -cl-unsafe-math-optimizations
# or -cl-fast-relaxed-math, any of which permits results the C reference does
# not give.
BUILD_OPTIONS: list[str] = []
# Work-group sizes: the global range is rounded up to a multiple of these and
# the kernels skip the surplus work-items. On PoCL's CPU device a work-group is
# one task for a thread, so a diffusion group is a long run of one row (1x256
# to 1x1024 were fastest at 2048x2048, 8x8 ten times slower, a runtime-chosen
# size, local=None, fifteen times); the Julia time barely depended on the
# group size. One fixed size each: PoCL generates code per work-group size.
JULIA_GROUP = 64
EVOLVE_GROUP = (1, 256)
_INT32_MAX = 2**31 - 1


class Unavailable(Exception):
    """This peer cannot run here; the message is one line saying what to install."""


def _import_pyopencl():
    try:
        import pyopencl
    except ImportError:
        raise Unavailable("pyopencl is not installed (pip install pyopencl)") from None
    return pyopencl


# a*b + c with a = 1 + 2^-30, b = 1 - 2^-30, c = -1: the exact product is
# 1 - 2^-60, which rounds to 1.0 in double, so the separately rounded a*b + c
# is 0, while an fma rounds once and gives -2^-60.
_CONTRACTION_SOURCE = """\
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
{pragma}
__kernel void multiply_add(__global const double *a, __global const double *b,
                           __global const double *c, __global double *out)
{{
    const size_t i = get_global_id(0);
    out[i] = a[i] * b[i] + c[i];
}}
"""
_CONTRACTION_PRAGMA = "#pragma OPENCL FP_CONTRACT OFF"
_UNFUSED = 0.0
_FUSED = -(2.0**-60)


def _multiply_add(context, pragma, options):
    """a*b + c on the device for the inputs above, built with or without the pragma and with ``options``."""
    cl = _import_pyopencl()
    source = _CONTRACTION_SOURCE.format(pragma=_CONTRACTION_PRAGMA if pragma else "")
    program = cl.Program(context, source).build(options=list(options))
    queue = cl.CommandQueue(context)
    a = np.array([1 + 2.0**-30])
    b = np.array([1 - 2.0**-30])
    c = np.array([-1.0])
    mf = cl.mem_flags
    buffers = [cl.Buffer(context, mf.READ_ONLY | mf.COPY_HOST_PTR, hostbuf=x) for x in (a, b, c)]
    out = np.empty(1)
    out_buffer = cl.Buffer(context, mf.WRITE_ONLY, out.nbytes)
    program.multiply_add(queue, (1,), None, *buffers, out_buffer)
    cl.enqueue_copy(queue, out, out_buffer)
    queue.finish()
    return float(out[0])


def contraction_results(context):
    """What the device computes for a*b + c (0.0 unfused, -2^-60 fused), keyed by
    (pragma FP_CONTRACT OFF present, build options): for the report."""
    variants = [(True, ()), (False, ()), (False, ("-cl-mad-enable",)), (True, ("-cl-mad-enable",))]
    return {(pragma, " ".join(options)): _multiply_add(context, pragma, options)
            for pragma, options in variants}


def contraction_check(context):
    """None if the device compiler keeps a*b + c unfused under ``#pragma OPENCL
    FP_CONTRACT OFF`` and this module's build options; otherwise a one-line complaint."""
    result = _multiply_add(context, True, BUILD_OPTIONS)
    if result == _UNFUSED:
        return None
    kind = "fused it into an fma" if result == _FUSED else f"gave {result!r} instead of 0.0"
    return f"the OpenCL compiler ignores #pragma OPENCL FP_CONTRACT OFF: a*b + c {kind}"


def _pick_device(cl):
    """The device named by CEXT_OPENCL_DEVICE, else the first CPU device, else the first device."""
    try:
        platforms = cl.get_platforms()
    except cl.Error:  # no ICD installed: clGetPlatformIDs fails with PLATFORM_NOT_FOUND_KHR
        platforms = []
    devices = []
    for platform in platforms:
        try:
            devices.extend(platform.get_devices())
        except cl.Error:
            pass
    if not devices:
        raise Unavailable("no OpenCL device (apt-get install pocl-opencl-icd for a CPU device)")
    wanted = os.environ.get(DEVICE_VARIABLE)
    if wanted:
        chosen = [d for d in devices if wanted.lower() in d.name.lower()]
        if not chosen:
            names = ", ".join(repr(d.name) for d in devices)
            raise Unavailable(f"no OpenCL device matching {DEVICE_VARIABLE}={wanted!r} (have {names})")
        return chosen[0]
    cpus = [d for d in devices if d.type & cl.device_type.CPU]
    return (cpus or devices)[0]


def _check_array(function, name, array, dtype, ndim):
    if not isinstance(array, np.ndarray):
        raise TypeError(f"{function}: {name} must be a NumPy array, not {type(array).__name__}")
    if array.dtype != dtype:
        raise TypeError(f"{function}: {name} must have dtype {np.dtype(dtype).name}, not {array.dtype}")
    if array.ndim != ndim:
        raise ValueError(f"{function}: {name} must be {ndim}-D, not {array.ndim}-D")


def _check_output(function, name, array):
    if not array.flags.c_contiguous:
        raise ValueError(f"{function}: {name} must be C-contiguous")
    if not array.flags.writeable:
        raise ValueError(f"{function}: {name} must be writeable")


def _check_maxiter(function, maxiter):
    if not isinstance(maxiter, (int, np.integer)) or isinstance(maxiter, bool):
        raise TypeError(f"{function}: maxiter must be an int, not {type(maxiter).__name__}")
    if not 0 <= maxiter <= _INT32_MAX:
        raise ValueError(f"{function}: maxiter must be in [0, {_INT32_MAX}], not {maxiter}")
    return np.int32(maxiter)


def _check_julia_inputs(function, zs, cs):
    _check_array(function, "zs", zs, np.complex128, 1)
    _check_array(function, "cs", cs, np.complex128, 1)
    if zs.shape != cs.shape:
        raise ValueError(f"{function}: zs and cs must have the same length, not {len(zs)} and {len(cs)}")
    return np.ascontiguousarray(zs), np.ascontiguousarray(cs)


def _check_grid(function, grid):
    _check_array(function, "grid", grid, np.float64, 2)
    nx, ny = grid.shape
    if nx > _INT32_MAX or ny > _INT32_MAX:
        raise ValueError(f"{function}: grid is too large ({nx}x{ny})")
    return np.ascontiguousarray(grid)


def _check_step(function, dt, D, steps):
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)):
        raise TypeError(f"{function}: steps must be an int, not {type(steps).__name__}")
    if steps < 1:
        raise ValueError(f"{function}: steps must be at least 1, not {steps}")
    # D * dt in Python is the same double as the C loop's D * dt.
    return np.float64(float(D) * float(dt))


def _round_up(n, multiple):
    return -(-n // multiple) * multiple


class Kernels:
    """The OpenCL kernels on one device: build once, call many times.

    Attributes: ``device_name``, ``platform_name``, ``build_seconds`` (the
    kernel compile, to be counted in a first call: ``program_build_seconds``,
    the ``clBuildProgram`` of opencl_kernels.cl, plus ``warm_up_seconds``,
    a first launch of each kernel, where PoCL generates the machine code).
    """

    def __init__(self):
        cl = self._cl = _import_pyopencl()
        device = _pick_device(cl)
        self.device_name = device.name.strip()
        self.platform_name = device.platform.name.strip()
        if not device.double_fp_config:
            raise Unavailable(f"the OpenCL device {self.device_name!r} has no double precision (cl_khr_fp64); "
                              f"choose another with {DEVICE_VARIABLE}=<part of its name>")
        self.context = cl.Context([device])
        self.queue = cl.CommandQueue(self.context)
        source = KERNEL_FILE.read_text()
        start = time.perf_counter()
        self.program = cl.Program(self.context, source).build(options=list(BUILD_OPTIONS))
        self.program_build_seconds = time.perf_counter() - start
        # Kernel objects fetched once: program.<name> builds a new one on each access.
        self._calculate_z = self.program.calculate_z
        self._evolve = self.program.evolve
        self._buffers = {}  # role -> (nbytes, Buffer): the latest size only, so memory stays bounded
        start = time.perf_counter()
        self._warm_up()
        self.warm_up_seconds = time.perf_counter() - start
        self.build_seconds = self.program_build_seconds + self.warm_up_seconds
        # After the build, so that the build time includes PoCL's one-time start-up (LLVM, its kernel library).
        complaint = contraction_check(self.context)
        if complaint:
            raise Unavailable(f"{complaint} on {self.device_name!r}")

    def _warm_up(self):
        """Launch each kernel once on throwaway buffers, so that its machine code exists.

        PoCL's clBuildProgram stops at LLVM IR: the code for a kernel is
        generated (or loaded from PoCL's cache) at its first launch, for each
        work-group size and separately for global sizes of 2^16 and more in a
        dimension. These launches cover the configurations the calls use,
        except a diffusion grid with 65538 or more rows.
        """
        cl = self._cl
        mf = cl.mem_flags
        small, large = 1, 2**16 + 1
        zs = cl.Buffer(self.context, mf.READ_WRITE, large * 16)
        counts = cl.Buffer(self.context, mf.READ_WRITE, large * 4)
        for n in (small, large):  # maxiter 0: the points are never read
            self._launch_julia(np.int32(0), zs, zs, counts, n)
        grid = self._new_buffer(np.zeros((3, 3)))
        self._launch_steps(grid, grid, None, (3, 3), np.float64(0.0), 1)  # writes the centre: 0 + 0*0
        self.queue.finish()

    def __repr__(self):
        return f"<opencl.Kernels on {self.device_name!r} ({self.platform_name})>"

    # -- helpers ---------------------------------------------------------------

    def _buffer(self, role, nbytes):
        """A cached device buffer of ``nbytes`` for ``role``, reallocated only when the size changes."""
        cached = self._buffers.get(role)
        if cached is not None and cached[0] == nbytes:
            return cached[1]
        self._buffers.pop(role, None)  # free the old one before allocating
        buffer = self._cl.Buffer(self.context, self._cl.mem_flags.READ_WRITE, nbytes)
        self._buffers[role] = (nbytes, buffer)
        return buffer

    def _new_buffer(self, host):
        mf = self._cl.mem_flags
        return self._cl.Buffer(self.context, mf.READ_WRITE | mf.COPY_HOST_PTR, hostbuf=host)

    def _launch_julia(self, maxiter, zs_buffer, cs_buffer, out_buffer, n):
        self._calculate_z(self.queue, (_round_up(n, JULIA_GROUP),), (JULIA_GROUP,),
                          maxiter, zs_buffer, cs_buffer, out_buffer, np.int64(n))

    def _launch_steps(self, source, first, second, shape, D_dt, steps):
        """Enqueue ``steps`` steps: source -> first, then alternating first <-> second.
        Returns the buffer holding the last step."""
        nx, ny = shape
        group = EVOLVE_GROUP
        global_size = (_round_up(nx - 2, group[0]), _round_up(ny - 2, group[1]))
        args = (np.int32(nx), np.int32(ny), D_dt)
        self._evolve(self.queue, global_size, group, source, first, *args)
        current, other = first, second
        for _ in range(steps - 1):
            self._evolve(self.queue, global_size, group, current, other, *args)
            current, other = other, current
        return current

    def _read_interior(self, out, buffer):
        """Blocking copy of the interior of the nx*ny ``buffer`` into C-contiguous ``out``; the border is not read."""
        nx, ny = out.shape
        item = out.itemsize
        self._cl.enqueue_copy(self.queue, out, buffer,
                              buffer_origin=(item, 1), host_origin=(item, 1),
                              region=((ny - 2) * item, nx - 2),
                              buffer_pitches=(ny * item,), host_pitches=(ny * item,),
                              is_blocking=True)

    # -- host arrays: transfers included ----------------------------------------

    def calculate_z(self, maxiter, zs, cs, out):
        """The books' Julia update for every point: ``out[i]`` = escape count of zs[i] under c = cs[i].

        ``zs``, ``cs``: 1-D complex128 of equal length; ``out``: C-contiguous
        int32 of that length, filled in place. Copies zs and cs to the device,
        runs, copies the counts back; complete when it returns.
        """
        name = "opencl.calculate_z"
        maxiter = _check_maxiter(name, maxiter)
        zs, cs = _check_julia_inputs(name, zs, cs)
        _check_array(name, "out", out, np.int32, 1)
        _check_output(name, "out", out)
        if out.shape != zs.shape:
            raise ValueError(f"{name}: out must have the length of zs ({len(zs)}), not {len(out)}")
        n = len(zs)
        if n == 0:
            return
        cl = self._cl
        zs_buffer = self._buffer("julia zs", zs.nbytes)
        cs_buffer = self._buffer("julia cs", cs.nbytes)
        out_buffer = self._buffer("julia out", out.nbytes)
        cl.enqueue_copy(self.queue, zs_buffer, zs, is_blocking=False)
        cl.enqueue_copy(self.queue, cs_buffer, cs, is_blocking=False)
        self._launch_julia(maxiter, zs_buffer, cs_buffer, out_buffer, n)
        cl.enqueue_copy(self.queue, out, out_buffer, is_blocking=True)

    def evolve(self, grid, out, dt, D, steps=1):
        """The books' C diffusion step (fixed boundary): writes the interior of ``out`` from ``grid``.

        ``grid``: 2-D float64; ``out``: C-contiguous float64 of the same shape,
        whose border is neither read nor written (start it as ``grid.copy()``
        to match cext's fixed boundary). ``steps`` > 1 runs that many steps on
        the device (ping-ponging two device buffers) and copies back the last.
        Copies grid to the device, runs, copies the interior back; complete when it returns.
        """
        name = "opencl.evolve"
        grid = _check_grid(name, grid)
        _check_array(name, "out", out, np.float64, 2)
        _check_output(name, "out", out)
        if out.shape != grid.shape:
            raise ValueError(f"{name}: out must have the shape of grid {grid.shape}, not {out.shape}")
        D_dt = _check_step(name, dt, D, steps)
        nx, ny = grid.shape
        if nx < 3 or ny < 3:
            return  # no interior
        cl = self._cl
        source = self._buffer("evolve in", grid.nbytes)
        first = self._buffer("evolve out", grid.nbytes)
        cl.enqueue_copy(self.queue, source, grid, is_blocking=False)
        if steps == 1:
            last = self._launch_steps(source, first, None, grid.shape, D_dt, 1)
        else:
            # Later steps read the border of what the earlier ones wrote: seed both with grid.
            second = self._buffer("evolve scratch", grid.nbytes)
            cl.enqueue_copy(self.queue, first, grid, is_blocking=False)
            cl.enqueue_copy(self.queue, second, grid, is_blocking=False)
            last = self._launch_steps(source, first, second, grid.shape, D_dt, steps)
        self._read_interior(out, last)

    # -- device-resident: kernel time only ------------------------------------

    def calculate_z_resident_setup(self, maxiter, zs, cs):
        """Copy zs and cs to the device once; return a ``ResidentRun``.

        Calling it (no arguments) launches calculate_z on the device buffers
        and waits: time that. ``.result()`` then copies the int32 counts back
        as a new array (not part of the timed call).
        """
        name = "opencl.calculate_z_resident_setup"
        maxiter = _check_maxiter(name, maxiter)
        zs, cs = _check_julia_inputs(name, zs, cs)
        n = len(zs)
        if n == 0:
            return ResidentRun(self, lambda: None, lambda: np.zeros(0, np.int32))
        zs_buffer = self._new_buffer(zs)
        cs_buffer = self._new_buffer(cs)
        out_buffer = self._cl.Buffer(self.context, self._cl.mem_flags.READ_WRITE, n * 4)

        def run():
            self._launch_julia(maxiter, zs_buffer, cs_buffer, out_buffer, n)

        def result():
            out = np.empty(n, np.int32)
            self._cl.enqueue_copy(self.queue, out, out_buffer, is_blocking=True)
            return out

        return ResidentRun(self, run, result)

    def evolve_resident_setup(self, grid, dt, D, steps=1):
        """Copy grid to the device once; return a ``ResidentRun``.

        Calling it (no arguments) runs ``steps`` diffusion steps starting from
        the device copy of ``grid`` (kept untouched, so every call does the
        same work and gives the same result) and waits: time that.
        ``.result()`` copies the whole grid after the last step back as a new
        array, its border equal to grid's (cext's fixed boundary with out =
        grid.copy()).
        """
        name = "opencl.evolve_resident_setup"
        grid = _check_grid(name, grid)
        D_dt = _check_step(name, dt, D, steps)
        nx, ny = grid.shape
        if nx < 3 or ny < 3:
            return ResidentRun(self, lambda: None, grid.copy)
        # The output buffers start as grid, so their borders are grid's.
        source = self._new_buffer(grid)
        first = self._new_buffer(grid)
        second = self._new_buffer(grid) if steps > 1 else None
        last = [first]

        def run():
            last[0] = self._launch_steps(source, first, second, grid.shape, D_dt, steps)

        def result():
            out = np.empty(grid.shape, np.float64)
            self._cl.enqueue_copy(self.queue, out, last[0], is_blocking=True)
            return out

        return ResidentRun(self, run, result)


class ResidentRun:
    """A kernel launch on buffers already on the device.

    ``run()`` (or calling the object) enqueues the kernel and waits for it to
    finish, returning None; ``result()`` copies the output back as a new
    NumPy array. The device buffers live as long as this object.
    """

    def __init__(self, kernels, launch, result):
        self._queue = kernels.queue
        self._launch = launch
        self._result = result

    def __call__(self):
        self._launch()
        self._queue.finish()

    run = __call__

    def result(self):
        """The output of the last run, copied from the device (blocking)."""
        self._queue.finish()
        return self._result()
