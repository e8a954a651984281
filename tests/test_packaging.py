"""Packaging: metadata, the package's files, and (when CI points at them) the contents of the built sdist and wheel.

.ci/ecosystem.sh builds both with `python -m build` and sets CEXT_SDIST and CEXT_WHEEL to their paths, and
CEXT_EXPECT_INSTALLED=1 when it runs this suite against the installed wheel from outside the source tree.
"""

import importlib.metadata
import os
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest
from child_process import run_python

import cext

PACKAGE = Path(cext.__file__).resolve().parent
SOURCE_TREE = Path(__file__).resolve().parent.parent
# cext.mpi is a package of its own: the wheel has it only if pyproject.toml lists it.
MPI_MODULES = [f"cext/mpi/{name}.py" for name in ("__init__", "agreement", "decomposition", "halo", "diffusion",
                                                  "julia")]
IN_SOURCE_TREE = (SOURCE_TREE / "pyproject.toml").is_file() and (SOURCE_TREE / "include").is_dir()


def installed_metadata():
    """The metadata of the distribution that installed the cext under test; skips for an in-place build (or
    metadata left behind by another copy, such as a stale cext.egg-info in the working directory)."""
    try:
        distribution = importlib.metadata.distribution("cext")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("cext is not installed (in-place build)")
    if Path(distribution.locate_file("cext/__init__.py")).resolve() != PACKAGE / "__init__.py":
        pytest.skip("the cext metadata found belongs to another copy of the package")
    return distribution.metadata


def test_package_files_sit_next_to_the_module():
    for name in ("__init__.py", "_config.py", "_arguments.py", "dask.py", "mpi/__init__.py", "mpi/halo.py",
                 "_core.pyi", "py.typed"):
        assert (PACKAGE / name).is_file(), name


def test_version_matches_the_metadata():
    assert installed_metadata()["Version"] == cext.__version__


def test_metadata():
    metadata = installed_metadata()
    assert metadata["License-Expression"] == "MIT"
    assert metadata["Requires-Python"] == ">=3.10"
    assert "Typing :: Typed" in metadata.get_all("Classifier")
    assert set(metadata.get_all("Provides-Extra")) >= {"test", "bench", "dask"}
    assert any(requirement.startswith("numpy") for requirement in metadata.get_all("Requires-Dist"))


def test_importing_cext_does_not_import_dask():
    code = ("import sys, cext; cext.show_config(mode='dicts'); "
            "print(sorted(m for m in sys.modules if m.startswith('dask')))")
    assert run_python(code).stdout.strip() == "[]"


@pytest.mark.skipif(os.environ.get("CEXT_EXPECT_INSTALLED") != "1", reason="set by CI for the installed-wheel run")
def test_cext_is_imported_from_the_installed_wheel():
    site_packages = {Path(sysconfig.get_paths()[key]).resolve() for key in ("purelib", "platlib")}
    assert PACKAGE.parent in site_packages
    assert not IN_SOURCE_TREE


# -- pyproject.toml (source tree only) ---------------------------------------------------------------------------


@pytest.fixture
def pyproject():
    if not IN_SOURCE_TREE:
        pytest.skip("pyproject.toml is in the source tree only")
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    return tomllib.loads((SOURCE_TREE / "pyproject.toml").read_text(encoding="utf-8"))


def test_builds_against_numpy_2(pyproject):
    assert "numpy>=2.0" in pyproject["build-system"]["requires"]


def test_bench_extra_brings_the_setuptools_that_builds_the_bound_peers(pyproject):
    """The bench rebuilds cext's sources with setup.py for the pybind11 and nanobind peers, in the user's own
    environment: a stock venv's setuptools (65.5 on Python 3.11) must be upgraded by the extra itself."""
    build_floor = next(r for r in pyproject["build-system"]["requires"] if r.startswith("setuptools"))
    assert build_floor in pyproject["project"]["optional-dependencies"]["bench"]


def test_dask_extra_takes_the_distributed_that_matches_dask(pyproject):
    """dask[distributed] pins distributed to dask's own version; a bare `distributed` let pip pair a new dask
    with a years-old distributed that fails to import."""
    dask = pyproject["project"]["optional-dependencies"]["dask"]
    assert any(r.startswith("dask[") and "distributed" in r for r in dask)
    assert not any(r.split("[")[0].split(">")[0].split("=")[0] == "distributed" for r in dask)


def test_cibuildwheel_tests_the_installed_wheel(pyproject):
    config = pyproject["tool"]["cibuildwheel"]
    assert "pytest" in config["test-command"] and config["test-sources"] == ["tests"]
    assert "test" in config["test-extras"]


# -- the built distributions (CI) --------------------------------------------------------------------------------


@pytest.mark.skipif("CEXT_SDIST" not in os.environ, reason="set by .ci/ecosystem.sh after python -m build")
def test_sdist_holds_everything_needed_to_build_and_test():
    with tarfile.open(os.environ["CEXT_SDIST"]) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    required = {"pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "LICENSE", "cext/__init__.py",
                "cext/_config.py", "cext/_arguments.py", "cext/dask.py", *MPI_MODULES, "cext/_core.pyi",
                "cext/py.typed", "cext/_core.cpp",
                "src/dispatch.cpp", "src/isa_baseline.cpp", "src/isa_avx2.cpp", "src/isa_avx512.cpp",
                "include/cext/kernels.hpp", "tests/conftest.py", "tests/reference.py", "examples/julia.py",
                "examples/dask_julia.py"}
    if IN_SOURCE_TREE:  # every header, test and example of this tree
        for folder, pattern in (("include", "**/*.hpp"), ("src", "*.cpp"), ("tests", "**/*.py"), ("examples", "*.py")):
            required |= {path.relative_to(SOURCE_TREE).as_posix() for path in (SOURCE_TREE / folder).glob(pattern)}
    assert required <= names, sorted(required - names)
    assert not [name for name in names if name.endswith((".so", ".pyd", ".o", ".pyc"))]


@pytest.mark.skipif("CEXT_WHEEL" not in os.environ, reason="set by .ci/ecosystem.sh after python -m build")
def test_wheel_holds_the_module_stubs_and_license_but_no_sources():
    with zipfile.ZipFile(os.environ["CEXT_WHEEL"]) as wheel:
        names = set(wheel.namelist())
    assert {"cext/__init__.py", "cext/_config.py", "cext/_arguments.py", "cext/dask.py", *MPI_MODULES,
            "cext/_core.pyi", "cext/py.typed"} <= names
    assert [name for name in names if name.startswith("cext/_core.") and name.endswith((".so", ".pyd"))]
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    assert not [name for name in names if name.endswith((".cpp", ".hpp")) or name.startswith("tests/")]
