// Julia-set escape counts, the compute half: one chunk of points on one thread, vectorised across points.
// (The arithmetic is stated in include/cext/kernels.hpp; the schedule over threads is in src/schedule.cpp.)
//
// Points escape after very different numbers of iterations (on the book's grid half of them within two, a tenth
// never), so a vector of 4 or 8 points that ran until its slowest lane was done would leave most lanes idle.
// Such wide vectors iterate a chunk in rounds instead (escape_in_rounds): every point still going runs the same
// number of iterations in a round, with no test in between; then the points that are done write their counts
// and the others are packed together (compressed), in order, for the next round, which runs half as many
// iterations again. Every vector of a round is full but its last, whatever the points do, and nothing in the
// inner loop depends on their values, so nothing mispredicts. Vectors of 1 or 2 points keep few lanes idle and
// would gain less than the packing costs: they run until all their lanes are done and are then refilled whole
// (escape_in_slots).
//
// Results are bit-identical on every SIMD backend and to the scalar loop: each lane runs exactly the reference
// recurrence, carried from round to round, and a lane stops counting once its condition fails and never
// restarts.
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

// Vectors iterated together: four independent dependency chains keep the multiply and add pipelines busy.
constexpr int kGroup = 4;

// Iterations of the first round, and the most of any round. Each round runs half as many again as the one
// before: short enough that a point done early in a round idles for little of it, long enough that packing the
// survivors costs little against it. The cap bounds the time a group runs between two cancellation checks.
constexpr std::int64_t kFirstRound = 3;
constexpr std::int64_t kLongestRound = 1 << 12;

// Iterations between two cancellation checks (only matters for huge maxiter).
constexpr std::int64_t kIterationsPerCheck = std::int64_t{1} << 14;

// How far ahead of the points it loads a pass over the input asks for them (4 KiB of z, and of c). The first
// round does three iterations on each point of the input, too little arithmetic to hide the wait for memory,
// so it would run at the pace of the hardware prefetchers, which stop at every 4 KiB page boundary; a software
// prefetch a page ahead keeps more lines in flight (measured on the book's grid, one thread: the first round
// 2.1 -> 1.7 ms, the whole call about 4% faster). The distance is not critical: 2 to 16 KiB measured alike.
constexpr std::ptrdiff_t kPrefetchPoints = 256;

// Asks for the cache line holding `p` without waiting for it: a hint, which never faults and changes no result.
CEXT_INLINE void prefetch(const double* p) {
#if defined(__GNUC__)
    __builtin_prefetch(p);
#else
    (void)p;
#endif
}

// Asks for the input of points [first, first + count), cut at the end of the input.
CEXT_INLINE void prefetch_points(const EscapeCountsArgs& a, std::ptrdiff_t first, std::ptrdiff_t count) {
    constexpr std::ptrdiff_t kLineDoubles = 8;  // 64-byte cache lines
    const std::ptrdiff_t end = 2 * std::min(a.n, first + count);
    for (std::ptrdiff_t k = 2 * first; k < end; k += kLineDoubles) {
        prefetch(a.z + k);
        if (!a.c_is_scalar) {
            prefetch(a.c + k);
        }
    }
}

// The points of a chunk still going after a round, packed: lane state and each point's index, in the call's
// scratch; and the points done in the current round, with their counts.
//
// While every point of the chunk has the same c (a scalar c, or an array of one value, as the book's calls pass
// it), that c is kept once, in `same_c`, and the rounds neither pack nor load it: the first round checks the
// c of each group it loads, and at the first that differs, writes the one c into the slots of the survivors
// packed so far and packs c from then on.
struct Survivors {
    double *zr, *zi, *cr, *ci;
    std::int64_t *point, *done_point, *done_count;
    std::ptrdiff_t count;
    bool same_c;
    double c_re, c_im;  // every point's c while same_c

    Survivors(const EscapeScratch& scratch, const EscapeCountsArgs& a, std::ptrdiff_t begin)
        : zr(scratch.values),
          zi(zr + scratch.capacity),
          cr(zi + scratch.capacity),
          ci(cr + scratch.capacity),
          point(scratch.points),
          done_point(point + scratch.capacity),
          done_count(done_point + scratch.capacity),
          count(0),
          same_c(true),
          c_re(a.c_is_scalar ? a.c[0] : a.c[2 * begin]),
          c_im(a.c_is_scalar ? a.c[1] : a.c[2 * begin + 1]) {}
};

// One vector of points in a round.
template <class S>
struct Lanes {
    typename S::vec zr, zi, cr, ci;
    typename S::counter n, point;
    typename S::mask live;
    unsigned valid;  // lanes that hold a point
};

