// Kernels for any CPU of the target architecture: SSE2 on x86-64 (every x86-64 CPU has it), plain C++ elsewhere.
#define CEXT_ISA baseline
#include "cext/kernel_table.hpp"

namespace cext::baseline {
#if defined(CEXT_X86)
extern const KernelTable kernel_table = make_kernel_table<simd::SSE2>();
#else
extern const KernelTable kernel_table = make_kernel_table<simd::Scalar>();
#endif
}  // namespace cext::baseline
