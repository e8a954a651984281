// Macros shared by the library's sources: which architecture this is, and how to force a function inline.
//
// Plain preprocessor definitions with no code, so that every file (per-instruction-set or not) may include it.
#pragma once

// x86 or x86-64: the SIMD backends and the CPUID feature checks exist only there.
#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__) || defined(_M_IX86)
#define CEXT_X86 1
#endif

// Inlined whatever the compiler's heuristics say: the per-vector helpers of a kernel's inner loop, which must
// not become calls.
#if defined(__GNUC__)
#define CEXT_INLINE inline __attribute__((always_inline))
#else
#define CEXT_INLINE inline
#endif

// A macro's value as a string literal: CEXT_STRINGIFY(CEXT_ISA) is "avx2" in src/isa_avx2.cpp.
#define CEXT_STRINGIFY_VALUE(x) #x
#define CEXT_STRINGIFY(x) CEXT_STRINGIFY_VALUE(x)
