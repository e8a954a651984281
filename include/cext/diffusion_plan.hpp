// The plan of one diffusion call: how many rounds of how many steps, and the tiles each round is cut into.
//
// Compiled once, for the baseline instruction set (src/diffusion_plan.cpp); the schedule in src/schedule.cpp
// follows the plan, and the compute functions of every table step its tiles.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "cext/kernels.hpp"

namespace cext {

// How a call is cut into work items. Every item is a tile of the grid; with depth 1 a tile spans whole rows (a
// band) and is stepped straight from grid to grid, otherwise it is advanced `depth` steps through a thread's buffer.
struct Plan {
    std::int64_t rounds;           // rounds of the call
    int depth;                     // steps per round
    int last_depth;                // steps of the last round (at most depth)
    std::ptrdiff_t tile_height;    // rows per tile
    std::ptrdiff_t tile_width;     // columns per tile
    std::ptrdiff_t tiles_down;     // tiles per column of tiles
    std::ptrdiff_t tiles_across;   // tiles per row of tiles
    std::ptrdiff_t buffer_stride;  // doubles per buffer row (0 when depth == 1: no buffers)
    std::ptrdiff_t buffer_rows;    // rows of a thread's buffer (see TileBuffers)

    std::ptrdiff_t tiles() const { return tiles_down * tiles_across; }
    std::size_t buffer_doubles() const { return static_cast<std::size_t>(buffer_rows * buffer_stride); }
    Tile tile(std::ptrdiff_t t, std::ptrdiff_t rows, std::ptrdiff_t cols) const {
        const std::ptrdiff_t r0 = t / tiles_across * tile_height, c0 = t % tiles_across * tile_width;
        return Tile{r0, std::min(rows, r0 + tile_height), c0, std::min(cols, c0 + tile_width)};
    }
};

// The plan for `steps` steps of a rows x cols grid on at most `threads` threads, each with `tile_bytes` for the
// ring of its tiles; with `single_steps`, rounds of one step each, in bands.
Plan plan_diffusion(std::ptrdiff_t rows, std::ptrdiff_t cols, std::int64_t steps, int threads, std::size_t tile_bytes,
                    bool single_steps = false);

}  // namespace cext
