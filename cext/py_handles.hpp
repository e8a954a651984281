// Owned references and the GIL as scoped objects, so that no error path needs a hand-written Py_DECREF or
// PyEval_RestoreThread (in the manner of SciPy's py_ref and NumPy's SaveThreadState).
#pragma once

#include <utility>

#include "py_api.hpp"

namespace cext::py {

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

}  // namespace cext::py
