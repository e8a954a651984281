// The plan of one diffusion call (see include/cext/diffusion_plan.hpp): round depths and tile shapes. Compiled
// for the baseline instruction set only.
#include "cext/diffusion_plan.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace cext {

namespace {

// Most steps advanced per round (the halo depth) in multi-step calls. Each round reads and writes the grid once
// for `depth` steps, so its traffic to memory (or to the last-level cache) falls by that factor, while each tile
// recomputes a halo of width depth - k at its sides in step k: with tiles 512 cells wide, 32 deep costs about 6%
// more cells and a round's traffic then costs about as much (4096^2 and 8192^2 grids with 2 threads took some
// 25% less time per step at depth 20 or 32 than at 8 or 16). A tile this deep needs at least as many rows below
// it as its top and bottom widen it by, so the depth is also held below an eighth of the tile's height.
constexpr int kMaxDepth = 32;
// ...but a small grid, whose tiles are short, still goes 8 steps a round: its rounds are as short as the halo it
// recomputes, and each ends with every thread waiting for the others.
constexpr int kMinDepth = 8;
// Widest tile: 512 doubles (4 KiB) a row, beyond which the halo saves little and the ring outgrows the L2 cache.
constexpr std::ptrdiff_t kMaxTileWidth = 512;

// The widest tile whose ring (three rows per level, see diffusion_tile) of `depth` levels fits `tile_bytes`.
std::ptrdiff_t tile_width(std::ptrdiff_t cols, std::int64_t depth, std::size_t tile_bytes) {
    const std::ptrdiff_t most_stride =
        static_cast<std::ptrdiff_t>(tile_bytes / sizeof(double)) / static_cast<std::ptrdiff_t>(3 * depth);
    const std::ptrdiff_t by_budget =
        std::max<std::ptrdiff_t>(8, (most_stride - 2 * ring_margin(static_cast<int>(depth))) / 8 * 8);
    return std::min({cols, kMaxTileWidth, by_budget});
}

}  // namespace

Plan plan_diffusion(std::ptrdiff_t rows, std::ptrdiff_t cols, std::int64_t steps, int threads, std::size_t tile_bytes,
                    bool single_steps) {
    Plan p{};
    // Tiles as tall as the grid allows while every thread has one: only a tile's top and bottom are widened. (A
    // single step has no rounds to plan: a small call should not pay for the divisions.)
    std::int64_t max_depth = 1;
    std::ptrdiff_t tall = rows;
    if (steps > 1 && !single_steps) {
        const std::ptrdiff_t width = tile_width(cols, kMaxDepth, tile_bytes);
        const std::ptrdiff_t across = (cols + width - 1) / width;
        const std::ptrdiff_t down = (threads + across - 1) / across;
        tall = (rows + down - 1) / down;
        // As few rounds as the depth allows, of equal depth (the last may be shallower by less than one round's
        // share): 20 steps at most 8 deep run as 7 + 7 + 6, not 8 + 8 + 4, so no round pays a deep halo for
        // nothing. Quotients are rounded up without adding first: steps may be INT64_MAX.
        max_depth = std::clamp<std::int64_t>(tall / 8, kMinDepth, kMaxDepth);
    }
    p.rounds = steps / max_depth + (steps % max_depth != 0);
    p.depth = static_cast<int>(steps / p.rounds + (steps % p.rounds != 0));
    p.last_depth = static_cast<int>(steps - (p.rounds - 1) * p.depth);
    const std::ptrdiff_t fair_share = (rows + threads - 1) / threads;
    if (p.depth == 1) {
        // Bands of at most ~256k cells (about 100 us of work: the grain at which a call polls for Ctrl-C), the
        // same number for every thread. Each thread steps a contiguous run of them (see diffusion()), so a grid
        // stepped again and again meets each thread's rows in that thread's own cache, and no thread is left
        // with the odd band while the others wait.
        const std::ptrdiff_t by_work = std::max<std::ptrdiff_t>(1, kCellStepsPerPoll / cols);
        const std::ptrdiff_t bands_per_thread = (fair_share + by_work - 1) / by_work;
        p.tile_height = (fair_share + bands_per_thread - 1) / bands_per_thread;
        p.tile_width = cols;
    } else {
        p.tile_width = tile_width(cols, p.depth, tile_bytes);
        p.buffer_stride = (p.tile_width + 7) / 8 * 8 + 2 * ring_margin(p.depth);  // 64-byte aligned buffer rows
        p.buffer_rows = 3 * p.depth + 2;  // the ring, and a row of margin before and after it
        // At most ~8M cell-steps a tile (a few milliseconds), all of a height: the threads take tiles as they come
        // free, and many short tiles let them finish a round together.
        const std::ptrdiff_t by_work =
            std::max<std::ptrdiff_t>(1, (std::ptrdiff_t{1} << 23) / (p.tile_width * p.depth));
        const std::ptrdiff_t pieces = (tall + by_work - 1) / by_work;
        p.tile_height = std::max<std::ptrdiff_t>(p.depth, (tall + pieces - 1) / pieces);
    }
    p.tiles_down = (rows + p.tile_height - 1) / p.tile_height;
    p.tiles_across = (cols + p.tile_width - 1) / p.tile_width;
    return p;
}

}  // namespace cext
