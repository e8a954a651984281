"""cext.mpi: on 1 to 4 ranks, gathered results equal the single-process kernels bit for bit, and bad calls raise on
every rank without leaving any waiting.

The MPI programs, files in tests/mpi_programs/, run under ``mpiexec`` in a subprocess (never in the pytest
process, which must not initialise MPI). Each launch costs a second or two, so one launch per rank count checks many
cases at once. Every rank's outcome, an exception included, is gathered to rank 0, which prints them as JSON on its
last line of output; the tests check each rank's entry. More ranks than cores are run with ``--oversubscribe``.
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
PROGRAMS = Path(__file__).resolve().parent / "mpi_programs"


def mpi_environment(**env):
    # Open MPI refuses to run as root unless told twice; CI containers often are root. One OpenMP thread per
    # rank, since the ranks themselves fill the cores.
    return child_environment(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMP_NUM_THREADS="1",
                             **env)


def mpirun(ranks, program, *args, timeout=120, **env):
    """Runs `program`, a file of tests/mpi_programs/, on `ranks` ranks; returns the CompletedProcess, whatever
    its exit status.

    A rank that raised where it should not leaves the others waiting for it in their next cext.mpi call; they give
    up after CEXT_MPI_TIMEOUT seconds, 30 unless `env` says otherwise (not the default 60), so that every rank still
    reports well within `timeout`. A program still running at `timeout` fails the test with what it printed."""
    command = [MPIEXEC, "--oversubscribe", "-n", str(ranks), sys.executable, str(PROGRAMS / program), *map(str, args)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=mpi_environment(**{"CEXT_MPI_TIMEOUT": "30", **env}), cwd=CHILD_CWD) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            # SIGTERM, not SIGKILL: mpiexec then ends the ranks, which run in process groups of their own.
            process.terminate()
            try:
                stdout, stderr = process.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                stdout, stderr = process.communicate()
            pytest.fail(f"{program} on {ranks} ranks still ran after {timeout} s:\n{stdout}\n{stderr}")
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def last_json(output):
    return json.loads(output.strip().splitlines()[-1])


def every_rank(ranks, program, *args, **kwargs):
    """What `program` returned on each rank, in rank order, having checked that every rank reported, that none
    raised (the failure names the rank and shows its traceback), and then that mpiexec succeeded."""
    result = mpirun(ranks, program, *args, **kwargs)
    try:
        outcomes = last_json(result.stdout)
    except (ValueError, IndexError):  # no report at all: the program died before its gather
        outcomes = []
    assert len(outcomes) == ranks, (f"{len(outcomes)} of {ranks} ranks reported; mpiexec exited with "
                                    f"{result.returncode}:\n{result.stdout}\n{result.stderr}")
    # Every rank that raised, since the first to raise may have made the others give up waiting for it.
    raised = [f"rank {rank} raised:\n{outcome['error']}" for rank, outcome in enumerate(outcomes) if outcome["error"]]
    assert not raised, "\n".join(raised)
    assert result.returncode == 0, f"mpiexec failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return [outcome["result"] for outcome in outcomes]


# -- correctness: many cases per launch --------------------------------------------------------------------------

@needs_mpi
@pytest.mark.parametrize("ranks", [1, 2, 3, 4])
def test_gathered_results_equal_the_single_process_kernels(ranks):
    reports = every_rank(ranks, "cases.py")
    root = reports[0]
    for rank, report in enumerate(reports):
        # Each rank's own block, and on rank 0 the gathered grid, against the single-process result.
        assert report["mismatches"] == [], f"rank {rank}: {report['mismatches']}"
        # 2 boundaries x 4 shapes x 3 dims x 4 k x 4 steps, less the refused ones, which every rank refuses alike.
        assert report["diffuse"] + len(report["refused"]) == 384, f"rank {rank}"
        assert report["refused"] == root["refused"], f"rank {rank} refused other calls than rank 0"
        assert report["block_untouched"], f"rank {rank}: diffuse() wrote into its block"
        assert report["result_kept"], f"rank {rank}: a later diffuse() call changed an earlier call's result"
    assert root["diffuse"] >= 300
    for _boundary, _shape, _dims, k, steps, message in root["refused"]:
        assert f"than steps_per_exchange={min(k or 8, steps)}" in message and "rank " in message, message
    assert root["julia"] == {"sum": 33219980, "equal": True, "other_equal": True,
                             "dask_equal": root["julia"]["dask_equal"]}
    assert root["julia"]["dask_equal"] in (True, None)
    for rank, report in enumerate(reports[1:], 1):
        assert report["julia"] == {"none_elsewhere": True}, f"rank {rank}: {report['julia']}"


# -- decompositions ----------------------------------------------------------------------------------------------

@needs_mpi
def test_blocks_are_shared_evenly_and_scatter_gather_round_trip():
    reports = every_rank(6, "decomposition.py")
    found = [report["blocks"] for report in reports]
    # MPI_Dims_create's balanced 3x2 grid: 100 rows in 34, 33, 33; 50 columns in 25, 25.
    assert [rank[0][:3] for rank in found] == [[[3, 2], [r, c], [34 if r == 0 else 33, 25]]
                                               for r in range(3) for c in range(2)]
    # 7x5 in 3x2: the first 7 % 3 row blocks and 5 % 2 column blocks are one cell larger.
    assert [rank[1][3:5] for rank in found] == [[[0, 3], [0, 3]], [[0, 3], [3, 5]], [[3, 5], [0, 3]],
                                                [[3, 5], [3, 5]], [[5, 7], [0, 3]], [[5, 7], [3, 5]]]
    # More ranks than rows: some blocks are empty, and scatter and gather still work.
    assert [rank[2][2] for rank in found] == [[1, 9], [1, 9], [0, 9], [0, 9], [0, 9], [0, 9]]
    for rank, report in enumerate(reports):
        assert report["blocks"][0][5] == [False, False], f"rank {rank}: a fixed grid of ranks wraps"
        assert report["periodic"] == [True, True], f"rank {rank}: a periodic grid of ranks wraps {report['periodic']}"
    for rank, report in enumerate(reports):
        assert report["tiling"] == [None] * 4, f"rank {rank}: {report['tiling']}"
        # Each rank received its own block of the grid, as an array of its own, and rank 0 (only) got the whole
        # grid back.
        assert report["scattered"] == [True] * 4, f"rank {rank}: {report['scattered']}"
        assert report["gathered"] == [True] * 4, f"rank {rank}: {report['gathered']}"


# -- halo exchange -----------------------------------------------------------------------------------------------

@needs_mpi
@pytest.mark.parametrize("ranks", [3, 4])
def test_a_halo_exchange_fills_each_halo_cell_from_where_the_grid_holds_it(ranks):
    # An exchange that never completes is reported by its rank after 10 s; the others, left waiting for that rank
    # in their next exchange or call, give up on it after 10 s too: well within the launch's timeout.
    reports = every_rank(ranks, "halo.py", timeout=90, CEXT_MPI_TIMEOUT="10")
    for rank, report in enumerate(reports):
        assert report["problems"] == [], f"rank {rank}:\n" + "\n".join(report["problems"])
        assert report["cases"] == 12, f"rank {rank} checked {report['cases']} cases"


# -- bad calls: every rank raises, none waits ---------------------------------------------------------------------

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
    "k deeper than a one-rank periodic axis": ("ValueError", (r"diffuse\(\): rank \d's block \(10, \d+\) has fewer "
                                                             r"rows than steps_per_exchange=20")),
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
def test_a_bad_call_on_one_rank_raises_the_same_error_on_every_rank(ranks):
    start = time.monotonic()
    outcomes = every_rank(ranks, "errors.py", timeout=60)
    assert time.monotonic() - start < 30  # nobody waited for a timeout
    for name, (kind, pattern) in EXPECTED_ERRORS.items():
        if ranks == 1 and name in ("different dt", "julia different maxiter", "decomposition different shapes",
                                   "gather other dtype", "k deeper than a block",
                                   "k deeper than a one-rank periodic axis"):
            # One rank cannot disagree with itself, and needs no halo: it runs cext.evolve as it is.
            assert outcomes[0][name] is None, (name, outcomes[0][name])
            continue
        raised = [outcome[name] for outcome in outcomes]
        for rank, r in enumerate(raised):
            assert r is not None, f"{name}: rank {rank} raised nothing; the ranks raised {raised}"
        assert {tuple(r) for r in raised} == {tuple(raised[0])}, f"{name}: ranks raised different errors {raised}"
        assert raised[0][0] == kind and re.search(pattern, raised[0][1]), (name, raised[0])
    for rank, outcome in enumerate(outcomes):
        assert outcome["still works"], f"rank {rank}: the decomposition no longer works after the refusals"


@needs_mpi
def test_a_bad_call_on_one_rank_ends_every_rank_within_seconds():
    start = time.monotonic()
    # The ranks die of the uncaught exception, so none gathers: each prints its own outcome line.
    result = mpirun(4, "uncaught.py", timeout=60)
    assert time.monotonic() - start < 30
    assert result.returncode != 0
    assert "was not stopped" not in result.stdout
    assert sorted(line.split(" raised")[0] for line in result.stdout.splitlines() if " raised: " in line) == [
        "rank 0", "rank 1", "rank 2", "rank 3"], result.stdout + result.stderr
    assert "'block' must have this rank's block shape (200, 200), got (3, 3) (rank 1) [on rank 1 of 4" in result.stdout


@needs_mpi
def test_a_decomposition_of_another_communicator_raises_on_every_rank():
    start = time.monotonic()
    outcomes = every_rank(3, "foreign.py", timeout=60, CEXT_MPI_TIMEOUT="2")
    assert time.monotonic() - start < 30
    # Rank 1 alone: its block is not a block of its one-rank decomposition.
    assert outcomes[1][0] is not None, "rank 1 raised nothing"
    assert outcomes[1][0][0] == "ValueError" and "(30, 30)" in outcomes[1][0][1], outcomes[1]
    for rank in (0, 2):
        outcome, seconds, again = outcomes[rank]
        assert outcome is not None, f"rank {rank} raised nothing"
        assert outcome[0] == "TimeoutError" and f"rank {rank} waited 2 s for the other 2 ranks" in outcome[1], outcome
        assert 1.5 < seconds < 10 and again == "RuntimeError", f"rank {rank}: {outcomes[rank]}"


@needs_mpi
def test_docstring_examples_run_on_six_ranks():
    outcomes = every_rank(6, "doctests.py")
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


@needs_mpi
def test_signatures():
    (signatures,) = every_rank(1, "signatures.py")
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
