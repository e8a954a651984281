! The books' C diffusion step (diffusion.c) in Fortran, for f2py.
!
! Fortran arrays are column-major, so the caller passes grid.T and out.T: the
! views of C-contiguous arrays that are Fortran-contiguous, which f2py hands
! over without a copy. g(j, i) is then the C grid[i][j]. The parentheses fix
! the books' summation order, which Fortran must respect; only the interior
! of out is written, as in the C version.
subroutine evolve(grid, out, ny, nx, dt, D)
    implicit none
    integer, intent(in) :: ny, nx
    double precision, intent(in) :: grid(ny, nx)
    double precision, intent(inout) :: out(ny, nx)
    double precision, intent(in) :: dt, D
    integer :: i, j
    double precision :: laplacian
    do i = 2, nx - 1
        do j = 2, ny - 1
            laplacian = (((grid(j, i+1) + grid(j, i-1)) + grid(j+1, i)) + grid(j-1, i)) - 4 * grid(j, i)
            out(j, i) = grid(j, i) + (D * dt) * laplacian
        end do
    end do
end subroutine evolve
