// A check, run when the module is imported, that a kernel table computes the reference arithmetic.
//
// The one way a correct kernel can still give different numbers is a build that lets the compiler fuse a
// multiply and an add into one rounding (floating-point contraction: GCC's default on aarch64, and on x86-64
// with -mfma or -march=native). The module is built with -ffp-contract=off; a build that lost the flag must fail
// loudly at import rather than return results that silently differ.
#include <cstring>
#include <initializer_list>

#include "cext/kernels.hpp"

namespace cext {

namespace {

constexpr int kCols = 37;  // wide enough for the vector loop of every backend, with scalar cells on both sides

// One diffusion step of cell (1, j) of a 3-row grid, each operation rounded on its own: `volatile` forces every
// intermediate through a double in memory, so no compiler can fuse them whatever its flags.
double reference_cell(const double* g, int j, double D_dt) {
    volatile double sum = g[2 * kCols + j] + g[j];
    sum = sum + g[kCols + j + 1];
    sum = sum + g[kCols + j - 1];
    volatile double four_mid = 4.0 * g[kCols + j];
    volatile double lap = sum - four_mid;
    volatile double change = D_dt * lap;
    return g[kCols + j] + change;
}

}  // namespace

bool computes_reference_arithmetic(const KernelTable& kernels) noexcept {
    double grid[3 * kCols], out[3 * kCols];
    for (int i = 0; i < 3 * kCols; ++i) {
        grid[i] = 1.0 / (i + 3) + 0.1 * (i % 7);  // inexact values, so fused and unfused results differ
    }
    const double D_dt = 0.1 * 0.37;
    const DiffusionGrid g{3, kCols, D_dt, Boundary::fixed};
    // Both ways of stepping a grid, each its own code for the compiler to get wrong.
    for (const bool columns : {false, true}) {
        if (columns) {
            kernels.diffusion_columns(g, grid, out, 0, 3);
        } else {
            kernels.diffusion_rows(g, grid, out, 0, 3, false);
        }
        for (int j = 1; j < kCols - 1; ++j) {
            const double expected = reference_cell(grid, j, D_dt);
            if (std::memcmp(&out[kCols + j], &expected, sizeof expected) != 0) {
                return false;
            }
        }
    }
    return true;
}

}  // namespace cext
