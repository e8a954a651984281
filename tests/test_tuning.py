"""Cache sizes read from the machine, the decisions the diffusion kernel takes from them, and their overrides.

Every decision changes only speed: on both sides of each threshold the results must stay bit-identical to the
reference steps, on every SIMD path.
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from child_process import run_python

import cext

SYSFS = Path("/sys/devices/system/cpu/cpu0/cache")


def sysfs_caches():
    """{level: bytes} of the data/unified caches sysfs lists for the first CPU, read independently here."""
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    sizes = {}
    for index in sorted(SYSFS.glob("index*")):
        if (index / "type").read_text().strip() == "Instruction":
            continue
        text = (index / "size").read_text().strip()
        sizes[int((index / "level").read_text())] = int(text.rstrip("KMG")) * units.get(text[-1], 1)
    return sizes


@pytest.mark.skipif(not sys.platform.startswith("linux") or not SYSFS.is_dir(), reason="needs Linux sysfs")
def test_cache_sizes_are_the_machines():
    caches = cext._core._build_info()["caches"]
    expected = sysfs_caches()
    assert caches["source"] == "sysfs"
    assert caches["l2"] == expected[2]
    assert caches["l3"] == expected.get(3, 0)
    assert caches["l1d"] == expected[1]


def test_decisions_follow_the_caches():
    info = cext._core._build_info()
    caches, tuning = info["caches"], info["diffusion_tuning"]
    last_level = caches["l3"] or caches["l2"]
    assert tuning["stream_bytes"] == last_level // 4 * 3
    assert tuning["tile_bytes"] == caches["l2"] // 4 * 3
    assert tuning["column_bytes"] == caches["l1d"] // 2
    config = cext.show_config(mode="dicts")
    assert config["Diffusion"]["stream_bytes"] == tuning["stream_bytes"]
    assert config["Caches"]["l2_bytes"] == caches["l2"]


def test_environment_overrides_each_decision():
    code = "import cext, json; print(json.dumps(cext._core._build_info()['diffusion_tuning']))"
    tuning = json.loads(run_python(code, CEXT_STREAM_BYTES="4096", CEXT_TILE_BYTES="65536",
                                   CEXT_COLUMN_BYTES="2048", CEXT_KEEP_SCRATCH="0").stdout)
    assert tuning == {"stream_bytes": 4096, "stream_source": "CEXT_STREAM_BYTES", "stream_rejected": None,
                      "tile_bytes": 65536, "tile_source": "CEXT_TILE_BYTES", "tile_rejected": None,
                      "column_bytes": 2048, "column_source": "CEXT_COLUMN_BYTES", "column_rejected": None,
                      "keep_scratch": False, "keep_scratch_source": "CEXT_KEEP_SCRATCH",
                      "keep_scratch_rejected": None}


# Grids that land on either side of each threshold in a child process: streaming every grid (1 byte) or none
# (2**60 bytes); tiles from the smallest budget (a single row of tiles per thread) to one far beyond any L2;
# single steps walking down columns on no grid (1 byte) or on every grid (2**60 bytes).
SIDES = [
    pytest.param({"CEXT_STREAM_BYTES": "1"}, id="stream-every-grid"),
    pytest.param({"CEXT_STREAM_BYTES": str(2**60)}, id="stream-no-grid"),
    pytest.param({"CEXT_TILE_BYTES": "1"}, id="smallest-tiles"),
    pytest.param({"CEXT_TILE_BYTES": str(64 << 20)}, id="largest-tiles"),
    pytest.param({"CEXT_COLUMN_BYTES": "1"}, id="rows-on-every-grid"),
    pytest.param({"CEXT_COLUMN_BYTES": str(2**60)}, id="columns-on-every-grid"),
    pytest.param({"CEXT_KEEP_SCRATCH": "0"}, id="scratch-freed-every-call"),
]

CHECK = """
import numpy as np, cext
from reference import bits, diffusion_steps
rng = np.random.default_rng(7)
checked = 0
for path in cext._core._build_info()["simd_supported"]:
    cext._core._set_simd(path)
    for shape in [(5, 7), (64, 600), (131, 1030)]:
        grid = rng.random(shape)
        for boundary in ("fixed", "periodic"):
            for steps in (1, 3, 8, 11):
                for threads in (1, 2):
                    out = cext.evolve(grid, np.empty_like(grid), 0.1, 0.9, boundary=boundary, steps=steps,
                                      num_threads=threads)
                    expected = diffusion_steps(grid, 0.1, 0.9, boundary, steps)
                    assert np.array_equal(bits(out), bits(expected)), (path, shape, boundary, steps, threads)
                    checked += 1
