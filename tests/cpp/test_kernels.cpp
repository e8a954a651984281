// Tests of the C++ kernels alone, with no Python involved: every compiled table this CPU supports against the
// scalar reference loops, on the julia1 grid, special values, every tail length, and multi-step diffusion over
// several tiles with both boundaries, on 1 and 2 threads; and tiles and bands that stop at the poll that
// cancels their call.
//
// The references round every operation on its own through `volatile`, so they are immune to floating-point
// contraction: a kernel build that fuses multiplies and adds (GCC's default on aarch64) fails here instead of
// agreeing with a reference that fused the same way. Built and run by tests/cpp/build.py (natively, or for
// aarch64 under qemu); prints one line per check and "N passed, N failed".
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "cext/dispatch.hpp"
#include "cext/kernels.hpp"
#include "cext/tuning.hpp"

namespace {

int passed = 0, failed = 0;

void expect(bool ok, const std::string& what) {
    ++(ok ? passed : failed);
    if (!ok) {
        std::printf("FAILED %s\n", what.c_str());
    }
}

// ---------------------------------------------------------------------------------------------------------------
// References
// ---------------------------------------------------------------------------------------------------------------

std::int32_t reference_escape(double zr, double zi, double cr, double ci, std::int32_t maxiter) {
    std::int32_t n = 0;
    for (;;) {
        volatile double zr2 = zr * zr;
        volatile double zi2 = zi * zi;
        volatile double norm = zr2 + zi2;
        if (!(n < maxiter && norm < 4.0)) {
            return n;
        }
        volatile double re = zr2 - zi2;
        volatile double t1 = zr * zi;
        volatile double t2 = zi * zr;
        volatile double im = t1 + t2;
        zr = re + cr;
        zi = im + ci;
        ++n;
    }
}

double reference_cell(double down, double up, double right, double left, double mid, double D_dt) {
    volatile double sum = down + up;
    sum = sum + right;
    sum = sum + left;
    volatile double four_mid = 4.0 * mid;
    volatile double lap = sum - four_mid;
    volatile double change = D_dt * lap;
    return mid + change;
}

void reference_step(const std::vector<double>& in, std::vector<double>& out, std::ptrdiff_t rows, std::ptrdiff_t cols,
                    double D_dt, cext::Boundary boundary) {
    const auto at = [&](std::ptrdiff_t i, std::ptrdiff_t j) {
        return in[static_cast<std::size_t>(((i % rows + rows) % rows) * cols + (j % cols + cols) % cols)];
    };
    for (std::ptrdiff_t i = 0; i < rows; ++i) {
        for (std::ptrdiff_t j = 0; j < cols; ++j) {
            const bool border = i == 0 || j == 0 || i == rows - 1 || j == cols - 1;
            out[static_cast<std::size_t>(i * cols + j)] =
                boundary == cext::Boundary::fixed && border
                    ? at(i, j)
                    : reference_cell(at(i + 1, j), at(i - 1, j), at(i, j + 1), at(i, j - 1), at(i, j), D_dt);
        }
    }
}

// Same bits, except that every NaN equals every NaN (IEEE leaves payload and sign of a NaN result open).
bool same(const std::vector<double>& a, const std::vector<double>& b) {
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (!(std::isnan(a[i]) && std::isnan(b[i])) && std::memcmp(&a[i], &b[i], sizeof(double)) != 0) {
            return false;
        }
    }
    return a.size() == b.size();
}

// A deterministic, well-mixed sequence in [0, 1) (a 64-bit LCG's top 53 bits).
struct Sequence {
    std::uint64_t state;
    double next() {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        return static_cast<double>(state >> 11) * 0x1.0p-53;
    }
};

// ---------------------------------------------------------------------------------------------------------------
// Escape counts
// ---------------------------------------------------------------------------------------------------------------

std::vector<std::int32_t> run_escape(const cext::KernelTable& k, const std::vector<double>& z,
                                     const std::vector<double>& c, bool c_is_scalar, std::int32_t maxiter,
                                     int threads) {
    std::vector<std::int32_t> counts(z.size() / 2, -1);
    cext::CancelToken token;
    const cext::EscapeCountsArgs args{
        z.data(), c.data(), c_is_scalar, counts.data(), static_cast<std::ptrdiff_t>(counts.size()), maxiter};
    const cext::Status status = cext::escape_counts(k, args, threads, token);
    expect(status == cext::Status::ok, std::string(k.name) + ": escape_counts status");
    return counts;
}

