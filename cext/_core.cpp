// cext._core: the Python face of the kernels in include/cext/.
//
// Each exposed function follows the same four steps: parse the arguments, convert and validate them (every
// failure is a TypeError, ValueError or OverflowError that names the function and the argument; see
// py_convert.hpp), release the GIL and run the kernel, build the result. The kernels themselves are plain C++
// and never see Python. The file reads top to bottom: module state, running a kernel, one section per function
// (docstring and wrapper), introspection, the method table, and the module's slots.
#include "py_api.hpp"

#include <climits>
#include <cstdint>
#include <string>

#include "cext/dispatch.hpp"
#include "cext/fibonacci.hpp"
#include "cext/kernels.hpp"
#include "cext/tuning.hpp"
#include "py_convert.hpp"
#include "py_handles.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace {

using namespace cext::py;  // the wrappers' toolkit: owned references, the GIL guard, converters

// ---------------------------------------------------------------------------------------------------------------
// Module state
// ---------------------------------------------------------------------------------------------------------------

struct ModuleState {
    // Only the main thread runs Python signal handlers, so only calls made there poll for Ctrl-C.
    unsigned long main_thread;
};

ModuleState* module_state(PyObject* module) { return static_cast<ModuleState*>(PyModule_GetState(module)); }

// ---------------------------------------------------------------------------------------------------------------
// Running a kernel
// ---------------------------------------------------------------------------------------------------------------

// Work below which a kernel runs with the GIL held: cells times steps for evolve, points times maxiter (the most
// iterations they can take) for calculate_z. Either unit costs a nanosecond or less, so 16384 of them are at most
// some 10 us, less than handing the GIL to another thread and back costs (tens of microseconds when a thread is
// waiting for it), and such a call is over before Ctrl-C could be answered anyway. Releasing it costs an
// uncontended call only about 100 ns, under 1% of a call above this. Below it the kernel also gets no Ctrl-C
// polling and no OpenMP team (schedule.cpp starts one only from 2^17 units), so a small call reads no clock.
constexpr double kReleaseGilWork = 16384;

// Runs `kernel(token)`, releasing the GIL if `work` (in the units above) is worth it. Such calls from the main
// thread poll for signals so that Ctrl-C interrupts them; the pending exception is then returned by the wrapper.
template <class Kernel>
bool run_kernel(PyObject* module, double work, Kernel&& kernel) {
    if (work < kReleaseGilWork) {
        cext::CancelToken token;  // nothing to poll: the GIL is held and the call is short
        return raise_for_status(kernel(token));
    }
    const bool main_thread = PyThread_get_thread_ident() == module_state(module)->main_thread;
    cext::Status status;
    {
        ReleaseGil nogil;
        cext::CancelToken token(main_thread ? &ReleaseGil::poll : nullptr, &nogil);
        status = kernel(token);
    }
    return raise_for_status(status);
}

// ---------------------------------------------------------------------------------------------------------------
// calculate_z
// ---------------------------------------------------------------------------------------------------------------

