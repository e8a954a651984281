// SIMD backends for the kernels: one small struct per instruction set, all with the same static interface,
// so each kernel is written once as a template and instantiated per backend.
//
// Interface of a backend S:
//   S::lanes                       doubles per vector
//   S::vec, S::mask                vector of doubles, lane predicate
//   splat, loadu, storeu, stream (aligned non-temporal store; `align` bytes), fence
//   shifts_neighbours              true if the two below are cheaper than unaligned loads (they then exist):
//   left_neighbours(prev, cur)     lane k holds element k - 1 of the pair (prev, cur): prev's last, then cur's
//   right_neighbours(cur, next)    lane k holds element k + 1 of the pair (cur, next): cur's from 1, then next's
//   partial_vectors                true if these two exist:
//   load_first(p, n), store_first(p, n, v)   lanes [0, n) only (n < lanes); other lanes read as zero, and
//                                  nothing beyond lane n - 1 is read or written
//   add, sub, mul                  exactly one IEEE-754 operation per lane, never fused
//   less_where(m, a, b)           m && a < b per lane (ordered: false on NaN)
//   S::counter                     int64 lane counters (integer pipes, so they do not compete with the FP adds)
//   counter_zero, count_if(n, m)   n + 1 where m holds
//   store_counts(dst, n)           n converted to int32, `lanes` values
//   store_counters(dst, n)         n as it is, `lanes` int64 values
//   load_complex(p, re, im)        de-interleave `lanes` complex128 values starting at p
// and, for backends of 1 or 2 lanes (whose escape counts refill whole vectors):
//   all_true(), any(m)             the mask of every lane; whether m holds in some lane
// or, for backends of more than 2 lanes (whose escape counts run in rounds of packed points):
//   lanes_mask(bits)               the mask true in the lanes of `bits` (lane k is bit k), lane_bits(m) back
//   counter_splat(x), counter_index(first)   x in every lane; first + k in lane k
//   load_counters(p)               `lanes` int64 values
//   compress(v, bits), compress_counters(n, bits)   the lanes of `bits` moved, in order, to the lowest lanes
//                                  (the lanes above them hold anything)
//   same_bits(a, b)                the lanes (as bits) where a and b hold the same 64 bits
//
// The files that instantiate a backend are compiled with the matching -m flags; nothing here checks the CPU.
// Arithmetic exactness relies on -ffp-contract=off (no FMA contraction) and SSE2 (not x87) floating point.
//
// Included only by per-instruction-set code: everything lands in the namespace that CEXT_ISA names, so the
// copies compiled with different flags never share a symbol.
#pragma once

#include "cext/isa_namespace.hpp"

#include <cstddef>
#include <cstdint>

#include "cext/platform.hpp"

#if defined(CEXT_X86)
#include <immintrin.h>
#endif

namespace cext::CEXT_ISA::simd {

// Portable fallback: one lane of plain C++ arithmetic. Used on every non-x86 target.
struct Scalar {
    static constexpr int lanes = 1;
    static constexpr std::size_t align = alignof(double);
    using vec = double;
    using mask = bool;

    static vec splat(double x) { return x; }
    static vec loadu(const double* p) { return *p; }
    static constexpr bool shifts_neighbours = false;
    static constexpr bool partial_vectors = false;
    static void storeu(double* p, vec v) { *p = v; }
    static void stream(double* p, vec v) { *p = v; }
    static void fence() {}
    static vec add(vec a, vec b) { return a + b; }
    static vec sub(vec a, vec b) { return a - b; }
    static vec mul(vec a, vec b) { return a * b; }
    static mask less_where(mask m, vec a, vec b) { return m && a < b; }
    static mask all_true() { return true; }
    static bool any(mask m) { return m; }
    using counter = std::int64_t;
    static counter counter_zero() { return 0; }
    static counter count_if(counter n, mask m) { return n + (m ? 1 : 0); }
    static void store_counts(std::int32_t* dst, counter n) { *dst = static_cast<std::int32_t>(n); }
    static void store_counters(std::int64_t* dst, counter n) { *dst = n; }
    static void load_complex(const double* p, vec& re, vec& im) {
        re = p[0];
        im = p[1];
    }
};

#if defined(CEXT_X86) && (defined(__SSE2__) || defined(_M_X64) || (defined(_M_IX86_FP) && _M_IX86_FP >= 2))
// Baseline x86-64: every x86-64 CPU has SSE2 (2 doubles).
struct SSE2 {
    static constexpr int lanes = 2;
    static constexpr std::size_t align = 16;
    using vec = __m128d;
    using mask = __m128d;  // all-ones / all-zeros lanes

