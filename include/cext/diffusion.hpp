// 2-D diffusion, the compute half: one band of rows for one step, or one tile for several steps, on one thread.
// (The formula and the boundaries are stated in include/cext/kernels.hpp; the schedule is in src/schedule.cpp.)
//
// A single step streams rows from `src` to `dst`. Several steps use temporal blocking: a tall tile, widened by
// a halo of `depth` cells on every side, is advanced `depth` steps as a wavefront down its rows through a small
// ring of rows per step that stays in the cache, the valid region shrinking by one cell per step; only the tile
// itself is written out. Halo cells are recomputed by neighbouring tiles, so every cell sees exactly the
// arithmetic of repeated single steps.
//
// Layout: C-contiguous doubles. `src` and `dst` do not overlap; `src` is never written.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "cext/isa_namespace.hpp"
#include "cext/kernels.hpp"

namespace cext::CEXT_ISA {

inline double diffusion_cell(double down, double up, double right, double left, double mid, double D_dt) {
    return mid + D_dt * ((((down + up) + right) + left) - 4.0 * mid);
}

inline std::ptrdiff_t wrap(std::ptrdiff_t i, std::ptrdiff_t n) { return ((i % n) + n) % n; }

// The formula on whole vectors, in diffusion_cell's order.
template <class S>
typename S::vec stencil_vector(typename S::vec down, typename S::vec up, typename S::vec right, typename S::vec left,
                               typename S::vec centre, typename S::vec D_dt, typename S::vec four) {
    const typename S::vec sum = S::add(S::add(S::add(down, up), right), left);
    return S::add(centre, S::mul(D_dt, S::sub(sum, S::mul(four, centre))));
}

// Segments shorter than this many vectors are computed without aligning the loads first (see stencil_segment).
constexpr std::ptrdiff_t kShortSegment = 8;

// The formula for cells [a, b) of one row, from the rows above and below; every neighbour exists at index
// j - 1 and j + 1 of the given rows.
template <class S>
void stencil_segment(const double* up, const double* mid, const double* down, double* out, std::ptrdiff_t a,
                     std::ptrdiff_t b, double D_dt, bool stream) {
    using vec = typename S::vec;
    constexpr std::ptrdiff_t L = S::lanes;
    const vec k = S::splat(D_dt);
    const vec four = S::splat(4.0);
    const auto scalar_cell = [&](std::ptrdiff_t j) {
        out[j] = diffusion_cell(down[j], up[j], mid[j + 1], mid[j - 1], mid[j], D_dt);
    };
    const auto store = [&](std::ptrdiff_t j, vec left, vec centre, vec right) {
        const vec next = stencil_vector<S>(S::loadu(down + j), S::loadu(up + j), right, left, centre, k, four);
        if (stream) {
            S::stream(out + j, next);
        } else {
            S::storeu(out + j, next);
        }
    };
    const auto vector_cells = [&](std::ptrdiff_t j) {
        store(j, S::loadu(mid + j - 1), S::loadu(mid + j), S::loadu(mid + j + 1));
    };
    // A short segment is not worth aligning: peeling would leave its vectors few cells or none (a 16-cell row of
    // AVX-512 would run all in scalar code). Unaligned vectors cover it instead, the last one overlapping its
    // predecessor where the length is not a multiple of the vector: it recomputes those cells to the same values,
    // which is harmless because `out` never overlaps the rows read.
    if (!stream && b - a >= L && b - a < kShortSegment * L) {
        std::ptrdiff_t j = a;
        for (; j + L <= b; j += L) {
            vector_cells(j);
        }
        if (j < b) {
            vector_cells(b - L);
        }
        return;
    }
    // Align the vector loop's accesses: the stores when streaming (non-temporal stores require it), otherwise the
    // centre row's loads (and the rows above and below when the row length is a multiple of the vector), since a
    // misaligned vector load splits a cache line. Ordinary stores may overlap, so one unaligned vector covers the
    // cells before the first aligned one, and the aligned loop starts inside it (recomputing some of its cells to
    // the same values); streaming stores, and segments shorter than a vector, peel scalar cells instead.
    const double* aligned = stream ? out : mid;
    const auto misaligned = [&](std::ptrdiff_t j) {
        return reinterpret_cast<std::uintptr_t>(aligned + j) % S::align != 0;
    };
    std::ptrdiff_t j = a;
    const bool overlap = !stream && b - a >= L;
    if (overlap && misaligned(a)) {
        std::ptrdiff_t first_aligned = a + 1;
        while (first_aligned < a + L && misaligned(first_aligned)) {
            ++first_aligned;
        }
        if (first_aligned < a + L) {  // not so for a row that is not even aligned to a double
            vector_cells(a);
            j = first_aligned;
        }
    }
    for (; j < b && misaligned(j); ++j) {
        scalar_cell(j);
    }
    // Where the backend shifts cheaply and the centre row is aligned too (it is not when streaming into an output
    // of another alignment), the neighbours j - 1 and j + 1 come from the aligned vectors on either side, shifted
    // in registers, instead of from two unaligned loads that each split a cache line. The vectors loaded must lie
    // within cells [a - 1, b], which every row provides.
    if constexpr (S::shifts_neighbours) {
        if (reinterpret_cast<std::uintptr_t>(mid + j) % S::align == 0) {
            for (; j + L <= b && j - L < a - 1; j += L) {
                vector_cells(j);
            }
            if (j + 2 * L - 1 <= b) {
                vec before = S::loadu(mid + j - L), centre = S::loadu(mid + j);
                for (; j + 2 * L - 1 <= b; j += L) {
                    const vec after = S::loadu(mid + j + L);
                    store(j, S::left_neighbours(before, centre), centre, S::right_neighbours(centre, after));
                    before = centre;
                    centre = after;
                }
            }
        }
    }
    for (; j + L <= b; j += L) {
        vector_cells(j);
    }
    if (overlap && j < b) {
        vector_cells(b - L);  // overlaps the vector before, as the first one does
        return;
    }
    for (; j < b; ++j) {
        scalar_cell(j);
    }
}

// The fixed boundary, stated once: border cells keep their value. For cells [a, b) of grid row i (`mid` and
// `out` indexed by grid column), copies the border cells among them and narrows [a, b) to the cells the formula
// applies to. Returns false when nothing is left (a border row).
inline bool hold_fixed_border(const DiffusionGrid& g, std::ptrdiff_t i, const double* mid, double* out,
                              std::ptrdiff_t& a, std::ptrdiff_t& b) {
    if (i == 0 || i == g.rows - 1) {
        std::memcpy(out + a, mid + a, static_cast<std::size_t>(b - a) * sizeof(double));
        return false;
    }
    if (a == 0) {
        out[0] = mid[0];
        ++a;
    }
    if (b == g.cols && b > a) {
        out[b - 1] = mid[b - 1];
        --b;
    }
    return a < b;
}

// The periodic boundary's first and last cells of a row (indexed by grid column), which take their missing
// neighbour from the other end of the row.
inline void periodic_row_ends(const DiffusionGrid& g, const double* up, const double* mid, const double* down,
                              double* out) {
    const std::ptrdiff_t last = g.cols - 1;
    out[0] = diffusion_cell(down[0], up[0], mid[last > 0 ? 1 : 0], mid[last], mid[0], g.D_dt);
    if (last > 0) {
        out[last] = diffusion_cell(down[last], up[last], mid[0], mid[last - 1], mid[last], g.D_dt);
    }
}

// The rows above and below row i of a rows x cols grid at `src`, wrapping at the edges (without wrap()'s
// divisions, which cost a small grid more than its arithmetic). The sizes are passed by value so that a loop
// calling these keeps them in registers.
inline const double* row_above(const double* src, std::ptrdiff_t rows, std::ptrdiff_t cols, std::ptrdiff_t i) {
    return src + (i == 0 ? rows - 1 : i - 1) * cols;
}
inline const double* row_below(const double* src, std::ptrdiff_t rows, std::ptrdiff_t cols, std::ptrdiff_t i) {
    return src + (i + 1 == rows ? 0 : i + 1) * cols;
}

// The cells of row i that the formula does not cover: the border (fixed) or the row's two ends (periodic).
inline void row_edges(const DiffusionGrid& g, const double* src, double* dst, std::ptrdiff_t i) {
    const std::ptrdiff_t rows = g.rows, cols = g.cols;
    const double* mid = src + i * cols;
    double* out = dst + i * cols;
    if (g.boundary == Boundary::fixed) {
        std::ptrdiff_t a = 0, b = cols;
        hold_fixed_border(g, i, mid, out, a, b);
    } else {
        periodic_row_ends(g, row_above(src, rows, cols, i), mid, row_below(src, rows, cols, i), out);
    }
}

// The most cells of a run between two rewrites of its row ends: 16 KiB of output, so that the ends are rewritten
// while their lines are still in the smallest L1 data cache (32 KiB) rather than fetched back from further out.
constexpr std::ptrdiff_t kRunCells = 2048;

// One step of rows [first_row, last_row), straight from `src` to `dst`.
//
// The rows whose neighbours above and below are the rows next to them in memory (all but the first and last of
// the grid) form, with their row ends, runs of cells: the formula runs along a run of a few rows as if it were a
// single row, then the cells at the row ends, which it got wrong (their left or right neighbour is the end of
// another row), are written again as the boundary says. A run pays for aligning its vectors once rather than
// once a row, which in a grid of a few hundred columns cost as much as a tenth of the step. Streaming stores keep
// to whole rows: rewriting a row's ends after them would fetch back the lines they just sent to memory.
template <class S>
void diffusion_rows(const DiffusionGrid& g, const double* src, double* dst, std::ptrdiff_t first_row,
                    std::ptrdiff_t last_row, bool stream) {
    const std::ptrdiff_t rows = g.rows, cols = g.cols;
    const std::ptrdiff_t run_first = stream ? last_row : std::max<std::ptrdiff_t>(first_row, 1);
    const std::ptrdiff_t run_last = std::max(run_first, std::min(last_row, rows - 1));
    for (std::ptrdiff_t i = first_row; i < last_row; ++i) {
        if (i == run_first && run_first < run_last) {
            const std::ptrdiff_t piece_rows = std::max<std::ptrdiff_t>(1, kRunCells / cols);
            for (; i < run_last;) {
                const std::ptrdiff_t end = std::min(run_last, i + piece_rows), cells = (end - i) * cols;
                const double* mid = src + i * cols;
                stencil_segment<S>(mid - cols, mid, mid + cols, dst + i * cols, 1, cells - 1, g.D_dt, false);
                for (; i < end; ++i) {
                    row_edges(g, src, dst, i);
                }
            }
            if (i == last_row) {
                break;
            }
        }
        const double* up = row_above(src, rows, cols, i);
        const double* mid = src + i * cols;
        const double* down = row_below(src, rows, cols, i);
        double* out = dst + i * cols;
        std::ptrdiff_t a = 0, b = cols;
        if (g.boundary == Boundary::fixed) {
            if (!hold_fixed_border(g, i, mid, out, a, b)) {
                continue;
            }
        } else {
            periodic_row_ends(g, up, mid, down, out);
            a = 1;
            b = cols - 1;
        }
        stencil_segment<S>(up, mid, down, out, a, b, g.D_dt, stream);
    }
    if (stream) {
        S::fence();  // make this thread's non-temporal stores visible before the barrier that ends the round
    }
}

// One step of rows [first_row, last_row) of a grid small enough to stay in the L1 cache, walking down columns of
// vectors instead of along rows. A vector carried down its column already holds the next cell's row above and
// centre, so each vector takes three loads instead of five; and the loop runs down the whole band, so it exits
// once per column of vectors rather than once per row of a few vectors, where a small grid's rows pay more for
// the mispredicted exits than for their arithmetic. (In a grid larger than the cache, the lines of a column
// would be evicted before the next column comes back to them: rows stream better.)
template <class S>
void diffusion_columns(const DiffusionGrid& g, const double* src, double* dst, std::ptrdiff_t first_row,
                       std::ptrdiff_t last_row) {
    using vec = typename S::vec;
    constexpr std::ptrdiff_t L = S::lanes;
    const std::ptrdiff_t rows = g.rows, cols = g.cols;
    // First the cells the walk leaves out, row by row: the border (fixed) or each row's two ends (periodic).
    for (std::ptrdiff_t i = first_row; i < last_row; ++i) {
        row_edges(g, src, dst, i);
    }
    // Then the cells of columns [1, cols - 1) of every row with the formula: on a fixed grid, every row but the
    // first and last.
    const std::ptrdiff_t a = 1, b = cols - 1;
    const std::ptrdiff_t top = g.boundary == Boundary::fixed ? std::max<std::ptrdiff_t>(first_row, 1) : first_row;
    const std::ptrdiff_t bottom = g.boundary == Boundary::fixed ? std::min(last_row, rows - 1) : last_row;
    if (top >= bottom || a >= b) {
        return;
    }
    const vec k = S::splat(g.D_dt);
    const vec four = S::splat(4.0);
    const auto walk = [&](std::ptrdiff_t j, auto load, auto store) {
        vec up = load(row_above(src, rows, cols, top) + j), centre = load(src + top * cols + j);
        for (std::ptrdiff_t i = top; i < bottom; ++i) {
            const double* mid = src + i * cols + j;
            const vec down = load(row_below(src, rows, cols, i) + j);
            store(dst + i * cols + j, stencil_vector<S>(down, up, load(mid + 1), load(mid - 1), centre, k, four));
            up = centre;
            centre = down;
        }
    };
    if (b - a >= L) {
        const auto load = [](const double* p) { return S::loadu(p); };
        const auto store = [](double* p, vec v) { S::storeu(p, v); };
        std::ptrdiff_t j = a;
        for (; j + L <= b; j += L) {
            walk(j, load, store);
        }
        if (j < b) {
            walk(b - L, load, store);  // overlaps the column before: recomputes those cells to the same values
        }
    } else if constexpr (S::partial_vectors) {
        // Narrower than a vector: one column of partial vectors, which read and write only the cells that exist.
        const std::ptrdiff_t n = b - a;
        walk(
            a, [n](const double* p) { return S::load_first(p, n); },
            [n](double* p, vec v) { S::store_first(p, n, v); });
    } else {
        for (std::ptrdiff_t i = top; i < bottom; ++i) {
            stencil_segment<S>(row_above(src, rows, cols, i), src + i * cols, row_below(src, rows, cols, i),
                               dst + i * cols, a, b, g.D_dt, false);
        }
    }
}

// The tile widened by `halo` cells on every side; on a fixed grid cut to the grid (cells beyond it do not
// exist), on a periodic one extending past the edges (those cells wrap).
inline Tile widen(const DiffusionGrid& g, const Tile& t, int halo) {
    Tile w{t.r0 - halo, t.r1 + halo, t.c0 - halo, t.c1 + halo};
    if (g.boundary == Boundary::fixed) {
        w = Tile{std::max<std::ptrdiff_t>(w.r0, 0), std::min(w.r1, g.rows), std::max<std::ptrdiff_t>(w.c0, 0),
                 std::min(w.c1, g.cols)};
    }
    return w;
}

// Copies grid row `i` (wrapped) into `to`, indexed by grid column, over columns [c0, c1), which extend past the
// grid's edges only on a periodic grid (whose cells there wrap).
inline void gather_row(const DiffusionGrid& g, const double* src, std::ptrdiff_t i, std::ptrdiff_t c0,
                       std::ptrdiff_t c1, double* to) {
    const double* row = src + wrap(i, g.rows) * g.cols;
    for (std::ptrdiff_t j = c0; j < c1;) {  // in pieces that do not cross the grid's edge
        const std::ptrdiff_t from = wrap(j, g.cols);
        const std::ptrdiff_t n = std::min(c1 - j, g.cols - from);
        std::memcpy(to + j, row + from, static_cast<std::size_t>(n) * sizeof(double));
        j += n;
    }
}

// The formula over cells [0, n) of a row of a tile's ring (see diffusion_tile), where every row is aligned to the
// vector and n is a multiple of it: no peeled cells, no partial vector. Reads the vector before and the vector
// after the centre row's cells, which the ring keeps in memory.
template <class S>
void ring_segment(const double* up, const double* mid, const double* down, double* out, std::ptrdiff_t n, double D_dt) {
    using vec = typename S::vec;
    constexpr std::ptrdiff_t L = S::lanes;
    const vec k = S::splat(D_dt);
    const vec four = S::splat(4.0);
    if constexpr (S::shifts_neighbours) {
        vec before = S::loadu(mid - L), centre = S::loadu(mid);
        for (std::ptrdiff_t j = 0; j < n; j += L) {
            const vec after = S::loadu(mid + j + L);
            S::storeu(out + j,
                      stencil_vector<S>(S::loadu(down + j), S::loadu(up + j), S::right_neighbours(centre, after),
                                        S::left_neighbours(before, centre), centre, k, four));
            before = centre;
            centre = after;
        }
    } else {
        for (std::ptrdiff_t j = 0; j < n; j += L) {
            S::storeu(out + j, stencil_vector<S>(S::loadu(down + j), S::loadu(up + j), S::loadu(mid + j + 1),
                                                 S::loadu(mid + j - 1), S::loadu(mid + j), k, four));
        }
    }
}

// Advances `tile` of `dst` by `depth` steps from `src`, as a wavefront down the tile's rows.
//
// After k steps, the cells the remaining steps need are those of the tile widened by depth - k (its level k).
// Going down the rows, each grid row is copied in as level 0, and then every level k takes one row further, the
// row just above the one level k - 1 has just finished: its three neighbouring rows of level k - 1 are the last
// three that level made. So each level keeps only three rows, in a ring, and the rows a step reads were written a
// moment before and are still in the L1 or L2 cache; level `depth` is the tile itself, written straight to `dst`.
// Only the rows of the whole tile are widened at its top and bottom, not each step's band of rows.
//
// Within the ring, a level's row is computed over whole aligned vectors, cells beyond its valid columns included:
// those read cells of no interest (or the ring's zeroed margins) and are never read by a valid cell, because
// a valid cell's neighbours are valid cells of the level before.
//
// Polls for cancellation every few rows, not only between tiles: the first rounds of a call write memory the
// process has never touched, and faulting in its pages can take far longer than the arithmetic. (On a 2-core
// cloud VM, the first 500 x 512 tile of each row of tiles of a 7000^2 grid took ~90 ms instead of ~3: its rows
// fault in huge pages that span the grid's whole width, and the kernel may compact memory for each.) Returns
// false if cancelled (`dst` then unspecified).
template <class S>
bool diffusion_tile(const DiffusionGrid& g, const double* src, double* dst, const TileBuffers& buffers,
                    const Tile& tile, int depth, bool stream, CancelToken& cancel) {
    constexpr std::ptrdiff_t L = S::lanes;
    // Buffer column 0 is grid column tile.c0 - ring_margin(depth): the tile's own columns start on a whole vector.
    const std::ptrdiff_t stride = buffers.stride, col_base = tile.c0 - ring_margin(depth);
    // Row `slot` (0, 1, 2) of level k (0 <= k < depth), indexed by grid column.
    const auto ring = [&](int k, int slot) { return buffers.ring + (3 * k + slot) * stride - col_base; };
    const Tile outer = widen(g, tile, depth);
    // A few rows of a wide tile between two polls.
    const std::ptrdiff_t rows_per_check =
        std::max<std::ptrdiff_t>(1, kCellStepsPerPoll / ((outer.c1 - outer.c0) * std::ptrdiff_t{depth}));
    std::ptrdiff_t until_check = rows_per_check;
    bool cancelled = false;
    int newest = 0;  // the slot of grid row t in every level: row t - 1 is in the slot before, and so on
    for (std::ptrdiff_t t = outer.r0; t < tile.r1 + depth; ++t, newest = newest == 2 ? 0 : newest + 1) {
        if (--until_check == 0) {
            until_check = rows_per_check;
            if (cancel.check()) {
                cancelled = true;
                break;
            }
        }
        if (t < outer.r1) {
            gather_row(g, src, t, outer.c0, outer.c1, ring(0, newest));
        }
        int below = newest;  // the slot of level k - 1's row t - k + 1, below level k's row
        for (int k = 1; k <= depth; ++k) {
            const std::ptrdiff_t i = t - k;
            const int at = below == 0 ? 2 : below - 1, above = at == 0 ? 2 : at - 1;
            const Tile valid = widen(g, tile, depth - k);
            if (i >= valid.r0 && i < valid.r1) {
                const double* mid = ring(k - 1, at);
                const double* up = ring(k - 1, above);
                const double* down = ring(k - 1, below);
                if (k == depth) {
                    double* out = dst + i * g.cols;
                    std::ptrdiff_t a = valid.c0, b = valid.c1;
                    if (g.boundary == Boundary::periodic || hold_fixed_border(g, i, mid, out, a, b)) {
                        stencil_segment<S>(up, mid, down, out, a, b, g.D_dt, stream);
                    }
                } else {
                    double* out = ring(k, at);
                    const std::ptrdiff_t lo = col_base + (valid.c0 - col_base) / L * L;
                    const std::ptrdiff_t hi = col_base + (valid.c1 - col_base + L - 1) / L * L;
                    ring_segment<S>(up + lo, mid + lo, down + lo, out + lo, hi - lo, g.D_dt);
                    if (g.boundary == Boundary::fixed) {  // then the border takes back its value
                        std::ptrdiff_t a = valid.c0, b = valid.c1;
                        hold_fixed_border(g, i, mid, out, a, b);
                    }
                }
            }
            below = at;
        }
    }
    if (stream) {
        S::fence();  // make this thread's non-temporal stores visible before the barrier that ends the round
    }
    return !cancelled;
}

}  // namespace cext::CEXT_ISA
