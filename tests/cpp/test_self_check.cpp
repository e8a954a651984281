// Does the import-time contraction check (src/self_check.cpp) see a build that fuses multiplies and adds?
//
// The check is the one thing that stops a build which lost -ffp-contract=off from importing and returning
// numbers that differ from the reference arithmetic, yet a normal build can never show that it works: its
// kernels do not fuse. tests/cpp/build.py --self-check therefore compiles the kernels and this file twice:
//   without --contract (-ffp-contract=off): every table this CPU runs must pass the check;
//   with --contract (-ffp-contract=fast, plus -mfma on x86-64): every table must fail it.
// Whether the compiler fused at all is found out independently, from a multiply-add compiled with the same
// flags, so a compiler or CPU that cannot fuse skips the test instead of passing or failing it wrongly.
//
// Exit status: 0 the check told the build apart as it must; 1 it did not; 77 (the "skipped" code of Automake and
// Meson) the compiler or the CPU cannot produce a fused build here.
#include <cstdio>
#include <cstring>

#include "cext/dispatch.hpp"
#include "cext/kernels.hpp"

namespace {

// a * b + c with whatever contraction the flags allow: one rounding if fused, two otherwise. Not inlined, and
// fed from volatile variables, so the compiler cannot work the answer out while compiling.
#if defined(__GNUC__)
__attribute__((noinline))
#endif
double multiply_add(double a, double b, double c) {
    return a * b + c;
}

// (1 + 2^-30)(1 - 2^-30) = 1 - 2^-60 exactly. Rounded to a double that is 1, so the unfused sum is 0; a fused
// multiply-add keeps the product exact and gives -2^-60.
bool compiler_fuses() {
    volatile double a = 1.0 + 0x1p-30, b = 1.0 - 0x1p-30, c = -1.0;
    return multiply_add(a, b, c) != 0.0;
}

}  // namespace

int main(int argc, char** argv) {
    const bool contract = argc > 1 && std::strcmp(argv[1], "--contract") == 0;
#if defined(__x86_64__) && defined(__FMA__)
    // Built with -mfma: the fused instructions would fault on a CPU without them.
    if (!__builtin_cpu_supports("fma")) {
        std::printf("SKIPPED: this CPU has no fused multiply-add\n");
        return 77;
    }
#endif
    const bool fused = compiler_fuses();
    if (contract && !fused) {
        std::printf("SKIPPED: this compiler did not fuse a multiply-add with these flags\n");
        return 77;
    }
    if (!contract && fused) {
        std::printf("FAILED the build without contraction fused a multiply-add: the flags did not take\n");
        return 1;
    }
    int failed = 0, checked = 0;
    for (const cext::KernelTable* table : cext::dispatch::compiled()) {
        if (!cext::dispatch::supported(*table)) {
            continue;
        }
        ++checked;
        const bool passes = cext::computes_reference_arithmetic(*table);
        std::printf("%s %s: the import-time check %s a build that %s\n", passes == !fused ? "ok" : "FAILED",
                    table->name, passes ? "accepts" : "refuses", fused ? "fuses" : "does not fuse");
        failed += passes == fused;
    }
    std::printf("%d tables checked, %d failed\n", checked, failed);
    return failed == 0 ? 0 : 1;
}
