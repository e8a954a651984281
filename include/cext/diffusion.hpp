// Explicit steps of the 2-D diffusion equation on a rows x cols grid (5-point stencil).
//
// One step, for every cell (the seeds' C formula, summed left to right):
//     lap = in[i+1][j] + in[i-1][j] + in[i][j+1] + in[i][j-1] - 4*in[i][j]
//     out[i][j] = in[i][j] + (D*dt) * lap
// Boundary::fixed    border cells are copied from `in` (held constant).
// Boundary::periodic every cell uses wrap-around neighbours (High Performance Python's np.roll version).
//
// A single step streams rows from `grid` to `out`. Several steps use temporal blocking: the grid is cut into
// tiles of rows x columns; each tile, widened by a halo of `depth` cells on every side, is copied into a
// per-thread buffer that stays in L2 and advanced `depth` steps there, the valid region shrinking by one cell per
// step, and only the tile itself is written out. Halo cells are recomputed by neighbouring tiles, so every cell
// sees exactly the arithmetic of repeated single steps.
//
// Layout: C-contiguous doubles. Preconditions: `grid` and `out` do not overlap. `grid` is never written.
// Memory: per-thread tile buffers (under 1 MiB) and, when more than one round of `depth` steps is needed, one
// scratch grid. Thread safety: reentrant; up to `num_threads` OpenMP threads; the token is polled per tile.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

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
// Temporal blocking: steps per round (the halo depth), the widest tile, and the per-thread budget for the two
// tile buffers (sized to stay in a 1 MiB L2 cache).
constexpr int kMaxDepth = 8;
constexpr std::ptrdiff_t kMaxTileCols = 512;
constexpr std::size_t kTileBytes = std::size_t{768} << 10;

inline double diffusion_cell(double down, double up, double right, double left, double mid, double D_dt) {
    return mid + D_dt * ((((down + up) + right) + left) - 4.0 * mid);
}