std::vector<std::int32_t> reference_counts(const std::vector<double>& z, const std::vector<double>& c, bool c_is_scalar,
                                           std::int32_t maxiter) {
    std::vector<std::int32_t> counts(z.size() / 2);
    for (std::size_t i = 0; i < counts.size(); ++i) {
        const std::size_t ic = c_is_scalar ? 0 : i;
        counts[i] = reference_escape(z[2 * i], z[2 * i + 1], c[2 * ic], c[2 * ic + 1], maxiter);
    }
    return counts;
}

void test_julia_grid(const cext::KernelTable& k) {
    // High Performance Python's julia1.py: 1000 x 1000 points, maxiter 300, c = -0.62772 - 0.42193i.
    const int width = 1000;
    const double x1 = -1.8, x2 = 1.8, y1 = -1.8, y2 = 1.8;
    const double x_step = (x2 - x1) / width, y_step = (y1 - y2) / width;
    std::vector<double> xs, ys;
    for (double y = y2; y > y1; y += y_step) {
        ys.push_back(y);
    }
    for (double x = x1; x < x2; x += x_step) {
        xs.push_back(x);
    }
    std::vector<double> z;
    for (double y : ys) {
        for (double x : xs) {
            z.push_back(x);
            z.push_back(y);
        }
    }
    const std::vector<double> c = {-0.62772, -0.42193};
    const std::vector<std::int32_t> expected = reference_counts(z, c, true, 300);
    long long expected_sum = 0;
    for (std::int32_t n : expected) {
        expected_sum += n;
    }
    expect(expected_sum == 33219980, "reference julia1 grid sums to 33219980");
    for (int threads : {1, 2}) {
        expect(run_escape(k, z, c, true, 300, threads) == expected,
               std::string(k.name) + ": julia1 grid, " + std::to_string(threads) + " thread(s)");
    }
}

void test_special_values(const cext::KernelTable& k) {
    const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
    const double tiny = std::numeric_limits<double>::denorm_min(), big = std::numeric_limits<double>::max();
    const double values[] = {0.0, -0.0,   1.0, -2.0,  2.0, 1.9999999999999998, inf, -inf, nan, tiny, -tiny,
                             big, 1e-160, 0.3, -0.75, 0.25};
    std::vector<double> z, c;
    for (double a : values) {
        for (double b : values) {
            z.insert(z.end(), {a, b});
            c.insert(c.end(), {b * 0.5, -a * 0.25});
        }
    }
    for (std::int32_t maxiter : {0, 1, 2, 50, 1000}) {
        expect(run_escape(k, z, c, false, maxiter, 1) == reference_counts(z, c, false, maxiter),
               std::string(k.name) + ": special values, maxiter " + std::to_string(maxiter));
    }
}

void test_tails(const cext::KernelTable& k) {
    // Every length up to several vectors, so that every partial last vector is seen, with array and scalar c.
    Sequence random{42};
    bool ok = true;
    for (int n = 0; n <= 4 * k.lanes * 4 + 3; ++n) {
        std::vector<double> z, c;
        for (int i = 0; i < n; ++i) {
            z.insert(z.end(), {random.next() * 3 - 1.5, random.next() * 3 - 1.5});
            c.insert(c.end(), {random.next() - 0.5, random.next() - 0.5});
        }
        ok = ok && run_escape(k, z, c, false, 200, 1) == reference_counts(z, c, false, 200);
        const std::vector<double> scalar = {-0.62772, -0.42193};
        ok = ok && run_escape(k, z, scalar, true, 200, 2) == reference_counts(z, scalar, true, 200);
    }
    expect(ok, std::string(k.name) + ": every tail length, array and scalar c");
}

void test_rounds(const cext::KernelTable& k) {
    // Points whose escape counts spread from 0 to past maxiter, in arrays long enough for several chunks, so that
    // every round length meets maxiter (the last round is cut to it) and later rounds end in partial groups, with
    // one thread and two, array and scalar c.
    Sequence random{7};
    bool ok = true;
    for (std::ptrdiff_t n : {1, 5, 33, 100, 257, 2047, 2049, 5000}) {
        std::vector<double> z, c;
        for (std::ptrdiff_t i = 0; i < n; ++i) {
            // A quarter inside the main cardioid's neighbourhood (long or never escaping), the rest anywhere.
            const double scale = i % 4 == 0 ? 0.6 : 2.5;
            z.insert(z.end(), {(random.next() - 0.5) * scale, (random.next() - 0.5) * scale});
            c.insert(c.end(), {(random.next() - 0.5) * 0.8, (random.next() - 0.5) * 0.8});
        }
        const std::vector<double> scalar = {-0.62772, -0.42193};
        for (std::int32_t maxiter : {1, 2, 3, 4, 5, 6, 7, 8, 13, 20, 64, 301, 4100}) {
            for (int threads : {1, 2}) {
                ok = ok && run_escape(k, z, c, false, maxiter, threads) == reference_counts(z, c, false, maxiter);
                ok = ok &&
                     run_escape(k, z, scalar, true, maxiter, threads) == reference_counts(z, scalar, true, maxiter);
            }
        }
    }
    expect(ok, std::string(k.name) + ": rounds of every length, cut at every maxiter, over several chunks");
}