    static vec splat(double x) { return _mm_set1_pd(x); }
    static vec loadu(const double* p) { return _mm_loadu_pd(p); }
    static constexpr bool shifts_neighbours = false;  // 16-byte loads at j - 1 split a cache line 1 time in 4
    static constexpr bool partial_vectors = false;
    static void storeu(double* p, vec v) { _mm_storeu_pd(p, v); }
    static void stream(double* p, vec v) { _mm_stream_pd(p, v); }
    static void fence() { _mm_sfence(); }
    static vec add(vec a, vec b) { return _mm_add_pd(a, b); }
    static vec sub(vec a, vec b) { return _mm_sub_pd(a, b); }
    static vec mul(vec a, vec b) { return _mm_mul_pd(a, b); }
    static mask less_where(mask m, vec a, vec b) { return _mm_and_pd(m, _mm_cmplt_pd(a, b)); }
    static mask all_true() { return _mm_castsi128_pd(_mm_set1_epi32(-1)); }
    static bool any(mask m) { return _mm_movemask_pd(m) != 0; }
    using counter = __m128i;
    static counter counter_zero() { return _mm_setzero_si128(); }
    // A true lane is all ones, i.e. the integer -1: subtracting it adds one.
    static counter count_if(counter n, mask m) { return _mm_sub_epi64(n, _mm_castpd_si128(m)); }
    static void store_counts(std::int32_t* dst, counter n) {
        alignas(16) std::int64_t v[2];
        _mm_store_si128(reinterpret_cast<__m128i*>(v), n);
        dst[0] = static_cast<std::int32_t>(v[0]);
        dst[1] = static_cast<std::int32_t>(v[1]);
    }
    static void store_counters(std::int64_t* dst, counter n) { _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), n); }
    static void load_complex(const double* p, vec& re, vec& im) {
        const vec a = _mm_loadu_pd(p);      // re0 im0
        const vec b = _mm_loadu_pd(p + 2);  // re1 im1
        re = _mm_unpacklo_pd(a, b);
        im = _mm_unpackhi_pd(a, b);
    }
};
#endif

#if defined(CEXT_X86) && defined(__AVX2__)
// AVX2 (4 doubles). Compiled only in the translation unit built with -mavx2.
struct AVX2 {
    static constexpr int lanes = 4;
    static constexpr std::size_t align = 32;
    using vec = __m256d;
    using mask = __m256d;

