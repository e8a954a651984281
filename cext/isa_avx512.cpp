// Kernels for x86-64 CPUs with AVX-512F. Built with -mavx512f.
#include "cext/kernels.hpp"
#include "cext/simd.hpp"

namespace cext {

const KernelTable& kernels_avx512() noexcept {
    static const KernelTable table{"avx512", &escape_counts<simd::AVX512>, &diffusion<simd::AVX512>};
    return table;
}

}  // namespace cext
