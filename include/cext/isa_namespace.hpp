// The namespace of the instruction set being compiled.
//
// Per-instruction-set code (include/cext/simd.hpp, escape_counts.hpp, diffusion.hpp, kernel_table.hpp) is
// compiled once per instruction set, each time with different -m flags. Wrapping it in a namespace named after
// the set (cext::baseline, cext::avx2, cext::avx512), as Highway does with HWY_NAMESPACE, gives every copy
// symbols of its own: the linker can never merge an AVX copy of an inline function into a baseline caller,
// whatever order the objects are linked in. Each src/isa_*.cpp defines CEXT_ISA before its first include.
#pragma once

#if !defined(CEXT_ISA)
#error "per-instruction-set code must be compiled through a src/isa_*.cpp file that defines CEXT_ISA"
#endif
