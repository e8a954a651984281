"""Benchmark harness comparing cext with the books' Python, NumPy, Cython, Numba, C and Pythran.

Run ``python -m bench`` from the repository root; see ``bench/__main__.py``.
"""
