// Which kernel tables this build has and which of them this CPU can run.
//
// AVX and AVX-512 need both the CPU feature bit and the operating system's consent to save the wider registers
// (XCR0), so detection reads CPUID and XGETBV directly rather than trusting a compiler builtin.
#include "cext/kernels.hpp"
#include "cext/simd.hpp"

#include <cstdint>
#include <cstring>

#if defined(CEXT_X86)
#if defined(_MSC_VER)
#include <intrin.h>
#else
#include <cpuid.h>
#endif
#endif

namespace cext {

namespace {

#if defined(CEXT_X86)
struct CpuFeatures {
    bool avx2 = false;
    bool avx512f = false;
};

void cpuid(std::uint32_t leaf, std::uint32_t subleaf, std::uint32_t regs[4]) {
#if defined(_MSC_VER)
    int r[4];
    __cpuidex(r, static_cast<int>(leaf), static_cast<int>(subleaf));
    std::memcpy(regs, r, sizeof(r));
#else
    __cpuid_count(leaf, subleaf, regs[0], regs[1], regs[2], regs[3]);
#endif
}

std::uint64_t xgetbv0() {
#if defined(_MSC_VER)
    return _xgetbv(0);
#else
    std::uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return (static_cast<std::uint64_t>(edx) << 32) | eax;
#endif
}

CpuFeatures detect() {
    CpuFeatures f;
    std::uint32_t r[4];
    cpuid(0, 0, r);
    const std::uint32_t max_leaf = r[0];
    if (max_leaf < 7) {
        return f;
    }
    cpuid(1, 0, r);
    const bool osxsave = (r[2] >> 27) & 1;
    const bool avx = (r[2] >> 28) & 1;
    if (!osxsave || !avx) {
        return f;
    }
    const std::uint64_t xcr0 = xgetbv0();
    const bool ymm_state = (xcr0 & 0x6) == 0x6;            // SSE + AVX state
    const bool zmm_state = (xcr0 & 0xE6) == 0xE6;          // + opmask, ZMM_Hi256, Hi16_ZMM
    cpuid(7, 0, r);
    f.avx2 = ymm_state && ((r[1] >> 5) & 1);
    f.avx512f = f.avx2 && zmm_state && ((r[1] >> 16) & 1);
    return f;
}

const CpuFeatures& features() {
    static const CpuFeatures f = detect();
    return f;
}
#endif

}  // namespace

const KernelTable* const* compiled_kernels(int* count) noexcept {
    static const KernelTable* const tables[] = {
        &kernels_baseline(),
#if defined(CEXT_HAVE_AVX2)
        &kernels_avx2(),
#endif
#if defined(CEXT_HAVE_AVX512)
        &kernels_avx512(),
#endif
    };
    *count = static_cast<int>(sizeof(tables) / sizeof(tables[0]));
    return tables;
}

bool cpu_supports(const KernelTable& table) noexcept {
    if (std::strcmp(table.name, "baseline") == 0) {
        return true;
    }
#if defined(CEXT_X86)
    if (std::strcmp(table.name, "avx2") == 0) {
        return features().avx2;
    }
    if (std::strcmp(table.name, "avx512") == 0) {
        return features().avx512f;
    }
#endif
    return false;
}

}  // namespace cext
