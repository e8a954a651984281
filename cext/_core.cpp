// cext._core: the Python face of the kernels in include/cext/.
//
// Each exposed function follows the same four steps: parse the arguments, convert and validate them (every
// failure is a TypeError, ValueError or OverflowError that names the function and the argument), release the
// GIL and run the kernel, build the result. The kernels themselves are plain C++ and never see Python.
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define NPY_NO_DEPRECATED_API NPY_API_VERSION
#define NPY_TARGET_VERSION NPY_1_23_API_VERSION
#include <numpy/arrayobject.h>

#include <atomic>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

#include "cext/fibonacci.hpp"
#include "cext/kernels.hpp"

namespace {

// ---------------------------------------------------------------------------------------------------------------
// Owned references
// ---------------------------------------------------------------------------------------------------------------

// An owned PyObject reference: move-only, released on scope exit. Borrowed references are never wrapped.
class Ref {
public:
    Ref() = default;
    static Ref steal(PyObject* p) { return Ref(p); }
    static Ref new_ref(PyObject* p) {
        Py_XINCREF(p);
        return Ref(p);
    }
    Ref(Ref&& other) noexcept : p_(std::exchange(other.p_, nullptr)) {}
    Ref& operator=(Ref&& other) noexcept {
        Py_XSETREF(p_, std::exchange(other.p_, nullptr));
        return *this;
    }
    Ref(const Ref&) = delete;
    Ref& operator=(const Ref&) = delete;
    ~Ref() { Py_XDECREF(p_); }

    PyObject* get() const { return p_; }
    PyArrayObject* array() const { return reinterpret_cast<PyArrayObject*>(p_); }
    PyObject* release() { return std::exchange(p_, nullptr); }
    explicit operator bool() const { return p_ != nullptr; }

private:
    explicit Ref(PyObject* p) : p_(p) {}
    PyObject* p_ = nullptr;
};

// ---------------------------------------------------------------------------------------------------------------
// The GIL
// ---------------------------------------------------------------------------------------------------------------

// Releases the GIL for its lifetime. No Python or NumPy API may be used while it is alive, except through
// check_signals(), which the kernel's cancellation token calls from this same thread.
class ReleaseGil {
public:
    ReleaseGil() : state_(PyEval_SaveThread()) {}
    ~ReleaseGil() { PyEval_RestoreThread(state_); }
    ReleaseGil(const ReleaseGil&) = delete;
    ReleaseGil& operator=(const ReleaseGil&) = delete;

    // Briefly takes the GIL back to run signal handlers; true if one raised (e.g. KeyboardInterrupt), in which
    // case the exception stays set on this thread for the wrapper to return.
    bool check_signals() {
        PyEval_RestoreThread(state_);
        const bool raised = PyErr_CheckSignals() != 0;
        state_ = PyEval_SaveThread();
        return raised;
    }