PyDoc_STRVAR(calculate_z_doc,
             "calculate_z($module, /, maxiter, zs, cs, *, out=None, num_threads=None)\n"
             "--\n"
             "\n"
             "Julia-set escape counts: how many steps of z = z*z + c each point survives.\n"
             "\n"
             "For each point, with z = zs[i] and c = cs[i] (or the scalar cs)::\n"
             "\n"
             "    n = 0\n"
             "    while n < maxiter and zr*zr + zi*zi < 4:\n"
             "        zr, zi = (zr*zr - zi*zi) + cr, (zr*zi + zi*zr) + ci\n"
             "        n += 1\n"
             "\n"
             "exactly as Python's complex arithmetic evaluates ``z*z + c``; the result is\n"
             "bit-identical to that loop, including for NaN and infinite inputs.\n"
             "\n"
             "Parameters\n"
             "----------\n"
             "maxiter : int\n"
             "    Iteration limit, 0 <= maxiter <= 2**31 - 1.\n"
             "zs : array_like of complex\n"
             "    Starting points, any shape; converted to complex128 (a C-contiguous\n"
             "    complex128 array is used without a copy).\n"
             "cs : complex or array_like of complex\n"
             "    The constant c: a scalar used for every point, or an array of zs's shape.\n"
             "out : numpy.ndarray of int32, optional\n"
             "    C-contiguous, writeable array of zs's shape to fill and return.\n"
             "num_threads : int, optional\n"
             "    Most OpenMP threads to use (1 to 1024; small inputs use fewer); None uses\n"
             "    the OpenMP default, which honours OMP_NUM_THREADS and threadpoolctl.\n"

             "\n"
             "Returns\n"
             "-------\n"
             "numpy.ndarray of int32\n"
             "    The escape counts, of zs's shape (``out`` when given).\n"
             "\n"
             "Raises\n"
             "------\n"
             "TypeError\n"
             "    An argument of the wrong type or dtype.\n"
             "ValueError\n"
             "    A negative maxiter, mismatched shapes, or an unusable ``out``.\n"
             "OverflowError\n"
             "    maxiter above 2**31 - 1.\n"
             "\n"
             "See Also\n"
             "--------\n"
             "cext.dask.julia_image : Escape counts of an image of any size, block by block.\n"
             "\n"
             "Examples\n"
             "--------\n"
             ">>> import numpy as np, cext\n"
             ">>> cext.calculate_z(300, np.array([0j, 0.3+0.2j, -1.1+0.25j, 2+0j]), -0.62772-0.42193j)\n"
             "array([300,  49,   3,   0], dtype=int32)\n");

PyObject* calculate_z(PyObject* module, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    static const char* const names[] = {"maxiter", "zs", "cs", "out", "num_threads", nullptr};
    static const Parameters parameters{"calculate_z", names, 3, 3};
    PyObject* values[5] = {nullptr, nullptr, nullptr, Py_None, Py_None};
    if (!parse_arguments(parameters, args, nargs, kwnames, values)) {
        return nullptr;
    }
    PyObject *maxiter_obj = values[0], *zs_obj = values[1], *cs_obj = values[2], *out_obj = values[3],
             *threads_obj = values[4];

    long long maxiter = 0;
    int num_threads = 0;
    if (!to_integer(maxiter_obj, {"calculate_z", "maxiter"}, 0, INT32_MAX, &maxiter) ||
        !to_num_threads(threads_obj, {"calculate_z", "num_threads"}, &num_threads)) {
        return nullptr;
    }
    const char* complex_like = "array-like of complex numbers";
    Ref zs = as_input_array(zs_obj, NPY_CDOUBLE, -1, {"calculate_z", "zs"}, complex_like);
    if (!zs) {
        return nullptr;
    }
    Ref cs = as_input_array(cs_obj, NPY_CDOUBLE, -1, {"calculate_z", "cs"}, "a complex number or array-like");
    if (!cs) {
        return nullptr;
    }
    const int ndim = PyArray_NDIM(zs.array());
    npy_intp* dims = PyArray_DIMS(zs.array());
    const bool c_is_scalar = PyArray_NDIM(cs.array()) == 0;
    if (!c_is_scalar &&
        !(PyArray_NDIM(cs.array()) == ndim && PyArray_CompareLists(PyArray_DIMS(cs.array()), dims, ndim))) {
        PyErr_Format(PyExc_ValueError, "calculate_z(): 'cs' must be a scalar or have the shape of 'zs' %s, got %s",
                     shape_string(ndim, dims).c_str(),
                     shape_string(PyArray_NDIM(cs.array()), PyArray_DIMS(cs.array())).c_str());
        return nullptr;
    }

    Ref result;
    if (out_obj == Py_None) {
        result = Ref::steal(PyArray_SimpleNew(ndim, dims, NPY_INT32));
        if (!result) {
            return nullptr;
        }
    } else {
        const Arg out_arg{"calculate_z", "out"};
        PyArrayObject* out = as_output_array(out_obj, NPY_INT32, "int32", ndim, dims, out_arg);
        if (out == nullptr || !check_no_overlap(out, zs_obj, zs.array(), out_arg, "zs") ||
            !check_no_overlap(out, cs_obj, cs.array(), out_arg, "cs")) {
            return nullptr;
        }
        result = Ref::new_ref(out_obj);
    }

    const cext::EscapeCountsArgs kernel_args{
        static_cast<const double*>(PyArray_DATA(zs.array())),
        static_cast<const double*>(PyArray_DATA(cs.array())),
        c_is_scalar,
        static_cast<std::int32_t*>(PyArray_DATA(result.array())),
        static_cast<std::ptrdiff_t>(PyArray_SIZE(zs.array())),
        static_cast<std::int32_t>(maxiter),
    };
    const cext::KernelTable& kernels = cext::dispatch::active();
    // Points that never escape take maxiter iterations; even maxiter = 0 fills the counts.
    const double work = static_cast<double>(kernel_args.n) * static_cast<double>(maxiter > 0 ? maxiter : 1);
    if (!run_kernel(module, work, [&](cext::CancelToken& token) {
            return cext::escape_counts(kernels, kernel_args, num_threads, token);
        })) {
        return nullptr;
    }
    return result.release();
}

