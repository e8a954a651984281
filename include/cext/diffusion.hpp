// Explicit steps of the 2-D diffusion equation on a rows x cols grid (5-point stencil).
//
// One step, for every cell (the seeds' C formula, summed left to right):
//     lap = in[i+1][j] + in[i-1][j] + in[i][j+1] + in[i][j-1] - 4*in[i][j]
//     out[i][j] = in[i][j] + (D*dt) * lap
// Boundary::fixed    border cells are copied from `in` (held constant).
// Boundary::periodic every cell uses wrap-around neighbours (High Performance Python's np.roll version).
//
// `steps` steps are advanced from `grid` into `out` with temporal blocking: the grid is cut into bands of rows;
// each band, widened by a halo of `depth - 1` rows on each side, is advanced `depth` steps in per-thread buffers
// that stay in cache, and only the band itself is written out. Halo rows are recomputed by neighbouring bands,
// so every cell sees exactly the arithmetic of repeated single steps.
//
// Layout: C-contiguous doubles. Preconditions: `grid` and `out` do not overlap. `grid` is never written.
// Memory: per-thread tile buffers (a few MiB) and, when more than one round of `depth` steps is needed, one
// scratch grid. Thread safety: reentrant; up to `num_threads` OpenMP threads; the token is polled per band.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>

#include "cext/parallel.hpp"

namespace cext {

enum class Boundary { fixed, periodic };

struct DiffusionArgs {
    const double* grid;
    double* out;
    std::ptrdiff_t rows;
    std::ptrdiff_t cols;
    double D_dt;  // D * dt, computed by the caller exactly as the formula states
    Boundary boundary;
    std::int64_t steps;
};

namespace detail {

// Grids at least this large are written with non-temporal stores: they cannot stay in cache until the next
// step reads them, so skipping the read-for-ownership saves a third of the memory traffic.
constexpr std::size_t kStreamBytes = std::size_t{24} << 20;
// Per-thread tile buffers for temporal blocking; sized for a share of L2/L3.
constexpr std::size_t kTileBytes = std::size_t{3} << 20;
// Steps advanced per round of temporal blocking (the halo depth).
constexpr int kMaxDepth = 8;

inline double diffusion_cell(double down, double up, double right, double left, double mid, double D_dt) {
    return mid + D_dt * ((((down + up) + right) + left) - 4.0 * mid);
}

// One output row from its three input rows (already resolved for the boundary).
template <class S>
void stencil_row(const double* up, const double* mid, const double* down, double* out, std::ptrdiff_t cols,
                 double D_dt, Boundary boundary, bool stream) {
    constexpr std::ptrdiff_t L = S::lanes;
    const std::ptrdiff_t last = cols - 1;
    if (boundary == Boundary::fixed) {
        out[0] = mid[0];
        out[last] = mid[last];
    } else {
        out[0] = diffusion_cell(down[0], up[0], mid[cols > 1 ? 1 : 0], mid[last], mid[0], D_dt);
        if (last > 0) {
            out[last] = diffusion_cell(down[last], up[last], mid[0], mid[last - 1], mid[last], D_dt);
        }
    }
    // Peel scalar cells until the vector loop's accesses are aligned: the stores when streaming (non-temporal
    // stores require it), otherwise the centre row's loads (and the rows above and below when the row length is a
    // multiple of the vector), since a misaligned vector load splits a cache line.
    const double* aligned = stream ? out : mid;
    std::ptrdiff_t j = 1;
    for (; j < last && reinterpret_cast<std::uintptr_t>(aligned + j) % S::align != 0; ++j) {
        out[j] = diffusion_cell(down[j], up[j], mid[j + 1], mid[j - 1], mid[j], D_dt);
    }
    const typename S::vec k = S::splat(D_dt);
    const typename S::vec four = S::splat(4.0);
    for (; j + L <= last; j += L) {
        const typename S::vec centre = S::loadu(mid + j);
        const typename S::vec sum = S::add(S::add(S::add(S::loadu(down + j), S::loadu(up + j)), S::loadu(mid + j + 1)),
                                           S::loadu(mid + j - 1));
        const typename S::vec next = S::add(centre, S::mul(k, S::sub(sum, S::mul(four, centre))));
        if (stream) {
            S::stream(out + j, next);
        } else {
            S::storeu(out + j, next);
        }
    }
    for (; j < last; ++j) {
        out[j] = diffusion_cell(down[j], up[j], mid[j + 1], mid[j - 1], mid[j], D_dt);
    }
}

struct BandPlan {
    int depth;                // steps per round
    std::ptrdiff_t band;      // rows per band
    std::ptrdiff_t stride;    // doubles per buffer row
    std::ptrdiff_t buf_rows;  // rows per tile buffer (band + 2 * (depth - 1))
};

inline BandPlan plan_bands(std::ptrdiff_t rows, std::ptrdiff_t cols, std::int64_t steps, int threads) {
    BandPlan p{};
    p.stride = (cols + 7) / 8 * 8;  // 64-byte aligned buffer rows
    const std::ptrdiff_t row_bytes = p.stride * static_cast<std::ptrdiff_t>(sizeof(double));
    const std::ptrdiff_t fair_share = (rows + threads - 1) / threads;
    p.depth = static_cast<int>(std::min<std::int64_t>(steps, kMaxDepth));
    // Shallower rounds when rows are too wide for a band of at least 2*depth rows within the tile budget.
    const std::ptrdiff_t budget_rows = static_cast<std::ptrdiff_t>(kTileBytes) / (2 * row_bytes);
    while (p.depth > 1 && budget_rows - 2 * (p.depth - 1) < 2 * p.depth) {
        --p.depth;
    }
    if (p.depth == 1) {
        // Plain steps: bands of ~256k cells, at least 8 per thread for balance and prompt cancellation.
        const std::ptrdiff_t by_work = std::max<std::ptrdiff_t>(1, (std::ptrdiff_t{1} << 18) / cols);
        const std::ptrdiff_t by_balance = std::max<std::ptrdiff_t>(1, (fair_share + 7) / 8);
        p.band = std::min(by_work, by_balance);
        p.buf_rows = 0;
    } else {
        p.band = std::max<std::ptrdiff_t>(1, std::min(budget_rows - 2 * (p.depth - 1), fair_share));
        p.buf_rows = p.band + 2 * (p.depth - 1);
    }
    return p;
}

struct Geometry {
    std::ptrdiff_t rows, cols;
    double D_dt;
    Boundary boundary;

