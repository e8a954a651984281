"""cext.mpi: on 1 to 4 ranks, gathered results equal the single-process kernels bit for bit, and bad calls raise on
every rank without leaving any waiting.

The MPI programs run under ``mpiexec`` in a subprocess (never in the pytest process, which must not initialise
MPI). Each launch costs a second or two, so one launch per rank count checks many cases at once and reports them
as JSON on its last line of output. More ranks than cores are run with ``--oversubscribe``.
"""

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from child_process import CHILD_CWD, child_environment, run_python

REQUIRED = os.environ.get("CEXT_REQUIRE_MPI") == "1"  # set by .ci/mpi.sh: there, missing MPI is a failure


def find_mpiexec():
    """The mpiexec of the Open MPI wheel (next to this Python) first, then any on PATH."""
    beside = Path(sys.executable).parent / "mpiexec"
    return str(beside) if beside.is_file() else shutil.which("mpiexec")


MPIEXEC = find_mpiexec()
MISSING = [name for name, present in (("mpi4py", importlib.util.find_spec("mpi4py") is not None),
                                       ("mpiexec", MPIEXEC is not None)) if not present]
if MISSING and REQUIRED:
    raise RuntimeError(f"CEXT_REQUIRE_MPI=1 but {' and '.join(MISSING)} not found")
needs_mpi = pytest.mark.skipif(bool(MISSING), reason=f"cext.mpi tests need mpi4py and mpiexec; missing: "
                               f"{', '.join(MISSING)} (pip install \"cext[mpi]\")")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def mpi_environment(**env):
    # Open MPI refuses to run as root unless told twice; CI containers often are root. One OpenMP thread per
    # rank, since the ranks themselves fill the cores.
    return child_environment(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMP_NUM_THREADS="1",
                             **env)


def mpirun(ranks, script, *args, tmp_path, timeout=120, check=True, **env):
    """Runs `script` (Python source) on `ranks` ranks; returns the CompletedProcess."""
    path = tmp_path / "program.py"
    path.write_text(textwrap.dedent(script), encoding="utf-8")
    command = [MPIEXEC, "--oversubscribe", "-n", str(ranks), sys.executable, str(path), *map(str, args)]
    result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=timeout,
                            env=mpi_environment(**env),
                            cwd=CHILD_CWD)
    if check:
        assert result.returncode == 0, f"mpiexec failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result


def last_json(output):
    return json.loads(output.strip().splitlines()[-1])


# -- correctness: many cases per launch --------------------------------------------------------------------------

