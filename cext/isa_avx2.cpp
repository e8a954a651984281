// Kernels for x86-64 CPUs with AVX2. Built with -mavx2 (never -mfma: results must not depend on FMA).
#include "cext/kernels.hpp"
#include "cext/simd.hpp"

namespace cext {

const KernelTable& kernels_avx2() noexcept {
    static const KernelTable table{"avx2", &escape_counts<simd::AVX2>, &diffusion<simd::AVX2>};
    return table;
}

}  // namespace cext
