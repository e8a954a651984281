// Which kernel tables this build has, which of them this CPU can run, and which one runs.
//
// AVX and AVX-512 need both the CPU feature bit and the operating system's consent to save the wider registers
// (XCR0), so detection reads CPUID and XGETBV directly rather than trusting a compiler builtin.
#include "cext/dispatch.hpp"

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__) || defined(_M_IX86)
#define CEXT_X86_CPUID 1
#if defined(_MSC_VER)
#include <intrin.h>
#else
#include <cpuid.h>
#endif
#endif

namespace cext {

// One table per instruction set, each defined in its src/isa_*.cpp; setup.py announces the ones it compiled.
namespace baseline {
extern const KernelTable kernel_table;
}
#if defined(CEXT_HAVE_AVX2)
namespace avx2 {
extern const KernelTable kernel_table;
}
#endif
#if defined(CEXT_HAVE_AVX512)
namespace avx512 {
extern const KernelTable kernel_table;
}
#endif

namespace dispatch {

namespace {

// Priority order: the first table the CPU supports wins.
const KernelTable* const kTables[] = {
#if defined(CEXT_HAVE_AVX512)
    &avx512::kernel_table,
#endif
#if defined(CEXT_HAVE_AVX2)
    &avx2::kernel_table,
#endif
    &baseline::kernel_table,
};

#if defined(CEXT_X86_CPUID)
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
#endif

unsigned detect_features() {
    unsigned features = kNoFeatures;
#if defined(CEXT_X86_CPUID)
    std::uint32_t r[4];
    cpuid(0, 0, r);
    if (r[0] < 7) {  // no leaf 7: no AVX2
        return features;
    }
    cpuid(1, 0, r);
    const bool osxsave = (r[2] >> 27) & 1;
    const bool avx = (r[2] >> 28) & 1;
    if (!osxsave || !avx) {
        return features;
    }
    const std::uint64_t xcr0 = xgetbv0();
    const bool ymm_state = (xcr0 & 0x6) == 0x6;    // SSE + AVX state
    const bool zmm_state = (xcr0 & 0xE6) == 0xE6;  // + opmask, ZMM_Hi256, Hi16_ZMM
    cpuid(7, 0, r);
    if (ymm_state && ((r[1] >> 5) & 1)) {
        features |= kAvx2;
    }
    if (zmm_state && ((r[1] >> 16) & 1)) {
        features |= kAvx512f;
    }
#endif
    return features;
}

std::atomic<const KernelTable*> active_table{nullptr};

}  // namespace

TableList compiled() noexcept { return {std::begin(kTables), std::end(kTables)}; }

unsigned cpu_features() noexcept {
    static const unsigned features = detect_features();
    return features;
}

bool supported(const KernelTable& table) noexcept {
    return (cpu_features() & table.required_features) == table.required_features;
}

const KernelTable* find(const char* name) noexcept {
    for (const KernelTable* table : compiled()) {
        if (std::strcmp(table->name, name) == 0) {
            return table;
        }
    }
    return nullptr;
}

const KernelTable& best() noexcept {
    for (const KernelTable* table : compiled()) {
        if (supported(*table)) {
            return *table;
        }
    }
    return baseline::kernel_table;  // unreachable: baseline requires nothing
}

const KernelTable& active() noexcept {
    const KernelTable* table = active_table.load(std::memory_order_acquire);
    return table != nullptr ? *table : best();
}

const KernelTable& use(const KernelTable& table) noexcept {
    const KernelTable* previous = active_table.exchange(&table, std::memory_order_acq_rel);
    return previous != nullptr ? *previous : best();
}

Selection select_from_environment() noexcept {
    const char* requested = std::getenv("CEXT_SIMD");
    if (requested == nullptr || *requested == '\0') {
        use(best());
        return {&best(), nullptr, nullptr};
    }
    const KernelTable* table = find(requested);
    const char* problem = table == nullptr     ? "not compiled into this build"
                          : !supported(*table) ? "not supported by this CPU"
                                               : nullptr;
    use(problem == nullptr ? *table : best());
    return {&active(), requested, problem};
}

}  // namespace dispatch
}  // namespace cext