CASES = """
import json, sys
import numpy as np
from mpi4py import MPI
import cext, cext.mpi

comm = MPI.COMM_WORLD
rank = comm.rank
report = {"diffuse": 0, "mismatches": [], "refused": [], "julia": {}, "decompositions": []}

def bits(array):
    return array.view(np.uint64)

# Shapes that every rank count cuts unevenly, thin grids, and grids whose blocks are exactly k wide.
shapes = [(61, 47), (30, 90), (90, 17), (24, 24)]
dims_options = [None, (comm.size, 1), (1, comm.size)]
for boundary in ("fixed", "periodic"):
    for shape in shapes:
        grid = np.random.default_rng(shape[0] * 1000 + shape[1]).uniform(-1, 1, size=shape)
        references = {steps: cext.evolve(grid, np.empty_like(grid), 0.05, 0.7, boundary=boundary, steps=steps)
                      for steps in (0, 1, 8, 17)}
        for dims in dims_options:
            dec = cext.mpi.Decomposition(comm, shape, boundary=boundary, dims=dims)
            block = dec.scatter(grid if rank == 0 else None)
            for k in (1, 3, 8, None):
                for steps, expected in references.items():
                    try:
                        result = cext.mpi.diffuse(dec, block, 0.05, 0.7, steps=steps, steps_per_exchange=k,
                                                  num_threads=1)
                    except ValueError as error:  # k deeper than some block: refused on every rank alike
                        report["refused"].append([boundary, shape, dec.dims, k, steps, str(error)])
                        continue
                    whole = dec.gather(result)
                    if rank == 0:
                        report["diffuse"] += 1
                        if not np.array_equal(bits(whole), bits(expected)):
                            report["mismatches"].append([boundary, shape, dec.dims, k, steps])

# The block's own cells are never touched, whatever the decomposition.
dec = cext.mpi.Decomposition(comm, (40, 40), boundary="periodic")
block = np.full(dec.block_shape, 0.5)
cext.mpi.diffuse(dec, block, 0.1, steps=5, steps_per_exchange=2)
report["block_untouched"] = bool((block == 0.5).all())
report["decompositions"].append(repr(dec))

# Julia image: the book's grid and a region with other parameters, against calculate_z on one process.
def coordinates(width, height, x_range, y_range):
    x_step = (x_range[1] - x_range[0]) / width
    y_step = (y_range[0] - y_range[1]) / height
    zs = np.empty((height, width), dtype=np.complex128)
    zs.real = x_range[0] + np.arange(width) * x_step
    zs.imag = (y_range[1] + np.arange(height) * y_step)[:, None]
    return zs

image = cext.mpi.julia_image(comm, 1000, 1000, num_threads=1)
other = cext.mpi.julia_image(comm, 97, 41, c=0.285 + 0.01j, maxiter=1000, x_range=(-0.5, 0.25),
                             y_range=(0.1, 0.6), dims=(1, comm.size))
if rank == 0:
    report["julia"]["sum"] = int(image.sum(dtype=np.int64))
    report["julia"]["equal"] = bool(np.array_equal(
        image, cext.calculate_z(300, coordinates(1000, 1000, (-1.8, 1.8), (-1.8, 1.8)), -0.62772 - 0.42193j)))
    report["julia"]["other_equal"] = bool(np.array_equal(
        other, cext.calculate_z(1000, coordinates(97, 41, (-0.5, 0.25), (0.1, 0.6)), 0.285 + 0.01j)))
    try:
        import cext.dask
        report["julia"]["dask_equal"] = bool(np.array_equal(image, cext.dask.julia_image(1000, 1000).compute()))
    except ImportError:
        report["julia"]["dask_equal"] = None
else:
    report["julia"]["none_elsewhere"] = image is None and other is None

reports = comm.gather(report)
if rank == 0:
    print(json.dumps(reports))
"""


@needs_mpi
@pytest.mark.parametrize("ranks", [1, 2, 3, 4])
def test_gathered_results_equal_the_single_process_kernels(ranks, tmp_path):
    reports = last_json(mpirun(ranks, CASES, tmp_path=tmp_path).stdout)
    root = reports[0]
    assert root["mismatches"] == []
    # 2 boundaries x 4 shapes x 3 dims x 4 k x 4 steps, less the refused ones.
    assert root["diffuse"] + len(root["refused"]) == 384
    assert root["diffuse"] >= 300
    for _boundary, _shape, _dims, k, steps, message in root["refused"]:
        assert f"than steps_per_exchange={min(k or 8, steps)}" in message and "rank " in message, message
    assert all(report["block_untouched"] for report in reports)
    assert root["julia"] == {"sum": 33219980, "equal": True, "other_equal": True,
                             "dask_equal": root["julia"]["dask_equal"]}
    assert root["julia"]["dask_equal"] in (True, None)
    assert all(report["julia"]["none_elsewhere"] for report in reports[1:])


# -- decompositions ----------------------------------------------------------------------------------------------

DECOMPOSITION = """
import json
import numpy as np
from mpi4py import MPI
import cext.mpi

comm = MPI.COMM_WORLD
found = []
for shape, dims in [((100, 50), None), ((7, 5), (3, 2)), ((2, 9), (6, 1)), ((0, 4), None)]:
    dec = cext.mpi.Decomposition(comm, shape, dims=dims)
    rows, columns = dec.block_slices
    found.append([list(dec.dims), list(dec.coords), list(dec.block_shape), [rows.start, rows.stop],
                  [columns.start, columns.stop], dec.comm.Get_topo()[1]])
    grid = np.arange(shape[0] * shape[1], dtype=np.int64).reshape(shape)
    block = dec.scatter(grid if comm.rank == 0 else None)
    assert np.array_equal(block, grid[dec.block_slices]) and block.dtype == np.int64
    whole = dec.gather(block)
    assert (whole is None) == (comm.rank != 0) and (whole is None or np.array_equal(whole, grid))
periodic = cext.mpi.Decomposition(comm, (10, 10), boundary="periodic")
found.append(periodic.comm.Get_topo()[1])
everything = comm.gather(found)
if comm.rank == 0:
    print(json.dumps(everything))
"""