    static bool poll(void* self) { return static_cast<ReleaseGil*>(self)->check_signals(); }

private:
    PyThreadState* state_;
};

// ---------------------------------------------------------------------------------------------------------------
// Module state
// ---------------------------------------------------------------------------------------------------------------

struct ModuleState {
    // Only the main thread runs Python signal handlers, so only calls made there poll for Ctrl-C.
    unsigned long main_thread;
};

ModuleState* module_state(PyObject* module) { return static_cast<ModuleState*>(PyModule_GetState(module)); }

// The kernel table in use. Process-wide (a CPU property); atomic because any thread may call a kernel while a
// test switches tables with _set_simd().
std::atomic<const cext::KernelTable*> active_kernels{nullptr};

const cext::KernelTable* find_kernels(const char* name) {
    int count = 0;
    const cext::KernelTable* const* tables = cext::compiled_kernels(&count);
    for (int i = 0; i < count; ++i) {
        if (std::strcmp(tables[i]->name, name) == 0) {
            return tables[i];
        }
    }
    return nullptr;
}

const cext::KernelTable* best_kernels() {
    int count = 0;
    const cext::KernelTable* const* tables = cext::compiled_kernels(&count);
    const cext::KernelTable* best = tables[0];
    for (int i = 1; i < count; ++i) {
        if (cext::cpu_supports(*tables[i])) {
            best = tables[i];
        }
    }
    return best;
}

// ---------------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------------

// The function and argument an error message names.
struct Arg {
    const char* func;
    const char* name;
};

const char* type_name(PyObject* obj) { return Py_TYPE(obj)->tp_name; }

std::string shape_string(int ndim, const npy_intp* dims) {
    std::string s = "(";
    for (int i = 0; i < ndim; ++i) {
        s += std::to_string(static_cast<long long>(dims[i]));
        if (i + 1 < ndim || ndim == 1) {
            s += ndim == 1 ? "," : ", ";
        }
    }
    return s + ")";
}

std::string dtype_string(PyArrayObject* arr) {
    Ref str = Ref::steal(PyObject_Str(reinterpret_cast<PyObject*>(PyArray_DESCR(arr))));
    const char* utf8 = str ? PyUnicode_AsUTF8(str.get()) : nullptr;
    if (utf8 == nullptr) {
        PyErr_Clear();
        return "?";
    }
    return utf8;
}

// Replaces the pending exception of a failed conversion with one that names the argument, keeping the original
// as __cause__. ValueError and OverflowError keep their type; any other Exception becomes a TypeError.
// MemoryError and non-Exception errors such as KeyboardInterrupt pass through unchanged.
void rename_conversion_error(Arg arg, const char* expected) {
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
    PyErr_NormalizeException(&type, &value, &traceback);
    if (!PyErr_GivenExceptionMatches(type, PyExc_Exception) ||
        PyErr_GivenExceptionMatches(type, PyExc_MemoryError)) {
        PyErr_Restore(type, value, traceback);
        return;
    }
    PyObject* new_type = PyErr_GivenExceptionMatches(type, PyExc_OverflowError) ? PyExc_OverflowError
                         : PyErr_GivenExceptionMatches(type, PyExc_ValueError) ? PyExc_ValueError
                                                                                : PyExc_TypeError;
    if (traceback != nullptr) {
        PyException_SetTraceback(value, traceback);
    }
    PyErr_Format(new_type, "%s(): '%s' must be %s: %S", arg.func, arg.name, expected, value);
    PyObject *new_exc_type, *new_value, *new_traceback;
    PyErr_Fetch(&new_exc_type, &new_value, &new_traceback);
    PyErr_NormalizeException(&new_exc_type, &new_value, &new_traceback);
    PyException_SetCause(new_value, value);  // steals `value`
    PyErr_Restore(new_exc_type, new_value, new_traceback);
    Py_DECREF(type);
    Py_XDECREF(traceback);
}

// Turns a kernel's status into the Python result: true to go on, false with an exception set.
bool raise_for_status(cext::Status status) {
    switch (status) {
        case cext::Status::ok:
            return true;
        case cext::Status::no_memory:
            PyErr_NoMemory();
            return false;
        case cext::Status::cancelled:
            if (!PyErr_Occurred()) {  // cancelled by a signal handler that raised; keep its exception
                PyErr_SetString(PyExc_RuntimeError, "cext: computation cancelled");
            }
            return false;
    }
    return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Argument conversion: scalars
// ---------------------------------------------------------------------------------------------------------------

// Reads an integer argument: an int or any object with __index__ (bool, NumPy integers), never a float. Values
// beyond long long set `overflow` to their sign. `expected` completes the TypeError "must be <expected>".
bool read_index(PyObject* obj, Arg arg, const char* expected, long long* value, int* overflow) {
    if (!PyIndex_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "%s(): '%s' must be %s, got %s", arg.func, arg.name, expected, type_name(obj));
        return false;
    }
    Ref index = Ref::steal(PyNumber_Index(obj));
    if (!index) {  // a broken __index__: raised, or returned a non-int
        rename_conversion_error(arg, expected);
        return false;
    }
    *value = PyLong_AsLongLongAndOverflow(index.get(), overflow);
    return !(*value == -1 && PyErr_Occurred());
}

// An integer argument within [lo, hi]. Negative values are a ValueError when lo == 0; values beyond the range an
// OverflowError.
bool to_integer(PyObject* obj, Arg arg, long long lo, long long hi, long long* out) {
    long long value = 0;
    int overflow = 0;
    if (!read_index(obj, arg, "an int", &value, &overflow)) {
        return false;
    }
    if (overflow < 0 || (overflow == 0 && value < lo)) {
        if (lo == 0) {
            PyErr_Format(PyExc_ValueError, "%s(): '%s' must be non-negative, got %S", arg.func, arg.name, obj);
        } else {
            PyErr_Format(PyExc_ValueError, "%s(): '%s' must be at least %lld, got %S", arg.func, arg.name, lo, obj);
        }
        return false;
    }
    if (overflow > 0 || value > hi) {
        PyErr_Format(PyExc_OverflowError, "%s(): '%s' must be at most %lld, got %S", arg.func, arg.name, hi, obj);
        return false;
    }
    *out = value;
    return true;
}

// A real number (float, int, or an object with __float__/__index__); complex values are refused rather than
// silently losing their imaginary part.
bool to_double(PyObject* obj, Arg arg, double* out) {
    // (NumPy 1.x converts a complex 0-d array to float with only a warning, dropping the imaginary part.)
    const bool is_complex = PyComplex_Check(obj) || PyArray_IsScalar(obj, ComplexFloating) ||
                            (PyArray_Check(obj) && PyArray_ISCOMPLEX(reinterpret_cast<PyArrayObject*>(obj)));
    const PyNumberMethods* nb = Py_TYPE(obj)->tp_as_number;
    if (is_complex || nb == nullptr || (nb->nb_float == nullptr && nb->nb_index == nullptr)) {
        PyErr_Format(PyExc_TypeError, "%s(): '%s' must be a real number, got %s", arg.func, arg.name,
                     type_name(obj));
        return false;
    }
    const double value = PyFloat_AsDouble(obj);
    if (value == -1.0 && PyErr_Occurred()) {
        rename_conversion_error(arg, "a real number");
        return false;
    }
    *out = value;
    return true;
}

// Upper bound on num_threads: far above any real machine, low enough that OpenMP can always create the team.
constexpr long long kMaxThreads = 1024;

// num_threads: None (0: the OpenMP default) or an int in [1, kMaxThreads]; out of range is a ValueError.
bool to_num_threads(PyObject* obj, Arg arg, int* out) {
    if (obj == Py_None) {
        *out = 0;
        return true;
    }
    long long value = 0;
    int overflow = 0;
    if (!read_index(obj, arg, "None or an int", &value, &overflow)) {
        return false;
    }
    if (overflow != 0 || value < 1 || value > kMaxThreads) {
        PyErr_Format(PyExc_ValueError, "%s(): '%s' must be None or an int in [1, %lld], got %S", arg.func,
                     arg.name, kMaxThreads, obj);
        return false;
    }
    *out = static_cast<int>(value);
    return true;
}

bool to_boundary(PyObject* obj, Arg arg, cext::Boundary* out) {
    if (!PyUnicode_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "%s(): '%s' must be a str, got %s", arg.func, arg.name, type_name(obj));
        return false;
    }
    if (PyUnicode_CompareWithASCIIString(obj, "fixed") == 0) {
        *out = cext::Boundary::fixed;
        return true;
    }
    if (PyUnicode_CompareWithASCIIString(obj, "periodic") == 0) {
        *out = cext::Boundary::periodic;
        return true;
    }
    PyErr_Format(PyExc_ValueError, "%s(): '%s' must be 'fixed' or 'periodic', got %R", arg.func, arg.name, obj);
    return false;
}

