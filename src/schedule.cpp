// The kernels' schedules: how each call is cut into chunks or tiles and spread over an OpenMP team, and how the
// team answers cancellation. Written once for every instruction set; the arithmetic on each piece runs through
// the KernelTable passed in. Compiled for the baseline instruction set only.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "cext/kernels.hpp"
#include "cext/tuning.hpp"

namespace cext {

namespace {

// ---------------------------------------------------------------------------------------------------------------
// Scratch memory
// ---------------------------------------------------------------------------------------------------------------

struct AlignedDelete {
    std::align_val_t alignment{64};
    void operator()(double* p) const { ::operator delete[](p, alignment); }
};
using AlignedBuffer = std::unique_ptr<double[], AlignedDelete>;

// Buffers of 4 MiB and more are 2 MiB-aligned and advised to use transparent huge pages, as NumPy does for its
// own arrays: faulting a fresh scratch grid in 4 KiB pages took longer than several steps of computation on it
// (32 MiB: 16 ms, against 4 ms with huge pages, on a 2-core cloud VM).
AlignedBuffer allocate_doubles(std::size_t count) {
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

// The scratch grid of a multi-round call, kept for the next one. A fresh grid costs the kernel a page fault and a
// zeroed page for every page of it: 30 to 440 ms for 512 MiB on the development VM (the slow ones compacting
// memory for huge pages), against about 300 ms for the 20 steps on 8192^2 that use it. Repeated calls on grids of
// one size fault it in once. One buffer is kept, the one the latest call used, and it is reused only for a grid
// at least half its size, so what stays allocated follows the grids the caller is working on;
// CEXT_KEEP_SCRATCH=0 frees it after every call, and release_scratch() at module teardown.
class ScratchStore {
public:
    AlignedBuffer take(std::size_t count) {
        AlignedBuffer kept;
        std::size_t kept_count = 0;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            kept = std::move(kept_);
            std::swap(kept_count, kept_count_);
        }
        if (kept && kept_count >= count && kept_count / 2 <= count) {
            return kept;
        }
        kept.reset();  // the wrong size for this grid: free it before allocating
        return allocate_doubles(count);
    }

    // Takes back a buffer of `count` doubles from take(); a buffer kept by a concurrent call is freed instead.
    void give_back(AlignedBuffer buffer, std::size_t count) noexcept {
        if (!buffer || !diffusion_tuning().keep_scratch) {
            return;
        }
        AlignedBuffer previous;
        std::lock_guard<std::mutex> lock(mutex_);
        previous = std::move(kept_);  // freed after the lock is released (declared before the guard)
        kept_ = std::move(buffer);
        kept_count_ = count;
    }

    void release() noexcept {
        AlignedBuffer previous;
        std::lock_guard<std::mutex> lock(mutex_);
        previous = std::move(kept_);
        kept_count_ = 0;
    }

private:
    std::mutex mutex_;
    AlignedBuffer kept_;
    std::size_t kept_count_ = 0;
};

ScratchStore& scratch_store() {
    static ScratchStore store;  // never destroyed before the module's teardown releases it
    return store;
}

// ---------------------------------------------------------------------------------------------------------------
// Diffusion: the plan of one call
// ---------------------------------------------------------------------------------------------------------------

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

// How a call is cut into work items. Every item is a tile of the grid; with depth 1 a tile spans whole rows (a
// band) and is stepped straight from grid to grid, otherwise it is advanced `depth` steps in a thread's buffers.
struct Plan {
    std::int64_t rounds;           // rounds of the call
    int depth;                     // steps per round
    int last_depth;                // steps of the last round (at most depth)
    std::ptrdiff_t tile_height;    // rows per tile
    std::ptrdiff_t tile_width;     // columns per tile
    std::ptrdiff_t tiles_down;     // tiles per column of tiles
    std::ptrdiff_t tiles_across;   // tiles per row of tiles
    std::ptrdiff_t buffer_stride;  // doubles per buffer row (0 when depth == 1: no buffers)
    std::ptrdiff_t buffer_rows;    // rows per buffer