@needs_mpi
def test_blocks_are_shared_evenly_and_scatter_gather_round_trip(tmp_path):
    found = last_json(mpirun(6, DECOMPOSITION, tmp_path=tmp_path).stdout)
    # MPI_Dims_create's balanced 3x2 grid: 100 rows in 34, 33, 33; 50 columns in 25, 25.
    assert [rank[0][:3] for rank in found] == [[[3, 2], [r, c], [34 if r == 0 else 33, 25]]
                                               for r in range(3) for c in range(2)]
    # 7x5 in 3x2: the first 7 % 3 row blocks and 5 % 2 column blocks are one cell larger.
    assert [rank[1][3:5] for rank in found] == [[[0, 3], [0, 3]], [[0, 3], [3, 5]], [[3, 5], [0, 3]],
                                                [[3, 5], [3, 5]], [[5, 7], [0, 3]], [[5, 7], [3, 5]]]
    # More ranks than rows: some blocks are empty, and scatter and gather still work.
    assert [rank[2][2] for rank in found] == [[1, 9], [1, 9], [0, 9], [0, 9], [0, 9], [0, 9]]
    assert all(rank[0][5] == [False, False] and rank[4] == [True, True] for rank in found)


# -- bad calls: every rank raises, none waits ---------------------------------------------------------------------

ERRORS = """
import json, sys
import numpy as np
from mpi4py import MPI
import cext.mpi

comm = MPI.COMM_WORLD
rank = comm.rank
last = comm.size - 1  # the rank that makes the bad call
dec = cext.mpi.Decomposition(comm, (40, 30), boundary="periodic")
good = np.zeros(dec.block_shape)

def bad_on_last(**bad):
    arguments = dict(block=good, dt=0.1, steps=5, steps_per_exchange=None)
    if rank == last:
        arguments.update(bad)
    return lambda: cext.mpi.diffuse(dec, arguments.pop("block"), arguments.pop("dt"), **arguments)

calls = {
    "wrong shape": bad_on_last(block=np.zeros((3, 3))),
    "wrong dtype": bad_on_last(block=np.zeros(dec.block_shape, dtype=np.float32)),
    "not an array": bad_on_last(block=[[0.0]]),
    "negative steps": bad_on_last(steps=-1),
    "steps not an int": bad_on_last(steps=2.5),
    "k below 1": bad_on_last(steps_per_exchange=0),
    "bad dt": bad_on_last(dt="0.1"),
    "different dt": bad_on_last(dt=0.2),
    "k deeper than a block": lambda: cext.mpi.diffuse(dec, good, 0.1, steps=50, steps_per_exchange=40),
    "gather wrong shape": lambda: dec.gather(good if rank != last else good[1:]),
    "gather other dtype": lambda: dec.gather(good if rank != last else good.astype(np.int32)),
    "scatter wrong shape": lambda: dec.scatter(np.zeros((4, 4)) if rank == 0 else None),
    "julia negative width": lambda: cext.mpi.julia_image(comm, -1 if rank == last else 10, 10),
    "julia different maxiter": lambda: cext.mpi.julia_image(comm, 10, 10, maxiter=300 + (rank == last)),
    "julia bad dims": lambda: cext.mpi.julia_image(comm, 10, 10, dims=(comm.size + 1, 1) if rank == last else None),
    "decomposition different shapes": lambda: cext.mpi.Decomposition(comm, (10, 10 + (rank == last))),
    "decomposition bad boundary": lambda: cext.mpi.Decomposition(comm, (10, 10),
                                                                 boundary="reflect" if rank == last else "fixed"),
}
outcome = {}
for name, call in calls.items():
    try:
        call()
        outcome[name] = None
    except Exception as error:
        outcome[name] = [type(error).__name__, str(error)]
# After all these refusals, the same decomposition still works.
whole = dec.gather(cext.mpi.diffuse(dec, good, 0.1, steps=3))
outcome["still works"] = bool(np.array_equal(whole, np.zeros((40, 30)))) if rank == 0 else whole is None
everything = comm.gather(outcome)
if rank == 0:
    print(json.dumps(everything))
"""

