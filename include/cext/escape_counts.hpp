// Julia-set escape counts, the compute half: one chunk of points on one thread, vectorised across points.
// (The arithmetic is stated in include/cext/kernels.hpp; the schedule over threads is in src/schedule.cpp.)
//
// Results are bit-identical on every SIMD backend and to the scalar loop: each lane runs exactly the reference
// recurrence, and a lane stops counting once its condition fails and never restarts.
// Layout: `z` and `c` hold interleaved (real, imag) doubles; `counts` holds int32.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "cext/isa_namespace.hpp"
#include "cext/kernels.hpp"
#include "cext/platform.hpp"

namespace cext::CEXT_ISA {

// Iterations between two cancellation checks (only matters for huge maxiter).
constexpr std::int64_t kIterationsPerCheck = std::int64_t{1} << 14;

// One vector of points in flight.
template <class S>
struct Slot {
    typename S::vec zr, zi, cr, ci;
    typename S::counter n;
    typename S::mask live;
    std::int64_t iterations;
    std::ptrdiff_t first;  // index of the first point; -1 for a placeholder once the points run out
};

// Loads the next S::lanes points into a slot; a partial last group is padded with NaN, which fails `< 4` at
// once. Once the points run out the slot becomes a placeholder (z = c = 0 never escapes, never stored).
template <class S>
CEXT_INLINE void load_slot(Slot<S>& slot, const EscapeCountsArgs& a, std::ptrdiff_t& next, std::ptrdiff_t end) {
    constexpr int L = S::lanes;
    if (next >= end) {
        slot.zr = slot.zi = slot.cr = slot.ci = S::splat(0.0);
        slot.live = S::all_true();
        slot.first = -1;
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
    S::load_complex(z, slot.zr, slot.zi);
    if (a.c_is_scalar) {
        slot.cr = S::splat(c[0]);
        slot.ci = S::splat(c[1]);
    } else {
        S::load_complex(c, slot.cr, slot.ci);
    }
    slot.n = S::counter_zero();
    slot.live = S::all_true();
    slot.iterations = 0;
    slot.first = next;
    next += L;
}

// Writes a slot's counts. A slot runs whole blocks of iterations, so a lane still live at maxiter has counted
// past it (by less than a block, in 64 bits): clamping such a count gives exactly what a loop that stopped at
// maxiter counts, since the lane was live at every iteration up to it.
template <class S>
CEXT_INLINE void store_slot(const Slot<S>& slot, const EscapeCountsArgs& a, std::ptrdiff_t end) {
    constexpr int L = S::lanes;
    const std::ptrdiff_t count = std::min<std::ptrdiff_t>(L, end - slot.first);
    if (count == L && slot.iterations <= a.maxiter) {
        S::store_counts(a.counts + slot.first, slot.n);
        return;
    }
    std::int64_t counters[L];
    S::store_counters(counters, slot.n);
    for (std::ptrdiff_t k = 0; k < count; ++k) {
        a.counts[slot.first + k] = static_cast<std::int32_t>(std::min<std::int64_t>(counters[k], a.maxiter));
    }
}

// One iteration of one slot. A lane that has failed the test stays failed (its z keeps changing, its count
// does not).
template <class S>
CEXT_INLINE void iterate(Slot<S>& slot, typename S::vec four) {
    using vec = typename S::vec;
    const vec zr2 = S::mul(slot.zr, slot.zr);
    const vec zi2 = S::mul(slot.zi, slot.zi);
    slot.live = S::less_where(slot.live, S::add(zr2, zi2), four);
    slot.n = S::count_if(slot.n, slot.live);
    // zr*zi + zi*zr: both products are the same IEEE result t, so the sum is t + t.
    const vec t = S::mul(slot.zr, slot.zi);
    slot.zr = S::add(S::sub(zr2, zi2), slot.cr);
    slot.zi = S::add(S::add(t, t), slot.ci);
}

// After a block: when all its lanes have finished, or maxiter is reached, the slot is stored and refilled in
// place. Returns false once the slot is a placeholder.
template <class S>
CEXT_INLINE bool settle_slot(Slot<S>& slot, int block, const EscapeCountsArgs& a, std::ptrdiff_t& next,
                             std::ptrdiff_t end) {
    if (slot.first < 0) {
        return false;
    }
    slot.iterations += block;
    if (!S::any(slot.live) || slot.iterations >= a.maxiter) {
        store_slot(slot, a, end);
        load_slot(slot, a, next, end);
    }
    return true;
}

// Iterations a slot runs between two tests of "all lanes finished". Testing after every iteration puts a mask
// test and a branch into each slot's iteration; testing after a block of four leaves a finished slot idle for at
// most three iterations.
constexpr int kBlock = 4;

// Escape counts of points [begin, end) with four vectors ("slots") in flight: four independent dependency chains
// keep the multiply and add pipelines busy. A slot is stored and refilled with the next points as soon as all
// its lanes have finished (tested after every block of iterations), so a slow vector never holds up the others.
// The slots are separate local variables, not an array, so that they stay in registers. Returns false if
// cancelled.
template <class S>
bool escape_range(const EscapeCountsArgs& a, std::ptrdiff_t begin, std::ptrdiff_t end, CancelToken& cancel) {
    Slot<S> s0, s1, s2, s3;
    std::ptrdiff_t next = begin;
    load_slot(s0, a, next, end);
    load_slot(s1, a, next, end);
    load_slot(s2, a, next, end);
    load_slot(s3, a, next, end);
    const typename S::vec four = S::splat(4.0);
    std::int64_t until_check = kIterationsPerCheck;
    for (;;) {
        for (int k = 0; k < kBlock; ++k) {
            iterate(s0, four);
            iterate(s1, four);
            iterate(s2, four);
            iterate(s3, four);
        }
        // Four statements, not one `||` chain: every slot must settle.
        const bool busy0 = settle_slot(s0, kBlock, a, next, end);
        const bool busy1 = settle_slot(s1, kBlock, a, next, end);
        const bool busy2 = settle_slot(s2, kBlock, a, next, end);
        const bool busy3 = settle_slot(s3, kBlock, a, next, end);
        if (!(busy0 || busy1 || busy2 || busy3)) {
            return true;
        }
        until_check -= kBlock;
        if (until_check <= 0) {
            until_check = kIterationsPerCheck;
            if (cancel.check()) {
                return false;
            }
        }
    }
}

}  // namespace cext::CEXT_ISA
