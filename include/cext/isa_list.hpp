// The instruction sets the kernels are compiled for, declared once: dispatch, feature checks and build flags.
//
// One X(...) entry per set, best first. src/dispatch.cpp expands the list into the table order (the first table
// this CPU and operating system support wins, as in simdjson's list of implementations; the baseline table,
// which every CPU runs, comes last), into the feature checks, and, below, into every table's declaration.
// setup.py reads the same lines for the per-set sources and compiler flags. The fields:
//
//   name        the set's namespace (cext::<name>), its source file (src/isa_<name>.cpp), CEXT_SIMD's value
//   macro       1 when setup.py compiled the set into this build, 0 when not (it defines one for every set)
//   gcc, msvc   the flags that compile src/isa_<name>.cpp, for GCC and Clang and for MSVC (space-separated)
//   leaf7_ebx   feature bits the CPU must report in EBX of CPUID leaf 7 (bit 5: AVX2, bit 16: AVX-512F)
//   leaf7_ecx   feature bits it must report in ECX of CPUID leaf 7
//   xcr0        register state the operating system must save, in XCR0 (0x6: SSE and AVX; 0xE6: AVX-512's too)
//
// Every set is an x86 one that needs AVX, which the feature check asks for first. setup.py parses this list with
// a regular expression rather than a C++ compiler, so each entry stays on one line in exactly this form.
#pragma once

#include "cext/kernels.hpp"

// clang-format off
#define CEXT_FOR_EACH_ISA(X)                                                                          \
    X(avx512, CEXT_HAVE_AVX512, "-mavx512f", "/arch:AVX512", (1u << 5) | (1u << 16), 0u, 0xE6u)     \
    X(avx2, CEXT_HAVE_AVX2, "-mavx2", "/arch:AVX2", 1u << 5, 0u, 0x6u)
// clang-format on

namespace cext {

// Each set's place in the list, then the baseline.
enum class Isa : unsigned {
#define CEXT_ISA_ENUMERATOR(name, ...) name,
    CEXT_FOR_EACH_ISA(CEXT_ISA_ENUMERATOR)
#undef CEXT_ISA_ENUMERATOR
        baseline
};

// The bit dispatch::cpu_features() sets when the CPU passes a set's check: the one feature its table requires.
// The baseline requires none.
constexpr unsigned isa_feature(Isa isa) { return isa == Isa::baseline ? 0u : 1u << static_cast<unsigned>(isa); }

// Every set's kernel table, each defined in its src/isa_<name>.cpp (the baseline's in src/isa_baseline.cpp).
namespace baseline {
extern const KernelTable kernel_table;
}
#define CEXT_DECLARE_KERNEL_TABLE(name, ...) \
    namespace name {                         \
    extern const KernelTable kernel_table;   \
    }
CEXT_FOR_EACH_ISA(CEXT_DECLARE_KERNEL_TABLE)
#undef CEXT_DECLARE_KERNEL_TABLE

}  // namespace cext