// The formula for cells [a, b) of one row, from its rows above and below (no boundary cases: every neighbour
// exists at the given index).
template <class S>
void stencil_segment(const double* up, const double* mid, const double* down, double* out, std::ptrdiff_t a,
                     std::ptrdiff_t b, double D_dt, bool stream) {
    constexpr std::ptrdiff_t L = S::lanes;
    // Peel scalar cells until the vector loop's accesses are aligned: the stores when streaming (non-temporal
    // stores require it), otherwise the centre row's loads (and the rows above and below when the row length is a
    // multiple of the vector), since a misaligned vector load splits a cache line.
    const double* aligned = stream ? out : mid;
    std::ptrdiff_t j = a;
    for (; j < b && reinterpret_cast<std::uintptr_t>(aligned + j) % S::align != 0; ++j) {
        out[j] = diffusion_cell(down[j], up[j], mid[j + 1], mid[j - 1], mid[j], D_dt);
    }
    const typename S::vec k = S::splat(D_dt);
    const typename S::vec four = S::splat(4.0);
    for (; j + L <= b; j += L) {
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
    for (; j < b; ++j) {
        out[j] = diffusion_cell(down[j], up[j], mid[j + 1], mid[j - 1], mid[j], D_dt);
    }
}

// One full output row from its three input rows (already resolved for the boundary).
template <class S>
void stencil_row(const double* up, const double* mid, const double* down, double* out, std::ptrdiff_t cols,
                 double D_dt, Boundary boundary, bool stream) {
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
    stencil_segment<S>(up, mid, down, out, 1, last, D_dt, stream);
}

struct Geometry {
    std::ptrdiff_t rows, cols;
    double D_dt;
    Boundary boundary;

    bool fixed() const { return boundary == Boundary::fixed; }
    std::ptrdiff_t wrap_row(std::ptrdiff_t i) const { return ((i % rows) + rows) % rows; }
    std::ptrdiff_t wrap_col(std::ptrdiff_t j) const { return ((j % cols) + cols) % cols; }
};

// One step of rows [lo, hi), straight from `src` to `dst`.
template <class S>
void step_rows(const Geometry& g, const double* src, double* dst, std::ptrdiff_t lo, std::ptrdiff_t hi,
               bool stream) {
    for (std::ptrdiff_t i = lo; i < hi; ++i) {
        const double* mid = src + i * g.cols;
        double* out = dst + i * g.cols;
        if (g.fixed() && (i == 0 || i == g.rows - 1)) {
            std::memcpy(out, mid, static_cast<std::size_t>(g.cols) * sizeof(double));
        } else {
            stencil_row<S>(src + g.wrap_row(i - 1) * g.cols, mid, src + g.wrap_row(i + 1) * g.cols, out, g.cols,
                           g.D_dt, g.boundary, stream);
        }
    }
}

// A tile: rows [r0, r1) x columns [c0, c1) of the grid.
struct Tile {
    std::ptrdiff_t r0, r1, c0, c1;
};

struct TilePlan {
    int depth;                   // steps per round (1: plain single steps, no tiles)
    std::ptrdiff_t tile_rows;    // rows per tile (per band of plain steps when depth == 1)
    std::ptrdiff_t tile_cols;    // columns per tile
    std::ptrdiff_t stride;       // doubles per buffer row
    std::ptrdiff_t buffer_rows;  // rows per buffer
};

inline TilePlan plan_tiles(std::ptrdiff_t rows, std::ptrdiff_t cols, std::int64_t steps, int threads) {
    TilePlan p{};
    p.depth = static_cast<int>(std::min<std::int64_t>(steps, kMaxDepth));
    const std::ptrdiff_t fair_share = (rows + threads - 1) / threads;
    if (p.depth == 1) {
        // Plain steps: bands of ~256k cells, at least 8 per thread for balance and prompt cancellation.
        const std::ptrdiff_t by_work = std::max<std::ptrdiff_t>(1, (std::ptrdiff_t{1} << 18) / cols);
        p.tile_rows = std::min(by_work, std::max<std::ptrdiff_t>(1, (fair_share + 7) / 8));
        p.tile_cols = cols;
        return p;
    }
    const std::ptrdiff_t halo = 2 * p.depth;
    p.tile_cols = std::min(cols, kMaxTileCols);
    p.stride = (p.tile_cols + halo + 7) / 8 * 8;  // 64-byte aligned buffer rows
    const std::ptrdiff_t budget_rows =
        static_cast<std::ptrdiff_t>(kTileBytes / (2 * sizeof(double))) / p.stride - halo;
    p.tile_rows = std::max<std::ptrdiff_t>(p.depth, std::min(budget_rows, fair_share));
    p.buffer_rows = p.tile_rows + halo;
    return p;
}

// The tile widened by `halo` cells on every side; for fixed boundaries, cut to the grid (cells beyond it do not
// exist), for periodic ones extending past the edges (those cells wrap).
inline Tile widen(const Geometry& g, const Tile& t, int halo) {
    Tile w{t.r0 - halo, t.r1 + halo, t.c0 - halo, t.c1 + halo};
    if (g.fixed()) {
        w = Tile{std::max<std::ptrdiff_t>(w.r0, 0), std::min(w.r1, g.rows), std::max<std::ptrdiff_t>(w.c0, 0),
                 std::min(w.c1, g.cols)};
    }
    return w;
}

// Copies the tile widened by `halo` cells into `buf` (buffer row 0 is grid row t.r0 - halo, buffer column 0 is
// grid column t.c0 - halo).
inline void gather_tile(const Geometry& g, const double* src, const Tile& t, int halo, double* buf,
                        std::ptrdiff_t stride) {
    const auto [r0, r1, c0, c1] = widen(g, t, halo);
    for (std::ptrdiff_t i = r0; i < r1; ++i) {
        const double* row = src + g.wrap_row(i) * g.cols;
        double* to = buf + (i - (t.r0 - halo)) * stride - (t.c0 - halo);  // indexed by grid column
        for (std::ptrdiff_t j = c0; j < c1;) {  // in pieces that do not cross the grid's edge
            const std::ptrdiff_t from = g.wrap_col(j);
            const std::ptrdiff_t n = std::min(c1 - j, g.cols - from);
            std::memcpy(to + j, row + from, static_cast<std::size_t>(n) * sizeof(double));
            j += n;
        }
    }
}

// Advances tile `t` of `dst` by `depth` steps from `src`, through the two tile buffers. In step s the valid
// region is the tile widened by depth - s cells; for fixed grids, cells outside the grid do not exist and border
// cells are copied unchanged.
template <class S>
void advance_tile(const Geometry& g, const double* src, double* dst, double* const buf[2], std::ptrdiff_t stride,
                  const Tile& t, int depth, bool stream) {
    gather_tile(g, src, t, depth, buf[0], stride);
    const std::ptrdiff_t row_base = t.r0 - depth, col_base = t.c0 - depth;
    const auto in_buffer = [&](double* b, std::ptrdiff_t i) { return b + (i - row_base) * stride - col_base; };
    for (int s = 1; s <= depth; ++s) {
        const auto [r0, r1, c0, c1] = widen(g, t, depth - s);
        double* const from = buf[(s - 1) & 1];
        double* const to = buf[s & 1];
        const bool last = s == depth;
        for (std::ptrdiff_t i = r0; i < r1; ++i) {
            const double* mid = in_buffer(from, i);
            double* out = last ? dst + i * g.cols : in_buffer(to, i);
            std::ptrdiff_t a = c0, b = c1;
            if (g.fixed()) {
                if (i == 0 || i == g.rows - 1) {
                    std::memcpy(out + a, mid + a, static_cast<std::size_t>(b - a) * sizeof(double));
                    continue;
                }
                if (a == 0) {
                    out[0] = mid[0];
                    ++a;
                }
                if (b == g.cols && b > a) {
                    out[b - 1] = mid[b - 1];
                    --b;
                }
            }
            stencil_segment<S>(in_buffer(from, i - 1), mid, in_buffer(from, i + 1), out, a, b, g.D_dt,
                               stream && last);
        }
    }
    if (stream) {
        S::fence();  // make this thread's non-temporal stores visible before the barrier that ends the round
    }
}

struct AlignedDelete {
    std::align_val_t alignment{64};
    void operator()(double* p) const { ::operator delete[](p, alignment); }
};
using AlignedBuffer = std::unique_ptr<double[], AlignedDelete>;

// Buffers of 4 MiB and more are 2 MiB-aligned and advised to use transparent huge pages, as NumPy does for its
// own arrays: faulting a fresh scratch grid in 4 KiB pages took longer than several steps of computation on it
// (32 MiB: 16 ms, against 4 ms with huge pages, on the benchmark machine).
inline AlignedBuffer allocate_doubles(std::size_t count) {
    const std::size_t bytes = count * sizeof(double);
    const bool large = bytes >= (std::size_t{4} << 20);
    const std::align_val_t alignment{large ? std::size_t{2} << 20 : 64};
    AlignedBuffer buffer(static_cast<double*>(::operator new[](bytes, alignment)), AlignedDelete{alignment});
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (large) {
        madvise(buffer.get(), bytes, MADV_HUGEPAGE);  // advice only: ignoring failure is correct
    }
#endif
    return buffer;
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
    const detail::TilePlan plan = detail::plan_tiles(rows, cols, a.steps, max_threads);
    const std::ptrdiff_t tile_rows = (rows + plan.tile_rows - 1) / plan.tile_rows;
    const std::ptrdiff_t tile_cols = (cols + plan.tile_cols - 1) / plan.tile_cols;
    const std::ptrdiff_t tiles = tile_rows * tile_cols;
    const int threads = static_cast<int>(std::min<std::ptrdiff_t>(max_threads, tiles));
    const std::int64_t rounds = a.steps / plan.depth + (a.steps % plan.depth != 0);  // no overflow at INT64_MAX
    const int last_depth = static_cast<int>(a.steps - (rounds - 1) * plan.depth);
    const std::size_t cells = static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols);
    const bool stream = cells * sizeof(double) >= detail::kStreamBytes;
    const std::size_t buffer_size = static_cast<std::size_t>(plan.buffer_rows * plan.stride);

    detail::AlignedBuffer scratch, buffers;
    try {
        if (rounds > 1) {
            scratch = detail::allocate_doubles(cells);
        }
        if (buffer_size > 0) {
            buffers = detail::allocate_doubles(2 * buffer_size * static_cast<std::size_t>(threads));
        }
    } catch (const std::bad_alloc&) {
        return Status::no_memory;
    }
    const detail::Geometry geometry{rows, cols, a.D_dt, a.boundary};

    bool stop[2] = {false, false};  // per round parity: leave after this round (shared)
#pragma omp parallel num_threads(threads) if (threads > 1)
    {
#ifdef _OPENMP
        const std::size_t me = static_cast<std::size_t>(omp_get_thread_num());
#else
        const std::size_t me = 0;
#endif
        double* const buf[2] = {buffers ? buffers.get() + 2 * me * buffer_size : nullptr,
                                buffers ? buffers.get() + (2 * me + 1) * buffer_size : nullptr};
        const double* src = a.grid;
        // Rounds alternate between `out` and `scratch` so that the last one lands in `out`. Every thread runs
        // every round (worksharing constructs must be met by the whole team); cancelled tiles are skipped.
        for (std::int64_t r = 0; r < rounds; ++r) {
            double* dst = (rounds - 1 - r) % 2 == 0 ? a.out : scratch.get();
            const int depth = r == rounds - 1 ? last_depth : plan.depth;
#pragma omp for schedule(dynamic, 1) nowait
            for (std::ptrdiff_t t = 0; t < tiles; ++t) {
                if (cancel.check()) {
                    continue;
                }
                const std::ptrdiff_t r0 = t / tile_cols * plan.tile_rows, c0 = t % tile_cols * plan.tile_cols;
                const detail::Tile tile{r0, std::min(rows, r0 + plan.tile_rows), c0, std::min(cols, c0 + plan.tile_cols)};
                if (plan.depth == 1) {
                    detail::step_rows<S>(geometry, src, dst, tile.r0, tile.r1, stream);
                    if (stream) {
                        S::fence();
                    }
                } else {
                    detail::advance_tile<S>(geometry, src, dst, buf, plan.stride, tile, depth, stream);
                }
            }
            src = dst;
            // Once cancelled, leave rather than meet the remaining rounds' barriers (a billion steps would take
            // minutes). The calling thread polls here too, since the other threads may have taken all of this
            // round's work, and publishes the decision for the round before the barrier; everyone reads it after.
            // Its slot is written again two rounds later, after the next barrier, which every reader has reached.
            if (cancel.polls_here()) {
                cancel.check();
                stop[r & 1] = cancel.cancelled();
            }
#pragma omp barrier
            if (stop[r & 1]) {
                break;
            }
        }
    }
    return cancel.cancelled() ? Status::cancelled : Status::ok;
}

}  // namespace cext
