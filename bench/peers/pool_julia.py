"""julia1's pure-Python calculate_z spread over a multiprocessing Pool, row by row."""
from . import python_loops


def calculate_z(pool, maxiter, zs_rows, cs_rows):
    """Escape counts of the points in ``zs_rows``/``cs_rows`` (lists of rows), as one list.

    One task per row of the Julia grid; ``starmap`` hands them to the
    pool's processes in chunks, pickling the points there and the counts
    back, which is part of what this path costs.
    """
    tasks = [(maxiter, zs, cs) for zs, cs in zip(zs_rows, cs_rows, strict=True)]
    counts = pool.starmap(python_loops.calculate_z, tasks)
    return [count for row in counts for count in row]
