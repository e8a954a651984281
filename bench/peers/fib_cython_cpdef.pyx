# The books' typed fib (fib_cython.pyx) declared cpdef instead of def: C
# callers get a direct C call, Python callers a generated wrapper. The Cython
# book's Table 1-1 asks what that wrapper costs next to def's.

# Returns the nth Fibonacci number
cpdef double fib(int n):
  cdef int i
  cdef double a = 0.0
  cdef double b = 1.0
  for i in range(n):
    a, b = a + b, a
  return a
