"""Thread control the ecosystem expects: OMP_NUM_THREADS, threadpoolctl and num_threads=, and show_config()."""

import json
import textwrap

import numpy as np
import pytest
from child_process import run_python
from reference import bits, diffusion_steps, escape_counts_numpy

import cext

OPENMP = cext._core._build_info()["openmp"]
needs_openmp = pytest.mark.skipif(not OPENMP, reason="built without OpenMP")
C = complex(-0.62772, -0.42193)


def default_threads():
    return cext.show_config(mode="dicts")["OpenMP"]["default_threads"]


def workload():
    """Inputs large enough for every kernel to use all the threads it is allowed."""
    rng = np.random.default_rng(3)
    zs = rng.uniform(-1.5, 1.5, 400_000) + 1j * rng.uniform(-1.5, 1.5, 400_000)
    grid = rng.uniform(size=(512, 512))
    return zs, grid


def run_kernels(zs, grid, **kwargs):
    counts = cext.calculate_z(300, zs, C, **kwargs)
    state = cext.evolve(grid, np.empty_like(grid), 0.1, boundary="periodic", steps=3, **kwargs)
    return counts, state


@pytest.fixture(scope="module")
def expected():
    zs, grid = workload()
    return escape_counts_numpy(300, zs, C), diffusion_steps(grid, 0.1, 1.0, "periodic", 3)


def assert_exact(result, expected):
    np.testing.assert_array_equal(result[0], expected[0])
    np.testing.assert_array_equal(bits(result[1]), bits(expected[1]))


# -- show_config -------------------------------------------------------------------------------------------------


def test_show_config_returns_the_build_information():
    config = cext.show_config(mode="dicts")
    info = cext._core._build_info()
    assert config["cext"]["version"] == cext.__version__
    assert config["SIMD Extensions"] == {"active": info["simd"], "lanes": info["simd_lanes"],
                                         "compiled": list(info["simd_compiled"]),
                                         "supported": list(info["simd_supported"]),
                                         "native_build": info["native_build"]}
    assert config["OpenMP"]["enabled"] is OPENMP
    assert config["OpenMP"]["default_threads"] == info["max_threads"] >= 1
    assert config["OpenMP"]["processors"] >= 1
    assert info["compiler"].startswith(config["Compiler"]["name"])
    if OPENMP:
        assert config["OpenMP"]["specification"].endswith(f"({info['openmp_version']})")


def test_show_config_prints_a_report(capsys):
    assert cext.show_config() is None
    printed = capsys.readouterr().out
    for heading in ("cext:", "Compiler:", "SIMD Extensions:", "OpenMP:", "Python Information:"):
        assert heading in printed.splitlines()
    assert f"  active: {cext._core._build_info()['simd']}" in printed
    assert f"  default_threads: {default_threads()}" in printed


def test_show_config_rejects_unknown_modes():
    with pytest.raises(ValueError, match=r"show_config\(\): 'mode' must be 'stdout' or 'dicts', got 'json'"):
        cext.show_config(mode="json")


# -- num_threads= ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("num_threads", [None, 1, 2, 3, 8])
def test_num_threads_gives_exact_results(num_threads, expected):
    assert_exact(run_kernels(*workload(), num_threads=num_threads), expected)


# -- threadpoolctl -----------------------------------------------------------------------------------------------


@needs_openmp
def test_threadpoolctl_sees_the_openmp_runtime():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    runtimes = [lib for lib in threadpoolctl.threadpool_info() if lib["user_api"] == "openmp"]
    assert runtimes
    assert cext.show_config(mode="dicts")["OpenMP"]["runtime"] == [
        {key: lib[key] for key in ("prefix", "filepath", "version", "num_threads")} for lib in runtimes
    ]


@needs_openmp
@pytest.mark.parametrize("limit", [1, 2, 3])
def test_threadpool_limits_sets_the_default_thread_count(limit, expected):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = default_threads()
    with threadpoolctl.threadpool_limits(limits=limit, user_api="openmp"):
        assert default_threads() == limit
        assert_exact(run_kernels(*workload()), expected)
        with threadpoolctl.threadpool_limits(limits=1):  # nested, all APIs
            assert default_threads() == 1
        assert default_threads() == limit
    assert default_threads() == before


