// cext's kernels and run-time SIMD dispatch, bound with pybind11.
//
// The same C++ as cext: include/cext's kernels, cext/dispatch.cpp's choice of
// instruction set, built by cext's own BuildExt. Only the binding differs, so
// any difference in time against cext is the binding layer's. Like cext, the
// arrays are checked and converted by the binding (py::array_t with c_style
// and forcecast), the GIL is released around the kernel, and fib takes and
// returns plain C++ values.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <complex>
#include <cstdint>
#include <stdexcept>

#include "cext/kernels.hpp"
#include "cext/fibonacci.hpp"

namespace py = pybind11;

namespace {

template <typename T>
using CArray = py::array_t<T, py::array::c_style | py::array::forcecast>;

const cext::KernelTable& kernels() {
    static const cext::KernelTable& table = [] () -> const cext::KernelTable& {
        int count = 0;
        const cext::KernelTable* const* tables = cext::compiled_kernels(&count);
        for (int i = count - 1; i > 0; --i) {
            if (cext::cpu_supports(*tables[i])) {
                return *tables[i];
            }
        }
        return *tables[0];
    }();
    return table;
}

void check(cext::Status status) {
    if (status == cext::Status::no_memory) {
        throw std::bad_alloc();
    }
}

CArray<std::int32_t> calculate_z(int maxiter, const CArray<std::complex<double>>& zs,
                                 const CArray<std::complex<double>>& cs, CArray<std::int32_t> out,
                                 int num_threads) {
    if (zs.size() != cs.size() || zs.size() != out.size()) {
        throw std::invalid_argument("calculate_z(): zs, cs and out must have the same size");
    }
    const cext::EscapeCountsArgs args{reinterpret_cast<const double*>(zs.data()),
                                      reinterpret_cast<const double*>(cs.data()), false,
                                      out.mutable_data(), zs.size(), maxiter};
    cext::CancelToken token;
    cext::Status status;
    {
        py::gil_scoped_release release;
        status = kernels().escape_counts(args, num_threads, token);
    }
    check(status);
    return out;
}

void evolve(const CArray<double>& grid, CArray<double> out, double dt, double D, int num_threads) {
    if (grid.ndim() != 2 || out.ndim() != 2 || grid.shape(0) != out.shape(0) || grid.shape(1) != out.shape(1)) {
        throw std::invalid_argument("evolve(): grid and out must be 2-D arrays of the same shape");
    }
    const cext::DiffusionArgs args{grid.data(), out.mutable_data(), grid.shape(0), grid.shape(1), D * dt,
                                   cext::Boundary::fixed, 1};
    cext::CancelToken token;
    cext::Status status;
    {
        py::gil_scoped_release release;
        status = kernels().diffusion(args, num_threads, token);
    }
    check(status);
}

}  // namespace

PYBIND11_MODULE(cext_pybind11, module) {
    module.doc() = "cext's kernels bound with pybind11";
    module.def("calculate_z", &calculate_z, py::arg("maxiter"), py::arg("zs"), py::arg("cs"), py::arg("out"),
               py::arg("num_threads") = 0);
    module.def("evolve", &evolve, py::arg("grid"), py::arg("out"), py::arg("dt"), py::arg("D") = 1.0,
               py::arg("num_threads") = 0);
    module.def("fib", &cext::fibonacci, py::arg("n"));
}