    std::ptrdiff_t wrap(std::ptrdiff_t i) const { return ((i % rows) + rows) % rows; }
};

// Advances rows [lo, hi) of `dst` by `depth` steps from `src`. Virtual rows outside [0, rows) wrap (periodic);
// for fixed boundaries they do not exist and rows 0 and rows-1 are copied unchanged. Steps before the last write
// into `buf[0]`/`buf[1]`, whose row 0 is virtual row lo - (depth - 1).
template <class S>
void advance_band(const Geometry& g, const double* src, double* dst, double* const buf[2], std::ptrdiff_t stride,
                  std::ptrdiff_t lo, std::ptrdiff_t hi, int depth, bool stream) {
    const std::ptrdiff_t base = lo - (depth - 1);
    const bool fixed = g.boundary == Boundary::fixed;
    for (int s = 1; s <= depth; ++s) {
        const std::ptrdiff_t halo = depth - s;
        std::ptrdiff_t first = lo - halo, end = hi + halo;
        if (fixed) {
            first = std::max<std::ptrdiff_t>(first, 0);
            end = std::min(end, g.rows);
        }
        const auto in_row = [&](std::ptrdiff_t i) -> const double* {
            return s == 1 ? src + g.wrap(i) * g.cols : buf[(s - 2) & 1] + (i - base) * stride;
        };
        const bool last_step = s == depth;
        for (std::ptrdiff_t i = first; i < end; ++i) {
            double* out = last_step ? dst + i * g.cols : buf[(s - 1) & 1] + (i - base) * stride;
            const double* mid = in_row(i);
            if (fixed && (i == 0 || i == g.rows - 1)) {
                std::memcpy(out, mid, static_cast<std::size_t>(g.cols) * sizeof(double));
            } else {
                stencil_row<S>(in_row(i - 1), mid, in_row(i + 1), out, g.cols, g.D_dt, g.boundary,
                               stream && last_step);
            }
        }
    }
    if (stream) {
        S::fence();  // make this thread's non-temporal stores visible before the barrier that ends the round
    }
}

struct AlignedDelete {
    void operator()(double* p) const { ::operator delete[](p, std::align_val_t{64}); }
};
using AlignedBuffer = std::unique_ptr<double[], AlignedDelete>;

inline AlignedBuffer allocate_doubles(std::size_t count) {
    return AlignedBuffer(static_cast<double*>(::operator new[](count * sizeof(double), std::align_val_t{64})));
}

}  // namespace detail

template <class S>
Status diffusion(const DiffusionArgs& a, int num_threads, CancelToken& cancel) noexcept {
    const std::ptrdiff_t rows = a.rows, cols = a.cols;
    if (rows == 0 || cols == 0) {
        return Status::ok;
    }
    if (a.steps == 0) {
        std::memcpy(a.out, a.grid, static_cast<std::size_t>(rows * cols) * sizeof(double));
        return Status::ok;
    }
    const double work = static_cast<double>(rows) * static_cast<double>(cols) * static_cast<double>(a.steps);
    const int max_threads = static_cast<int>(std::min<std::ptrdiff_t>(thread_count(num_threads, work, 1 << 16), rows));
    const detail::BandPlan plan = detail::plan_bands(rows, cols, a.steps, max_threads);
    const std::ptrdiff_t bands = (rows + plan.band - 1) / plan.band;
    const int threads = static_cast<int>(std::min<std::ptrdiff_t>(max_threads, bands));
    const std::int64_t rounds = (a.steps + plan.depth - 1) / plan.depth;
    const int last_depth = static_cast<int>(a.steps - (rounds - 1) * plan.depth);
    const std::size_t cells = static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols);
    const bool stream = cells * sizeof(double) >= detail::kStreamBytes;
    const std::size_t per_thread = 2 * static_cast<std::size_t>(plan.buf_rows * plan.stride);

