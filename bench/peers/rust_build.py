"""Build and load the Rust peer: the kernels in ``rust/`` as a PyO3 extension.

The crate is built the way Debian builds its own Rust packages: offline, with
cargo's crates.io source replaced by the local directory of crates that
``librust-pyo3-dev`` and ``librust-rayon-dev`` install (crates.io itself may be
unreachable). The cargo configuration, ``CARGO_HOME``, a copy of the crate (so
that cargo's ``Cargo.lock`` never lands in the repository) and the target
directory all live under the build's ``out_dir``; nothing else is written.
Debian packages pyo3 0.17, which supports CPython 3.7 to 3.11.

bench/build.py's ``cargo`` tool runs this file as a script::

    python rust_build.py <crate directory> <work directory> <artefact name>
"""
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

CRATE = Path(__file__).resolve().parent / "rust"
SOURCES = (CRATE / "Cargo.toml", CRATE / "src" / "lib.rs", CRATE / "src" / "kernels.rs")
MODULE = "cext_rust"
PYO3_SERIES = "0.17"
PYO3_NEWEST_PYTHON = (3, 11)
_LOADED: dict[Path, "_Kernels"] = {}  # resolved path -> its kernels
_CRATES_MISSING = ("the pyo3 and rayon crates are not installed "
                   "(apt-get install librust-pyo3-dev librust-rayon-dev)")


class MissingTool(Exception):
    """Something the build needs is not installed; the message says how to install it."""


def build(source_dir: Path, out_dir: Path, python: str) -> Path:
    """Build the crate in ``source_dir`` for the interpreter ``python``.

    Returns ``out_dir / ("cext_rust" + EXT_SUFFIX)``. Raises MissingTool when
    cargo, the crates or a supported Python is missing, RuntimeError with the
    end of cargo's output when the build fails.
    """
    source_dir, out_dir = Path(source_dir), Path(out_dir).resolve()
    cargo, ext_suffix, registry = _tools(python)

    out_dir.mkdir(parents=True, exist_ok=True)
    crate = out_dir / "crate"
    shutil.rmtree(crate, ignore_errors=True)
    shutil.copytree(source_dir, crate, ignore=shutil.ignore_patterns("target", "Cargo.lock"))
    (crate / ".cargo").mkdir(exist_ok=True)
    (crate / ".cargo" / "config.toml").write_text(
        "# Written by bench/peers/rust_build.py: build offline from Debian's crates.\n"
        "[source.crates-io]\n"
        'replace-with = "debian-packages"\n'
        "[source.debian-packages]\n"
        f"directory = {json.dumps(str(registry))}\n"
        "[net]\n"
        "offline = true\n")
    environment = {**os.environ,
                   "CARGO_HOME": str(out_dir / "cargo-home"),
                   "CARGO_TARGET_DIR": str(out_dir / "target"),
                   "PYO3_PYTHON": python}
    environment.pop("PYO3_CONFIG_FILE", None)
    result = subprocess.run([cargo, "build", "--release", "--offline", "--lib"], cwd=crate,
                            env=environment, capture_output=True, text=True)
    log = result.stdout + result.stderr
    (out_dir / "cargo.log").write_text(log)
    library = out_dir / "target" / "release" / f"lib{MODULE}.so"
    if result.returncode != 0 or not library.exists():
        tail = "\n".join(log.strip().splitlines()[-20:])
        raise RuntimeError(f"cargo build failed (log in {out_dir / 'cargo.log'}):\n{tail}")
    artifact = out_dir / (MODULE + ext_suffix)
    shutil.copyfile(library, artifact)
    return artifact


def missing(python=sys.executable):
    """Why the crate cannot be built here for ``python``, naming what installs it, or "" if it can."""
    try:
        _tools(python)
    except MissingTool as error:
        return str(error)
    return ""


def _tools(python):
    """(cargo, the interpreter's EXT_SUFFIX, Debian's crate directory), or MissingTool saying what is missing."""
    cargo = shutil.which("cargo")
    if cargo is None:
        raise MissingTool("cargo is not installed (install Rust's toolchain, e.g. apt-get install cargo)")
    version, ext_suffix = _interpreter(python)
    if version > PYO3_NEWEST_PYTHON:
        # pyo3 0.17 does not refuse a newer Python itself (it has no upper
        # bound check, nor 0.18's PYO3_USE_ABI3_FORWARD_COMPATIBILITY), but its
        # declarations of CPython's structures predate 3.12.
        raise MissingTool(f"Python {version[0]}.{version[1]} is newer than Debian's pyo3 {PYO3_SERIES} "
                          f"supports (up to {PYO3_NEWEST_PYTHON[0]}.{PYO3_NEWEST_PYTHON[1]}); "
                          "run the Rust peer with Python 3.11 or older")
    return cargo, ext_suffix, _registry()


