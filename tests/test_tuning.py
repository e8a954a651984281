"""Cache sizes read from the machine, the decisions the diffusion kernel takes from them, and their overrides.

Every decision changes only speed: on both sides of each threshold the results must stay bit-identical to the
reference steps, on every SIMD path.
"""

import json
import sys
from pathlib import Path

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
    config = cext.show_config(mode="dicts")
    assert config["Diffusion"]["stream_bytes"] == tuning["stream_bytes"]
    assert config["Caches"]["l2_bytes"] == caches["l2"]


def test_environment_overrides_each_decision():
    code = "import cext, json; print(json.dumps(cext._core._build_info()['diffusion_tuning']))"
    tuning = json.loads(run_python(code, CEXT_STREAM_BYTES="4096", CEXT_TILE_BYTES="65536",
                                   CEXT_KEEP_SCRATCH="0").stdout)
    assert tuning == {"stream_bytes": 4096, "stream_source": "CEXT_STREAM_BYTES", "tile_bytes": 65536,
                      "tile_source": "CEXT_TILE_BYTES", "keep_scratch": False,
                      "keep_scratch_source": "CEXT_KEEP_SCRATCH"}


# Grids that land on either side of each threshold in a child process: streaming every grid (1 byte) or none
# (2**60 bytes); tiles from the smallest budget (a single row of tiles per thread) to one far beyond any L2.
SIDES = [
    pytest.param({"CEXT_STREAM_BYTES": "1"}, id="stream-every-grid"),
    pytest.param({"CEXT_STREAM_BYTES": str(2**60)}, id="stream-no-grid"),
    pytest.param({"CEXT_TILE_BYTES": "1"}, id="smallest-tiles"),
    pytest.param({"CEXT_TILE_BYTES": str(64 << 20)}, id="largest-tiles"),
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
