"""Huge and degenerate inputs: element counts beyond int32 (as empty or broadcast arrays, not real allocations),
1xN and Nx1 grids, empty arrays, maxiter 0 and 2**31-1, denormals, NaN and inf, and allocation failure, which must
be a MemoryError (checked in a subprocess whose address space is limited with RLIMIT_AS).

Computing on more than 2**31 real elements needs 32 GiB for calculate_z's complex128 input and 2 x 16 GiB for
evolve, beyond this project's machines; the kernels index with ptrdiff_t throughout. The full 2**31 - 1 iterations
of one point (about 15 s) run only with CEXT_LONG_TESTS=1.
"""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from child_process import CHILD_CWD, child_environment
from reference import bits, diffusion_steps, escape_counts_numpy, escape_counts_python

import cext

BEYOND_INT32 = 2**31 + 1
C = complex(-0.62772, -0.42193)
SANITIZED = "libasan" in os.environ.get("LD_PRELOAD", "") or "ASAN_OPTIONS" in os.environ


# -- empty arrays, also with dimensions beyond int32 ----------------------------------------------------------------


@pytest.mark.parametrize("shape", [(0,), (0, 0), (3, 0), (0, 5), (BEYOND_INT32, 0), (0, 2**40), (2**31, 0, 2**20)])
def test_calculate_z_on_empty_arrays(shape):
    zs = np.empty(shape, np.complex128)
    for maxiter in (0, 1, 2**31 - 1):
        result = cext.calculate_z(maxiter, zs, C)
        assert result.shape == shape and result.dtype == np.int32
        assert cext.calculate_z(maxiter, zs, np.empty(shape, np.complex128)).shape == shape
        out = np.empty(shape, np.int32)
        assert cext.calculate_z(maxiter, zs, C, out=out) is out


def test_calculate_z_empty_broadcast_view_beyond_int32():
    zs = np.broadcast_to(np.complex128(1j), (BEYOND_INT32, 0))  # zero strides, nothing to copy
    assert cext.calculate_z(10, zs, 0j).shape == (BEYOND_INT32, 0)


@pytest.mark.parametrize("shape", [(0, 0), (0, 7), (7, 0), (BEYOND_INT32, 0), (0, BEYOND_INT32)])
@pytest.mark.parametrize("steps", [0, 1, 9, 2**63 - 1])
def test_evolve_on_empty_grids(shape, steps):
    grid = np.empty(shape)
    out = np.empty(shape)
    for boundary in ("fixed", "periodic"):
        assert cext.evolve(grid, out, 0.1, boundary=boundary, steps=steps) is out


def test_shape_mismatch_beyond_int32_is_a_value_error():
    with pytest.raises(ValueError, match=r"'out' must have shape \(2147483649, 0\), got \(2147483648, 0\)"):
        cext.calculate_z(5, np.empty((BEYOND_INT32, 0), complex), 0j, out=np.empty((2**31, 0), np.int32))
    with pytest.raises(ValueError, match=r"'cs' must be a scalar or have the shape of 'zs'"):
        cext.calculate_z(5, np.empty((BEYOND_INT32, 0), complex), np.empty((2**31, 0), complex))
    with pytest.raises(ValueError, match=r"evolve\(\): 'out' must have shape \(0, 2147483649\), got \(0, 2147483648\)"):
        cext.evolve(np.empty((0, BEYOND_INT32)), np.empty((0, 2**31)), 0.1)


# -- 1xN and Nx1 ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3, 8, 9, 17, 1000, 100_003])
@pytest.mark.parametrize("boundary", ["fixed", "periodic"])
def test_evolve_on_single_row_and_column_grids(n, boundary, simd_path):
    rng = np.random.default_rng(n)
    for shape in ((1, n), (n, 1)):
        grid = rng.uniform(-1, 1, shape)
        for steps in (1, 9) if n > 1000 else (1, 2, 9, 17):
            out = np.full(shape, np.nan)
            cext.evolve(grid, out, 0.1, boundary=boundary, steps=steps)
            np.testing.assert_array_equal(bits(out), bits(diffusion_steps(grid, 0.1, 1.0, boundary, steps)))


@pytest.mark.parametrize("shape", [(1, 1), (1, 4099), (4099, 1), (1, 1, 513)])
def test_calculate_z_on_single_row_and_column_arrays(shape, simd_path):
    rng = np.random.default_rng(7)
    zs = rng.uniform(-2, 2, shape) + 1j * rng.uniform(-2, 2, shape)
    np.testing.assert_array_equal(cext.calculate_z(100, zs, C).ravel(), escape_counts_numpy(100, zs, C))


# -- maxiter extremes, denormals, NaN and inf -----------------------------------------------------------------------


def test_maxiter_zero_writes_zeros_everywhere():
    zs = np.random.default_rng(1).uniform(-3, 3, 10_001) + 0j
    out = np.full(zs.shape, 99, np.int32)
    assert cext.calculate_z(0, zs, C, out=out) is out
    assert not out.any()


@pytest.mark.skipif(not os.environ.get("CEXT_LONG_TESTS"), reason="15 s; set CEXT_LONG_TESTS=1 to run")
def test_maxiter_2_31_minus_1_counts_to_the_int32_limit():
    # One point that never escapes runs the full 2**31 - 1 iterations (about 15 s) and must count exactly
    # to INT32_MAX without wrapping; the others escape early or at once (NaN, inf, |z| >= 2).
    zs = np.array([0j, 1.5 + 0j, np.nan, complex(np.inf, 0), 2 + 0j, 1e-310j])
    counts = cext.calculate_z(2**31 - 1, zs, 0j, num_threads=1)
    assert counts.tolist() == [2**31 - 1, 1, 0, 0, 0, 2**31 - 1]