CEXT_INLINE unsigned lane_count(unsigned bits) {
#if defined(__GNUC__)
    return static_cast<unsigned>(__builtin_popcount(bits));
#else
    unsigned n = 0;
    for (; bits != 0; bits &= bits - 1) {
        ++n;
    }
    return n;
#endif
}

CEXT_INLINE unsigned first_lanes(std::ptrdiff_t count, int lanes) {
    return count >= lanes ? (1U << lanes) - 1 : count <= 0 ? 0U : (1U << count) - 1;
}

// Loads points [first, first + count) of the input, count <= lanes, into z and c; the lanes past `count` hold
// `pad` (their loads are made from a copy, so that none reads past the arrays).
template <class S>
CEXT_INLINE void load_points(const EscapeCountsArgs& a, std::ptrdiff_t first, std::ptrdiff_t count, double pad,
                             typename S::vec& zr, typename S::vec& zi, typename S::vec& cr, typename S::vec& ci) {
    constexpr int L = S::lanes;
    const double* z = a.z + 2 * first;
    const double* c = a.c_is_scalar ? a.c : a.c + 2 * first;
    double zpad[2 * L], cpad[2 * L];
    if (count < L) {
        std::fill(zpad, zpad + 2 * L, pad);
        std::copy(z, z + 2 * count, zpad);
        z = zpad;
        if (!a.c_is_scalar) {
            std::fill(cpad, cpad + 2 * L, pad);
            std::copy(c, c + 2 * count, cpad);
            c = cpad;
        }
    }
    S::load_complex(z, zr, zi);
    if (a.c_is_scalar) {
        cr = S::splat(c[0]);
        ci = S::splat(c[1]);
    } else {
        S::load_complex(c, cr, ci);
    }
}

// The first round's vector of points [first, first + lanes) of the input, cut at `end`. Lanes past the end
// hold no point (they are never read or written).
template <class S>
CEXT_INLINE void load_from_input(Lanes<S>& v, const EscapeCountsArgs& a, std::ptrdiff_t first, std::ptrdiff_t end) {
    constexpr int L = S::lanes;
    v.valid = first_lanes(end - first, L);
    v.n = S::counter_zero();
    v.point = S::counter_index(first);
    v.live = S::lanes_mask(v.valid);
    if (v.valid == 0) {  // a placeholder in the chunk's last group
        v.zr = v.zi = v.cr = v.ci = S::splat(0.0);
        return;
    }
    load_points<S>(a, first, std::min<std::ptrdiff_t>(L, end - first), 0.0, v.zr, v.zi, v.cr, v.ci);
}

// A later round's vector: survivors [first, first + lanes) of `total`, every one of which has counted `counted`
// so far.
template <class S>
CEXT_INLINE void load_survivors(Lanes<S>& v, const Survivors& s, std::ptrdiff_t first, std::ptrdiff_t total,
                                std::int64_t counted) {
    v.valid = first_lanes(total - first, S::lanes);
    v.n = S::counter_splat(counted);
    v.live = S::lanes_mask(v.valid);
    if (v.valid == 0) {  // a placeholder in the last group
        v.point = S::counter_zero();
        v.zr = v.zi = v.cr = v.ci = S::splat(0.0);
        return;
    }
    // The lanes past the last survivor hold the zeros the previous round wrote there: they are not live, and
    // never stored.
    v.point = S::load_counters(s.point + first);
    v.zr = S::loadu(s.zr + first);
    v.zi = S::loadu(s.zi + first);
    if (s.same_c) {
        v.cr = S::splat(s.c_re);
        v.ci = S::splat(s.c_im);
    } else {
        v.cr = S::loadu(s.cr + first);
        v.ci = S::loadu(s.ci + first);
    }
}

// Whether the points of `v` have c = (re, im), bit for bit.
template <class S>
CEXT_INLINE bool has_c(const Lanes<S>& v, typename S::vec re, typename S::vec im) {
    return (S::same_bits(v.cr, re) & S::same_bits(v.ci, im) & v.valid) == v.valid;
}

// A first-round group just loaded, while the chunk's points so far have had one c: if some point of the group
// has another, the survivors packed so far are given that one c, and c is packed from now on.
template <class S>
CEXT_INLINE void check_same_c(Survivors& s, const Lanes<S>& v0, const Lanes<S>& v1, const Lanes<S>& v2,
                              const Lanes<S>& v3) {
    const typename S::vec re = S::splat(s.c_re), im = S::splat(s.c_im);
    if (!(has_c(v0, re, im) && has_c(v1, re, im) && has_c(v2, re, im) && has_c(v3, re, im))) {
        std::fill(s.cr, s.cr + s.count, s.c_re);
        std::fill(s.ci, s.ci + s.count, s.c_im);
        s.same_c = false;
    }
}

