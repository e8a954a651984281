// Kernels for any CPU of the target architecture: SSE2 on x86-64, plain C++ elsewhere.
#include "cext/kernels.hpp"
#include "cext/simd.hpp"

namespace cext {

#if defined(CEXT_X86)
using BaselineSimd = simd::SSE2;
#else
using BaselineSimd = simd::Scalar;
#endif

const KernelTable& kernels_baseline() noexcept {
    static const KernelTable table{"baseline", &escape_counts<BaselineSimd>, &diffusion<BaselineSimd>};
    return table;
}

}  // namespace cext
