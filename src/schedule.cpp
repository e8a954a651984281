// The kernels' entry points: how each call is cut into chunks or tiles and spread over an OpenMP team, and how the
// team answers cancellation. Written once for every instruction set; the arithmetic on each piece runs through
// the KernelTable passed in. Compiled for the baseline instruction set only.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <utility>

#include "cext/diffusion_plan.hpp"
#include "cext/kernels.hpp"
#include "cext/scratch.hpp"
#include "cext/team.hpp"
#include "cext/tuning.hpp"

namespace cext {

namespace {

std::ptrdiff_t round_up(std::ptrdiff_t n, std::ptrdiff_t unit) { return (n + unit - 1) / unit * unit; }

// The bounds of an escape-counts chunk, in points.
constexpr std::ptrdiff_t kMinEscapeChunk = 256, kMaxEscapeChunk = 2048;

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// Escape counts
// ---------------------------------------------------------------------------------------------------------------

Status escape_counts(const KernelTable& kernels, const EscapeCountsArgs& a, int num_threads,
                     CancelToken& cancel) noexcept {
    if (a.maxiter == 0 || a.n == 0) {
        std::fill(a.counts, a.counts + a.n, 0);
        return Status::ok;
    }
    // Work estimate: most points escape early, so count at most 64 iterations a point.
    const double work = static_cast<double>(a.n) * static_cast<double>(std::min<std::int32_t>(a.maxiter, 64));
    const int threads = static_cast<int>(std::min<std::ptrdiff_t>(thread_count(num_threads, work, 1 << 18),
                                                                  round_up(a.n, kMinEscapeChunk) / kMinEscapeChunk));
    // The unit of dynamic scheduling: large, since the kernel packs the points still going of a chunk between its
    // rounds and fuller chunks pack better, but at least eight a thread, so that the threads finish together.
    const std::ptrdiff_t chunk =
        threads == 1 ? std::min(a.n, kMaxEscapeChunk)
                     : std::clamp(round_up(a.n / (8 * threads), kEscapeGroupPoints), kMinEscapeChunk, kMaxEscapeChunk);
    const std::ptrdiff_t chunks = (a.n + chunk - 1) / chunk;
    const std::ptrdiff_t capacity = round_up(chunk, kEscapeGroupPoints);

    // Each thread's scratch: on the stack for a small call, which a heap allocation would cost more than its work.
    constexpr std::ptrdiff_t kSmall = kEscapeGroupPoints;
    double small_values[4 * kSmall];
    std::int64_t small_points[3 * kSmall];
    std::unique_ptr<double[]> values;
    std::unique_ptr<std::int64_t[]> points;
    if (threads > 1 || capacity > kSmall) {
        values.reset(new (std::nothrow) double[static_cast<std::size_t>(4 * capacity * threads)]);
        points.reset(new (std::nothrow) std::int64_t[static_cast<std::size_t>(3 * capacity * threads)]);
        if (!values || !points) {
            return Status::no_memory;
        }
    }
    double* const all_values = values ? values.get() : small_values;
    std::int64_t* const all_points = points ? points.get() : small_points;

    TeamProgress progress(cancel);
    run_team(threads, [&](bool in_team) {
        const std::ptrdiff_t member = team_member();
        const EscapeScratch scratch{all_values + 4 * capacity * member, all_points + 3 * capacity * member, capacity};
        share_items(in_team, chunks, [&](std::ptrdiff_t ch) {
            if (!cancel.check()) {
                kernels.escape_range(a, ch * chunk, std::min(a.n, (ch + 1) * chunk), scratch, cancel);
            }
        });
        progress.arrive_and_wait(team_size(), 0);
    });
    return cancel.cancelled() ? Status::cancelled : Status::ok;
}

// ---------------------------------------------------------------------------------------------------------------
// Diffusion
// ---------------------------------------------------------------------------------------------------------------

namespace {

// Several steps of a grid small enough to walk down columns (see diffusion()): one step at a time on the calling
// thread, between `out` and a buffer of the grid's size, so that the last step lands in `out`.
Status diffusion_steps_in_l1(const KernelTable& kernels, const DiffusionArgs& a, CancelToken& cancel) noexcept {
    const std::size_t cells = static_cast<std::size_t>(a.rows) * static_cast<std::size_t>(a.cols);
    AlignedBuffer other;
    try {
        other = allocate_doubles(cells);
    } catch (const std::bad_alloc&) {
        return Status::no_memory;
    }
    const DiffusionGrid grid{a.rows, a.cols, a.D_dt, a.boundary};
    const std::int64_t steps_per_check =
        std::max<std::int64_t>(1, kCellStepsPerPoll / static_cast<std::int64_t>(cells));
    std::int64_t until_check = steps_per_check;
    const double* src = a.grid;
    for (std::int64_t s = 0; s < a.steps; ++s) {
        if (--until_check == 0) {
            until_check = steps_per_check;
            if (cancel.check()) {
                return Status::cancelled;
            }
        }
        double* dst = (a.steps - 1 - s) % 2 == 0 ? a.out : other.get();
        kernels.diffusion_columns(grid, src, dst, 0, a.rows);
        src = dst;
    }
    return Status::ok;
}

}  // namespace

Status diffusion(const KernelTable& kernels, const DiffusionArgs& a, int num_threads, CancelToken& cancel) noexcept {
    return diffusion(kernels, a, num_threads, cancel, diffusion_tuning());
}

Status diffusion(const KernelTable& kernels, const DiffusionArgs& a, int num_threads, CancelToken& cancel,
                 const DiffusionTuning& tuning) noexcept {
    const std::ptrdiff_t rows = a.rows, cols = a.cols;
    if (rows == 0 || cols == 0) {
        return Status::ok;
    }
    const std::size_t cells = static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols);
    if (a.steps == 0) {
        std::memcpy(a.out, a.grid, cells * sizeof(double));
        return Status::ok;
    }
    // A grid that fits in the L1 cache with its output walks down columns, and takes well under a microsecond a
    // step: rounds of tiles would spend more on their halos, and other threads more on waking up and meeting at
    // barriers, than plain steps one after the other on this thread.
    const bool in_l1 = cells * sizeof(double) <= tuning.column_bytes;
    if (a.steps > 1 && in_l1) {
        return diffusion_steps_in_l1(kernels, a, cancel);
    }
    // A second thread pays from about 2 x 32k cell-steps (a 256^2 step, some 18 us on one core): below that, starting
    // and joining the team costs more than the half of the work it takes over.
    const double work = static_cast<double>(cells) * static_cast<double>(a.steps);
    int max_threads = static_cast<int>(std::min<std::ptrdiff_t>(thread_count(num_threads, work, 1 << 15), rows));
    // A grid that stays, with its output, in the L2 caches of the threads one of its steps is worth is stepped one
    // step a round, in bands: tiles several steps deep would add their halos and their rings' upkeep to traffic
    // that stays in those caches anyway (20 steps of 256^2 on one thread took 400 us in tiles, 330-350 us so).
    // Between two barriers of a team already running, a second thread pays from about 2 x 8k cells a step (20
    // steps of 128^2 took 65 us on two threads against 86 us on one; of 64^2, 30 us against 23 us).
    const int step_threads = static_cast<int>(
        std::min<std::ptrdiff_t>(thread_count(num_threads, static_cast<double>(cells), 1 << 13), rows));
    const bool single_steps =
        a.steps > 1 && 2 * cells * sizeof(double) <= static_cast<std::size_t>(step_threads) * tuning.tile_bytes;
    if (single_steps) {
        max_threads = step_threads;
    }
    // A grid this large goes to memory and back every round: its last step writes with non-temporal stores.
    const bool stream = cells * sizeof(double) >= tuning.stream_bytes;
    const Plan plan = plan_diffusion(rows, cols, a.steps, max_threads, tuning.tile_bytes, single_steps);
    const bool columns = plan.depth == 1 && in_l1;
    const int threads = static_cast<int>(std::min<std::ptrdiff_t>(max_threads, plan.tiles()));
    const std::int64_t rounds = plan.rounds;

