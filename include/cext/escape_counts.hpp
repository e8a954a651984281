// Julia-set escape counts (High Performance Python's `calculate_z`), vectorised across points.
//
// For each point i, with z = zs[i] and c = cs[i] (or the single c):
//     n = 0
//     while n < maxiter and zr*zr + zi*zi < 4:
//         zr, zi = (zr*zr - zi*zi) + cr, (zr*zi + zi*zr) + ci
//         n += 1
//     counts[i] = n
// This is CPython's complex `z*z + c`, evaluated in exactly that order. Results are bit-identical on every SIMD
// backend and to the scalar loop.
//
// Layout: `z` and `c` hold interleaved (real, imag) doubles, C-contiguous; `counts` holds `n` int32.
// Preconditions: `counts` does not overlap `z` or `c`; 0 <= maxiter.
// Thread safety: reentrant; uses up to `num_threads` OpenMP threads; the token is polled between chunks.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "cext/parallel.hpp"

namespace cext {

struct EscapeCountsArgs {
    const double* z;      // n interleaved complex values
    const double* c;      // n interleaved complex values, or one when c_is_scalar
    bool c_is_scalar;
    std::int32_t* counts;  // n results
    std::ptrdiff_t n;
    std::int32_t maxiter;
};

namespace detail {

// Iterations between two cancellation checks (only matters for huge maxiter).
constexpr std::int64_t kIterationsPerCheck = std::int64_t{1} << 14;

// Escape counts of points [begin, end), K vectors ("slots") in flight. K independent dependency chains keep the
// multiply and add pipelines busy; each slot holds S::lanes consecutive points and is refilled with the next
// ones as soon as all its lanes have finished, so a slow vector does not hold up the others. A lane stops
// counting once its condition fails and never restarts. Returns false if cancelled.
template <class S, int K>
bool escape_range(const EscapeCountsArgs& a, std::ptrdiff_t begin, std::ptrdiff_t end, CancelToken& cancel) {
    using vec = typename S::vec;
    using mask = typename S::mask;
    using counter = typename S::counter;
    constexpr int L = S::lanes;

    vec zr[K], zi[K], cr[K], ci[K];
    counter n[K];
    mask live[K];
    std::int64_t iterations[K];
    std::ptrdiff_t first[K];  // index of the slot's first point; -1 when the slot is empty
    std::ptrdiff_t next = begin;
    int busy = 0;

    // Fills slot s with the next L points; a partial last group is padded with NaN, which fails `< 4` at once.
    // Once the points run out, the slot becomes a placeholder (z = c = 0 never escapes) that is never stored,
    // so the inner loop below still only stops when a real slot finishes.
    const auto refill = [&](int s) {
        if (next >= end) {
            zr[s] = zi[s] = cr[s] = ci[s] = S::splat(0.0);
            live[s] = S::all_true();
            first[s] = -1;
            return;
        }
        const std::ptrdiff_t count = std::min<std::ptrdiff_t>(L, end - next);
        const double* z = a.z + 2 * next;
        const double* c = a.c_is_scalar ? a.c : a.c + 2 * next;
        double zpad[2 * L], cpad[2 * L];
        if (count < L) {
            const double nan = std::numeric_limits<double>::quiet_NaN();
            std::fill(zpad, zpad + 2 * L, nan);
            std::fill(cpad, cpad + 2 * L, nan);
            std::copy(z, z + 2 * count, zpad);
            z = zpad;
            if (!a.c_is_scalar) {
                std::copy(c, c + 2 * count, cpad);
                c = cpad;
            }
        }
        S::load_complex(z, zr[s], zi[s]);
        if (a.c_is_scalar) {
            cr[s] = S::splat(c[0]);
            ci[s] = S::splat(c[1]);
        } else {
            S::load_complex(c, cr[s], ci[s]);
        }
        n[s] = S::counter_zero();
        live[s] = S::all_true();
        iterations[s] = 0;
        first[s] = next;
        next += L;
        ++busy;
    };
    const auto finish = [&](int s) {
        const std::ptrdiff_t count = std::min<std::ptrdiff_t>(L, end - first[s]);
        if (count == L) {
            S::store_counts(a.counts + first[s], n[s]);
        } else {
            std::int32_t buffer[L];
            S::store_counts(buffer, n[s]);
            std::copy(buffer, buffer + count, a.counts + first[s]);
        }
        --busy;
        refill(s);
    };

    for (int s = 0; s < K; ++s) {
        refill(s);
    }
    const vec four = S::splat(4.0);
    std::int64_t until_check = kIterationsPerCheck;
    while (busy > 0) {
        // Hot loop: iterate every slot until one of them finishes or reaches maxiter. Slot indices are
        // compile-time constants here, so the K vectors stay in registers.
        std::int64_t budget = until_check;
        for (int s = 0; s < K; ++s) {
            if (first[s] >= 0) {
                budget = std::min(budget, a.maxiter - iterations[s]);
            }
        }
        std::int64_t done = 0;
        bool all_running;
        do {
            all_running = true;
            for (int s = 0; s < K; ++s) {
                const vec zr2 = S::mul(zr[s], zr[s]);
                const vec zi2 = S::mul(zi[s], zi[s]);
                live[s] = S::mask_and(live[s], S::less(S::add(zr2, zi2), four));
                n[s] = S::count_if(n[s], live[s]);
                // zr*zi + zi*zr: both products are the same IEEE result t, so the sum is t + t.
                const vec t = S::mul(zr[s], zi[s]);
                zr[s] = S::add(S::sub(zr2, zi2), cr[s]);
                zi[s] = S::add(S::add(t, t), ci[s]);
                all_running &= S::any(live[s]);
            }
        } while (all_running && ++done < budget);
        done += all_running ? 0 : 1;

        for (int s = 0; s < K; ++s) {
            iterations[s] += done;
            if (first[s] >= 0 && (!S::any(live[s]) || iterations[s] == a.maxiter)) {
                finish(s);
            }
        }
        until_check -= done;
        if (until_check <= 0) {
            until_check = kIterationsPerCheck;
            if (cancel.check()) {
                return false;
            }
        }
    }
    return true;
}

}  // namespace detail

template <class S>
Status escape_counts(const EscapeCountsArgs& a, int num_threads, CancelToken& cancel) noexcept {
    if (a.maxiter == 0) {
        std::fill(a.counts, a.counts + a.n, 0);
        return Status::ok;
    }
    constexpr int K = S::lanes >= 4 ? 4 : 8 / S::lanes;  // vectors in flight
    constexpr std::ptrdiff_t chunk = 64 * S::lanes;      // unit of dynamic scheduling
    const std::ptrdiff_t chunks = (a.n + chunk - 1) / chunk;
    // Work estimate: most points escape early, so count at most 64 iterations a point.
    const double work = static_cast<double>(a.n) * static_cast<double>(std::min<std::int32_t>(a.maxiter, 64));
    [[maybe_unused]] const int threads = std::min<std::ptrdiff_t>(thread_count(num_threads, work, 1 << 18), chunks);

#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) if (threads > 1)
    for (std::ptrdiff_t ch = 0; ch < chunks; ++ch) {
        if (!cancel.check()) {
            detail::escape_range<S, K>(a, ch * chunk, std::min(a.n, (ch + 1) * chunk), cancel);
        }
    }
    return cancel.cancelled() ? Status::cancelled : Status::ok;
}

}  // namespace cext
