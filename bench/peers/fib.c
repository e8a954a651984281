/* The Cython book's pure-C fib (cfib.c, "Comparing Python, C, and Cython"),
 * unchanged: the n-th Fibonacci number in double precision. Called
 * through ctypes, cffi and the hand-written C extension. */
double cfib(int n) {
    int i;
    double a=0.0, b=1.0, tmp;
    for (i=0; i<n; ++i) {
        tmp = a; a = a + b; b = tmp;
    }
    return a;
}