// ---------------------------------------------------------------------------------------------------------------
// Argument conversion: arrays
// ---------------------------------------------------------------------------------------------------------------

// Converts an input array-like to a C-contiguous, aligned, native array of `typenum`. A well-formed array is
// used as is, without a copy. Only numeric data (and Python objects holding numbers) is accepted: strings,
// bytes, None, dates and structured data are a TypeError. `ndim` < 0 accepts any dimensionality.
Ref as_input_array(PyObject* obj, int typenum, int ndim, Arg arg, const char* expected) {
    if (obj == Py_None || PyUnicode_Check(obj) || PyBytes_Check(obj) || PyByteArray_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "%s(): '%s' must be %s, got %s", arg.func, arg.name, expected,
                     type_name(obj));
        return {};
    }
    Ref found = Ref::steal(PyArray_FromAny(obj, nullptr, 0, 0, 0, nullptr));
    if (!found) {
        rename_conversion_error(arg, expected);
        return {};
    }
    const char kind = PyArray_DESCR(found.array())->kind;
    const bool numeric = kind == 'b' || kind == 'i' || kind == 'u' || kind == 'f' || kind == 'O' ||
                         (kind == 'c' && typenum == NPY_CDOUBLE);
    if (!numeric) {
        PyErr_Format(PyExc_TypeError, "%s(): '%s' must be %s, got an array of dtype %s", arg.func, arg.name,
                     expected, dtype_string(found.array()).c_str());
        return {};
    }
    if (ndim >= 0 && PyArray_NDIM(found.array()) != ndim) {
        PyErr_Format(PyExc_ValueError, "%s(): '%s' must be %d-dimensional, got %d dimensions with shape %s",
                     arg.func, arg.name, ndim, PyArray_NDIM(found.array()),
                     shape_string(PyArray_NDIM(found.array()), PyArray_DIMS(found.array())).c_str());
        return {};
    }
    Ref arr = Ref::steal(PyArray_FROMANY(found.get(), typenum, 0, 0, NPY_ARRAY_CARRAY_RO));
    if (!arr) {
        rename_conversion_error(arg, expected);
        return {};
    }
    return arr;
}

