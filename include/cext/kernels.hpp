// The kernels' interface: their arguments, the table of per-instruction-set compute functions, and the two entry
// points the Python glue calls.
//
// A kernel has two halves. The *schedule* (how the work is cut into chunks or tiles, the OpenMP team, the
// cancellation polls) is written once, in src/schedule.cpp, and compiled for the baseline instruction set. The
// *compute* (the arithmetic on one chunk or tile) is a template instantiated once per instruction set in its own
// namespace (cext::baseline, cext::avx2, cext::avx512; see src/isa_*.cpp) and reached through a KernelTable.
// Nothing compiled with AVX flags is ever called except through a table the CPU supports.
//
// Everything in this header is ISA-neutral: plain types and declarations, no inline code.
#pragma once

#include <cstddef>
#include <cstdint>

#include "cext/parallel.hpp"

namespace cext {

// ---------------------------------------------------------------------------------------------------------------
// Julia-set escape counts (High Performance Python's `calculate_z`)
// ---------------------------------------------------------------------------------------------------------------
//
// For each point i, with z = z[i] and c = c[i] (or the single c):
//     n = 0
//     while n < maxiter and zr*zr + zi*zi < 4:
//         zr, zi = (zr*zr - zi*zi) + cr, (zr*zi + zi*zr) + ci
//         n += 1
//     counts[i] = n
// This is CPython's complex `z*z + c`, evaluated in exactly that order; every table is bit-identical to it.
struct EscapeCountsArgs {
    const double* z;  // n interleaved (real, imag) values, C-contiguous
    const double* c;  // n interleaved values, or one when c_is_scalar
    bool c_is_scalar;
    std::int32_t* counts;  // n results; must not overlap z or c
    std::ptrdiff_t n;
    std::int32_t maxiter;  // >= 0
};

// Where a call of KernelTable::escape_range keeps the points still going between its rounds (see
// include/cext/escape_counts.hpp): room for `capacity` points, at least the call's, rounded up to a multiple of
// kEscapeGroupPoints.
struct EscapeScratch {
    double* values;        // 4 x capacity
    std::int64_t* points;  // 3 x capacity
    std::ptrdiff_t capacity;
};
constexpr std::ptrdiff_t kEscapeGroupPoints = 64;

// ---------------------------------------------------------------------------------------------------------------
// Explicit steps of the 2-D diffusion equation (5-point stencil)
// ---------------------------------------------------------------------------------------------------------------
//
// One step, for every cell, summed left to right:
//     lap = in[i+1][j] + in[i-1][j] + in[i][j+1] + in[i][j-1] - 4*in[i][j]
//     out[i][j] = in[i][j] + (D*dt) * lap
// Boundary::fixed    border cells are copied from `in` (held constant).
// Boundary::periodic every cell uses wrap-around neighbours (High Performance Python's np.roll version).
enum class Boundary { fixed, periodic };

struct DiffusionArgs {
    const double* grid;  // rows x cols, C-contiguous; never written
    double* out;         // rows x cols; must not overlap grid
    std::ptrdiff_t rows;
    std::ptrdiff_t cols;
    double D_dt;  // D * dt, computed by the caller exactly as the formula states
    Boundary boundary;
    std::int64_t steps;  // >= 0
};

// The whole grid, as the compute functions see it.
struct DiffusionGrid {
    std::ptrdiff_t rows, cols;
    double D_dt;
    Boundary boundary;
};

// Rows [r0, r1) x columns [c0, c1) of the grid.
struct Tile {
    std::ptrdiff_t r0, r1, c0, c1;
};

// Cell-steps between two polls for Ctrl-C in diffusion (about 100 us of arithmetic): the size of a one-step band,
// and how often a tile (every few rows) or a grid in L1 (every few steps) polls.
constexpr std::ptrdiff_t kCellStepsPerPoll = std::ptrdiff_t{1} << 18;

// A thread's scratch rows for advancing one tile several steps (see diffusion_tile): a ring of three rows for
// each of the first `depth` levels, `stride` doubles a row, with one row of margin before and after it. Each
// row keeps ring_margin(depth) columns on either side of the tile.
struct TileBuffers {
    double* ring;  // the first row of the ring, past the margin row
    std::ptrdiff_t stride;
};
inline std::ptrdiff_t ring_margin(int depth) { return (depth + 7) / 8 * 8; }  // whole 64-byte lines

// ---------------------------------------------------------------------------------------------------------------
// Per-instruction-set compute functions
// ---------------------------------------------------------------------------------------------------------------

struct KernelTable {
    const char* name;            // "baseline", "avx2", "avx512": also the value CEXT_SIMD takes
    unsigned required_features;  // feature bits the CPU and OS must support (include/cext/isa_list.hpp)
    int lanes;                   // doubles per vector

