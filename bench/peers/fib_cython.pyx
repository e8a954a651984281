# The books' statically typed fib (Cython book, "Comparing Python, C, and
# Cython"), unchanged.

# Returns the nth Fibonacci number
def fib(int n):
  cdef int i
  cdef double a = 0.0
  cdef double b = 1.0
  for i in range(n):
    a, b = a + b, a
  return a