EXPECTED_ERRORS = {
    "wrong shape": ("ValueError", r"diffuse\(\): 'block' must have this rank's block shape \(\d+, \d+\), got \(3, 3\)"),
    "wrong dtype": ("TypeError", r"diffuse\(\): 'block' must have dtype float64, got float32"),
    "not an array": ("TypeError", r"diffuse\(\): 'block' must be a NumPy array, got list"),
    "negative steps": ("ValueError", r"diffuse\(\): 'steps' must be non-negative, got -1"),
    "steps not an int": ("TypeError", r"diffuse\(\): 'steps' must be an int, got float"),
    "k below 1": ("ValueError", r"diffuse\(\): 'steps_per_exchange' must be at least 1, got 0"),
    "bad dt": ("TypeError", r"diffuse\(\): 'dt' must be a real number, got str"),
    "different dt": ("ValueError", (r"diffuse\(\): every rank must pass the same arguments, but rank 0 passed "
                                   r"dt=0.1, .* and rank \d passed dt=0.2")),
    "k deeper than a block": ("ValueError", (r"diffuse\(\): rank \d's block \(\d+, \d+\) has fewer (rows|columns) "
                                            r"than steps_per_exchange=40")),
    "gather wrong shape": ("ValueError", r"Decomposition.gather\(\): 'block' must have this rank's block shape"),
    "gather other dtype": ("ValueError", (r"Decomposition.gather\(\): every rank must pass the same arguments, "
                                         r"but rank 0 passed dtype=<f8 and rank \d passed dtype=<i4")),
    "scatter wrong shape": ("ValueError", (r"Decomposition.scatter\(\): 'grid' must have the decomposition's shape "
                                          r"\(40, 30\), got \(4, 4\)")),
    "julia negative width": ("ValueError", r"julia_image\(\): 'width' and 'height' must be non-negative, got -1"),
    "julia different maxiter": ("ValueError", r"julia_image\(\): every rank must pass the same arguments"),
    "julia bad dims": ("ValueError", (r"julia_image\(\): 'dims' must be two positive ints whose product is the "
                                     r"number of ranks")),
    "decomposition different shapes": ("ValueError", r"Decomposition\(\): every rank must pass the same arguments"),
    "decomposition bad boundary": ("ValueError", (r"Decomposition\(\): 'boundary' must be 'fixed' or 'periodic', "
                                                 r"got 'reflect'")),
}


@needs_mpi
@pytest.mark.parametrize("ranks", [1, 3])
def test_a_bad_call_on_one_rank_raises_the_same_error_on_every_rank(ranks, tmp_path):
    start = time.monotonic()
    outcomes = last_json(mpirun(ranks, ERRORS, tmp_path=tmp_path, timeout=60).stdout)
    assert time.monotonic() - start < 30  # nobody waited for a timeout
    assert len(outcomes) == ranks
    for name, (kind, pattern) in EXPECTED_ERRORS.items():
        if ranks == 1 and name in ("different dt", "julia different maxiter", "decomposition different shapes",
                                   "gather other dtype", "k deeper than a block"):
            continue  # one rank cannot disagree with itself, and needs no halo: it runs cext.evolve as it is
        raised = [outcome[name] for outcome in outcomes]
        assert all(r is not None for r in raised), (name, raised)
        assert {tuple(r) for r in raised} == {tuple(raised[0])}, f"{name}: ranks raised different errors {raised}"
        assert raised[0][0] == kind and re.search(pattern, raised[0][1]), (name, raised[0])
    assert all(outcome["still works"] for outcome in outcomes)


UNCAUGHT = """
import sys
import numpy as np
from mpi4py import MPI
import cext.mpi

comm = MPI.COMM_WORLD
dec = cext.mpi.Decomposition(comm, (400, 400))
block = np.zeros(dec.block_shape if comm.rank != 1 else (3, 3))
try:
    cext.mpi.diffuse(dec, block, 0.1, steps=100, steps_per_exchange=4)
except ValueError as error:
    print(f"rank {comm.rank} raised: {error}", flush=True)
    raise
print(f"rank {comm.rank} was not stopped", flush=True)
"""