// Validates an output array: exactly `typenum` in native byte order, the given shape, C-contiguous, aligned,
// writeable. Returns a borrowed pointer, or nullptr with an exception set.
PyArrayObject* as_output_array(PyObject* obj, int typenum, const char* dtype, int ndim, const npy_intp* dims,
                               Arg arg) {
    if (!PyArray_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "%s(): '%s' must be a numpy.ndarray of dtype %s, got %s", arg.func,
                     arg.name, dtype, type_name(obj));
        return nullptr;
    }
    PyArrayObject* arr = reinterpret_cast<PyArrayObject*>(obj);
    if (!PyArray_EquivTypenums(PyArray_TYPE(arr), typenum) || !PyArray_ISNOTSWAPPED(arr)) {
        PyErr_Format(PyExc_TypeError, "%s(): '%s' must have dtype %s, got %s", arg.func, arg.name, dtype,
                     dtype_string(arr).c_str());
        return nullptr;
    }
    if (PyArray_NDIM(arr) != ndim || !PyArray_CompareLists(PyArray_DIMS(arr), dims, ndim)) {
        PyErr_Format(PyExc_ValueError, "%s(): '%s' must have shape %s, got %s", arg.func, arg.name,
                     shape_string(ndim, dims).c_str(), shape_string(PyArray_NDIM(arr), PyArray_DIMS(arr)).c_str());
        return nullptr;
    }
    if (!PyArray_IS_C_CONTIGUOUS(arr) || !PyArray_ISALIGNED(arr)) {
        PyErr_Format(PyExc_ValueError, "%s(): '%s' must be C-contiguous and aligned", arg.func, arg.name);
        return nullptr;
    }
    if (!PyArray_ISWRITEABLE(arr)) {
        PyErr_Format(PyExc_ValueError, "%s(): '%s' must be writeable, got a read-only array", arg.func, arg.name);
        return nullptr;
    }
    return arr;
}