// ---------------------------------------------------------------------------------------------------------------
// evolve
// ---------------------------------------------------------------------------------------------------------------

PyDoc_STRVAR(evolve_doc,
             "evolve($module, /, grid, out, dt, D=1.0, *, boundary='fixed', steps=1, num_threads=None)\n"
             "--\n"
             "\n"
             "Explicit steps of the 2-D diffusion equation (5-point stencil), written into out.\n"
             "\n"
             "One step, for every cell, summed left to right::\n"
             "\n"
             "    lap = in[i+1][j] + in[i-1][j] + in[i][j+1] + in[i][j-1] - 4*in[i][j]\n"
             "    out[i][j] = in[i][j] + (D*dt) * lap\n"
             "\n"
             "``steps`` steps are advanced from grid into out with temporal blocking;\n"
             "grid is never modified and the result is bit-identical to repeated single\n"
             "steps.\n"
             "\n"
             "Parameters\n"
             "----------\n"
             "grid : array_like of float, 2-D\n"
             "    The current state; converted to float64 (a C-contiguous float64 array\n"
             "    is used without a copy).\n"
             "out : numpy.ndarray of float64\n"
             "    C-contiguous, writeable array of grid's shape that shares no memory with\n"
             "    grid; receives the state after ``steps`` steps.\n"
             "dt : float\n"
             "    Time step.\n"
             "D : float, default 1.0\n"
             "    Diffusion coefficient.\n"
             "boundary : {'fixed', 'periodic'}, default 'fixed'\n"
             "    'fixed' holds the border cells constant; 'periodic' wraps neighbours\n"
             "    around the edges (like numpy.roll).\n"
             "steps : int, default 1\n"
             "    Number of steps to advance (0 copies grid into out).\n"
             "num_threads : int, optional\n"
             "    Most OpenMP threads to use (1 to 1024; small inputs use fewer); None uses\n"
             "    the OpenMP default.\n"
             "\n"
             "Returns\n"
             "-------\n"
             "numpy.ndarray\n"
             "    ``out``.\n"
             "\n"
             "Raises\n"
             "------\n"
             "TypeError\n"
             "    An argument of the wrong type or dtype.\n"
             "ValueError\n"
             "    A grid that is not 2-D, a mismatched or unusable ``out``, an unknown\n"
             "    boundary, or a negative step count.\n"
             "OverflowError\n"
             "    A step count above 2**63 - 1.\n"
             "\n"
             "See Also\n"
             "--------\n"
             "cext.dask.diffuse : Many steps on a chunked grid, with halo exchanges.\n"
             "\n"
             "Examples\n"
             "--------\n"
             ">>> import numpy as np, cext\n"
             ">>> grid = np.zeros((3, 3)); grid[1, 1] = 1.0\n"
             ">>> cext.evolve(grid, np.empty_like(grid), 0.1, boundary='periodic')\n"
             "array([[0. , 0.1, 0. ],\n"
             "       [0.1, 0.6, 0.1],\n"
             "       [0. , 0.1, 0. ]])\n");

