// Kernels for x86-64 CPUs with AVX-512F (8 doubles per vector, mask registers). Compiled with the flags of its
// entry in include/cext/isa_list.hpp (-mavx512f), never with -mfma: a fused multiply-add rounds differently.
#define CEXT_ISA avx512
#include "cext/kernel_table.hpp"

namespace cext::avx512 {
extern const KernelTable kernel_table = make_kernel_table<simd::AVX512>();
}  // namespace cext::avx512
