// The one template that turns a SIMD backend into a kernel table. Each src/isa_*.cpp instantiates it once,
// inside its own namespace, with the backend its flags allow:
//
//     #define CEXT_ISA avx2
//     #include "cext/kernel_table.hpp"
//     namespace cext::avx2 {
//     extern const KernelTable kernel_table = make_kernel_table<simd::AVX2>();
//     }
//
// The table's name and the CPU feature it requires come from the set's entry in include/cext/isa_list.hpp, which
// also places it in the dispatch order and gives setup.py its flags. Adding an instruction set is that entry and
// such a file (which may define its own backend, written against the interface of simd.hpp, if none fits).
#pragma once

#include "cext/diffusion.hpp"
#include "cext/escape_counts.hpp"
#include "cext/isa_list.hpp"
#include "cext/isa_namespace.hpp"
#include "cext/kernels.hpp"
#include "cext/platform.hpp"
#include "cext/simd.hpp"

namespace cext::CEXT_ISA {

// The table of backend S, named after the set being compiled (CEXT_ISA) and requiring that set's CPU feature.
template <class S>
constexpr KernelTable make_kernel_table() {
    return KernelTable{
        CEXT_STRINGIFY(CEXT_ISA), isa_feature(Isa::CEXT_ISA), S::lanes,           &escape_range<S>,
        &diffusion_rows<S>,       &diffusion_columns<S>,      &diffusion_tile<S>,
    };
}

}  // namespace cext::CEXT_ISA
