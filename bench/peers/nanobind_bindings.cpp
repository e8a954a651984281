// cext's kernels and run-time SIMD dispatch, bound with nanobind.
//
// The same C++ as cext and as the pybind11 peer (see pybind11_bindings.cpp);
// only the binding library differs. nb::ndarray checks dtype, rank and
// C order without converting, so a wrong array is refused rather than copied.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>

#include <complex>
#include <cstdint>
#include <stdexcept>

#include "cext/kernels.hpp"
#include "cext/fibonacci.hpp"

namespace nb = nanobind;

namespace {

template <typename T, typename... Extra>
using CArray = nb::ndarray<T, nb::numpy, nb::c_contig, nb::device::cpu, Extra...>;

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

CArray<std::int32_t, nb::ndim<1>> calculate_z(int maxiter, CArray<const std::complex<double>, nb::ndim<1>> zs,
                                              CArray<const std::complex<double>, nb::ndim<1>> cs,
                                              CArray<std::int32_t, nb::ndim<1>> out, int num_threads) {
    if (zs.size() != cs.size() || zs.size() != out.size()) {
        throw std::invalid_argument("calculate_z(): zs, cs and out must have the same size");
    }
    const cext::EscapeCountsArgs args{reinterpret_cast<const double*>(zs.data()),
                                      reinterpret_cast<const double*>(cs.data()), false, out.data(),
                                      static_cast<std::ptrdiff_t>(zs.size()), maxiter};
    cext::CancelToken token;
    cext::Status status;
    {
        nb::gil_scoped_release release;
        status = kernels().escape_counts(args, num_threads, token);
    }
    check(status);
    return out;
}

void evolve(CArray<const double, nb::ndim<2>> grid, CArray<double, nb::ndim<2>> out, double dt, double D,
            int num_threads) {
    if (grid.shape(0) != out.shape(0) || grid.shape(1) != out.shape(1)) {
        throw std::invalid_argument("evolve(): grid and out must have the same shape");
    }
    const cext::DiffusionArgs args{grid.data(),
                                   out.data(),
                                   static_cast<std::ptrdiff_t>(grid.shape(0)),
                                   static_cast<std::ptrdiff_t>(grid.shape(1)),
                                   D * dt,
                                   cext::Boundary::fixed,
                                   1};
    cext::CancelToken token;
    cext::Status status;
    {
        nb::gil_scoped_release release;
        status = kernels().diffusion(args, num_threads, token);
    }
    check(status);
}

}  // namespace

NB_MODULE(cext_nanobind, module) {
    module.doc() = "cext's kernels bound with nanobind";
    module.def("calculate_z", &calculate_z, nb::arg("maxiter"), nb::arg("zs"), nb::arg("cs"), nb::arg("out"),
               nb::arg("num_threads") = 0);
    module.def("evolve", &evolve, nb::arg("grid"), nb::arg("out"), nb::arg("dt"), nb::arg("D") = 1.0,
               nb::arg("num_threads") = 0);
    module.def("fib", &cext::fibonacci, nb::arg("n"));
}
