"""The benchmark's own machinery: how it checks results and what it skips (bench/, in the source tree only).

The bench's outputs are trusted only as far as its checks are: a large output is compared by digest and the
contenders of a workload share their output grids, so these tests make sure a wrong answer is still caught.
"""
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
pytestmark = pytest.mark.skipif(not (BENCH / "harness.py").is_file(), reason="bench/ is in the source tree only")


def _import_bench():
    """Imports the source tree's bench package by path: putting the tree on sys.path would also put its
    uncompiled cext/ before the installed one."""
    if "bench" not in sys.modules and (BENCH / "__init__.py").is_file():
        spec = importlib.util.spec_from_file_location("bench", BENCH / "__init__.py",
                                                      submodule_search_locations=[str(BENCH)])
        module = importlib.util.module_from_spec(spec)
        sys.modules["bench"] = module
        spec.loader.exec_module(module)


_import_bench()


@pytest.fixture(scope="module")
def harness():
    from bench import harness
    return harness


def test_a_large_output_is_kept_as_a_digest_that_catches_one_flipped_bit(harness):
    big = np.random.default_rng(0).random(harness.COPY_LIMIT_BYTES // 8 + 1)
    expected = harness.expected_form(big)
    assert isinstance(expected, harness.Digest)
    assert harness.mismatch(expected, big.copy()) is None
    flipped = big.copy()
    flipped.view(np.uint64)[12345] ^= 1  # the last bit of one value
    assert "differ" in harness.mismatch(expected, flipped)
    assert "shape" in harness.mismatch(expected, big[:-1])
    assert "dtype" in harness.mismatch(expected, big.astype(np.float32))


def test_a_small_output_is_copied_and_a_difference_located(harness):
    small = np.arange(10.0)
    expected = harness.expected_form(small)
    small[3] = -1.0  # the kept copy does not see later writes to the buffer
    assert "first at index (3,)" in harness.mismatch(expected, small)


@pytest.mark.parametrize("size", [4, 2048])  # a copied and a digested reference
def test_contenders_sharing_one_output_are_each_checked(harness, size):
    out = np.zeros(size)

    def right(target):
        target[:] = np.arange(size)

    def wrong(target):
        right(target)
        target[-1] += 1

    contenders = [harness.Contender("reference", "cext", right, (out,), writes_to=out),
                  harness.Contender("wrong", "other", wrong, (out,), writes_to=out),
                  harness.Contender("right after wrong", "other", right, (out,), writes_to=out)]
    measurements = harness.measure(contenders, {"default": "reference"}, repeats=1, min_sample_seconds=0)
    assert [m.status for m in measurements] == ["ok", "disagrees", "ok"]


def test_workloads_that_do_not_fit_in_memory_are_skipped_with_a_line_saying_how_to_force_them(monkeypatch, capsys):
    from bench import __main__ as main
    from bench import machine
    from bench.workloads import Entry

    monkeypatch.setattr(machine, "available_memory", lambda: 2 * 2**30)
    small, large = Entry("evolve", "evolve 512²", None, 2**30), Entry("evolve", "evolve 8192²", None, 3 * 2**30)
    kept, skipped = main._fitting([small, large], ignore_memory=False)
    assert kept == [small]
    assert skipped == ["skipped evolve 8192²: needs about 3.0 GiB, 2.0 GiB available (MemAvailable); "
                       "--ignore-memory runs it"]
    assert skipped[0] in capsys.readouterr().out
    assert main._fitting([small, large], ignore_memory=True) == ([small, large], [])


def test_the_full_run_plans_its_largest_grids_within_3_gib():
    from bench.workloads import FULL, evolve_memory, multi_step_memory

    largest = max(FULL.evolve_sizes + FULL.multi_step_sizes)
    with_roll = largest <= FULL.all_peers_up_to
    assert max(evolve_memory(largest, with_roll), multi_step_memory(largest)) <= 3 * 2**30


def test_spread_points_cover_the_grid_evenly():
    from bench.workloads import spread_indices

    assert list(spread_indices(10, 4)) == [0, 3, 6, 9]
    assert list(spread_indices(5, 9)) == [0, 1, 2, 3, 4]
    assert list(spread_indices(7, 1)) == [0]


def test_the_sweep_names_the_size_from_which_cext_wins():
    from bench import sweep

    def summary(cells, **best):
        return {"group": "evolve", "cells": cells,
                "rows": [{"label": label, "family": "cext" if label == "cext" else "cython", "best": seconds}
                         for label, seconds in best.items()]}

    summaries = [summary(16, cext=2.0, cython=1.0), summary(64, cext=1.0, cython=1.0),
                 summary(256, cext=1.0, cython=1.5)]
    assert sweep.crossover(summaries, "evolve") == (64, [(16, "cython")])
    summaries.append(summary(1024, cext=1.0, cython=0.5))
    assert sweep.crossover(summaries, "evolve") == (None, [(16, "cython"), (1024, "cython")])


def test_every_peer_is_one_record_with_a_unique_name_colour_and_cost_rows():
    from bench.peers import PEER_NAMES, PEERS

    names = [peer.name for peer in PEERS]
    assert len(set(names)) == len(names)
    assert len({peer.colour for peer in PEERS}) == len(PEERS)
    assert set(PEER_NAMES) == {peer.name for peer in PEERS if peer.selectable}
    paths = [cost.path for peer in PEERS for cost in peer.costs]
    assert len(set(paths)) == len(paths)
    for peer in PEERS:
        for cost in peer.costs:
            assert set(cost.builds) <= set(peer.builds), (peer.name, cost.path)
        attributes = [attribute for other in PEERS for attribute in other.builds]
        assert len(set(attributes)) == len(attributes)


def test_a_peer_contributes_only_rows_of_its_own_family():
    """Each record's contenders carry its name as their family, so figures and tables colour them as its own."""
    from types import SimpleNamespace

    from bench.cases import Buffers, EvolveCase, FibCase
    from bench.peers import PEERS, Peers

    loaded = Peers()
    for peer in PEERS:  # every attribute a stand-in kernel that is never called
        for attribute in (*peer.builds, peer.name):
            setattr(loaded, attribute, SimpleNamespace(
                evolve=print, evolve_parallel=print, evolve_prange=print, fib=print, copy_prange=print,
                contender_parts=lambda *args, **kwargs: (print, print), device_name="stand-in",
                evolve_resident_setup=lambda *args: SimpleNamespace(result=print, __call__=print)))
    grid = np.zeros((8, 8))
    evolve_case = EvolveCase(loaded, 2, 8, grid, Buffers(grid), Buffers(grid), True, True,
                             lambda: ([[0.0]], [[0.0]], 0.1, 0.9), {})
    for peer in PEERS:
        family = "reference" if peer.name == "reference" else peer.name
        for contender in (peer.evolve(evolve_case) if peer.evolve else []):
            assert contender.family in (family, "reference"), (peer.name, contender.label)
        for contender in (peer.fib(FibCase(loaded, 2, 0)) if peer.fib else []):
            assert contender.family == family, (peer.name, contender.label)
