// What the pybind11 and nanobind peers call: cext's kernel entry points on the table cext's dispatch chose,
// with the GIL released by the binding library's own guard around the kernel only. The binding files
// (pybind11_bindings.cpp, nanobind_bindings.cpp) then hold nothing but argument conversion, so a difference in
// time against cext is the binding layer's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>

#include "cext/dispatch.hpp"
#include "cext/fibonacci.hpp"
#include "cext/kernels.hpp"

namespace bound {

// At import, as cext does: the table CEXT_SIMD names, else the best this CPU supports.
inline void select_kernels() noexcept { cext::dispatch::select_from_environment(); }

// Runs `kernel(token)` without the GIL; a kernel reports failure as a status, turned into the exception each
// binding library translates to MemoryError once the GIL is back. Nothing here polls for Ctrl-C.
template <class ReleaseGil, class Kernel>
void run(Kernel kernel) {
    cext::CancelToken token;
    cext::Status status;
    {
        ReleaseGil release;
        status = kernel(token);
    }
    if (status == cext::Status::no_memory) {
        throw std::bad_alloc();
    }
}

// Escape counts of n interleaved complex z and c into counts.
template <class ReleaseGil>
void escape_counts(const double* z, const double* c, std::int32_t* counts, std::ptrdiff_t n, int maxiter,
                   int num_threads) {
    const cext::EscapeCountsArgs args{z, c, false, counts, n, maxiter};
    run<ReleaseGil>([&](cext::CancelToken& token) {
        return cext::escape_counts(cext::dispatch::active(), args, num_threads, token);
    });
}

// One fixed-boundary diffusion step of a rows x cols grid into out.
template <class ReleaseGil>
void diffusion_step(const double* grid, double* out, std::ptrdiff_t rows, std::ptrdiff_t cols, double D_dt,
                    int num_threads) {
    const cext::DiffusionArgs args{grid, out, rows, cols, D_dt, cext::Boundary::fixed, 1};
    run<ReleaseGil>(
        [&](cext::CancelToken& token) { return cext::diffusion(cext::dispatch::active(), args, num_threads, token); });
}

}  // namespace bound