PyObject* evolve(PyObject* module, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    static const char* const names[] = {"grid", "out", "dt", "D", "boundary", "steps", "num_threads", nullptr};
    static const Parameters parameters{"evolve", names, 4, 3};
    PyObject* values[7] = {nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, Py_None};
    if (!parse_arguments(parameters, args, nargs, kwnames, values)) {
        return nullptr;
    }
    PyObject *grid_obj = values[0], *out_obj = values[1], *dt_obj = values[2], *D_obj = values[3],
             *boundary_obj = values[4], *steps_obj = values[5], *threads_obj = values[6];

    double dt = 0.0, D = 1.0;
    long long steps = 1;
    cext::Boundary boundary = cext::Boundary::fixed;
    int num_threads = 0;
    if (!to_double(dt_obj, {"evolve", "dt"}, &dt) || (D_obj && !to_double(D_obj, {"evolve", "D"}, &D)) ||
        (boundary_obj && !to_boundary(boundary_obj, {"evolve", "boundary"}, &boundary)) ||
        (steps_obj && !to_integer(steps_obj, {"evolve", "steps"}, 0, INT64_MAX, &steps)) ||
        !to_num_threads(threads_obj, {"evolve", "num_threads"}, &num_threads)) {
        return nullptr;
    }
    Ref grid = as_input_array(grid_obj, NPY_DOUBLE, 2, {"evolve", "grid"}, "a 2-D array-like of real numbers");
    if (!grid) {
        return nullptr;
    }
    const Arg out_arg{"evolve", "out"};
    PyArrayObject* out = as_output_array(out_obj, NPY_DOUBLE, "float64", 2, PyArray_DIMS(grid.array()), out_arg);
    if (out == nullptr || !check_no_overlap(out, grid_obj, grid.array(), out_arg, "grid")) {
        return nullptr;
    }

    const cext::DiffusionArgs kernel_args{
        static_cast<const double*>(PyArray_DATA(grid.array())),
        static_cast<double*>(PyArray_DATA(out)),
        static_cast<std::ptrdiff_t>(PyArray_DIM(out, 0)),
        static_cast<std::ptrdiff_t>(PyArray_DIM(out, 1)),
        D * dt,
        boundary,
        static_cast<std::int64_t>(steps),
    };
    const cext::KernelTable& kernels = cext::dispatch::active();
    // Even no steps copy the grid.
    const double work = static_cast<double>(PyArray_SIZE(out)) * static_cast<double>(steps > 0 ? steps : 1);
    if (!run_kernel(module, work, [&](cext::CancelToken& token) {
            return cext::diffusion(kernels, kernel_args, num_threads, token);
        })) {
        return nullptr;
    }
    return Py_NewRef(out_obj);
}

// ---------------------------------------------------------------------------------------------------------------
// fib
// ---------------------------------------------------------------------------------------------------------------