// Conservative overlap test on the byte extents of two arrays (numpy.may_share_memory's answer).
bool may_share_memory(PyArrayObject* a, PyArrayObject* b) {
    const auto extent = [](PyArrayObject* arr, const char** lo, const char** hi) {
        const char* start = static_cast<const char*>(PyArray_DATA(arr));
        const char* end = start;
        for (int d = 0; d < PyArray_NDIM(arr); ++d) {
            const npy_intp n = PyArray_DIM(arr, d);
            if (n == 0) {
                return false;
            }
            const npy_intp span = PyArray_STRIDE(arr, d) * (n - 1);
            (span < 0 ? start : end) += span;
        }
        *lo = start;
        *hi = end + PyArray_ITEMSIZE(arr);
        return true;
    };
    const char *alo, *ahi, *blo, *bhi;
    return extent(a, &alo, &ahi) && extent(b, &blo, &bhi) && alo < bhi && blo < ahi;
}

// An output must not share memory with an input, either as passed or as converted.
bool check_no_overlap(PyArrayObject* out, PyObject* original, PyArrayObject* converted, Arg out_arg,
                      const char* input_name) {
    const bool overlap = may_share_memory(out, converted) ||
                         (PyArray_Check(original) &&
                          may_share_memory(out, reinterpret_cast<PyArrayObject*>(original)));
    if (overlap) {
        PyErr_Format(PyExc_ValueError, "%s(): '%s' must not share memory with '%s'", out_arg.func, out_arg.name,
                     input_name);
        return false;
    }
    return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Running a kernel
// ---------------------------------------------------------------------------------------------------------------

// Runs `kernel(token)` with the GIL released. Calls from the main thread poll for signals so that Ctrl-C
// interrupts long computations; the pending exception is then returned by the wrapper.
template <class Kernel>
bool run_without_gil(PyObject* module, Kernel&& kernel) {
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

PyObject* calculate_z(PyObject* module, PyObject* args, PyObject* kwargs) {
    static const char* const kwlist[] = {"maxiter", "zs", "cs", "out", "num_threads", nullptr};
    PyObject *maxiter_obj, *zs_obj, *cs_obj, *out_obj = Py_None, *threads_obj = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOO|$OO:calculate_z", const_cast<char**>(kwlist),
                                     &maxiter_obj, &zs_obj, &cs_obj, &out_obj, &threads_obj)) {
        return nullptr;
    }

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
    if (!c_is_scalar && !(PyArray_NDIM(cs.array()) == ndim && PyArray_CompareLists(PyArray_DIMS(cs.array()), dims, ndim))) {
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
    const cext::KernelTable* kernels = active_kernels.load(std::memory_order_acquire);
    if (!run_without_gil(module, [&](cext::CancelToken& token) {
            return kernels->escape_counts(kernel_args, num_threads, token);
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

PyObject* evolve(PyObject* module, PyObject* args, PyObject* kwargs) {
    static const char* const kwlist[] = {"grid", "out", "dt", "D", "boundary", "steps", "num_threads", nullptr};
    PyObject *grid_obj, *out_obj, *dt_obj, *D_obj = nullptr, *boundary_obj = nullptr, *steps_obj = nullptr,
                                            *threads_obj = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOO|O$OOO:evolve", const_cast<char**>(kwlist), &grid_obj,
                                     &out_obj, &dt_obj, &D_obj, &boundary_obj, &steps_obj, &threads_obj)) {
        return nullptr;
    }

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
    const cext::KernelTable* kernels = active_kernels.load(std::memory_order_acquire);
    if (!run_without_gil(module, [&](cext::CancelToken& token) {
            return kernels->diffusion(kernel_args, num_threads, token);
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
"path, the paths compiled in and supported by this CPU, OpenMP support,\n"
"version and default thread count, and the compiler.");

PyObject* build_info(PyObject* /*module*/, PyObject* /*unused*/) {
    int count = 0;
    const cext::KernelTable* const* tables = cext::compiled_kernels(&count);
    Ref compiled = Ref::steal(PyTuple_New(count));
    Ref supported = Ref::steal(PyList_New(0));
    if (!compiled || !supported) {
        return nullptr;
    }
    for (int i = 0; i < count; ++i) {
        PyObject* name = PyUnicode_FromString(tables[i]->name);
        if (name == nullptr) {
            return nullptr;
        }
        PyTuple_SET_ITEM(compiled.get(), i, name);
        if (cext::cpu_supports(*tables[i]) && PyList_Append(supported.get(), name) < 0) {
            return nullptr;
        }
    }
    Ref supported_tuple = Ref::steal(PyList_AsTuple(supported.get()));
    if (!supported_tuple) {
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
    return Py_BuildValue("{s:s, s:O, s:O, s:O, s:O, s:i, s:i, s:i, s:s, s:s}",
                         "simd", active_kernels.load()->name,
                         "native_build", native,
                         "simd_compiled", compiled.get(),
                         "simd_supported", supported_tuple.get(),
                         "openmp", openmp_version ? Py_True : Py_False,
                         "openmp_version", openmp_version,
                         "max_threads", max_threads,
                         "num_procs", num_procs,
                         "compiler", compiler,
                         "numpy_build_api", NPY_FEATURE_VERSION_STRING);
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
    const cext::KernelTable* table = find_kernels(name);
    if (table == nullptr || !cext::cpu_supports(*table)) {
        PyErr_Format(PyExc_ValueError, "_set_simd(): SIMD path %R is %s", arg,
                     table == nullptr ? "not compiled into this build" : "not supported by this CPU");
        return nullptr;
    }
    return PyUnicode_FromString(active_kernels.exchange(table)->name);
}

// ---------------------------------------------------------------------------------------------------------------
// Module definition
// ---------------------------------------------------------------------------------------------------------------

PyMethodDef methods[] = {
    {"calculate_z", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(calculate_z)),
     METH_VARARGS | METH_KEYWORDS, calculate_z_doc},
    {"evolve", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(evolve)),
     METH_VARARGS | METH_KEYWORDS, evolve_doc},
    {"fib", fib, METH_O, fib_doc},
    {"_build_info", build_info, METH_NOARGS, build_info_doc},
    {"_set_simd", set_simd, METH_O, set_simd_doc},
    {nullptr, nullptr, 0, nullptr},
};

// Picks the kernels: the best this CPU supports, or the lower path named by CEXT_SIMD.
int select_kernels() {
    const cext::KernelTable* best = best_kernels();
    const char* requested = std::getenv("CEXT_SIMD");
    if (requested == nullptr || *requested == '\0') {
        active_kernels.store(best);
        return 0;
    }
    const cext::KernelTable* table = find_kernels(requested);
    if (table == nullptr || !cext::cpu_supports(*table)) {
        active_kernels.store(best);
        return PyErr_WarnFormat(PyExc_RuntimeWarning, 1, "CEXT_SIMD=%s is %s; using '%s'", requested,
                                table == nullptr ? "not compiled into this build" : "not supported by this CPU",
                                best->name);
    }
    active_kernels.store(table);
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
    return select_kernels();
}

PyModuleDef_Slot slots[] = {
    // Multi-phase init: state lives in the module object, not in C globals.
    {Py_mod_exec, reinterpret_cast<void*>(exec_module)},
#if PY_VERSION_HEX >= 0x030C0000
    // NumPy's C API is not subinterpreter-safe, so neither is this module.
    {Py_mod_multiple_interpreters, Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED},
#endif
#if PY_VERSION_HEX >= 0x030D0000
    // Safe without the GIL: the only shared state is the atomic kernel-table pointer, module state is read-only
    // after exec, and the kernels already run without the GIL.
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
    nullptr,
};

}  // namespace

PyMODINIT_FUNC PyInit__core(void) { return PyModuleDef_Init(&module_def); }
