/* A C extension written the way the Cython book's cfib_wrap.c and High
 * Performance Python's cdiffusion module are: METH_VARARGS, PyArg_ParseTuple,
 * Py_BuildValue, checks by hand, single-phase init, the GIL held throughout.
 * This is the path cext's choices replace (METH_O / FASTCALL-style parsing,
 * converters, GIL release, multi-phase init); it is here to be measured.
 *
 * The kernels are the same C the ctypes and cffi peers call. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

#include "diffusion.c"
#include "fib.c"

/* cfib_wrap.c, ported to Python 3 unchanged otherwise. */
static PyObject *wrap_fib(PyObject *self, PyObject *args)
{
    int arg;
    double result;

    if (!PyArg_ParseTuple(args, "i:fib", &arg))
        return NULL;
    result = cfib(arg);

    return Py_BuildValue("f", result);  /* "f" reads a double, as "d" does */
}

/* cdiffusion's py_evolve: evolve(data, next_grid, dt, D=1.0). */
static PyObject *py_evolve(PyObject *self, PyObject *args)
{
    PyArrayObject *data;
    PyArrayObject *next_grid;
    double dt, D = 1.0;

    if (!PyArg_ParseTuple(args, "O!O!d|d:evolve", &PyArray_Type, &data, &PyArray_Type, &next_grid,
                          &dt, &D))
        return NULL;

    if (!PyArray_ISCARRAY(data) || !PyArray_ISCARRAY(next_grid)) {
        PyErr_SetString(PyExc_RuntimeError, "data and next_grid must be contiguous arrays.");
        return NULL;
    }
    if (PyArray_TYPE(data) != NPY_DOUBLE || PyArray_TYPE(next_grid) != NPY_DOUBLE) {
        PyErr_SetString(PyExc_RuntimeError, "data and next_grid must be float64 arrays.");
        return NULL;
    }
    if (PyArray_NDIM(data) != 2 || PyArray_NDIM(next_grid) != 2) {
        PyErr_SetString(PyExc_RuntimeError, "data and next_grid must be two dimensional.");
        return NULL;
    }
    if (PyArray_DIM(data, 0) != PyArray_DIM(next_grid, 0)
            || PyArray_DIM(data, 1) != PyArray_DIM(next_grid, 1)) {
        PyErr_SetString(PyExc_RuntimeError, "data and next_grid must have the same dimensions.");
        return NULL;
    }

    evolve((int)PyArray_DIM(data, 0), (int)PyArray_DIM(data, 1),
           (double (*)[PyArray_DIM(data, 1)])PyArray_DATA(data),
           (double (*)[PyArray_DIM(data, 1)])PyArray_DATA(next_grid), D, dt);

    Py_INCREF(next_grid);
    return (PyObject *)next_grid;
}

static PyMethodDef module_methods[] = {
    {"fib", wrap_fib, METH_VARARGS, "Calculates the nth Fibonacci number."},
    {"evolve", py_evolve, METH_VARARGS, "Evolve a 2d grid using the diffusion equation"},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef module_definition = {
    PyModuleDef_HEAD_INIT, "naive_extension", "Provides optimized method to solve the diffusion equation",
    -1, module_methods
};

PyMODINIT_FUNC PyInit_naive_extension(void)
{
    import_array();
    return PyModule_Create(&module_definition);
}