PyDoc_STRVAR(fib_doc,
             "fib($module, n, /)\n"
             "--\n"
             "\n"
             "The n-th Fibonacci number as a float (the Cython book's call-overhead benchmark).\n"
             "\n"
             "Computes ``a, b = 0.0, 1.0`` then ``a, b = a + b, a`` n times and returns a,\n"
             "so large n overflow to inf exactly as the Python loop does.\n"
             "\n"
             "Parameters\n"
             "----------\n"
             "n : int\n"
             "    Non-negative, at most the largest C long.\n"
             "\n"
             "Returns\n"
             "-------\n"
             "float\n"
             "\n"
             "Raises\n"
             "------\n"
             "TypeError\n"
             "    n is not an int.\n"
             "ValueError\n"
             "    n is negative.\n"
             "OverflowError\n"
             "    n does not fit in a C long.\n"
             "\n"
             "Examples\n"
             "--------\n"
             ">>> import cext\n"
             ">>> cext.fib(90)\n"
             "2.880067194370816e+18\n");

// METH_O: one positional argument is the cheapest calling convention CPython offers.
PyObject* fib(PyObject* /*module*/, PyObject* arg) {
    long n;
    int overflow = 0;
    if (PyLong_CheckExact(arg)) {  // fast path: a plain int needs no __index__ lookup
        n = PyLong_AsLongAndOverflow(arg, &overflow);
    } else {
        long long value = 0;
        if (!to_integer(arg, {"fib", "n"}, 0, LONG_MAX, &value)) {
            return nullptr;
        }
        n = static_cast<long>(value);
    }
    if (overflow > 0) {
        PyErr_Format(PyExc_OverflowError, "fib(): 'n' must be at most %ld, got %S", LONG_MAX, arg);
        return nullptr;
    }
    if (overflow < 0 || n < 0) {
        PyErr_Format(PyExc_ValueError, "fib(): 'n' must be non-negative, got %S", arg);
        return nullptr;
    }
    return PyFloat_FromDouble(cext::fibonacci(n));
}

// ---------------------------------------------------------------------------------------------------------------
// Introspection (private; cext.show_config() builds on it)
// ---------------------------------------------------------------------------------------------------------------

PyDoc_STRVAR(build_info_doc,
             "_build_info($module, /)\n"
             "--\n"
             "\n"
             "How this module was built and what it runs on: a dict with the active SIMD\n"
             "path and its doubles per vector, the paths compiled in and supported by this\n"
             "CPU, OpenMP support,\n"
             "version and default thread count, the compiler, and the work (cells times\n"
             "steps, points times maxiter) from which a call releases the GIL.");

// A tuning variable's rejected value as os.environ would show it (undecodable bytes escaped), or None.
Ref rejected_value(const std::string& value) {
    return value.empty() ? Ref::new_ref(Py_None) : Ref::steal(PyUnicode_DecodeFSDefault(value.c_str()));
}

