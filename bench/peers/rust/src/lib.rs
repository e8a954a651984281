//! The kernels of kernels.rs as a PyO3 extension module: this file is the glue, all of it.
//!
//! Arrays arrive through the buffer protocol (rust-numpy is not packaged by
//! Debian): float64 grids, complex128 points viewed as interleaved float64
//! (real, imag), int32 counts. The loops run with the GIL released.
mod kernels;

use pyo3::buffer::{Element, PyBuffer};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

/// The Cython book's cfib: the n-th Fibonacci number in double precision.
#[pyfunction]
fn fib(n: i32) -> f64 {
    kernels::fib(n)
}

/// A C-contiguous buffer of `T` (writable if `writable`), or a TypeError or
/// ValueError naming the function and the argument.
fn buffer<T: Element>(func: &str, name: &str, obj: &PyAny, kind: &str, dims: usize,
                      writable: bool) -> PyResult<PyBuffer<T>> {
    let buf = PyBuffer::<T>::get(obj).map_err(|err| {
        PyTypeError::new_err(format!("{func}: {name} must be a buffer of {kind} ({err})"))
    })?;
    if buf.dimensions() != dims {
        return Err(PyValueError::new_err(format!(
            "{func}: {name} must be {dims}-dimensional, not {}-dimensional", buf.dimensions())));
    }
    if !buf.is_c_contiguous() {
        return Err(PyValueError::new_err(format!("{func}: {name} must be C-contiguous")));
    }
    if writable && buf.readonly() {
        return Err(PyValueError::new_err(format!("{func}: {name} must be writable")));
    }
    Ok(buf)
}

/// A ValueError if the memory of `out` overlaps that of `other`.
fn check_disjoint<T: Element, U: Element>(func: &str, other_name: &str, out: &PyBuffer<T>,
                                          other: &PyBuffer<U>) -> PyResult<()> {
    let (a, b) = (out.buf_ptr() as usize, other.buf_ptr() as usize);
    if out.len_bytes() > 0 && other.len_bytes() > 0
        && a < b + other.len_bytes() && b < a + out.len_bytes() {
        return Err(PyValueError::new_err(format!(
            "{func}: out must not share memory with {other_name}")));
    }
    Ok(())
}

/// The checked buffers of the Julia arguments.
fn julia_args(func: &str, zs: &PyAny, cs: &PyAny, out: &PyAny)
              -> PyResult<(PyBuffer<f64>, PyBuffer<f64>, PyBuffer<i32>)> {
    let zs = buffer::<f64>(func, "zs", zs, "float64 (complex128 viewed as float64)", 1, false)?;
    let cs = buffer::<f64>(func, "cs", cs, "float64 (complex128 viewed as float64)", 1, false)?;
    let out = buffer::<i32>(func, "out", out, "int32", 1, true)?;
    if zs.item_count() % 2 != 0 {
        return Err(PyValueError::new_err(format!(
            "{func}: zs must hold an even number of float64 (real, imag) values")));
    }
    if cs.item_count() != zs.item_count() {
        return Err(PyValueError::new_err(format!(
            "{func}: cs must have the length of zs ({} values), not {}",
            zs.item_count(), cs.item_count())));
    }
    if out.item_count() != zs.item_count() / 2 {
        return Err(PyValueError::new_err(format!(
            "{func}: out must have one element per point of zs ({}), not {}",
            zs.item_count() / 2, out.item_count())));
    }
    check_disjoint(func, "zs", &out, &zs)?;
    check_disjoint(func, "cs", &out, &cs)?;
    Ok((zs, cs, out))
}

