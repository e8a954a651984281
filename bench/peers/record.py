"""What one peer declares: a single record that says everything the bench needs to know about it.

Each ``*_peer.py`` module beside this one defines ``PEER = Peer(...)``, and ``bench/peers/__init__.py`` lists
them in the order their rows appear. Adding a way of running the kernels is one such module (plus its sources)
and one line in that list: the harness builds and loads it, asks it for its contenders in each workload, puts
it in the figures with its colour and in the cost table with its row, and probes its GIL.
"""
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..build import Build, Built, load_module


@dataclass(frozen=True)
class Glue:
    """How to count a path's hand-written glue lines: ``files`` (all their code lines, or those matching
    ``pattern``), the source of ``function``, or ``text``; divided by the ``functions`` they bind."""

    how: str
    functions: int
    files: tuple = ()
    pattern: str | None = None
    function: object = None
    text: str | None = None


PYTHON_AS_WRITTEN = Glue("none: the books' Python as written", 3)


@dataclass(frozen=True)
class Cost:
    """A peer's row in the table of what each path costs: its glue, the builds whose time and size it costs
    (keys of the peer's ``builds``), and three facts about the code it runs."""

    path: str  # the row's name, as the call-overhead table names it too
    glue: Glue
    builds: tuple = ()
    gil_released: str = "no"
    threads: str = "no"
    simd: str = "no"
    # The artefact's size where it is not a build of the harness's own (peers -> bytes or None).
    artefact: Callable[[Any], int | None] | None = None
    # Seconds a first call costs that its workload did not see, such as a compile made when the peer loaded
    # (peers, workload group -> seconds).
    first_call_extra: Callable[[Any, str], float] | None = None


Contenders = Callable[[Any], list]  # a case of bench/cases.py -> that peer's contenders for it


@dataclass(frozen=True)
class Peer:
    """One way of running the kernels.

    ``name`` is what ``--peers`` selects and the family its rows are drawn in (``legend``, ``colour``).
    ``builds`` maps an attribute of the loaded peers to what to compile for it; ``load_built`` turns a build's
    artefact into that attribute's value; ``start(peers, jobs)`` loads or starts what needs no build (a JIT,
    a worker process) and ``stop(peers)`` ends it. ``julia``, ``evolve``, ``steps`` and ``fib`` give the
    peer's contenders for each kind of workload (from a JuliaCase, EvolveCase, StepsCase or FibCase), ``costs``
    its rows in the cost table, and ``gil_calls(peers, inputs)`` the calls ``python -m bench.gil_probe``
    checks, by name. ``optional``: a failed build is a skip, not a failure of the run. ``selectable``: False
    for the machine references, which always run.
    """

    name: str
    legend: str
    colour: str
    builds: Mapping[str, Build] = field(default_factory=dict)
    load_built: Callable[[Built], Any] = load_module
    start: Callable[[Any, int], None] | None = None
    stop: Callable[[Any], None] | None = None
    julia: Contenders | None = None
    evolve: Contenders | None = None
    steps: Contenders | None = None
    fib: Contenders | None = None
    costs: tuple = ()
    gil_calls: Callable[[Any, Any], dict] | None = None
    optional: bool = False
    selectable: bool = True
