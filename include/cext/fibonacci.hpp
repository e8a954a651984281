// The n-th Fibonacci number in double precision, the call-overhead benchmark of the Cython book:
//     a, b = 0.0, 1.0
//     repeat n times: a, b = a + b, a
//     return a
// Thread safety: pure function.
#pragma once

#include <algorithm>
#include <cstdint>

namespace cext {

// From n = 1477 on the pair (a, b) overflows to (inf, inf), a fixed point of the update (inf + inf = inf), so
// running more iterations cannot change the result. Capping the count keeps fibonacci(10**18) instant and
// bit-identical to the full loop.
constexpr std::int64_t kFibonacciFixedPoint = 1500;

inline double fibonacci(std::int64_t n) noexcept {
    const std::int64_t iterations = std::min(n, kFibonacciFixedPoint);
    double a = 0.0;
    double b = 1.0;
    for (std::int64_t i = 0; i < iterations; ++i) {
        const double next = a + b;
        b = a;
        a = next;
    }
    return a;
}

}  // namespace cext
