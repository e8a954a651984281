// Which kernel table runs: the tables this build compiled, the CPU features each requires, and the choice.
//
// As in simdjson's list of implementations, every table declares the features it needs; the tables are kept in
// priority order and the first one this CPU and operating system support wins. The environment variable
// CEXT_SIMD names another (lower) table. The choice is process-wide and atomic, so tests may switch it while
// other threads run kernels.
#pragma once

#include "cext/kernels.hpp"

namespace cext::dispatch {

// The tables compiled into this build, best first. The last is always "baseline".
struct TableList {
    const KernelTable* const* first;
    const KernelTable* const* last;
    const KernelTable* const* begin() const noexcept { return first; }
    const KernelTable* const* end() const noexcept { return last; }
};
TableList compiled() noexcept;

// CpuFeature bits this CPU and operating system support (AVX state must be enabled by the OS, per XCR0).
unsigned cpu_features() noexcept;

bool supported(const KernelTable& table) noexcept;

// The compiled table of that name, or nullptr.
const KernelTable* find(const char* name) noexcept;

// The best table this CPU supports.
const KernelTable& best() noexcept;

// The table in use, and switching it (returns the previous one). `table` must be supported.
const KernelTable& active() noexcept;
const KernelTable& use(const KernelTable& table) noexcept;

// Sets the table in use from CEXT_SIMD (unset or empty: the best). A request that cannot be honoured falls back
// to the best table and is described in `problem` ("not compiled into this build", "not supported by this
// CPU") for the caller to warn about; `requested` is the variable's value.
struct Selection {
    const KernelTable* table;
    const char* requested;  // nullptr when CEXT_SIMD is unset or empty
    const char* problem;    // nullptr when honoured
};
Selection select_from_environment() noexcept;

}  // namespace cext::dispatch