print(checked)
"""


@pytest.mark.parametrize("environment", SIDES)
def test_both_sides_of_every_threshold_are_bit_exact(environment):
    result = run_python(CHECK, cwd=Path(__file__).parent, **environment)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == len(cext._core._build_info()["simd_supported"]) * 3 * 2 * 4 * 2


KEEP_CHECK = """
import resource
import numpy as np
import cext

# A 72 MiB scratch grid: beyond glibc's largest mmap threshold (32 MiB), so a freed one is unmapped and a new one
# is faulted in afresh. 40 steps take several rounds whatever the caches, so each call needs a scratch grid.
grid = np.random.default_rng(0).random((3000, 3000))
out = np.empty_like(grid)
cext.evolve(grid, out, 0.1, steps=40, num_threads=1)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
cext.evolve(grid, out, 0.1, steps=40, num_threads=1)
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts page faults the Linux way")
def test_the_scratch_grid_is_kept_for_the_next_call_unless_told_not_to():
    kept = int(run_python(KEEP_CHECK).stdout)
    freed = int(run_python(KEEP_CHECK, CEXT_KEEP_SCRATCH="0").stdout)
    # Both calls fault in their tile buffers alike; a fresh 72 MiB scratch adds at least 36 faults (2 MiB pages;
    # 18432 with 4 KiB pages). Half of that leaves room for noise.
    assert freed - kept >= 18, (kept, freed)


def test_scratch_keeping_can_be_switched_at_run_time():
    core = cext._core
    grid = np.random.default_rng(1).random((300, 200))
    out = np.empty_like(grid)
    expected = cext.evolve(grid, np.empty_like(grid), 0.1, steps=40)  # more than a round's 32 steps: scratch
    scratch_bytes = grid.nbytes
    previous = core._set_keep_scratch(True)
    try:
        assert core._set_keep_scratch(True) is True
        assert core._build_info()["diffusion_tuning"]["keep_scratch_source"] == "_set_keep_scratch()"
        cext.evolve(grid, out, 0.1, steps=40)
        assert core._kept_scratch_bytes() == scratch_bytes
        assert core._set_keep_scratch(False) is True
        assert core._kept_scratch_bytes() == 0  # turning keeping off frees the kept grid at once
        assert core._build_info()["diffusion_tuning"]["keep_scratch"] is False
        assert np.array_equal(cext.evolve(grid, out, 0.1, steps=40), expected)
        assert core._kept_scratch_bytes() == 0  # and a call's grid is freed when it ends
        assert core._set_keep_scratch(True) is False
        assert np.array_equal(cext.evolve(grid, out, 0.1, steps=40), expected)
        assert core._kept_scratch_bytes() == scratch_bytes
    finally:
        core._set_keep_scratch(previous)


@pytest.mark.parametrize("value", [1, 0, None, "0", np.bool_(True)])
def test_set_keep_scratch_takes_only_a_bool(value):
    with pytest.raises(TypeError, match=r"_set_keep_scratch\(\): 'keep' must be a bool"):
        cext._core._set_keep_scratch(value)


# The tuning variables are read once, at import, so each value is tried in a child process. A malformed value is
# never read as far as it makes sense ("64M" as 64 bytes, "-1" as 2**64 - 1): it is ignored with a RuntimeWarning
# naming the variable and the value, and show_config() reports the machine's value and the rejected one.
REPORT = """
import cext, json
print(json.dumps([cext._core._build_info()["diffusion_tuning"], cext.show_config(mode="dicts")["Diffusion"]]))
"""

BYTES_ACCEPTED = [("1", 1), ("4096", 4096), ("0004096", 4096), (str(2**63 - 1), 2**63 - 1)]
BYTES_REJECTED = ["64M", "4096 ", " 4096", "-1", "+4096", "0", "00", "99999999999999999999999", str(2**63),
                  str(2**64 - 1), str(2**64 + 4096), "1e6", "0x1000", "4096.0", "4_096", "lots", "-"]
BYTE_VARIABLES = [("CEXT_STREAM_BYTES", "stream", "stream_bytes"), ("CEXT_TILE_BYTES", "tile", "tile_bytes"),
                  ("CEXT_COLUMN_BYTES", "column", "column_bytes")]


def import_with(**environment):
    """The tuning cext reports in a child started with `environment`, from _build_info() and show_config(), and
    the child's standard error (where import-time warnings go)."""
    result = run_python(REPORT, **environment)
    info, config = json.loads(result.stdout)
    return info, config, result.stderr


