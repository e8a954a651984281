//! The kernels in plain Rust, free of Python: the Cython book's fib, the books' Julia escape counts and one
//! diffusion step, serial and over rayon's threads. lib.rs binds them to Python.
//!
//! The arithmetic is written out in the order of the C reference; Rust never fuses a multiply and an add into
//! an FMA unless asked (`mul_add`), so the results are bit for bit the same.
use rayon::prelude::*;

/// The Cython book's cfib: the n-th Fibonacci number in double precision.
pub fn fib(n: i32) -> f64 {
    let (mut a, mut b) = (0.0f64, 1.0f64);
    for _ in 0..n {
        let tmp = a;
        a = a + b;
        b = tmp;
    }
    a
}

/// The escape count of one point: z -> z*z + c in real arithmetic, in the
/// order CPython evaluates it.
#[inline(always)]
fn escape_count(maxiter: i32, z: &[f64], c: &[f64]) -> i32 {
    let (mut zr, mut zi) = (z[0], z[1]);
    let (cr, ci) = (c[0], c[1]);
    let mut count = 0;
    while count < maxiter && (zr * zr + zi * zi) < 4.0 {
        let real = (zr * zr - zi * zi) + cr;
        zi = (zr * zi + zi * zr) + ci;
        zr = real;
        count += 1;
    }
    count
}

/// Escape counts of the points `zs` with constants `cs` (complex numbers as interleaved real, imag pairs) into
/// `out`, one count per point.
pub fn escape_counts(maxiter: i32, zs: &[f64], cs: &[f64], out: &mut [i32], parallel: bool) {
    if parallel {
        out.par_iter_mut().enumerate().for_each(|(i, count)| {
            *count = escape_count(maxiter, &zs[2 * i..2 * i + 2], &cs[2 * i..2 * i + 2]);
        });
    } else {
        for (i, count) in out.iter_mut().enumerate() {
            *count = escape_count(maxiter, &zs[2 * i..2 * i + 2], &cs[2 * i..2 * i + 2]);
        }
    }
}

/// One row of the diffusion step: the interior of `out` from rows i-1, i, i+1.
#[inline(always)]
fn evolve_row(up: &[f64], mid: &[f64], down: &[f64], out: &mut [f64], k: f64) {
    let ny = mid.len();
    for j in 1..ny - 1 {
        let laplacian = down[j] + up[j] + mid[j + 1] + mid[j - 1] - 4.0 * mid[j];
        out[j] = mid[j] + k * laplacian;
    }
}

/// One diffusion step from the row-major `nx` × `ny` `grid` into the interior of `out` (its border untouched),
/// with `k` = D * dt (the C reference's D * dt * laplacian is (D * dt) * laplacian). Needs nx, ny >= 3.
pub fn diffusion_step(grid: &[f64], out: &mut [f64], nx: usize, ny: usize, k: f64, parallel: bool) {
    let row = |i: usize| &grid[i * ny..(i + 1) * ny];
    let interior = &mut out[ny..(nx - 1) * ny];
    if parallel {
        interior.par_chunks_mut(ny).enumerate().for_each(|(r, out_row)| {
            evolve_row(row(r), row(r + 1), row(r + 2), out_row, k);
        });
    } else {
        for (r, out_row) in interior.chunks_mut(ny).enumerate() {
            evolve_row(row(r), row(r + 1), row(r + 2), out_row, k);
        }
    }
}