    detail::AlignedBuffer scratch, tiles;
    try {
        if (rounds > 1) {
            scratch = detail::allocate_doubles(cells);
        }
        if (per_thread > 0) {
            tiles = detail::allocate_doubles(per_thread * static_cast<std::size_t>(threads));
        }
    } catch (const std::bad_alloc&) {
        return Status::no_memory;
    }
    const detail::Geometry geometry{rows, cols, a.D_dt, a.boundary};

#pragma omp parallel num_threads(threads) if (threads > 1)
    {
#ifdef _OPENMP
        const std::size_t me = static_cast<std::size_t>(omp_get_thread_num());
#else
        const std::size_t me = 0;
#endif
        double* const buf[2] = {tiles ? tiles.get() + me * per_thread : nullptr,
                                tiles ? tiles.get() + me * per_thread + per_thread / 2 : nullptr};
        const double* src = a.grid;
        // Rounds alternate between `out` and `scratch` so that the last one lands in `out`. Every thread runs
        // every round (worksharing constructs must be met by the whole team); cancelled bands are skipped.
        for (std::int64_t r = 0; r < rounds; ++r) {
            double* dst = (rounds - 1 - r) % 2 == 0 ? a.out : scratch.get();
            const int depth = r == rounds - 1 ? last_depth : plan.depth;
#pragma omp for schedule(dynamic, 1)
            for (std::ptrdiff_t b = 0; b < bands; ++b) {
                if (cancel.check()) {
                    continue;
                }
                const std::ptrdiff_t lo = b * plan.band;
                const std::ptrdiff_t hi = std::min(rows, lo + plan.band);
                detail::advance_band<S>(geometry, src, dst, buf, plan.stride, lo, hi, depth, stream);
            }
            src = dst;
        }
    }
    return cancel.cancelled() ? Status::cancelled : Status::ok;
}

}  // namespace cext