void test_same_c(const cext::KernelTable& k) {
    // An array c whose points share one c is run as a scalar c until a point with another turns up: then the
    // points packed so far must be given that c. The other c starts at the first point, within the first group,
    // at a later group (after many points still going have been packed), in the last, partial group, or nowhere;
    // and it may differ from the first only in its bits (a zero's sign, a NaN's payload).
    Sequence random{11};
    const std::ptrdiff_t n = 1000;  // one chunk: 31 groups of 32 points (AVX-512), and a partial one
    std::vector<double> z;
    for (std::ptrdiff_t i = 0; i < n; ++i) {
        z.insert(z.end(), {(random.next() - 0.5) * 1.2, (random.next() - 0.5) * 1.2});
    }
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double other_nan = -nan;
    struct Case {
        double re, im, other_re, other_im;
    };
    const Case cases[] = {{-0.62772, -0.42193, 0.285, 0.01},
                          {0.0, 0.3, -0.0, 0.3},
                          {nan, 0.3, other_nan, 0.3},
                          {-0.62772, -0.42193, -0.62772, -0.42193}};
    bool ok = true;
    for (const Case& cs : cases) {
        for (std::ptrdiff_t from :
             {std::ptrdiff_t{0}, std::ptrdiff_t{5}, std::ptrdiff_t{600}, std::ptrdiff_t{620}, n - 3, n}) {
            std::vector<double> c;
            for (std::ptrdiff_t i = 0; i < n; ++i) {
                c.insert(c.end(), {i < from ? cs.re : cs.other_re, i < from ? cs.im : cs.other_im});
            }
            for (std::int32_t maxiter : {2, 3, 40, 300}) {
                ok = ok && run_escape(k, z, c, false, maxiter, 1) == reference_counts(z, c, false, maxiter);
            }
        }
    }
    expect(ok, std::string(k.name) + ": an array c of one value, then of another from any point on");
}

// ---------------------------------------------------------------------------------------------------------------
// Diffusion
// ---------------------------------------------------------------------------------------------------------------

void test_diffusion(const cext::KernelTable& k, std::ptrdiff_t rows, std::ptrdiff_t cols, std::int64_t steps,
                    cext::Boundary boundary, int threads, const cext::DiffusionTuning& tuning) {
    Sequence random{static_cast<std::uint64_t>(rows * 7919 + cols * 104729 + steps)};
    std::vector<double> grid(static_cast<std::size_t>(rows * cols));
    for (double& cell : grid) {
        cell = random.next();
    }
    const double D_dt = 0.9 * 0.1;
    std::vector<double> expected = grid, scratch(grid.size());
    for (std::int64_t s = 0; s < steps; ++s) {
        reference_step(expected, scratch, rows, cols, D_dt, boundary);
        expected.swap(scratch);
    }
    std::vector<double> out(grid.size(), -1.0);
    cext::CancelToken token;
    const cext::DiffusionArgs args{grid.data(), out.data(), rows, cols, D_dt, boundary, steps};
    const cext::Status status = cext::diffusion(k, args, threads, token, tuning);
    const std::string what =
        std::string(k.name) + ": diffusion " + std::to_string(rows) + "x" + std::to_string(cols) + ", " +
        std::to_string(steps) + " steps, " + (boundary == cext::Boundary::fixed ? "fixed" : "periodic") + ", " +
        std::to_string(threads) + " thread(s), " + std::to_string(tuning.tile_bytes) + " bytes of tile";
    expect(status == cext::Status::ok && same(out, expected), what);
}

