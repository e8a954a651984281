/* The books' Julia kernel (High Performance Python's typed Cython calculate_z)
 * in plain C, for ctypes and cffi.
 *
 * `zs` and `cs` are n complex128 values as interleaved (real, imag) doubles,
 * which is a NumPy complex128 array's memory; `output` receives n int32
 * counts. The update is written out in real arithmetic, in the order CPython
 * evaluates z*z + c, so that no compiler's complex multiply (with its NaN
 * recovery) changes a result. */
void calculate_z(int maxiter, const double *zs, const double *cs, int *output, long n) {
    long i;
    for (i = 0; i < n; i++) {
        double zr = zs[2*i], zi = zs[2*i + 1];
        const double cr = cs[2*i], ci = cs[2*i + 1];
        int count = 0;
        while (count < maxiter && (zr * zr + zi * zi) < 4) {
            const double real = (zr * zr - zi * zi) + cr;
            zi = (zr * zi + zi * zr) + ci;
            zr = real;
            count++;
        }
        output[i] = count;
    }
}
