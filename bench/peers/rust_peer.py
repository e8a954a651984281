"""Rust: the kernels in plain Rust (rust/src/kernels.rs), bound with PyO3 (rust/src/lib.rs), serial and with rayon.

Built offline by cargo against the crates Debian packages (rust_build.py); rayon takes its thread count from
RAYON_NUM_THREADS, which the bench sets with OMP_NUM_THREADS.
"""
from pathlib import Path

from ..build import Build
from ..cases import MAXITER, Contender, filling, in_place, repeated
from . import rust_build
from .record import Cost, Glue, Peer

CRATE = Path(__file__).with_name("rust")
SERIAL = "Rust (serial)"
PARALLEL = "Rust rayon"
FIB = "Rust (PyO3)"


def julia(case):
    kernels = case.peers.rust
    if not kernels:
        return []
    args = (MAXITER, case.zs, case.cs)
    return [filling(SERIAL, "rust", kernels.calculate_z, args, path="Rust (PyO3)"),
            filling(PARALLEL, "rust", kernels.calculate_z_parallel, args)]


def evolve(case):
    kernels = case.peers.rust
    if not kernels:
        return []
    return [in_place(SERIAL, "rust", kernels.evolve, case.fixed, path="Rust (PyO3)"),
            in_place(PARALLEL, "rust", kernels.evolve_parallel, case.fixed)]


def steps(case):
    kernels = case.peers.rust
    return [repeated(PARALLEL + f" ×{case.steps}", "rust", kernels.evolve_parallel, case.buffers,
                     case.steps)] if kernels else []


def fib(case):
    kernels = case.peers.rust
    return [Contender(FIB, "rust", kernels.fib, (case.n,), path="Rust (PyO3)")] if kernels else []


def load(built):
    """The built module's kernels (a build reaches this only with its artefact made)."""
    if built.path is None:
        raise ImportError(f"{built.build.name} has no artefact")
    return rust_build.load(built.path)


def gil_calls(peers, inputs):
    return {"Rust (calculate_z)": lambda: peers.rust.calculate_z(inputs.maxiter, inputs.zs, inputs.cs,
                                                                 inputs.counts)}


PEER = Peer("rust", "Rust (PyO3)", "#b5651d",
            builds={"rust": Build("cext_rust", "cargo", CRATE / "Cargo.toml", depends=rust_build.SOURCES[1:])},
            load_built=load,
            julia=julia, evolve=evolve, steps=steps, fib=fib, gil_calls=gil_calls,
            costs=(Cost("Rust (PyO3)", Glue("all code lines of rust/src/lib.rs (the kernels are in kernels.rs)", 5,
                                            files=("bench/peers/rust/src/lib.rs",)),
                        builds=("rust",), gil_released="yes (allow_threads)", threads="rayon"),))
