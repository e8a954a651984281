"""What the peers that bind cext's own kernels with a binding library (pybind11, nanobind) share: the build of a
binding file against cext's kernel sources, and their contenders."""
from pathlib import Path

from ..build import REPOSITORY, Build
from ..cases import MAXITER, Contender, Labels, filling, in_place
from .record import Cost, Glue

HERE = Path(__file__).parent
# What the binding modules compile of cext besides their binding file: setup.py's KERNEL_SOURCES and
# ISA_SOURCES and the headers they include.
CEXT_KERNEL_SOURCES = (REPOSITORY / "setup.py",
                       *sorted((REPOSITORY / "include" / "cext").glob("*.hpp")),
                       *sorted((REPOSITORY / "src").glob("*.cpp")))


def build(library):
    """The Build of ``<library>_bindings.cpp`` over cext's kernels."""
    return Build(f"cext_{library}", library, HERE / f"{library}_bindings.cpp", extras=(HERE / "bound_kernels.hpp",),
                 depends=CEXT_KERNEL_SOURCES)


def contenders(library, fib_label):
    """``julia``, ``evolve`` and ``fib`` contenders of the module loaded as ``peers.<library>``."""
    def julia(case):
        module = getattr(case.peers, library)
        return [filling(Labels.bound(library, case.threads), library, module.calculate_z,
                        (MAXITER, case.zs, case.cs), kwargs={"num_threads": case.threads}, path=library)] \
            if module else []

    def evolve(case):
        module = getattr(case.peers, library)
        return [in_place(Labels.bound(library, case.threads), library, module.evolve, case.fixed,
                         kwargs={"num_threads": case.threads}, path=library)] if module else []

    def fib(case):
        module = getattr(case.peers, library)
        return [Contender(fib_label, library, module.fib, (case.n,), path=library)] if module else []

    def gil_calls(peers, inputs):
        module = getattr(peers, library)
        return {f"{library} (calculate_z)": lambda: module.calculate_z(inputs.maxiter, inputs.zs, inputs.cs,
                                                                       inputs.counts, num_threads=1)}

    return {"julia": julia, "evolve": evolve, "fib": fib, "gil_calls": gil_calls}


def cost(library):
    return Cost(library, Glue(f"all code lines of {library}_bindings.cpp and bound_kernels.hpp", 3,
                              files=(f"bench/peers/{library}_bindings.cpp", "bench/peers/bound_kernels.hpp")),
                builds=(library,), gil_released="yes", threads="OpenMP", simd="yes (cext's dispatch)")