// One iteration of one vector. A lane that has failed the test stays failed (its z keeps changing, its count
// does not).
template <class S, class Vector>
CEXT_INLINE void iterate(Vector& v, typename S::vec four) {
    using vec = typename S::vec;
    const vec zr2 = S::mul(v.zr, v.zr);
    const vec zi2 = S::mul(v.zi, v.zi);
    v.live = S::less_where(v.live, S::add(zr2, zi2), four);
    v.n = S::count_if(v.n, v.live);
    // zr*zi + zi*zr: both products are the same IEEE result t, so the sum is t + t.
    const vec t = S::mul(v.zr, v.zi);
    v.zr = S::add(S::sub(zr2, zi2), v.cr);
    v.zi = S::add(S::add(t, t), v.ci);
}

// `iterations` iterations of the first `vectors` of a group (the others hold no point): a round's last group is
// often short, and in a call of a few points every group is, where iterating the empty vectors would take the
// ports from the full ones.
template <class S>
CEXT_INLINE void iterate_group(std::ptrdiff_t vectors, std::int64_t iterations, typename S::vec four, Lanes<S>& v0,
                               Lanes<S>& v1, Lanes<S>& v2, Lanes<S>& v3) {
    static_assert(kGroup == 4, "one case per group size");
    switch (vectors) {
        case 1:
            for (std::int64_t k = 0; k < iterations; ++k) {
                iterate<S>(v0, four);
            }
            break;
        case 2:
            for (std::int64_t k = 0; k < iterations; ++k) {
                iterate<S>(v0, four);
                iterate<S>(v1, four);
            }
            break;
        case 3:
            for (std::int64_t k = 0; k < iterations; ++k) {
                iterate<S>(v0, four);
                iterate<S>(v1, four);
                iterate<S>(v2, four);
            }
            break;
        default:
            for (std::int64_t k = 0; k < iterations; ++k) {
                iterate<S>(v0, four);
                iterate<S>(v1, four);
                iterate<S>(v2, four);
                iterate<S>(v3, four);
            }
    }
}

// After a round: the lanes still live go on (unless the round reached maxiter), packed at `s.count`; the others
// are done. In the first round every lane's count is written where it belongs (a survivor's is overwritten when
// it is done); later, the done lanes' counts are noted in the buffer's done list. No lane here has counted past
// maxiter: no round runs past it.
template <class S>
CEXT_INLINE void settle(const Lanes<S>& v, Survivors& s, std::ptrdiff_t& done, const EscapeCountsArgs& a,
                        std::ptrdiff_t first_point, bool first_round, bool last_round) {
    const unsigned going = last_round ? 0U : S::lane_bits(v.live) & v.valid;
    if (first_round) {
        if (v.valid == (1U << S::lanes) - 1) {
            S::store_counts(a.counts + first_point, v.n);
        } else {
            std::int64_t n[S::lanes];
            S::store_counters(n, v.n);
            for (unsigned k = 0; (v.valid >> k) & 1U; ++k) {
                a.counts[first_point + k] = static_cast<std::int32_t>(n[k]);
            }
        }
    } else {
        const unsigned finished = v.valid & ~going;
        if (finished != 0) {
            S::store_counters(s.done_point + done, S::compress_counters(v.point, finished));
            S::store_counters(s.done_count + done, S::compress_counters(v.n, finished));
            done += lane_count(finished);
        }
    }
    // A vector whose points all go on is stored as it is, and one whose points are all done not at all: points
    // far from the set's edge escape, or stay, together, and compressing costs more than the other stores.
    const std::ptrdiff_t to = s.count;
    if (going == (1U << S::lanes) - 1) {
        S::storeu(s.zr + to, v.zr);
        S::storeu(s.zi + to, v.zi);
        if (!s.same_c) {
            S::storeu(s.cr + to, v.cr);
            S::storeu(s.ci + to, v.ci);
        }
        S::store_counters(s.point + to, v.point);
    } else if (going != 0) {
        // Whole vectors are stored: the lanes past the survivors land on this vector's own, already loaded, points.
        S::storeu(s.zr + to, S::compress(v.zr, going));
        S::storeu(s.zi + to, S::compress(v.zi, going));
        if (!s.same_c) {
            S::storeu(s.cr + to, S::compress(v.cr, going));
            S::storeu(s.ci + to, S::compress(v.ci, going));
        }
        S::store_counters(s.point + to, S::compress_counters(v.point, going));
    }
    s.count += lane_count(going);
}