@needs_mpi
def test_a_bad_call_on_one_rank_ends_every_rank_within_seconds(tmp_path):
    start = time.monotonic()
    result = mpirun(4, UNCAUGHT, tmp_path=tmp_path, timeout=60, check=False)
    assert time.monotonic() - start < 30
    assert result.returncode != 0
    assert "was not stopped" not in result.stdout
    assert sorted(line.split(" raised")[0] for line in result.stdout.splitlines() if " raised: " in line) == [
        "rank 0", "rank 1", "rank 2", "rank 3"], result.stdout + result.stderr
    assert "'block' must have this rank's block shape (200, 200), got (3, 3) (rank 1) [on rank 1 of 4" in result.stdout


FOREIGN = """
import json, time
import numpy as np
from mpi4py import MPI
import cext.mpi

comm = MPI.COMM_WORLD
dec = cext.mpi.Decomposition(comm, (30, 30))
block = np.zeros(dec.block_shape)
if comm.rank == 1:  # a decomposition of another communicator: the others can only wait for this rank
    dec = cext.mpi.Decomposition(MPI.COMM_SELF, (30, 30))
start = time.monotonic()
try:
    cext.mpi.diffuse(dec, block, 0.1, steps=4)
    outcome = None
except Exception as error:
    outcome = [type(error).__name__, str(error)]
try:  # an abandoned call leaves the decomposition unusable, rather than out of step
    cext.mpi.diffuse(dec, block, 0.1, steps=4)
    again = None
except Exception as error:
    again = type(error).__name__
print(json.dumps([comm.rank, outcome, round(time.monotonic() - start, 1), again]), flush=True)
"""


@needs_mpi
def test_a_decomposition_of_another_communicator_raises_on_every_rank(tmp_path):
    start = time.monotonic()
    result = mpirun(3, FOREIGN, tmp_path=tmp_path, timeout=60, CEXT_MPI_TIMEOUT="2")
    assert time.monotonic() - start < 30
    outcomes = sorted(json.loads(line) for line in result.stdout.splitlines() if line.startswith("["))
    assert [outcome[0] for outcome in outcomes] == [0, 1, 2]
    # Rank 1 alone: its block is not a block of its one-rank decomposition.
    assert outcomes[1][1][0] == "ValueError" and "(30, 30)" in outcomes[1][1][1]
    for rank, outcome, seconds, again in (outcomes[0], outcomes[2]):
        assert outcome[0] == "TimeoutError" and f"rank {rank} waited 2 s for the other 2 ranks" in outcome[1]
        assert 1.5 < seconds < 10 and again == "RuntimeError"


DOCTESTS = """
import doctest, functools, json
import numpy as np
from mpi4py import MPI
import cext, cext.mpi

# In the order a reader meets them, sharing names (dec, block) as a reader's session would.
names = ["cext.mpi", "Decomposition", "Decomposition.slices_of", "Decomposition.shape_of", "Decomposition.scatter",
         "Decomposition.gather", "Decomposition.halo", "Halo", "Decomposition.free", "default_steps_per_exchange",
         "diffuse", "julia_image"]
class AnyOutput(doctest.OutputChecker):
    # The examples show rank 0's output; on the other ranks any output is right, but an exception still fails.
    def check_output(self, want, got, optionflags):
        return True


rank = MPI.COMM_WORLD.rank
globs = {"np": np, "cext": cext, "MPI": MPI}
failures = tries = 0
report = []
for name in names:
    obj = cext.mpi if name == "cext.mpi" else functools.reduce(getattr, name.split("."), cext.mpi)
    test = doctest.DocTestParser().get_doctest(obj.__doc__, globs, name, None, 0)
    runner = doctest.DocTestRunner(checker=None if rank == 0 else AnyOutput(),
                                   optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test, out=report.append, clear_globs=False)
    globs.update(test.globs)  # DocTest ran on a copy
    failures += runner.failures
    tries += runner.tries
# Every rank's outcome reaches rank 0, so a failure on any rank fails the test.
outcomes = MPI.COMM_WORLD.gather([failures, tries, "".join(report)])
if rank == 0:
    print(json.dumps(outcomes))
"""


