// The Python and NumPy C API headers, included the one way this module uses them.
//
// PY_SSIZE_T_CLEAN before Python.h (so "#" formats take Py_ssize_t); NPY_NO_DEPRECATED_API before any NumPy
// header, so that the deprecated API is not even visible; NPY_TARGET_VERSION 1.23: a module built against
// NumPy 2 then runs with NumPy 1.23 and later.
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define NPY_NO_DEPRECATED_API NPY_API_VERSION
#define NPY_TARGET_VERSION NPY_1_23_API_VERSION
#include <numpy/arrayobject.h>