void test_one_step_both_ways(const cext::KernelTable& k) {
    // The two single-step functions, stepping rows and walking down columns, on every narrow width (partial,
    // whole and overlapping vectors of every backend), a few wider ones (whose rows are stepped a few or one at a
    // time), a few heights, and bands cut anywhere: each must write every cell of its band, and exactly the
    // reference step.
    std::vector<std::ptrdiff_t> widths;
    for (std::ptrdiff_t cols = 1; cols <= 41; ++cols) {
        widths.push_back(cols);
    }
    for (std::ptrdiff_t cols : {300, 700, 2049}) {
        widths.push_back(cols);
    }
    bool ok = true;
    for (cext::Boundary boundary : {cext::Boundary::fixed, cext::Boundary::periodic}) {
        for (std::ptrdiff_t rows : {1, 2, 3, 4, 7, 18}) {
            for (std::ptrdiff_t cols : widths) {
                Sequence random{static_cast<std::uint64_t>(rows * 131 + cols)};
                std::vector<double> grid(static_cast<std::size_t>(rows * cols));
                for (double& cell : grid) {
                    cell = random.next();
                }
                std::vector<double> expected(grid.size());
                const double D_dt = 0.9 * 0.1;
                reference_step(grid, expected, rows, cols, D_dt, boundary);
                const cext::DiffusionGrid g{rows, cols, D_dt, boundary};
                for (std::ptrdiff_t cut : {std::ptrdiff_t{0}, rows / 2, rows - 1}) {
                    std::vector<double> by_rows(grid.size(), -1.0), by_columns(grid.size(), -1.0);
                    k.diffusion_rows(g, grid.data(), by_rows.data(), 0, cut, false);
                    k.diffusion_rows(g, grid.data(), by_rows.data(), cut, rows, false);
                    k.diffusion_columns(g, grid.data(), by_columns.data(), 0, cut);
                    k.diffusion_columns(g, grid.data(), by_columns.data(), cut, rows);
                    ok = ok && same(by_rows, expected) && same(by_columns, expected);
                }
            }
        }
    }
    expect(ok, std::string(k.name) + ": one step by rows and by columns, widths 1 to 41 and wider, bands cut anywhere");
}

// A token whose next check polls, and whose poll cancels: the interval since its first check has passed.
// Built in place (a token cannot be copied or moved).
bool cancel_at_poll(void*) { return true; }
void arm_for_first_poll(cext::CancelToken& token) {
    token.check();  // starts the poll interval
    std::this_thread::sleep_for(cext::CancelToken::poll_interval + std::chrono::milliseconds(5));
}

void test_tile_cancellation(const cext::KernelTable& k) {
    // A tile polls within its first rows, not only between tiles: a call's first rounds may fault in fresh memory
    // far more slowly than they compute. 32 steps of a 400 x 512 tile poll every 16 rows, before the first row of
    // the tile itself is written; the poll cancels, and the tile stops there.
    const std::ptrdiff_t rows = 400, cols = 512;
    const int depth = 32;
    Sequence random{7};
    std::vector<double> grid(static_cast<std::size_t>(rows * cols));
    for (double& cell : grid) {
        cell = random.next();
    }
    const cext::DiffusionGrid g{rows, cols, 0.9 * 0.1, cext::Boundary::fixed};
    const std::ptrdiff_t stride = cols + 2 * cext::ring_margin(depth);
    const cext::Tile tile{0, rows, 0, cols};
    for (bool cancelled : {false, true}) {
        std::vector<double> buffer(static_cast<std::size_t>((3 * depth + 2) * stride) + 8, 0.0);
        double* const ring = buffer.data() + (8 - reinterpret_cast<std::uintptr_t>(buffer.data()) / 8 % 8) % 8;
        std::vector<double> out(grid.size(), -1.0);
        // Not cancelled: a token with nothing to poll (a slow machine, or qemu, may take longer than the interval).
        cext::CancelToken token = cancelled ? cext::CancelToken(cancel_at_poll, nullptr) : cext::CancelToken();
        if (cancelled) {
            arm_for_first_poll(token);
        }
        const bool finished = k.diffusion_tile(g, grid.data(), out.data(), cext::TileBuffers{ring + stride, stride},
                                               tile, depth, false, token);
        const bool untouched = std::all_of(out.begin(), out.end(), [](double cell) { return cell == -1.0; });
        const bool all_written = std::none_of(out.begin(), out.end(), [](double cell) { return cell == -1.0; });
        expect(cancelled ? !finished && untouched && token.cancelled() : finished && all_written,
               std::string(k.name) + (cancelled ? ": a tile polls within its first rows and stops there"
                                                : ": a tile not cancelled writes every cell"));
    }
}