    static vec splat(double x) { return _mm256_set1_pd(x); }
    static vec loadu(const double* p) { return _mm256_loadu_pd(p); }
    // A neighbour shifted in registers takes two shuffles on AVX2 (it has no cross-lane align), while half of
    // the 32-byte loads at j - 1 and j + 1 stay within a cache line: the loads are cheaper.
    static constexpr bool shifts_neighbours = false;
    static constexpr bool partial_vectors = false;
    static void storeu(double* p, vec v) { _mm256_storeu_pd(p, v); }
    static void stream(double* p, vec v) { _mm256_stream_pd(p, v); }
    static void fence() { _mm_sfence(); }
    static vec add(vec a, vec b) { return _mm256_add_pd(a, b); }
    static vec sub(vec a, vec b) { return _mm256_sub_pd(a, b); }
    static vec mul(vec a, vec b) { return _mm256_mul_pd(a, b); }
    static mask less_where(mask m, vec a, vec b) { return _mm256_and_pd(m, _mm256_cmp_pd(a, b, _CMP_LT_OQ)); }
    using counter = __m256i;
    static counter counter_zero() { return _mm256_setzero_si256(); }
    static counter count_if(counter n, mask m) { return _mm256_sub_epi64(n, _mm256_castpd_si256(m)); }
    static void store_counts(std::int32_t* dst, counter n) {
        // Low 32 bits of each 64-bit lane, in order (counts are < 2**31).
        const __m256i low = _mm256_permutevar8x32_epi32(n, _mm256_setr_epi32(0, 2, 4, 6, 0, 0, 0, 0));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), _mm256_castsi256_si128(low));
    }
    static void store_counters(std::int64_t* dst, counter n) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), n);
    }
    static void load_complex(const double* p, vec& re, vec& im) {
        const vec a = _mm256_loadu_pd(p);         // r0 i0 r1 i1
        const vec b = _mm256_loadu_pd(p + 4);     // r2 i2 r3 i3
        const vec lo = _mm256_unpacklo_pd(a, b);  // r0 r2 r1 r3
        const vec hi = _mm256_unpackhi_pd(a, b);  // i0 i2 i1 i3
        re = _mm256_permute4x64_pd(lo, _MM_SHUFFLE(3, 1, 2, 0));
        im = _mm256_permute4x64_pd(hi, _MM_SHUFFLE(3, 1, 2, 0));
    }
    static __m256i lanes_of(unsigned bits) {  // all ones in the lanes of `bits`
        const __m256i bit = _mm256_setr_epi64x(1, 2, 4, 8);
        return _mm256_cmpeq_epi64(_mm256_and_si256(_mm256_set1_epi64x(bits), bit), bit);
    }
    static mask lanes_mask(unsigned bits) { return _mm256_castsi256_pd(lanes_of(bits)); }
    static unsigned lane_bits(mask m) { return static_cast<unsigned>(_mm256_movemask_pd(m)); }
    static counter counter_splat(std::int64_t x) { return _mm256_set1_epi64x(x); }
    static counter counter_index(std::int64_t first) {
        return _mm256_add_epi64(_mm256_set1_epi64x(first), _mm256_setr_epi64x(0, 1, 2, 3));
    }
    static counter load_counters(const std::int64_t* p) {
        return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    }
    // AVX2 has no compress: a permutation of 32-bit halves from a table of the 16 lane sets.
    static counter compress_counters(counter n, unsigned bits) {
        return _mm256_permutevar8x32_epi32(
            n, _mm256_load_si256(reinterpret_cast<const __m256i*>(compress_table().order[bits])));
    }
    static vec compress(vec v, unsigned bits) {
        return _mm256_castsi256_pd(compress_counters(_mm256_castpd_si256(v), bits));
    }
    static unsigned same_bits(vec a, vec b) {
        return lane_bits(_mm256_castsi256_pd(_mm256_cmpeq_epi64(_mm256_castpd_si256(a), _mm256_castpd_si256(b))));
    }
    struct CompressTable {
        alignas(32) std::int32_t order[16][8];
    };
    static const CompressTable& compress_table() {
        static constexpr CompressTable table = [] {
            CompressTable t{};
            for (unsigned bits = 0; bits < 16; ++bits) {
                int to = 0;
                for (int lane = 0; lane < 4; ++lane) {
                    if ((bits >> lane) & 1U) {
                        t.order[bits][2 * to] = 2 * lane;
                        t.order[bits][2 * to + 1] = 2 * lane + 1;
                        ++to;
                    }
                }
            }
            return t;
        }();
        return table;
    }
};
#endif

#if defined(CEXT_X86) && defined(__AVX512F__)
// AVX-512F (8 doubles, mask registers). Compiled only in the translation unit built with -mavx512f.
struct AVX512 {
    static constexpr int lanes = 8;
    static constexpr std::size_t align = 64;
    using vec = __m512d;
    using mask = __mmask8;

