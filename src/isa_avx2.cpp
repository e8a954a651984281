// Kernels for x86-64 CPUs with AVX2 (4 doubles per vector). Compiled with the flags of its entry in
// include/cext/isa_list.hpp (-mavx2), never with -mfma: a fused multiply-add rounds differently from the reference.
#define CEXT_ISA avx2
#include "cext/kernel_table.hpp"

namespace cext::avx2 {
extern const KernelTable kernel_table = make_kernel_table<simd::AVX2>();
}  // namespace cext::avx2
