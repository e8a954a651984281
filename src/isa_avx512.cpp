// Kernels for x86-64 CPUs with AVX-512F (8 doubles per vector, mask registers). setup.py compiles this file with
// -mavx512f, never with -mfma: a fused multiply-add rounds differently from the reference arithmetic.
#define CEXT_ISA avx512
#include "cext/kernel_table.hpp"

namespace cext::avx512 {
extern const KernelTable kernel_table = make_kernel_table<simd::AVX512>("avx512", kAvx2 | kAvx512f);
}  // namespace cext::avx512