    std::ptrdiff_t tiles() const { return tiles_down * tiles_across; }
    std::size_t buffer_doubles() const { return static_cast<std::size_t>(buffer_rows * buffer_stride); }
    Tile tile(std::ptrdiff_t t, std::ptrdiff_t rows, std::ptrdiff_t cols) const {
        const std::ptrdiff_t r0 = t / tiles_across * tile_height, c0 = t % tiles_across * tile_width;
        return Tile{r0, std::min(rows, r0 + tile_height), c0, std::min(cols, c0 + tile_width)};
    }
};

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

// Runs `body(in_team)` on a team of `threads` OpenMP threads, or straight on the calling thread when one is all it
// gets: even a one-thread parallel region costs libgomp a microsecond or two to set up, more than a small call's
// whole work. Outside a team `body` must not meet an OpenMP construct (LLVM's runtime aborts on some orphaned
// ones), so it shares its work through share_items() and synchronises through team_barrier().
template <class Body>
void run_team(int threads, Body&& body) {
    if (threads <= 1) {
        body(false);
        return;
    }
#pragma omp parallel num_threads(threads)
    body(true);
}

// Calls item(i) for i in [0, count): handed out one at a time to whichever team member is free, or in order on
// the calling thread alone.
template <class Item>
void share_items(bool in_team, std::ptrdiff_t count, Item&& item) {
    if (!in_team) {
        for (std::ptrdiff_t i = 0; i < count; ++i) {
            item(i);
        }
        return;
    }
#pragma omp for schedule(dynamic, 1) nowait
    for (std::ptrdiff_t i = 0; i < count; ++i) {
        item(i);
    }
}

// Calls item(i) for i in [0, count), each team member taking one contiguous run of about count / team size
// items, the same run on every call of the same shape: for work whose items cost alike, where staying in a
// thread's own cache from one call to the next is worth more than balancing on the fly.
template <class Item>
void share_items_in_runs(bool in_team, std::ptrdiff_t count, Item&& item) {
    if (!in_team) {
        for (std::ptrdiff_t i = 0; i < count; ++i) {
            item(i);
        }
        return;
    }
#pragma omp for schedule(static) nowait
    for (std::ptrdiff_t i = 0; i < count; ++i) {
        item(i);
    }
}

void team_barrier(bool in_team) {
    if (in_team) {
#pragma omp barrier
    }
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// Escape counts
// ---------------------------------------------------------------------------------------------------------------

Status escape_counts(const KernelTable& kernels, const EscapeCountsArgs& a, int num_threads,
                     CancelToken& cancel) noexcept {
    if (a.maxiter == 0) {
        std::fill(a.counts, a.counts + a.n, 0);
        return Status::ok;
    }
    const std::ptrdiff_t chunk = 64 * kernels.lanes;  // unit of dynamic scheduling
    const std::ptrdiff_t chunks = (a.n + chunk - 1) / chunk;
    // Work estimate: most points escape early, so count at most 64 iterations a point.
    const double work = static_cast<double>(a.n) * static_cast<double>(std::min<std::int32_t>(a.maxiter, 64));
    const int threads = static_cast<int>(std::min<std::ptrdiff_t>(thread_count(num_threads, work, 1 << 18), chunks));

    TeamProgress progress(cancel);
    run_team(threads, [&](bool in_team) {
        share_items(in_team, chunks, [&](std::ptrdiff_t ch) {
            if (!cancel.check()) {
                kernels.escape_range(a, ch * chunk, std::min(a.n, (ch + 1) * chunk), cancel);
            }
        });
        progress.arrive_and_wait(team_size(), 0);
    });
    return cancel.cancelled() ? Status::cancelled : Status::ok;
}

// ---------------------------------------------------------------------------------------------------------------
// Diffusion
// ---------------------------------------------------------------------------------------------------------------

Status diffusion(const KernelTable& kernels, const DiffusionArgs& a, int num_threads, CancelToken& cancel) noexcept {
    const std::ptrdiff_t rows = a.rows, cols = a.cols;
    if (rows == 0 || cols == 0) {
        return Status::ok;
    }
    const std::size_t cells = static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols);
    if (a.steps == 0) {
        std::memcpy(a.out, a.grid, cells * sizeof(double));
        return Status::ok;
    }
    const DiffusionTuning& tuning = diffusion_tuning();
    const double work = static_cast<double>(cells) * static_cast<double>(a.steps);
    const int max_threads = static_cast<int>(std::min<std::ptrdiff_t>(thread_count(num_threads, work, 1 << 16), rows));
    // A grid this large goes to memory and back every round: its last step writes with non-temporal stores.
    const bool stream = cells * sizeof(double) >= tuning.stream_bytes;
    const Plan plan = plan_diffusion(rows, cols, a.steps, max_threads, tuning.tile_bytes, stream);
    const int threads = static_cast<int>(std::min<std::ptrdiff_t>(max_threads, plan.tiles()));
    const std::int64_t rounds = plan.rounds;

    AlignedBuffer scratch, buffers;
    try {
        if (rounds > 1) {
            scratch = scratch_store().take(cells);
        }
        if (plan.buffer_doubles() > 0) {
            buffers = allocate_doubles(2 * plan.buffer_doubles() * static_cast<std::size_t>(threads));
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
        const TileBuffers mine{buffers ? buffers.get() + 2 * me * size : nullptr,
                               buffers ? buffers.get() + (2 * me + 1) * size : nullptr, plan.buffer_stride};
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
                if (plan.depth == 1) {
                    kernels.diffusion_rows(grid, src, dst, tile.r0, tile.r1, stream);
                } else {
                    kernels.diffusion_tile(grid, src, dst, mine, tile, depth, stream);
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
    scratch_store().give_back(std::move(scratch), cells);
    return cancel.cancelled() ? Status::cancelled : Status::ok;
}

void release_scratch() noexcept { scratch_store().release(); }

}  // namespace cext