def machine_tuning():
    """What the machine's caches decide, computed here from the sizes _build_info() reports."""
    caches = cext._core._build_info()["caches"]
    return {"stream_bytes": (caches["l3"] or caches["l2"]) // 4 * 3, "tile_bytes": caches["l2"] // 4 * 3,
            "column_bytes": caches["l1d"] // 2}


@pytest.mark.parametrize(("text", "expected"), BYTES_ACCEPTED, ids=[text for text, _ in BYTES_ACCEPTED])
def test_a_byte_count_is_taken_as_written(text, expected):
    info, config, stderr = import_with(CEXT_STREAM_BYTES=text, CEXT_TILE_BYTES=text, CEXT_COLUMN_BYTES=text)
    for variable, key, field in BYTE_VARIABLES:
        assert info[field] == expected and config[field] == expected, variable
        assert info[f"{key}_source"] == variable and info[f"{key}_rejected"] is None
        assert config[f"{field}_from"] == variable
    assert "RuntimeWarning" not in stderr, stderr


@pytest.mark.parametrize("text", BYTES_REJECTED)
@pytest.mark.parametrize(("variable", "key", "field"), BYTE_VARIABLES, ids=["stream", "tile", "column"])
def test_a_malformed_byte_count_is_rejected_with_a_warning(variable, key, field, text):
    # One variable at a time, so that a report of the other's rejection is caught too.
    info, config, stderr = import_with(**{variable: text})
    machine = machine_tuning()
    source = {"stream": "3/4 of the last-level cache", "tile": "3/4 of the L2 cache",
              "column": "1/2 of the L1 data cache"}[key]
    # The machine's value, not the number the text starts with.
    assert info[field] == machine[field] and config[field] == machine[field], info
    assert info[f"{key}_source"] == source and info[f"{key}_rejected"] == text
    assert config[f"{field}_from"] == f"{source} ({variable}={text!r} rejected)"
    assert (f"RuntimeWarning: {variable}={text!r} is not a whole number of bytes from 1 to 2**63 - 1; "
            f"using {source} ({machine[field]} bytes)") in stderr, stderr
    assert stderr.count("RuntimeWarning") == 1, stderr
    for other in {"stream", "tile", "column", "keep_scratch"} - {key}:
        assert info[f"{other}_rejected"] is None, other


def test_an_empty_variable_counts_as_unset():
    # As for CEXT_SIMD: `CEXT_TILE_BYTES= python ...` is how a shell unsets a variable for one command.
    info, config, stderr = import_with(CEXT_STREAM_BYTES="", CEXT_TILE_BYTES="", CEXT_COLUMN_BYTES="",
                                       CEXT_KEEP_SCRATCH="")
    assert {field: info[field] for field in ("stream_bytes", "tile_bytes", "column_bytes")} == machine_tuning()
    assert (info["stream_rejected"], info["tile_rejected"], info["column_rejected"],
            info["keep_scratch_rejected"]) == (None, None, None, None)
    assert info["keep_scratch"] is True and info["keep_scratch_source"] == "default"
    assert config["keep_scratch_from"] == "default"
    assert "RuntimeWarning" not in stderr, stderr


@pytest.mark.parametrize(("text", "keep"), [("0", False), ("1", True)])
def test_keep_scratch_takes_zero_or_one(text, keep):
    info, config, stderr = import_with(CEXT_KEEP_SCRATCH=text)
    assert info["keep_scratch"] is keep and config["keep_scratch"] is keep
    assert info["keep_scratch_source"] == config["keep_scratch_from"] == "CEXT_KEEP_SCRATCH"
    assert info["keep_scratch_rejected"] is None
    assert "RuntimeWarning" not in stderr, stderr


@pytest.mark.parametrize("text", ["no", "false", "off", "00", "-0", " 0", "0 ", "2", "yes", "01"])
def test_keep_scratch_rejects_anything_else_with_a_warning(text):
    # "no", "false" and "off" would otherwise keep the scratch grid, the opposite of what they say.
    info, config, stderr = import_with(CEXT_KEEP_SCRATCH=text)
    assert info["keep_scratch"] is True and config["keep_scratch"] is True
    assert info["keep_scratch_source"] == "default" and info["keep_scratch_rejected"] == text
    assert config["keep_scratch_from"] == f"default (CEXT_KEEP_SCRATCH={text!r} rejected)"
    assert (f"RuntimeWarning: CEXT_KEEP_SCRATCH={text!r} is not 0 or 1; using the default: keep the scratch grid"
            in stderr), stderr


def test_a_malformed_variable_fails_the_import_where_warnings_are_errors():
    # The warning is a real warning: `-W error` (as test suites run) turns it into an ImportError-time failure.
    with pytest.raises(subprocess.CalledProcessError) as failure:
        run_python("import warnings; warnings.simplefilter('error'); import cext", CEXT_TILE_BYTES="1M")
    assert "RuntimeWarning: CEXT_TILE_BYTES='1M' is not a whole number of bytes" in failure.value.stderr