PyObject* build_info(PyObject* /*module*/, PyObject* /*unused*/) {
    // Lowest first, so that the last supported path is the best one.
    Ref compiled = Ref::steal(PyList_New(0));
    Ref supported = Ref::steal(PyList_New(0));
    if (!compiled || !supported) {
        return nullptr;
    }
    for (const cext::KernelTable* table : cext::dispatch::compiled()) {
        Ref name = Ref::steal(PyUnicode_FromString(table->name));
        if (!name || PyList_Insert(compiled.get(), 0, name.get()) < 0 ||
            (cext::dispatch::supported(*table) && PyList_Insert(supported.get(), 0, name.get()) < 0)) {
            return nullptr;
        }
    }
    Ref compiled_tuple = Ref::steal(PyList_AsTuple(compiled.get()));
    Ref supported_tuple = Ref::steal(PyList_AsTuple(supported.get()));
    if (!compiled_tuple || !supported_tuple) {
        return nullptr;
    }
    const cext::CacheSizes& caches = cext::cache_sizes();
    const cext::DiffusionTuning& tuning = cext::diffusion_tuning();
    const cext::KeepScratch keep = cext::keep_scratch();
    Ref cache_info = Ref::steal(Py_BuildValue("{s:n, s:n, s:n, s:s}", "l1d", static_cast<Py_ssize_t>(caches.l1d), "l2",
                                              static_cast<Py_ssize_t>(caches.l2), "l3",
                                              static_cast<Py_ssize_t>(caches.l3), "source", caches.source));
    Ref stream_rejected = rejected_value(tuning.stream_rejected);
    Ref tile_rejected = rejected_value(tuning.tile_rejected);
    Ref column_rejected = rejected_value(tuning.column_rejected);
    Ref keep_rejected = rejected_value(tuning.keep_rejected);
    if (!cache_info || !stream_rejected || !tile_rejected || !column_rejected || !keep_rejected) {
        return nullptr;
    }
    Ref tuning_info = Ref::steal(Py_BuildValue(
        "{s:n, s:s, s:O, s:n, s:s, s:O, s:n, s:s, s:O, s:O, s:s, s:O}", "stream_bytes",
        static_cast<Py_ssize_t>(tuning.stream_bytes), "stream_source",
        tuning.stream_from_env ? "CEXT_STREAM_BYTES" : "3/4 of the last-level cache", "stream_rejected",
        stream_rejected.get(), "tile_bytes", static_cast<Py_ssize_t>(tuning.tile_bytes), "tile_source",
        tuning.tile_from_env ? "CEXT_TILE_BYTES" : "3/4 of the L2 cache", "tile_rejected", tile_rejected.get(),
        "column_bytes", static_cast<Py_ssize_t>(tuning.column_bytes), "column_source",
        tuning.column_from_env ? "CEXT_COLUMN_BYTES" : "1/2 of the L1 data cache", "column_rejected",
        column_rejected.get(), "keep_scratch", keep.keep ? Py_True : Py_False, "keep_scratch_source",
        keep.set_at_run_time   ? "_set_keep_scratch()"
        : tuning.keep_from_env ? "CEXT_KEEP_SCRATCH"
                               : "default",
        "keep_scratch_rejected", keep_rejected.get()));
    if (!tuning_info) {
        return nullptr;
    }
#ifdef _OPENMP
    const int openmp_version = _OPENMP;
    const int max_threads = omp_get_max_threads();
    const int num_procs = omp_get_num_procs();
#else
    const int openmp_version = 0;
    const int max_threads = 1;
    const int num_procs = 1;
#endif
#if defined(__clang__)
    const char* compiler = "clang " __clang_version__;
#elif defined(__GNUC__)
    const char* compiler = "gcc " __VERSION__;
#elif defined(_MSC_VER)
    const std::string msvc = "msvc " + std::to_string(_MSC_FULL_VER);
    const char* compiler = msvc.c_str();
#else
    const char* compiler = "unknown";
#endif
#if defined(CEXT_NATIVE_BUILD)
    PyObject* native = Py_True;  // built with -march=native: runs only on CPUs like the build machine
#else
    PyObject* native = Py_False;
#endif
    const cext::KernelTable& active = cext::dispatch::active();
    return Py_BuildValue("{s:s, s:i, s:O, s:O, s:O, s:O, s:i, s:i, s:i, s:s, s:s, s:O, s:O, s:n}", "simd", active.name,
                         "simd_lanes", active.lanes, "native_build", native, "simd_compiled", compiled_tuple.get(),
                         "simd_supported", supported_tuple.get(), "openmp", openmp_version ? Py_True : Py_False,
                         "openmp_version", openmp_version, "max_threads", max_threads, "num_procs", num_procs,
                         "compiler", compiler, "numpy_build_api", NPY_FEATURE_VERSION_STRING, "caches",
                         cache_info.get(), "diffusion_tuning", tuning_info.get(), "release_gil_work",
                         static_cast<Py_ssize_t>(kReleaseGilWork));
}

PyDoc_STRVAR(set_simd_doc,
             "_set_simd($module, name, /)\n"
             "--\n"
             "\n"
             "Switch the kernels to the named SIMD path ('baseline', 'avx2', 'avx512')\n"
             "and return the previous name. For tests and benchmarks; the path must be\n"
             "compiled in and supported by this CPU.");