// Runs one round of `iterations` over the chunk [begin, end) (first round) or over the survivors, which it
// replaces with the survivors of this round, in place: a group is loaded before anything of it is stored, and
// survivors never move up. Checks for cancellation between groups, every kIterationsPerCheck iterations of a
// group (a round of long orbits in the subnormal range, whose arithmetic is slowest, takes far longer than the
// 20 ms between two polls). Returns false if cancelled.
template <class S>
bool run_round(const EscapeCountsArgs& a, std::ptrdiff_t begin, std::ptrdiff_t end, Survivors& s, std::int64_t counted,
               std::int64_t iterations, bool first_round, std::int64_t& until_check, CancelToken& cancel) {
    constexpr int L = S::lanes;
    const bool last_round = counted + iterations >= a.maxiter;
    const typename S::vec four = S::splat(4.0);
    const std::ptrdiff_t total = first_round ? end - begin : s.count;
    s.count = 0;
    std::ptrdiff_t done = 0;
    for (std::ptrdiff_t g = 0; g < total; g += kGroup * L) {
        until_check -= iterations;
        if (until_check <= 0) {
            until_check = kIterationsPerCheck;
            if (cancel.check()) {
                return false;
            }
        }
        Lanes<S> v0, v1, v2, v3;
        if (first_round) {
            prefetch_points(a, begin + g + kPrefetchPoints, kGroup * L);
            load_from_input(v0, a, begin + g, end);
            load_from_input(v1, a, begin + g + L, end);
            load_from_input(v2, a, begin + g + 2 * L, end);
            load_from_input(v3, a, begin + g + 3 * L, end);
            if (s.same_c && !a.c_is_scalar) {
                check_same_c(s, v0, v1, v2, v3);
            }
        } else {
            load_survivors(v0, s, g, total, counted);
            load_survivors(v1, s, g + L, total, counted);
            load_survivors(v2, s, g + 2 * L, total, counted);
            load_survivors(v3, s, g + 3 * L, total, counted);
        }
        iterate_group<S>((std::min<std::ptrdiff_t>(total - g, kGroup * L) + L - 1) / L, iterations, four, v0, v1, v2,
                         v3);
        settle(v0, s, done, a, begin + g, first_round, last_round);
        settle(v1, s, done, a, begin + g + L, first_round, last_round);
        settle(v2, s, done, a, begin + g + 2 * L, first_round, last_round);
        settle(v3, s, done, a, begin + g + 3 * L, first_round, last_round);
    }
    for (std::ptrdiff_t i = 0; i < done; ++i) {
        a.counts[s.done_point[i]] = static_cast<std::int32_t>(s.done_count[i]);
    }
    // The next round's last vector also loads the lanes past the survivors, which no store of this round need
    // have reached: zeros keep their (discarded) arithmetic finite and fast.
    for (std::ptrdiff_t i = s.count; i % L != 0; ++i) {
        s.point[i] = 0;
        s.zr[i] = s.zi[i] = 0.0;
        if (!s.same_c) {
            s.cr[i] = s.ci[i] = 0.0;
        }
    }
    return true;
}

// Escape counts of points [begin, end) in rounds, the survivors packed in `scratch`. Returns false if cancelled.
template <class S>
bool escape_in_rounds(const EscapeCountsArgs& a, std::ptrdiff_t begin, std::ptrdiff_t end, const EscapeScratch& scratch,
                      CancelToken& cancel) {
    static_assert(kGroup * S::lanes <= kEscapeGroupPoints, "a round's groups must tile the scratch's capacity");
    Survivors s(scratch, a, begin);
    std::int64_t counted = 0, until_check = kIterationsPerCheck;
    std::int64_t iterations = std::min<std::int64_t>(kFirstRound, a.maxiter);
    if (!run_round<S>(a, begin, end, s, counted, iterations, true, until_check, cancel)) {
        return false;
    }
    while (s.count > 0) {
        counted += iterations;
        iterations = std::min({iterations + iterations / 2, kLongestRound, a.maxiter - counted});
        if (!run_round<S>(a, begin, end, s, counted, iterations, false, until_check, cancel)) {
            return false;
        }
    }
    return true;
}

// ---- vectors of 1 or 2 points: whole vectors in flight ----

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
    load_points<S>(a, next, std::min<std::ptrdiff_t>(L, end - next), std::numeric_limits<double>::quiet_NaN(), slot.zr,
                   slot.zi, slot.cr, slot.ci);
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
bool escape_in_slots(const EscapeCountsArgs& a, std::ptrdiff_t begin, std::ptrdiff_t end, CancelToken& cancel) {
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
            iterate<S>(s0, four);
            iterate<S>(s1, four);
            iterate<S>(s2, four);
            iterate<S>(s3, four);
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

// Escape counts of points [begin, end), at most scratch.capacity of them. Returns false if cancelled.
template <class S>
bool escape_range(const EscapeCountsArgs& a, std::ptrdiff_t begin, std::ptrdiff_t end, const EscapeScratch& scratch,
                  CancelToken& cancel) {
    if constexpr (S::lanes > 2) {
        return escape_in_rounds<S>(a, begin, end, scratch, cancel);
    } else {
        return escape_in_slots<S>(a, begin, end, cancel);
    }
}

}  // namespace cext::CEXT_ISA