@needs_openmp
def test_per_call_num_threads_overrides_threadpool_limits(expected):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with threadpoolctl.threadpool_limits(limits=1):
        assert_exact(run_kernels(*workload(), num_threads=3), expected)
        assert default_threads() == 1


# -- OMP_NUM_THREADS, and the threads a call really starts (in fresh processes) ----------------------------------

# Runs the kernels in a fresh interpreter and reports the default thread count, how many OS threads the process
# gained during the calls (OpenMP keeps its team's threads alive afterwards, so this is the team size minus the
# calling thread; Linux only) and the results.
PROBE = textwrap.dedent(
    """
    import hashlib, json, os, sys
    import numpy as np
    import cext

    def os_threads():
        return len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else -1

    setting = json.loads(sys.argv[1])
    rng = np.random.default_rng(3)
    zs = rng.uniform(-1.5, 1.5, 400_000) + 1j * rng.uniform(-1.5, 1.5, 400_000)
    grid = rng.uniform(size=(512, 512))
    before = os_threads()
    def run(**kwargs):
        counts = cext.calculate_z(300, zs, complex(-0.62772, -0.42193), **kwargs)
        state = cext.evolve(grid, np.empty_like(grid), 0.1, boundary="periodic", steps=3, **kwargs)
        return counts, state
    if setting.get("threadpool_limits"):
        from threadpoolctl import threadpool_limits
        with threadpool_limits(setting["threadpool_limits"]):
            default = cext.show_config(mode="dicts")["OpenMP"]["default_threads"]
            counts, state = run()
    else:
        default = cext.show_config(mode="dicts")["OpenMP"]["default_threads"]
        counts, state = run(num_threads=setting.get("num_threads"))
    gained = os_threads() - before if before >= 0 else None
    print(json.dumps({"default": default, "gained": gained, "counts": int(counts.astype(np.int64).sum()),
                      "state": hashlib.sha256(state.tobytes()).hexdigest()}))
    """
)


def probe(setting, **env):
    return json.loads(run_python(PROBE, json.dumps(setting), **{"OMP_NUM_THREADS": None, **env}).stdout)


@pytest.fixture(scope="module")
def serial_probe():
    return probe({"num_threads": 1})


@needs_openmp
@pytest.mark.parametrize("threads", [1, 2, 3])
def test_omp_num_threads_sets_the_default_and_the_team_size(threads, serial_probe):
    report = probe({}, OMP_NUM_THREADS=str(threads))
    assert report["default"] == threads
    assert (report["counts"], report["state"]) == (serial_probe["counts"], serial_probe["state"])
    if report["gained"] is not None:
        assert report["gained"] == threads - 1


@needs_openmp
@pytest.mark.parametrize("threads", [1, 3])
def test_num_threads_sets_the_team_size(threads, serial_probe):
    report = probe({"num_threads": threads}, OMP_NUM_THREADS="2")
    assert (report["counts"], report["state"]) == (serial_probe["counts"], serial_probe["state"])
    if report["gained"] is not None:
        assert report["gained"] == threads - 1


@needs_openmp
def test_threadpool_limits_sets_the_team_size(serial_probe):
    pytest.importorskip("threadpoolctl")
    report = probe({"threadpool_limits": 1}, OMP_NUM_THREADS="3")
    assert report["default"] == 1
    assert (report["counts"], report["state"]) == (serial_probe["counts"], serial_probe["state"])
    if report["gained"] is not None:
        assert report["gained"] == 0


@pytest.mark.skipif(OPENMP, reason="checks the serial build")
def test_serial_build_ignores_thread_requests():
    report = probe({"num_threads": 4}, OMP_NUM_THREADS="4")
    assert report["default"] == 1
    if report["gained"] is not None:
        assert report["gained"] == 0
