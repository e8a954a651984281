"""cext: this project's hand-written extension, imported from the repository (or wherever it is installed)."""
import os
from functools import partial

import numpy as np

from ..build import REPOSITORY
from ..cases import JULIA_SUM, MAXITER, Contender, Labels, in_place, repeated
from .record import Cost, Glue, Peer


def start(peers, jobs):
    build_hint = ("build it in place first with `python setup.py build_ext --inplace` "
                  "and run from the repository root")
    try:
        import cext
    except ImportError as error:
        peers.skipped.append(f"cext: cannot import it ({error}); {build_hint}")
        return
    except Exception as error:  # noqa: BLE001 -- a broken build must not take the other peers down
        peers.failures.append(f"cext: importing it raised {type(error).__name__}: {error}")
        return
    # Without its compiled core, cext/ can still import as an empty namespace.
    missing = [name for name in ("calculate_z", "evolve", "fib") if not hasattr(cext, name)]
    if missing:
        peers.skipped.append(f"cext: the imported package has no {', '.join(missing)}; {build_hint}")
        return
    peers.cext = cext


def julia(case):
    cext = case.peers.cext
    if not cext:
        return []
    args = (MAXITER, case.zs, case.cs)
    contenders = [Contender(Labels.cext(count), "cext", cext.calculate_z, args,
                            {"out": np.empty(case.zs.shape, dtype=np.int32), "num_threads": count},
                            path="cext" if count == case.threads and not case.tiny else "")
                  for count in sorted({1, case.threads})]
    if case.tiny and not case.spread:
        # A small call as a newcomer writes it: no out=, no num_threads=. It stands for cext in the
        # call-overhead table, where every path is called that way.
        contenders.append(Contender(Labels.CEXT_PLAIN, "cext", cext.calculate_z, args, path="cext"))
    if not case.tiny:
        contenders += lane_perfect(cext, case.threads, case.zs, case.cs)
    return contenders


def lane_perfect(cext, threads, zs, cs):
    """The machine's limit for the Julia grid: its useful iterations, at the rate of points that never escape.

    The grid needs JULIA_SUM point-iterations; a kernel can at best spend exactly those. Points at z = c = 0
    never escape, so every lane of every vector is busy for all maxiter iterations: JULIA_SUM / MAXITER such
    points take the time of the grid's useful work with no lane idle, on the same code path. The note adds how
    much of that a vector kernel that waits for its slowest lane can reach on this grid.
    """
    zeros = np.zeros(JULIA_SUM // MAXITER, dtype=complex)
    lanes = cext._core._build_info()["simd_lanes"]
    occupancy = lane_occupancy(cext.calculate_z(MAXITER, zs, cs), lanes)
    return [Contender(Labels.lane_perfect(count), "reference", cext.calculate_z, (MAXITER, zeros, 0j),
                      {"out": np.empty(zeros.shape, dtype=np.int32), "num_threads": count}, reference=None,
                      note=f"{zeros.size} points that never escape × {MAXITER} iterations = the grid's "
                           f"{JULIA_SUM} useful ones; vectors of {lanes} points that each ran until their "
                           f"slowest point escapes would keep {occupancy:.0%} of their lanes busy on this grid"
                           + (" (cext packs the points still going between rounds instead)" if lanes > 2 else ""))
            for count in sorted({1, threads})]


def lane_occupancy(counts, lanes):
    """Useful share of the lane-iterations when each vector of `lanes` consecutive points iterates until the
    slowest of them is done: the ceiling, against the every-lane-busy limit, of a kernel that refills a vector
    only when all its lanes have finished."""
    counts = np.asarray(counts, dtype=np.int64)
    padded = np.zeros(-(-counts.size // lanes) * lanes, dtype=np.int64)
    padded[:counts.size] = counts
    slowest = padded.reshape(-1, lanes).max(axis=1)
    return float(counts.sum() / (slowest.sum() * lanes))


def evolve(case):
    cext = case.peers.cext
    if not cext:
        return []
    # boundary="fixed" is the default: left out, so that the small calls' num_threads target sees that keyword
    # alone.
    contenders = [in_place(Labels.cext(count), "cext", cext.evolve, case.fixed, kwargs={"num_threads": count},
                           path="cext" if count == case.threads and not case.call_cost else "")
                  for count in sorted({1, case.threads})]
    if case.call_cost:
        # A small call as a newcomer writes it: no keyword arguments.
        contenders.append(in_place(Labels.CEXT_PLAIN, "cext", cext.evolve, case.fixed, path="cext"))
    contenders.append(in_place(Labels.cext(case.threads, " periodic"), "cext", cext.evolve, case.periodic,
                               kwargs={"boundary": "periodic", "num_threads": case.threads},
                               reference="periodic"))
    return contenders


def steps(case):
    cext = case.peers.cext
    if not cext:
        return []
    contenders = [repeated(Labels.cext(case.threads, f" ×{case.steps}"), "cext",
                           partial(cext.evolve, num_threads=case.threads), case.buffers, case.steps,
                           note=f"{case.steps} separate calls")]
    contenders += [in_place(Labels.cext(count, f" steps={case.steps}"), "cext", cext.evolve, case.buffers,
                            steps=case.steps, kwargs={"steps": case.steps, "num_threads": count})
                   for count in sorted({1, case.threads})]
    return contenders


def fib(case):
    cext = case.peers.cext
    return [Contender(Labels.CEXT_FIB, "cext", cext.fib, (case.n,), path="cext")] if cext else []


def gil_calls(peers, inputs):
    return {"cext (calculate_z)": lambda: peers.cext.calculate_z(inputs.maxiter, inputs.zs, inputs.cs,
                                                                 out=inputs.counts, num_threads=1)}


def artefact_bytes(peers):
    """The size of the compiled core the bench imported."""
    source = getattr(getattr(peers.cext, "_core", None), "__file__", None)
    return os.path.getsize(source) if source else None


PEER = Peer("cext", "cext", "#c44e52", start=start, julia=julia, evolve=evolve, steps=steps, fib=fib,
            gil_calls=gil_calls,
            costs=(Cost("cext", Glue("all code lines of cext/_core.cpp and the cext/py_*.hpp helpers it includes "
                                     "(which also hold show_config's build report, the SIMD switch and Ctrl-C "
                                     "polling), over its 3 kernels", 3,
                                     files=("cext/_core.cpp",
                                            *sorted(f"cext/{path.name}"
                                                    for path in (REPOSITORY / "cext").glob("py_*.hpp")))),
                        gil_released="yes", threads="OpenMP", simd="yes", artefact=artefact_bytes),))
