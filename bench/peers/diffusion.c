/* The books' plain C diffusion step (High Performance Python, "Foreign
 * Function Interfaces"), called through ctypes.
 *
 * The books fix the grid at 512x512 (`double in[][512]`); here the extents
 * are parameters and C99 variably modified array parameters keep the loop
 * body exactly as in the books. `in` and `out` are C-contiguous nx*ny arrays
 * of doubles; only the interior of `out` is written, so the caller keeps its
 * border equal to `in`'s (cext's "fixed" boundary).
 */
void evolve(int nx, int ny, double in[nx][ny], double out[nx][ny], double D, double dt) {
    int i, j;
    double laplacian;
    for (i=1; i<nx-1; i++) {
        for (j=1; j<ny-1; j++) {
            laplacian = in[i+1][j] + in[i-1][j] + in[i][j+1] + in[i][j-1] - 4 * in[i][j];
            out[i][j] = in[i][j] + D * dt * laplacian;
        }
    }
}