@needs_mpi
def test_docstring_examples_run_on_six_ranks(tmp_path):
    outcomes = last_json(mpirun(6, DOCTESTS, tmp_path=tmp_path).stdout)
    assert len(outcomes) == 6
    for rank, (failures, tries, report) in enumerate(outcomes):
        assert failures == 0, f"rank {rank}:\n{report}"
        assert tries >= 20, f"rank {rank} ran only {tries} examples"


# -- import and signatures ---------------------------------------------------------------------------------------


def test_importing_cext_does_not_import_mpi4py():
    code = "import sys, cext; print(sorted(m for m in sys.modules if m.startswith(('mpi4py', 'cext.mpi'))))"
    assert run_python(code).stdout.strip() == "[]"


def test_cext_mpi_without_mpi4py_says_how_to_install_it():
    code = textwrap.dedent("""
        import sys
        sys.modules["mpi4py"] = None  # as if it were not installed
        try:
            import cext.mpi
        except ImportError as error:
            print(error)
    """)
    assert 'cext.mpi needs mpi4py and an MPI library: pip install "cext[mpi]"' in run_python(code).stdout


SIGNATURES = """
import inspect, json
import cext.mpi
print(json.dumps({function.__name__: [[p.name, p.kind.name, repr(p.default)]
                                      for p in inspect.signature(function).parameters.values()]
                  for function in (cext.mpi.Decomposition, cext.mpi.diffuse, cext.mpi.julia_image)}))
"""


@needs_mpi
def test_signatures(tmp_path):
    signatures = last_json(mpirun(1, SIGNATURES, tmp_path=tmp_path).stdout)
    positional, keyword, empty = "POSITIONAL_OR_KEYWORD", "KEYWORD_ONLY", "<class 'inspect._empty'>"
    assert signatures["Decomposition"] == [["comm", positional, empty], ["shape", positional, empty],
                                           ["boundary", keyword, "'fixed'"], ["dims", keyword, "None"]]
    assert signatures["diffuse"] == [["dec", positional, empty], ["block", positional, empty],
                                     ["dt", positional, empty], ["D", positional, "1.0"], ["steps", keyword, "1"],
                                     ["steps_per_exchange", keyword, "None"], ["num_threads", keyword, "1"]]
    assert signatures["julia_image"] == [
        ["comm", positional, empty], ["width", positional, empty], ["height", positional, empty],
        ["c", keyword, "(-0.62772-0.42193j)"], ["maxiter", keyword, "300"], ["x_range", keyword, "(-1.8, 1.8)"],
        ["y_range", keyword, "(-1.8, 1.8)"], ["dims", keyword, "None"], ["num_threads", keyword, "1"]]


# -- the examples ------------------------------------------------------------------------------------------------


@needs_mpi
@pytest.mark.skipif(not (EXAMPLES / "mpi_diffusion.py").is_file(), reason="examples/ is in the source tree only")
@pytest.mark.parametrize("boundary", ["periodic", "fixed"])
def test_mpi_diffusion_example_checks_itself(boundary, tmp_path):
    result = subprocess.run([MPIEXEC, "--oversubscribe", "-n", "3", sys.executable, str(EXAMPLES / "mpi_diffusion.py"),
                             "--size", "200", "--steps", "30", "--steps-per-exchange", "7", "--boundary", boundary],
                            check=False, capture_output=True, text=True, timeout=120, env=mpi_environment(),
                            cwd=CHILD_CWD)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "bit-identical" in result.stdout


@needs_mpi
@pytest.mark.skipif(not (EXAMPLES / "mpi_julia.py").is_file(), reason="examples/ is in the source tree only")
def test_mpi_julia_example_checks_itself(tmp_path):
    result = subprocess.run([MPIEXEC, "--oversubscribe", "-n", "2", sys.executable, str(EXAMPLES / "mpi_julia.py"),
                             "--size", "1000"], check=False, capture_output=True, text=True, timeout=120,
                            env=mpi_environment(),
                            cwd=CHILD_CWD)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "bit-identical" in result.stdout and "33,219,980" in result.stdout