fn julia(py: Python, func: &str, maxiter: i32, zs: &PyAny, cs: &PyAny, out: &PyAny,
         parallel: bool) -> PyResult<()> {
    let (zs, cs, out) = julia_args(func, zs, cs, out)?;
    let n = out.item_count();
    // Addresses cross into the GIL-free closure as integers; the PyBuffers
    // keep the memory alive until they are dropped, after it returns.
    let (z, c, o) = (zs.buf_ptr() as usize, cs.buf_ptr() as usize, out.buf_ptr() as usize);
    py.allow_threads(move || {
        // SAFETY: the buffers are C-contiguous, hold 2n, 2n and n items of
        // the right type and alignment (PyBuffer::get checks), and out shares
        // no memory with zs or cs (checked above).
        let zs = unsafe { std::slice::from_raw_parts(z as *const f64, 2 * n) };
        let cs = unsafe { std::slice::from_raw_parts(c as *const f64, 2 * n) };
        let out = unsafe { std::slice::from_raw_parts_mut(o as *mut i32, n) };
        kernels::escape_counts(maxiter, zs, cs, out, parallel);
    });
    Ok(())
}

/// Escape counts of the points `zs` with constants `cs` (complex128 as
/// interleaved float64) into the int32 array `out`.
#[pyfunction]
fn calculate_z(py: Python, maxiter: i32, zs: &PyAny, cs: &PyAny, out: &PyAny) -> PyResult<()> {
    julia(py, "calculate_z", maxiter, zs, cs, out, false)
}

/// calculate_z over rayon's threads.
#[pyfunction]
fn calculate_z_parallel(py: Python, maxiter: i32, zs: &PyAny, cs: &PyAny, out: &PyAny)
                        -> PyResult<()> {
    julia(py, "calculate_z_parallel", maxiter, zs, cs, out, true)
}

#[allow(non_snake_case)]
fn diffusion(py: Python, func: &str, grid: &PyAny, out: &PyAny, dt: f64, D: f64,
             parallel: bool) -> PyResult<()> {
    let grid = buffer::<f64>(func, "grid", grid, "float64", 2, false)?;
    let out = buffer::<f64>(func, "out", out, "float64", 2, true)?;
    if grid.shape() != out.shape() {
        return Err(PyValueError::new_err(format!(
            "{func}: out must have the shape of grid {:?}, not {:?}", grid.shape(), out.shape())));
    }
    check_disjoint(func, "grid", &out, &grid)?;
    let (nx, ny) = (grid.shape()[0], grid.shape()[1]);
    if nx < 3 || ny < 3 {
        return Ok(()); // no interior
    }
    let (g, o) = (grid.buf_ptr() as usize, out.buf_ptr() as usize);
    let k = D * dt; // the C reference's D * dt * laplacian is (D * dt) * laplacian
    py.allow_threads(move || {
        // SAFETY: both buffers are C-contiguous nx*ny float64 arrays that
        // share no memory (checked above).
        let grid = unsafe { std::slice::from_raw_parts(g as *const f64, nx * ny) };
        let out = unsafe { std::slice::from_raw_parts_mut(o as *mut f64, nx * ny) };
        kernels::diffusion_step(grid, out, nx, ny, k, parallel);
    });
    Ok(())
}

/// One diffusion step from the 2-D float64 `grid` into the interior of
/// `out` (same shape, not sharing memory); the border of `out` is untouched.
#[pyfunction]
#[allow(non_snake_case)]
fn evolve(py: Python, grid: &PyAny, out: &PyAny, dt: f64, D: f64) -> PyResult<()> {
    diffusion(py, "evolve", grid, out, dt, D, false)
}

/// evolve over rayon's threads, a row at a time.
#[pyfunction]
#[allow(non_snake_case)]
fn evolve_parallel(py: Python, grid: &PyAny, out: &PyAny, dt: f64, D: f64) -> PyResult<()> {
    diffusion(py, "evolve_parallel", grid, out, dt, D, true)
}

#[pymodule]
fn cext_rust(_py: Python, m: &PyModule) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(fib, m)?)?;
    m.add_function(wrap_pyfunction!(calculate_z, m)?)?;
    m.add_function(wrap_pyfunction!(calculate_z_parallel, m)?)?;
    m.add_function(wrap_pyfunction!(evolve, m)?)?;
    m.add_function(wrap_pyfunction!(evolve_parallel, m)?)?;
    Ok(())
}
