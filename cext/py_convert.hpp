// Argument conversion and error reporting for the wrappers in _core.cpp (in the manner of matplotlib's
// py_converters and NumPy's conversion_utils).
//
// Every converter either fills its output and returns true (or a non-null array), or sets a TypeError,
// ValueError or OverflowError whose message names the function and the argument, what was expected and what
// was got, and returns false (or null). None of them modifies its input.
#pragma once

#include <climits>
#include <cstdint>
#include <cstring>
#include <string>

#include "cext/kernels.hpp"
#include "py_api.hpp"
#include "py_handles.hpp"

namespace cext::py {

// ---------------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------------

// The function and argument an error message names.
struct Arg {
    const char* func;
    const char* name;
};

inline const char* type_name(PyObject* obj) { return Py_TYPE(obj)->tp_name; }

inline std::string shape_string(int ndim, const npy_intp* dims) {
    std::string s = "(";
    for (int i = 0; i < ndim; ++i) {
        s += std::to_string(static_cast<long long>(dims[i]));
        if (i + 1 < ndim || ndim == 1) {
            s += ndim == 1 ? "," : ", ";
        }
    }
    return s + ")";
}

inline std::string dtype_string(PyArrayObject* arr) {
    Ref str = Ref::steal(PyObject_Str(reinterpret_cast<PyObject*>(PyArray_DESCR(arr))));
    const char* utf8 = str ? PyUnicode_AsUTF8(str.get()) : nullptr;
    if (utf8 == nullptr) {
        PyErr_Clear();
        return "?";
    }
    return utf8;
}

// The pending exception as one normalized object (a new reference), cleared from the thread state: CPython
// 3.12's PyErr_GetRaisedException, and on older versions the same from PyErr_Fetch and
// PyErr_NormalizeException, which 3.12 deprecates.
inline PyObject* take_raised_exception() {
#if PY_VERSION_HEX >= 0x030C0000
    return PyErr_GetRaisedException();
#else
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
    PyErr_NormalizeException(&type, &value, &traceback);
    if (value != nullptr && traceback != nullptr) {
        PyException_SetTraceback(value, traceback);
    }
    Py_XDECREF(type);
    Py_XDECREF(traceback);
    return value;
#endif
}

// Makes `exception` (a normalized exception, stolen) the pending one again.
inline void restore_raised_exception(PyObject* exception) {
#if PY_VERSION_HEX >= 0x030C0000
    PyErr_SetRaisedException(exception);
#else
    PyErr_Restore(Py_NewRef(reinterpret_cast<PyObject*>(Py_TYPE(exception))), exception,
                  PyException_GetTraceback(exception));
#endif
}

// Replaces the pending exception of a failed conversion with one that names the argument, keeping the original
// as __cause__. ValueError and OverflowError keep their type; any other Exception becomes a TypeError.
// MemoryError and non-Exception errors such as KeyboardInterrupt pass through unchanged.
inline void rename_conversion_error(Arg arg, const char* expected) {
    PyObject* original = take_raised_exception();
    if (original == nullptr) {
        return;
    }
    if (!PyErr_GivenExceptionMatches(original, PyExc_Exception) ||
        PyErr_GivenExceptionMatches(original, PyExc_MemoryError)) {
        restore_raised_exception(original);
        return;
    }
    PyObject* new_type = PyErr_GivenExceptionMatches(original, PyExc_OverflowError) ? PyExc_OverflowError
                         : PyErr_GivenExceptionMatches(original, PyExc_ValueError)  ? PyExc_ValueError
                                                                                    : PyExc_TypeError;
    PyErr_Format(new_type, "%s(): '%s' must be %s: %S", arg.func, arg.name, expected, original);
    PyObject* renamed = take_raised_exception();
    PyException_SetCause(renamed, original);  // steals `original`
    restore_raised_exception(renamed);
}

// Turns a kernel's status into the Python result: true to go on, false with an exception set.
inline bool raise_for_status(cext::Status status) {
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
// Parsing (METH_FASTCALL | METH_KEYWORDS)
// ---------------------------------------------------------------------------------------------------------------

// A function's parameters in order: the first `positional` may be given by position, the rest only by keyword; the
// first `required` must be given. `names` ends with nullptr.
struct Parameters {
    const char* func;
    const char* const* names;
    int positional;
    int required;
};

// The index of the parameter a keyword names, or -1.
inline int find_parameter(const Parameters& params, PyObject* keyword) {
    Py_ssize_t length = 0;
    const char* name = PyUnicode_AsUTF8AndSize(keyword, &length);  // no copy for an ASCII str
    if (name == nullptr) {  // a name that is not valid UTF-8 (lone surrogates) names no parameter
        PyErr_Clear();
        return -1;
    }
    for (int i = 0; params.names[i] != nullptr; ++i) {
        if (params.names[i][0] == name[0] && std::strlen(params.names[i]) == static_cast<std::size_t>(length) &&
            std::memcmp(params.names[i], name, static_cast<std::size_t>(length)) == 0) {
            return i;
        }
    }
    return -1;
}

// Sorts the vectorcall arguments into values[i], a borrowed reference for each parameter given; the others keep
// what the caller put there (nullptr or a default). The TypeErrors are PyArg_ParseTupleAndKeywords's own, so the
// calling convention cannot be seen from Python. It is used instead of that function because a call with keywords
// cost PyArg_ParseTupleAndKeywords a Python string made and looked up per parameter, about 200 ns per call,
// more than a small kernel's whole work; comparing the few names given costs nothing by comparison.
inline bool parse_arguments(const Parameters& params, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames,
                            PyObject** values) {
    if (nargs > params.positional) {
        PyErr_Format(PyExc_TypeError, "%s() takes at most %d positional argument%s (%zd given)", params.func,
                     params.positional, params.positional == 1 ? "" : "s", nargs);
        return false;
    }
    for (Py_ssize_t i = 0; i < nargs; ++i) {
        values[i] = args[i];
    }
    const Py_ssize_t keywords = kwnames == nullptr ? 0 : PyTuple_GET_SIZE(kwnames);
    for (Py_ssize_t k = 0; k < keywords; ++k) {
        PyObject* keyword = PyTuple_GET_ITEM(kwnames, k);
        const int i = find_parameter(params, keyword);
        if (i < 0) {
            PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%S'", params.func, keyword);
            return false;
        }
        if (i < nargs) {
            PyErr_Format(PyExc_TypeError, "argument for %s() given by name ('%s') and position (%d)", params.func,
                         params.names[i], i + 1);
            return false;
        }
        values[i] = args[nargs + k];
    }
    for (int i = static_cast<int>(nargs); i < params.required; ++i) {
        if (values[i] == nullptr) {
            PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s' (pos %d)", params.func, params.names[i],
                         i + 1);
            return false;
        }
    }
    return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Argument conversion: scalars
// ---------------------------------------------------------------------------------------------------------------

// Reads an integer argument: an int or any object with __index__ (bool, NumPy integers), never a float. Values
// beyond long long set `overflow` to their sign. `expected` completes the TypeError "must be <expected>".
inline bool read_index(PyObject* obj, Arg arg, const char* expected, long long* value, int* overflow) {
    if (PyLong_CheckExact(obj)) {  // a plain int is its own index: no __index__ call, no new reference
        *value = PyLong_AsLongLongAndOverflow(obj, overflow);
        return !(*value == -1 && PyErr_Occurred());
    }
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
inline bool to_integer(PyObject* obj, Arg arg, long long lo, long long hi, long long* out) {
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
inline bool to_double(PyObject* obj, Arg arg, double* out) {
    if (PyFloat_CheckExact(obj)) {  // the usual case, and the one where no check below can fail
        *out = PyFloat_AS_DOUBLE(obj);
        return true;
    }
    // (NumPy 1.x converts a complex 0-d array to float with only a warning, dropping the imaginary part.)
    const bool is_complex = PyComplex_Check(obj) || PyArray_IsScalar(obj, ComplexFloating) ||
                            (PyArray_Check(obj) && PyArray_ISCOMPLEX(reinterpret_cast<PyArrayObject*>(obj)));
    const PyNumberMethods* nb = Py_TYPE(obj)->tp_as_number;
    if (is_complex || nb == nullptr || (nb->nb_float == nullptr && nb->nb_index == nullptr)) {
        PyErr_Format(PyExc_TypeError, "%s(): '%s' must be a real number, got %s", arg.func, arg.name, type_name(obj));
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
inline bool to_num_threads(PyObject* obj, Arg arg, int* out) {
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
        PyErr_Format(PyExc_ValueError, "%s(): '%s' must be None or an int in [1, %lld], got %S", arg.func, arg.name,
                     kMaxThreads, obj);
        return false;
    }
    *out = static_cast<int>(value);
    return true;
}

inline bool to_boundary(PyObject* obj, Arg arg, cext::Boundary* out) {
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
inline Ref as_input_array(PyObject* obj, int typenum, int ndim, Arg arg, const char* expected) {
    // An array that is already what the kernel reads is used as is. NumPy's generic conversion below would return
    // the same object, but only after discovering its dtype and shape and looking up a cast, which costs more
    // than a small kernel's whole work.
    if (PyArray_Check(obj)) {
        PyArrayObject* arr = reinterpret_cast<PyArrayObject*>(obj);
        // PyArray_ISCARRAY_RO: C-contiguous, aligned and in the machine's byte order.
        if (PyArray_TYPE(arr) == typenum && PyArray_ISCARRAY_RO(arr) && (ndim < 0 || PyArray_NDIM(arr) == ndim)) {
            return Ref::new_ref(obj);
        }
    }
    if (obj == Py_None || PyUnicode_Check(obj) || PyBytes_Check(obj) || PyByteArray_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "%s(): '%s' must be %s, got %s", arg.func, arg.name, expected, type_name(obj));
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
        PyErr_Format(PyExc_TypeError, "%s(): '%s' must be %s, got an array of dtype %s", arg.func, arg.name, expected,
                     dtype_string(found.array()).c_str());
        return {};
    }
    if (ndim >= 0 && PyArray_NDIM(found.array()) != ndim) {
        PyErr_Format(PyExc_ValueError, "%s(): '%s' must be %d-dimensional, got %d dimensions with shape %s", arg.func,
                     arg.name, ndim, PyArray_NDIM(found.array()),
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
inline PyArrayObject* as_output_array(PyObject* obj, int typenum, const char* dtype, int ndim, const npy_intp* dims,
                                      Arg arg) {
    if (!PyArray_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "%s(): '%s' must be a numpy.ndarray of dtype %s, got %s", arg.func, arg.name,
                     dtype, type_name(obj));
        return nullptr;
    }
    PyArrayObject* arr = reinterpret_cast<PyArrayObject*>(obj);
    const bool same_type = PyArray_TYPE(arr) == typenum || PyArray_EquivTypenums(PyArray_TYPE(arr), typenum);
    if (!same_type || !PyArray_ISNOTSWAPPED(arr)) {
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
inline bool may_share_memory(PyArrayObject* a, PyArrayObject* b) {
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
inline bool check_no_overlap(PyArrayObject* out, PyObject* original, PyArrayObject* converted, Arg out_arg,
                             const char* input_name) {
    const bool overlap = may_share_memory(out, converted) ||
                         (PyArray_Check(original) && may_share_memory(out, reinterpret_cast<PyArrayObject*>(original)));
    if (overlap) {
        PyErr_Format(PyExc_ValueError, "%s(): '%s' must not share memory with '%s'", out_arg.func, out_arg.name,
                     input_name);
        return false;
    }
    return true;
}

}  // namespace cext::py