PyObject* set_simd(PyObject* /*module*/, PyObject* arg) {
    if (!PyUnicode_Check(arg)) {
        PyErr_Format(PyExc_TypeError, "_set_simd(): 'name' must be a str, got %s", type_name(arg));
        return nullptr;
    }
    const char* name = PyUnicode_AsUTF8(arg);
    if (name == nullptr) {
        return nullptr;
    }
    const cext::KernelTable* table = cext::dispatch::find(name);
    if (table == nullptr || !cext::dispatch::supported(*table)) {
        PyErr_Format(PyExc_ValueError, "_set_simd(): SIMD path %R is %s", arg,
                     table == nullptr ? "not compiled into this build" : "not supported by this CPU");
        return nullptr;
    }
    return PyUnicode_FromString(cext::dispatch::use(*table).name);
}

PyDoc_STRVAR(set_keep_scratch_doc,
             "_set_keep_scratch($module, keep, /)\n"
             "--\n"
             "\n"
             "Whether multi-round diffusion keeps its scratch grid for the next call\n"
             "(CEXT_KEEP_SCRATCH decides at import); return the previous setting.\n"
             "False frees the kept grid. Safe during other threads' calls: each call\n"
             "gives its grid back under the setting in force when it ends. For tests.");

PyObject* set_keep_scratch(PyObject* /*module*/, PyObject* arg) {
    if (!PyBool_Check(arg)) {
        PyErr_Format(PyExc_TypeError, "_set_keep_scratch(): 'keep' must be a bool, got %s", type_name(arg));
        return nullptr;
    }
    return PyBool_FromLong(cext::set_keep_scratch(arg == Py_True).keep);
}

PyDoc_STRVAR(kept_scratch_bytes_doc,
             "_kept_scratch_bytes($module, /)\n"
             "--\n"
             "\n"
             "The size in bytes of the scratch grid kept for the next multi-round\n"
             "diffusion call (0: none is kept). For tests.");

PyObject* kept_scratch_bytes(PyObject* /*module*/, PyObject* /*unused*/) {
    return PyLong_FromSize_t(cext::keep_scratch().kept_bytes);
}

// ---------------------------------------------------------------------------------------------------------------
// Module definition
// ---------------------------------------------------------------------------------------------------------------

// METH_FASTCALL | METH_KEYWORDS: the arguments arrive as a C array, with no tuple or dict built for the call
// (parse_arguments in py_convert.hpp says why it replaces PyArg_ParseTupleAndKeywords).
PyMethodDef methods[] = {
    {"calculate_z", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(calculate_z)),
     METH_FASTCALL | METH_KEYWORDS, calculate_z_doc},
    {"evolve", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(evolve)), METH_FASTCALL | METH_KEYWORDS,
     evolve_doc},
    {"fib", fib, METH_O, fib_doc},
    {"_build_info", build_info, METH_NOARGS, build_info_doc},
    {"_set_simd", set_simd, METH_O, set_simd_doc},
    {"_set_keep_scratch", set_keep_scratch, METH_O, set_keep_scratch_doc},
    {"_kept_scratch_bytes", kept_scratch_bytes, METH_NOARGS, kept_scratch_bytes_doc},
    {nullptr, nullptr, 0, nullptr},
};