def cargo_version():
    """``cargo --version`` (part of the bench's cache key), or "" without cargo."""
    cargo = shutil.which("cargo")
    if cargo is None:
        return ""
    return subprocess.run([cargo, "--version"], capture_output=True, text=True).stdout.strip()


class _Kernels:
    """The module's functions, taking complex128 NumPy arrays for the Julia set."""

    def __init__(self, module):
        self.module = module
        self.fib = module.fib
        self.evolve = module.evolve
        self.evolve_parallel = module.evolve_parallel

    def calculate_z(self, maxiter, zs, cs, out):
        """Escape counts of complex128 ``zs``, ``cs`` into the int32 array ``out``."""
        self.module.calculate_z(maxiter, _as_floats("calculate_z", "zs", zs),
                                _as_floats("calculate_z", "cs", cs), out)

    def calculate_z_parallel(self, maxiter, zs, cs, out):
        """calculate_z over rayon's threads."""
        self.module.calculate_z_parallel(maxiter, _as_floats("calculate_z_parallel", "zs", zs),
                                         _as_floats("calculate_z_parallel", "cs", cs), out)


def load(path: Path):
    """Import the module built at ``path``; return its kernels (see _Kernels).

    A PyO3 0.17 module can be initialised only once per process, so a file
    already loaded is not imported again.
    """
    path = Path(path).resolve()
    if path not in _LOADED:
        spec = importlib.util.spec_from_file_location(MODULE, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"{path} is not an extension module")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _LOADED[path] = _Kernels(module)
    return _LOADED[path]


def _as_floats(function, name, array):
    """A complex128 array's memory as interleaved (real, imag) float64."""
    if not isinstance(array, np.ndarray) or array.dtype != np.complex128:
        raise TypeError(f"{function}: {name} must be a complex128 NumPy array")
    if not array.flags.c_contiguous:
        raise ValueError(f"{function}: {name} must be C-contiguous")
    return array.reshape(-1).view(np.float64)


def _interpreter(python):
    """(major, minor) and EXT_SUFFIX of the interpreter ``python``."""
    script = ("import json, sys, sysconfig; "
              "print(json.dumps([sys.version_info[:2], sysconfig.get_config_var('EXT_SUFFIX')]))")
    result = subprocess.run([python, "-c", script], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"cannot run {python}: {result.stderr.strip()}")
    version, ext_suffix = json.loads(result.stdout)
    return tuple(version), ext_suffix


def _registry():
    """Debian's directory of packaged crates, holding pyo3 0.17 and rayon 1."""
    try:
        listing = subprocess.run(["dpkg", "-L", "librust-pyo3-dev"], capture_output=True,
                                 text=True).stdout.split()
    except OSError:  # no dpkg: not a Debian system
        listing = []
    # dpkg lists <registry>/pyo3-<version>; Debian's usual place comes second.
    candidates = list(dict.fromkeys([Path(line).parent for line in listing
                                     if Path(line).name.startswith("pyo3-")]
                                    + [Path("/usr/share/cargo/registry")]))
    for registry in candidates:
        if (any(registry.glob(f"pyo3-{PYO3_SERIES}.*/Cargo.toml"))
                and any(registry.glob("rayon-1.*/Cargo.toml"))):
            return registry
    pyo3s = sorted({path.parent.name for registry in candidates
                    for path in registry.glob("pyo3-[0-9]*/Cargo.toml")})
    if pyo3s and not any(name.startswith(f"pyo3-{PYO3_SERIES}.") for name in pyo3s):
        raise MissingTool(f"Debian's crates have {', '.join(pyo3s)}, not the pyo3 {PYO3_SERIES} "
                          "that the Rust peer is written for")
    raise MissingTool(_CRATES_MISSING)


if __name__ == "__main__":
    crate_dir, work_dir, artefact = sys.argv[1:4]
    try:
        built = build(Path(crate_dir), Path(work_dir) / "cargo", sys.executable)
    except (MissingTool, RuntimeError) as error:
        sys.exit(str(error))
    shutil.copyfile(built, Path(work_dir) / artefact)
    # The target directory (tens of MB) is not needed once the module is copied out; the log stays.
    shutil.rmtree(Path(work_dir) / "cargo" / "target", ignore_errors=True)
    shutil.rmtree(Path(work_dir) / "cargo" / "cargo-home", ignore_errors=True)