    static vec splat(double x) { return _mm512_set1_pd(x); }
    static vec loadu(const double* p) { return _mm512_loadu_pd(p); }
    // A 64-byte load at j - 1 or j + 1 always splits a cache line, while one valignq shifts the neighbour in from
    // the aligned vector next door. (maskz forms: GCC 12's unmasked intrinsics trip -Wmaybe-uninitialized on
    // their own placeholder.)
    static constexpr bool shifts_neighbours = true;
    static vec left_neighbours(vec prev, vec cur) {  // prev7 cur0 ... cur6
        return _mm512_castsi512_pd(
            _mm512_maskz_alignr_epi64(0xFF, _mm512_castpd_si512(cur), _mm512_castpd_si512(prev), 7));
    }
    static vec right_neighbours(vec cur, vec next) {  // cur1 ... cur7 next0
        return _mm512_castsi512_pd(
            _mm512_maskz_alignr_epi64(0xFF, _mm512_castpd_si512(next), _mm512_castpd_si512(cur), 1));
    }
    static void storeu(double* p, vec v) { _mm512_storeu_pd(p, v); }
    // Masked loads and stores: the lanes masked off are never touched, so they cannot fault.
    static constexpr bool partial_vectors = true;
    static vec load_first(const double* p, std::ptrdiff_t n) {
        return _mm512_maskz_loadu_pd(static_cast<mask>((1u << n) - 1u), p);
    }
    static void store_first(double* p, std::ptrdiff_t n, vec v) {
        _mm512_mask_storeu_pd(p, static_cast<mask>((1u << n) - 1u), v);
    }
    static void stream(double* p, vec v) { _mm512_stream_pd(p, v); }
    static void fence() { _mm_sfence(); }
    static vec add(vec a, vec b) { return _mm512_add_pd(a, b); }
    static vec sub(vec a, vec b) { return _mm512_sub_pd(a, b); }
    static vec mul(vec a, vec b) { return _mm512_mul_pd(a, b); }
    static mask less_where(mask m, vec a, vec b) { return _mm512_mask_cmp_pd_mask(m, a, b, _CMP_LT_OQ); }
    using counter = __m512i;
    static counter counter_zero() { return _mm512_setzero_si512(); }
    static counter count_if(counter n, mask m) { return _mm512_mask_add_epi64(n, m, n, _mm512_set1_epi64(1)); }
    static void store_counts(std::int32_t* dst, counter n) {
        // maskz form, as above.
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), _mm512_maskz_cvtepi64_epi32(0xFF, n));
    }
    static void store_counters(std::int64_t* dst, counter n) { _mm512_storeu_si512(dst, n); }
    static void load_complex(const double* p, vec& re, vec& im) {
        const vec a = _mm512_loadu_pd(p);
        const vec b = _mm512_loadu_pd(p + 8);
        const __m512i even = _mm512_set_epi64(14, 12, 10, 8, 6, 4, 2, 0);
        const __m512i odd = _mm512_set_epi64(15, 13, 11, 9, 7, 5, 3, 1);
        re = _mm512_permutex2var_pd(a, even, b);
        im = _mm512_permutex2var_pd(a, odd, b);
    }
    static mask lanes_mask(unsigned bits) { return static_cast<mask>(bits); }
    static unsigned lane_bits(mask m) { return m; }
    static counter counter_splat(std::int64_t x) { return _mm512_set1_epi64(x); }
    static counter counter_index(std::int64_t first) {
        return _mm512_add_epi64(_mm512_set1_epi64(first), _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7));
    }
    static counter load_counters(const std::int64_t* p) { return _mm512_loadu_si512(p); }
    // Compress into a register, then an ordinary store: a compressing store to memory is slow on some CPUs.
    static vec compress(vec v, unsigned bits) { return _mm512_maskz_compress_pd(static_cast<mask>(bits), v); }
    static counter compress_counters(counter n, unsigned bits) {
        return _mm512_maskz_compress_epi64(static_cast<mask>(bits), n);
    }
    static unsigned same_bits(vec a, vec b) {
        return _mm512_cmpeq_epi64_mask(_mm512_castpd_si512(a), _mm512_castpd_si512(b));
    }
};
#endif

}  // namespace cext::CEXT_ISA::simd