def test_maxiter_2_31_minus_1_with_escaping_points(simd_path):
    rng = np.random.default_rng(2)
    zs = rng.uniform(-2, 2, 4001) + 1j * rng.uniform(-2, 2, 4001)
    c = 0.4 + 0.3j  # outside the Mandelbrot set: every orbit escapes
    expected = escape_counts_numpy(10_000, zs, c)
    assert expected.max() < 10_000
    np.testing.assert_array_equal(cext.calculate_z(2**31 - 1, zs, c), expected)


SPECIAL = np.array([0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1e-310, 1.9999999999999998, 2.0, 1e154,
                    -1e154, 1.3407807929942596e154, 1e308, np.inf, -np.inf, np.nan])


def test_calculate_z_on_every_pair_of_special_values(simd_path):
    re, im = np.meshgrid(SPECIAL, SPECIAL)
    zs = np.empty(re.size, np.complex128)
    zs.real, zs.imag = re.ravel(), im.ravel()
    for cs in (zs[::-1].copy(), 5e-324 + 5e-324j, complex(np.nan, np.inf)):
        expected = escape_counts_python(40, zs, np.broadcast_to(cs, zs.shape))
        assert cext.calculate_z(40, zs, cs).tolist() == expected


@pytest.mark.parametrize("boundary", ["fixed", "periodic"])
@pytest.mark.parametrize("dt, D", [(0.1, 1.0), (5e-324, 1.0), (1e-300, 1e-300), (np.inf, 1.0), (np.nan, 1.0),
                                   (0.1, -np.inf), (-0.0, 1.0)])
def test_evolve_special_values_in_grid_and_coefficients(dt, D, boundary):
    grid = np.random.default_rng(3).choice(SPECIAL, size=(13, 17))
    out = np.empty_like(grid)
    with np.errstate(all="ignore"):
        expected = diffusion_steps(grid, dt, D, boundary, 3)
    cext.evolve(grid, out, dt, D, boundary=boundary, steps=3)
    np.testing.assert_array_equal(bits(out), bits(expected))


def test_denormal_only_grid_stays_exact_over_many_steps():
    grid = np.full((64, 64), 5e-324)
    grid[::3, ::5] = 1e-310
    out = np.empty_like(grid)
    cext.evolve(grid, out, 0.2, boundary="periodic", steps=25)
    np.testing.assert_array_equal(bits(out), bits(diffusion_steps(grid, 0.2, 1.0, "periodic", 25)))


# -- allocation failure -----------------------------------------------------------------------------------------------

LIMITED = r"""
import resource, sys, numpy as np, cext

def vm_bytes():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))

def limit(headroom):
    resource.setrlimit(resource.RLIMIT_AS, (vm_bytes() + headroom, resource.RLIM_INFINITY))

def expect_memory_error(name, call):
    try:
        call()
    except MemoryError as e:
        print(name, "MemoryError", e)
    else:
        print(name, "returned")

# Start the OpenMP team and the kernels' buffers before limiting the address space.
cext.evolve(np.zeros((64, 64)), np.empty((64, 64)), 0.1, steps=20)
cext.calculate_z(5, np.zeros(100_000, complex), 0j)
"""

CASES = {
    # evolve's scratch grid, needed once the steps take more than one round (at most 32 steps a round): grid and
    # out (1 GiB each, untouched pages) fit, scratch does not.
    "evolve-scratch": """
grid = np.zeros((8192, 16384)); out = np.empty_like(grid)
limit(256 << 20)
expect_memory_error("evolve-scratch", lambda: cext.evolve(grid, out, 0.1, steps=33))
""",
    # calculate_z's result array for a real 2 GiB input.
    "calculate_z-result": """
zs = np.zeros(2**27, complex)
limit(256 << 20)
expect_memory_error("calculate_z-result", lambda: cext.calculate_z(1, zs, 0j))
""",
    # Broadcast views beyond int32 elements must be copied into contiguous memory first.
    "calculate_z-broadcast": """
limit(256 << 20)
expect_memory_error("calculate_z-broadcast", lambda: cext.calculate_z(1, np.broadcast_to(0j, (2**31 + 1,)), 0j))
expect_memory_error("calculate_z-broadcast-2**40", lambda: cext.calculate_z(1, np.broadcast_to(0j, (2**20, 2**20)), 0j))
""",
    "evolve-broadcast": """
limit(256 << 20)
grid = np.broadcast_to(1.0, (2**16, 2**15 + 1))  # 2**31 + 2**16 cells, 16 GiB once copied
expect_memory_error("evolve-broadcast", lambda: cext.evolve(grid, np.empty((1, 1)), 0.1))
""",
}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs RLIMIT_AS and /proc")
@pytest.mark.skipif(SANITIZED, reason="AddressSanitizer reserves terabytes of address space")
@pytest.mark.parametrize("case", list(CASES))
def test_allocation_failure_raises_memory_error(case):
    code = LIMITED + textwrap.dedent(CASES[case])
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            env=child_environment(OPENBLAS_NUM_THREADS="1"), cwd=CHILD_CWD)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines and all(" MemoryError" in line for line in lines), result.stdout + result.stderr
