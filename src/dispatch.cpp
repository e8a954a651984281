// Which kernel tables this build has, which of them this CPU can run, and which one runs.
//
// AVX and AVX-512 need both the CPU feature bit and the operating system's consent to save the wider registers
// (XCR0), so detection reads CPUID and XGETBV directly rather than trusting a compiler builtin.
#include "cext/dispatch.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "cext/isa_list.hpp"
#include "cext/platform.hpp"

#if defined(CEXT_X86)
#if defined(_MSC_VER)
#include <intrin.h>
#else
#include <cpuid.h>
#endif
#endif

namespace cext::dispatch {

namespace {

// The tables this build has: the list's sets that setup.py compiled, in the list's priority order, then the
// baseline. Each set's macro is 1 or 0, so `if constexpr` leaves out the others, and a table named only in a
// discarded branch need not exist when the module is linked.
struct CompiledTables {
    const KernelTable* tables[static_cast<unsigned>(Isa::baseline) + 1];
    std::size_t count;
};

constexpr CompiledTables list_compiled_tables() {
    CompiledTables list{};
#define CEXT_LIST_IF_COMPILED(name, compiled, ...)       \
    if constexpr (compiled) {                            \
        list.tables[list.count++] = &name::kernel_table; \
    }
    CEXT_FOR_EACH_ISA(CEXT_LIST_IF_COMPILED)
#undef CEXT_LIST_IF_COMPILED
    list.tables[list.count++] = &baseline::kernel_table;
    return list;
}

constexpr CompiledTables kCompiled = list_compiled_tables();

#if defined(CEXT_X86)
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
    unsigned features = 0;
#if defined(CEXT_X86)
    std::uint32_t r[4];
    cpuid(0, 0, r);
    if (r[0] < 7) {  // no leaf 7: none of the listed sets
        return features;
    }
    cpuid(1, 0, r);
    const bool osxsave = (r[2] >> 27) & 1;
    const bool avx = (r[2] >> 28) & 1;
    if (!osxsave || !avx) {  // every listed set builds on AVX, and on the OS saving its registers
        return features;
    }
    const std::uint64_t xcr0 = xgetbv0();
    cpuid(7, 0, r);
    // A set's feature: every CPUID bit and every register state its entry in the list names.
#define CEXT_CHECK_ISA(name, compiled, gcc_flags, msvc_flags, leaf7_ebx, leaf7_ecx, xcr0_bits) \
    if ((r[1] & (leaf7_ebx)) == (leaf7_ebx) && (r[2] & (leaf7_ecx)) == (leaf7_ecx) &&          \
        (xcr0 & (xcr0_bits)) == (xcr0_bits)) {                                                 \
        features |= isa_feature(Isa::name);                                                    \
    }
    CEXT_FOR_EACH_ISA(CEXT_CHECK_ISA)
#undef CEXT_CHECK_ISA
#endif
    return features;
}

std::atomic<const KernelTable*> active_table{nullptr};

}  // namespace

TableList compiled() noexcept { return {kCompiled.tables, kCompiled.tables + kCompiled.count}; }

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

}  // namespace cext::dispatch
