// The plan of one diffusion call (see include/cext/diffusion_plan.hpp): round depths and tile shapes. Compiled
// for the baseline instruction set only.
#include "cext/diffusion_plan.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace cext {

namespace {

// Most steps advanced per tile visit (the halo depth) in multi-step calls. Each round reads and writes the grid
// once for `depth` steps, so memory traffic falls by that factor, while the halo recomputed around a tile grows
// with it. A grid that stays in the last-level cache is cheap to read and write again, and 8 balances the two;
// one that streams from memory every round pays more for the traffic than for the halo, and 16 halves it (on
// 4096^2 and 8192^2 grids with 2 threads, 16 took about 10% less time per step than 8).
constexpr int kMaxDepthInCache = 8;
constexpr int kMaxDepthFromMemory = 16;
// Widest tile: rows of 512 doubles (4 KiB) keep every buffer row's loads in whole cache lines and leave room
// for tall tiles within the L2 budget.
constexpr std::ptrdiff_t kMaxTileWidth = 512;

}  // namespace

Plan plan_diffusion(std::ptrdiff_t rows, std::ptrdiff_t cols, std::int64_t steps, int threads, std::size_t tile_bytes,
                    bool from_memory) {
    Plan p{};
    // As few rounds as the depth allows, of equal depth (the last may be shallower by less than one round's
    // share): 20 steps at most 8 deep run as 7 + 7 + 6, not 8 + 8 + 4, so no round pays a deep halo for
    // nothing. Quotients are rounded up without adding first: steps may be INT64_MAX.
    const std::int64_t max_depth = from_memory ? kMaxDepthFromMemory : kMaxDepthInCache;
    p.rounds = steps / max_depth + (steps % max_depth != 0);
    p.depth = static_cast<int>(steps / p.rounds + (steps % p.rounds != 0));
    p.last_depth = static_cast<int>(steps - (p.rounds - 1) * p.depth);
    const std::ptrdiff_t fair_share = (rows + threads - 1) / threads;
    if (p.depth == 1) {
        // Bands of at most ~256k cells (about 100 us of work: the grain at which a call polls for Ctrl-C), the
        // same number for every thread. Each thread steps a contiguous run of them (see diffusion()), so a grid
        // stepped again and again meets each thread's rows in that thread's own cache, and no thread is left
        // with the odd band while the others wait.
        const std::ptrdiff_t by_work = std::max<std::ptrdiff_t>(1, (std::ptrdiff_t{1} << 18) / cols);
        const std::ptrdiff_t bands_per_thread = (fair_share + by_work - 1) / by_work;
        p.tile_height = (fair_share + bands_per_thread - 1) / bands_per_thread;
        p.tile_width = cols;
    } else {
        const std::ptrdiff_t halo = 2 * p.depth;
        p.tile_width = std::min(cols, kMaxTileWidth);
        p.buffer_stride = (p.tile_width + halo + 7) / 8 * 8;  // 64-byte aligned buffer rows
        const std::ptrdiff_t budget_rows =
            static_cast<std::ptrdiff_t>(tile_bytes / (2 * sizeof(double))) / p.buffer_stride - halo;
        p.tile_height = std::max<std::ptrdiff_t>(p.depth, std::min(budget_rows, fair_share));
        p.buffer_rows = p.tile_height + halo;
    }
    p.tiles_down = (rows + p.tile_height - 1) / p.tile_height;
    p.tiles_across = (cols + p.tile_width - 1) / p.tile_width;
    return p;
}

}  // namespace cext