    // Escape counts of points [begin, end), at most scratch.capacity of them. Returns false if cancelled (counts
    // then unspecified).
    bool (*escape_range)(const EscapeCountsArgs&, std::ptrdiff_t begin, std::ptrdiff_t end, const EscapeScratch&,
                         CancelToken&);

    // One step of rows [first_row, last_row) from `src` to `dst`; `stream` writes with non-temporal stores.
    void (*diffusion_rows)(const DiffusionGrid&, const double* src, double* dst, std::ptrdiff_t first_row,
                           std::ptrdiff_t last_row, bool stream);

    // The same step walking down columns of vectors: faster for a grid that fits in the L1 cache, slower beyond.
    void (*diffusion_columns)(const DiffusionGrid&, const double* src, double* dst, std::ptrdiff_t first_row,
                              std::ptrdiff_t last_row);

    // `depth` steps of `tile` from `src` into `dst`, through `buffers` (3 depth + 2 rows of at least tile width +
    // 2 ring_margin(depth) doubles, the whole zeroed before a call's first tile). Only the tile's own cells of
    // `dst` are written. Returns false if cancelled (the tile's cells then unspecified).
    bool (*diffusion_tile)(const DiffusionGrid&, const double* src, double* dst, const TileBuffers& buffers,
                           const Tile& tile, int depth, bool stream, CancelToken&);
};

// ---------------------------------------------------------------------------------------------------------------
// Entry points (src/schedule.cpp)
// ---------------------------------------------------------------------------------------------------------------
//
// Both are reentrant, use up to `num_threads` OpenMP threads (0: the OpenMP default), poll `cancel` per chunk
// or tile, and never throw.
Status escape_counts(const KernelTable& kernels, const EscapeCountsArgs& args, int num_threads,
                     CancelToken& cancel) noexcept;
Status diffusion(const KernelTable& kernels, const DiffusionArgs& args, int num_threads, CancelToken& cancel) noexcept;

// The same with the cache budgets given rather than read from the machine (the C++ tests run every schedule
// through it, whatever the caches of the machine they run on).
struct DiffusionTuning;
Status diffusion(const KernelTable& kernels, const DiffusionArgs& args, int num_threads, CancelToken& cancel,
                 const DiffusionTuning& tuning) noexcept;

// Frees the scratch grid that multi-round diffusion keeps between calls (see src/scratch.cpp). Safe to call at
// any time, from any thread.
void release_scratch() noexcept;

// Whether multi-round diffusion keeps its scratch grid for the next call: CEXT_KEEP_SCRATCH's decision at first,
// until set_keep_scratch() changes it (turning it off frees the kept grid) and returns the setting it replaced.
// Safe from any thread, during other threads' calls: a call that already holds its scratch grid finishes with
// it, and gives it back under the setting in force when it ends.
struct KeepScratch {
    bool keep;
    bool set_at_run_time;    // false: the setting is still the one CEXT_KEEP_SCRATCH (or the default) gave
    std::size_t kept_bytes;  // the size of the grid kept now (0: none)
};
KeepScratch set_keep_scratch(bool keep) noexcept;
KeepScratch keep_scratch() noexcept;

// True if the table's diffusion step rounds every operation as the reference does; false means the build fused
// multiplies and adds (it lost -ffp-contract=off). src/self_check.cpp; the module refuses to import on false.
bool computes_reference_arithmetic(const KernelTable& kernels) noexcept;

}  // namespace cext
