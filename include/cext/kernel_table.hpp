// The one template that turns a SIMD backend into a kernel table. Each src/isa_*.cpp instantiates it once,
// inside its own namespace, with the backend its -m flags allow:
//
//     #define CEXT_ISA avx2
//     #include "cext/kernel_table.hpp"
//     namespace cext::avx2 {
//     extern const KernelTable kernel_table = make_kernel_table<simd::AVX2>("avx2", kAvx2);
//     }
//
// and src/dispatch.cpp lists the table by priority. Adding an instruction set is a backend in simd.hpp, one
// such file, one line in setup.py's list and one entry in dispatch.cpp.
#pragma once

#include "cext/diffusion.hpp"
#include "cext/escape_counts.hpp"
#include "cext/isa_namespace.hpp"
#include "cext/kernels.hpp"
#include "cext/simd.hpp"

namespace cext::CEXT_ISA {

template <class S>
constexpr KernelTable make_kernel_table(const char* name, unsigned required_features) {
    return KernelTable{name, required_features, S::lanes, &escape_range<S>, &diffusion_rows<S>, &diffusion_tile<S>};
}

}  // namespace cext::CEXT_ISA
