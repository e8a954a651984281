// The kernel table: one instantiation of every SIMD kernel per instruction set, chosen at import time.
//
// Each isa_*.cpp file compiles the kernel templates with its own -m flags and exports one table. The glue asks
// `best_kernels()` for the fastest table this CPU and OS support, and can be told to use a lower one.
#pragma once

#include "cext/diffusion.hpp"
#include "cext/escape_counts.hpp"
#include "cext/parallel.hpp"

namespace cext {

struct KernelTable {
    const char* name;  // "baseline", "avx2", "avx512"
    Status (*escape_counts)(const EscapeCountsArgs&, int num_threads, CancelToken&) noexcept;
    Status (*diffusion)(const DiffusionArgs&, int num_threads, CancelToken&) noexcept;
};

// Tables compiled into this build, lowest first; entries the CPU cannot run are still listed.
// `count` receives the number of entries.
const KernelTable* const* compiled_kernels(int* count) noexcept;

// True if this CPU and operating system can run the table's instructions.
bool cpu_supports(const KernelTable& table) noexcept;

// Per instruction set; defined in isa_<name>.cpp.
const KernelTable& kernels_baseline() noexcept;
#if defined(CEXT_HAVE_AVX2)
const KernelTable& kernels_avx2() noexcept;
#endif
#if defined(CEXT_HAVE_AVX512)
const KernelTable& kernels_avx512() noexcept;
#endif

}  // namespace cext
