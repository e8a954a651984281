/* The books' Julia kernel and C diffusion step in OpenCL C, for the PyOpenCL
 * peer (opencl.py).
 *
 * Double precision throughout, and no contraction: OpenCL C lets a compiler
 * fuse a*b + c into one fma by default (FP_CONTRACT is ON unless switched
 * off), which rounds once instead of twice and breaks the bit-for-bit check
 * against the C reference. opencl.contraction_check() verifies at load that
 * the device compiler honours the pragma below. The host never builds with
 * -cl-mad-enable, -cl-unsafe-math-optimizations or -cl-fast-relaxed-math.
 */
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#pragma OPENCL FP_CONTRACT OFF

/* One work-item per point. `zs` and `cs` are NumPy complex128 arrays, whose
 * memory is (real, imag) double pairs: a double2 each. The update is written
 * out in real arithmetic in the order CPython evaluates z*z + c, as in
 * julia.c. `n` guards a global size rounded up to a work-group multiple. */
__kernel void calculate_z(const int maxiter,
                          __global const double2 *zs,
                          __global const double2 *cs,
                          __global int *out,
                          const long n)
{
    const long i = get_global_id(0);
    if (i >= n)
        return;
    const double2 z = zs[i];
    const double2 c = cs[i];
    double zr = z.x, zi = z.y;
    const double cr = c.x, ci = c.y;
    int count = 0;
    while (count < maxiter && (zr * zr + zi * zi) < 4) {
        const double real = (zr * zr - zi * zi) + cr;
        zi = (zr * zi + zi * zr) + ci;
        zr = real;
        count++;
    }
    out[i] = count;
}

/* One diffusion step on a C-contiguous nx*ny grid: one work-item per
 * interior point, dimension 0 the row (i), dimension 1 the column (j), so
 * neighbouring work-items read neighbouring doubles. The global range is
 * (nx-2) x (ny-2), possibly rounded up, hence the guard. The border of `out`
 * is not written. `D_dt` is the host's D * dt, the double the C loop's
 * `D * dt * laplacian` multiplies by; the Laplacian is summed left to right
 * exactly as in diffusion.c. */
__kernel void evolve(__global const double *in,
                     __global double *out,
                     const int nx,
                     const int ny,
                     const double D_dt)
{
    const int i = (int)get_global_id(0) + 1;
    const int j = (int)get_global_id(1) + 1;
    if (i >= nx - 1 || j >= ny - 1)
        return;
    const long k = (long)i * ny + j;
    const double centre = in[k];
    const double laplacian = in[k + ny] + in[k - ny] + in[k + 1] + in[k - 1] - 4 * centre;
    out[k] = centre + D_dt * laplacian;
}
