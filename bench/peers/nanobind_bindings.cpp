// cext's kernels and run-time SIMD dispatch, bound with nanobind (the kernel calls: bound_kernels.hpp).
//
// nb::ndarray states dtype, rank and C order in the parameter's type; inputs may be converted, `out` may not
// (noconvert: a converted copy would be written and lost). fib takes and returns plain C++ values.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>

#include <complex>
#include <cstdint>
#include <stdexcept>

#include "bound_kernels.hpp"

namespace nb = nanobind;

namespace {

template <typename T, std::size_t Rank>
using CArray = nb::ndarray<T, nb::numpy, nb::ndim<Rank>, nb::c_contig, nb::device::cpu>;

CArray<std::int32_t, 1> calculate_z(int maxiter, CArray<const std::complex<double>, 1> zs,
                                    CArray<const std::complex<double>, 1> cs, CArray<std::int32_t, 1> out,
                                    int num_threads) {
    if (zs.size() != cs.size() || zs.size() != out.size()) {
        throw std::invalid_argument("calculate_z(): zs, cs and out must have the same size");
    }
    bound::escape_counts<nb::gil_scoped_release>(reinterpret_cast<const double*>(zs.data()),
                                                 reinterpret_cast<const double*>(cs.data()), out.data(),
                                                 static_cast<std::ptrdiff_t>(zs.size()), maxiter, num_threads);
    return out;
}

void evolve(CArray<const double, 2> grid, CArray<double, 2> out, double dt, double D, int num_threads) {
    if (grid.shape(0) != out.shape(0) || grid.shape(1) != out.shape(1)) {
        throw std::invalid_argument("evolve(): grid and out must have the same shape");
    }
    bound::diffusion_step<nb::gil_scoped_release>(grid.data(), out.data(), static_cast<std::ptrdiff_t>(grid.shape(0)),
                                                  static_cast<std::ptrdiff_t>(grid.shape(1)), D * dt, num_threads);
}

}  // namespace

NB_MODULE(cext_nanobind, module) {
    bound::select_kernels();
    module.doc() = "cext's kernels bound with nanobind";
    module.def("calculate_z", &calculate_z, nb::arg("maxiter"), nb::arg("zs"), nb::arg("cs"),
               nb::arg("out").noconvert(), nb::arg("num_threads") = 0);
    module.def("evolve", &evolve, nb::arg("grid"), nb::arg("out").noconvert(), nb::arg("dt"), nb::arg("D") = 1.0,
               nb::arg("num_threads") = 0);
    module.def("fib", &cext::fibonacci, nb::arg("n"));
}