// The tuning variables are read here, once, so that a malformed one is reported when the user can still see
// why: the machine's value is used instead, and cext.show_config() names the value it rejected.
int warn_about_rejected_tuning() {
    const cext::DiffusionTuning& tuning = cext::diffusion_tuning();
    const std::string stream = "3/4 of the last-level cache (" + std::to_string(tuning.stream_bytes) + " bytes)";
    const std::string tile = "3/4 of the L2 cache (" + std::to_string(tuning.tile_bytes) + " bytes)";
    const std::string column = "1/2 of the L1 data cache (" + std::to_string(tuning.column_bytes) + " bytes)";
    const struct {
        const char* name;
        const std::string& value;
        const char* expected;
        const char* instead;
    } variables[] = {
        {"CEXT_STREAM_BYTES", tuning.stream_rejected, "a whole number of bytes from 1 to 2**63 - 1", stream.c_str()},
        {"CEXT_TILE_BYTES", tuning.tile_rejected, "a whole number of bytes from 1 to 2**63 - 1", tile.c_str()},
        {"CEXT_COLUMN_BYTES", tuning.column_rejected, "a whole number of bytes from 1 to 2**63 - 1", column.c_str()},
        {"CEXT_KEEP_SCRATCH", tuning.keep_rejected, "0 or 1", "the default: keep the scratch grid"},
    };
    for (const auto& variable : variables) {
        if (variable.value.empty()) {
            continue;
        }
        Ref value = rejected_value(variable.value);
        if (!value || PyErr_WarnFormat(PyExc_RuntimeWarning, 1, "%s=%R is not %s; using %s", variable.name, value.get(),
                                       variable.expected, variable.instead) < 0) {
            return -1;
        }
    }
    return 0;
}

int exec_module(PyObject* module) {
    if (PyArray_ImportNumPyAPI() < 0) {
        return -1;
    }
    Ref threading = Ref::steal(PyImport_ImportModule("threading"));
    Ref main_thread = threading ? Ref::steal(PyObject_CallMethod(threading.get(), "main_thread", nullptr)) : Ref();
    Ref ident = main_thread ? Ref::steal(PyObject_GetAttrString(main_thread.get(), "ident")) : Ref();
    if (!ident) {
        return -1;
    }
    module_state(module)->main_thread = PyLong_AsUnsignedLong(ident.get());
    if (PyErr_Occurred()) {
        return -1;
    }
    for (const cext::KernelTable* table : cext::dispatch::compiled()) {
        if (cext::dispatch::supported(*table) && !cext::computes_reference_arithmetic(*table)) {
            PyErr_Format(PyExc_ImportError,
                         "cext: the '%s' kernels do not round like the reference arithmetic: this build fuses "
                         "multiplies and adds; rebuild with -ffp-contract=off (setup.py adds it)",
                         table->name);
            return -1;
        }
    }
    // The best kernels this CPU supports, or the lower path CEXT_SIMD names.
    const cext::dispatch::Selection chosen = cext::dispatch::select_from_environment();
    if (chosen.problem != nullptr && PyErr_WarnFormat(PyExc_RuntimeWarning, 1, "CEXT_SIMD=%s is %s; using '%s'",
                                                      chosen.requested, chosen.problem, chosen.table->name) < 0) {
        return -1;
    }
    return warn_about_rejected_tuning();
}

// Teardown: the scratch grid kept between multi-step calls goes with the module.
void free_module(void* /*module*/) { cext::release_scratch(); }

PyModuleDef_Slot slots[] = {
    // Multi-phase init: state lives in the module object, not in C globals.
    {Py_mod_exec, reinterpret_cast<void*>(exec_module)},
#if PY_VERSION_HEX >= 0x030C0000
    // NumPy's C API is not subinterpreter-safe, so neither is this module.
    {Py_mod_multiple_interpreters, Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED},
#endif
#if PY_VERSION_HEX >= 0x030D0000
    // Safe without the GIL: the only shared state is the atomic kernel-table pointer and the mutex-guarded
    // scratch grid kept between calls, module state is read-only after exec, and the kernels already run without
    // the GIL.
    {Py_mod_gil, Py_MOD_GIL_NOT_USED},
#endif
    {0, nullptr},
};

PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    "cext._core",
    "Hand-written kernels: Julia escape counts, 2-D diffusion, Fibonacci.",
    sizeof(ModuleState),
    methods,
    slots,
    nullptr,
    nullptr,
    free_module,
};

}  // namespace

PyMODINIT_FUNC PyInit__core(void) { return PyModuleDef_Init(&module_def); }
