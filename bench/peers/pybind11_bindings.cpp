// cext's kernels and run-time SIMD dispatch, bound with pybind11 (the kernel calls: bound_kernels.hpp).
//
// As in cext, input arrays are converted when they must be (py::array_t with c_style | forcecast), `out` must
// already be a C-contiguous int32 or float64 array (noconvert: a converted copy would be written and lost), and
// fib takes and returns plain C++ values.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <complex>
#include <cstdint>
#include <stdexcept>

#include "bound_kernels.hpp"

namespace py = pybind11;

namespace {

template <typename T>
using Input = py::array_t<T, py::array::c_style | py::array::forcecast>;
template <typename T>
using Output = py::array_t<T, py::array::c_style>;

Output<std::int32_t> calculate_z(int maxiter, const Input<std::complex<double>>& zs,
                                 const Input<std::complex<double>>& cs, Output<std::int32_t> out, int num_threads) {
    if (zs.size() != cs.size() || zs.size() != out.size()) {
        throw std::invalid_argument("calculate_z(): zs, cs and out must have the same size");
    }
    bound::escape_counts<py::gil_scoped_release>(reinterpret_cast<const double*>(zs.data()),
                                                 reinterpret_cast<const double*>(cs.data()), out.mutable_data(),
                                                 zs.size(), maxiter, num_threads);
    return out;
}

void evolve(const Input<double>& grid, Output<double> out, double dt, double D, int num_threads) {
    if (grid.ndim() != 2 || out.ndim() != 2 || grid.shape(0) != out.shape(0) || grid.shape(1) != out.shape(1)) {
        throw std::invalid_argument("evolve(): grid and out must be 2-D arrays of the same shape");
    }
    bound::diffusion_step<py::gil_scoped_release>(grid.data(), out.mutable_data(), grid.shape(0), grid.shape(1), D * dt,
                                                  num_threads);
}

}  // namespace

PYBIND11_MODULE(cext_pybind11, module) {
    bound::select_kernels();
    module.doc() = "cext's kernels bound with pybind11";
    module.def("calculate_z", &calculate_z, py::arg("maxiter"), py::arg("zs"), py::arg("cs"),
               py::arg("out").noconvert(), py::arg("num_threads") = 0);
    module.def("evolve", &evolve, py::arg("grid"), py::arg("out").noconvert(), py::arg("dt"), py::arg("D") = 1.0,
               py::arg("num_threads") = 0);
    module.def("fib", &cext::fibonacci, py::arg("n"));
}