    AlignedBuffer scratch, buffers;
    try {
        if (rounds > 1) {
            scratch = take_scratch(cells);
        }
        if (plan.buffer_doubles() > 0) {
            const std::size_t doubles = plan.buffer_doubles() * static_cast<std::size_t>(threads);
            buffers = allocate_doubles(doubles);
            // The ring's margins are read, by cells of no interest, before any tile writes them (diffusion_tile).
            std::memset(buffers.get(), 0, doubles * sizeof(double));
        }
    } catch (const std::bad_alloc&) {
        return Status::no_memory;
    }
    const DiffusionGrid grid{rows, cols, a.D_dt, a.boundary};

    TeamProgress progress(cancel);
    bool stop[2] = {false, false};  // per round parity: leave after this round (shared)
    run_team(threads, [&](bool in_team) {
        const std::size_t me = static_cast<std::size_t>(team_member());
        const std::size_t size = plan.buffer_doubles();
        const TileBuffers mine{buffers ? buffers.get() + me * size + plan.buffer_stride : nullptr, plan.buffer_stride};
        const double* src = a.grid;
        // Rounds alternate between `out` and `scratch` so that the last one lands in `out`. Every thread runs
        // every round (worksharing constructs must be met by the whole team); cancelled tiles are skipped.
        for (std::int64_t r = 0; r < rounds; ++r) {
            double* dst = (rounds - 1 - r) % 2 == 0 ? a.out : scratch.get();
            const int depth = r == rounds - 1 ? plan.last_depth : plan.depth;
            const auto step_tile = [&](std::ptrdiff_t t) {
                if (cancel.check()) {
                    return;
                }
                const Tile tile = plan.tile(t, rows, cols);
                if (columns) {
                    kernels.diffusion_columns(grid, src, dst, tile.r0, tile.r1);
                } else if (plan.depth == 1) {
                    kernels.diffusion_rows(grid, src, dst, tile.r0, tile.r1, stream);
                } else {
                    kernels.diffusion_tile(grid, src, dst, mine, tile, depth, stream, cancel);
                }
            };
            // Bands of one step cost alike and are stepped straight from grid to grid: each thread keeps its own
            // rows. Tiles of several steps are handed out as threads come free, to absorb their uneven halos.
            if (plan.depth == 1) {
                share_items_in_runs(in_team, plan.tiles(), step_tile);
            } else {
                share_items(in_team, plan.tiles(), step_tile);
            }
            src = dst;
            // Once cancelled, leave rather than meet the remaining rounds' barriers (a billion steps would take
            // minutes). The calling thread polls while the others finish their tiles, and publishes the decision
            // for the round before the barrier; everyone reads it after. Its slot is written again two rounds
            // later, after the next barrier, which every reader has reached.
            progress.arrive_and_wait(team_size(), r);
            if (cancel.polls_here()) {
                stop[r & 1] = cancel.cancelled();
            }
            team_barrier(in_team);
            if (stop[r & 1]) {
                break;
            }
        }
    });
    give_back_scratch(std::move(scratch), cells);
    return cancel.cancelled() ? Status::cancelled : Status::ok;
}

}  // namespace cext