void test_band_cancellation(const cext::KernelTable& k) {
    // A single step is cut into bands of whole rows, and each band polls before it starts: one step of a huge
    // grid must answer Ctrl-C too. Here the first band's poll cancels, and no band writes anything.
    const std::ptrdiff_t rows = 2048, cols = 512;
    std::vector<double> grid(static_cast<std::size_t>(rows * cols), 0.5), out(grid.size(), -1.0);
    cext::CancelToken token(cancel_at_poll, nullptr);
    arm_for_first_poll(token);
    const cext::DiffusionArgs args{grid.data(), out.data(), rows, cols, 0.1, cext::Boundary::fixed, 1};
    const cext::Status status = cext::diffusion(k, args, 1, token);
    const bool untouched = std::all_of(out.begin(), out.end(), [](double cell) { return cell == -1.0; });
    expect(status == cext::Status::cancelled && untouched,
           std::string(k.name) + ": one step polls before each band and stops at the poll that cancels");
}

void test_steps_in_l1_cancellation(const cext::KernelTable& k) {
    // Many steps of a grid in L1 run one after another on one thread, polling every 1024 steps of a 16 x 16
    // grid: a call of a million steps stops at the first poll.
    std::vector<double> small(256, 0.5), small_out(256, -1.0);
    cext::CancelToken small_token(cancel_at_poll, nullptr);
    arm_for_first_poll(small_token);
    const cext::DiffusionArgs many{small.data(), small_out.data(), 16, 16, 0.1, cext::Boundary::periodic, 1000000};
    const auto started = std::chrono::steady_clock::now();
    const cext::Status small_status = cext::diffusion(k, many, 1, small_token);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    expect(small_status == cext::Status::cancelled,
           std::string(k.name) + ": many steps of a grid in L1 poll and stop at the poll that cancels (" +
               std::to_string(seconds) + " s)");
}

}  // namespace

int main() {
    int tables = 0;
    for (const cext::KernelTable* table : cext::dispatch::compiled()) {
        if (!cext::dispatch::supported(*table)) {
            std::printf("skipped %s: not supported by this CPU\n", table->name);
            continue;
        }
        ++tables;
        const cext::KernelTable& k = *table;
        expect(cext::computes_reference_arithmetic(k), std::string(k.name) + ": import-time arithmetic check");
        test_julia_grid(k);
        test_special_values(k);
        test_tails(k);
        test_rounds(k);
        test_same_c(k);
        test_one_step_both_ways(k);
        test_tile_cancellation(k);
        test_band_cancellation(k);
        test_steps_in_l1_cancellation(k);
        cext::DiffusionTuning small_l2 = cext::diffusion_tuning(), large_l2 = small_l2;
        small_l2.column_bytes = large_l2.column_bytes = 16 << 10;
        small_l2.stream_bytes = large_l2.stream_bytes = std::size_t{1} << 40;  // streaming: tests/test_evolve.py
        small_l2.tile_bytes = 64 << 10;
        large_l2.tile_bytes = 64 << 20;
        // Every case under two cache budgets, whatever the machine's: a small L2, where the grids of several
        // steps beyond L1 are cut into tiles (a few hundred columns wide at most), and a large one, where they
        // stay in the cache and go a step at a time, in bands.
        for (const cext::DiffusionTuning& tuning : {small_l2, large_l2}) {
            for (cext::Boundary boundary : {cext::Boundary::fixed, cext::Boundary::periodic}) {
                for (int threads : {1, 2}) {
                    test_diffusion(k, 1, 1, 3, boundary, threads, tuning);
                    test_diffusion(k, 2, 9, 2, boundary, threads, tuning);
                    test_diffusion(k, 33, 17, 1, boundary, threads, tuning);
                    test_diffusion(k, 40, 1200, 1, boundary, threads, tuning);  // bands of whole rows
                    // Several tiles across (columns beyond the widest tile) and down, full and partial rounds.
                    test_diffusion(k, 150, 1100, 8, boundary, threads, tuning);
                    test_diffusion(k, 150, 1100, 19, boundary, threads, tuning);
                    test_diffusion(k, 9, 700, 5, boundary, threads, tuning);
                    // Tall grids, with tiles stacked down on two threads: each one's top and bottom widened into
                    // the next.
                    test_diffusion(k, 300, 200, 20, boundary, threads, tuning);
                    test_diffusion(k, 61, 37, 41, boundary, threads, tuning);
                    // Grids in L1, stepped one step at a time: an even and an odd number of steps.
                    test_diffusion(k, 20, 23, 40, boundary, threads, tuning);
                    test_diffusion(k, 20, 23, 41, boundary, threads, tuning);
                }
            }
        }
        std::printf("checked %s (%d lanes)\n", k.name, k.lanes);
    }
    expect(tables > 0, "at least one kernel table runs on this CPU");
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
