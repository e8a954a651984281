"""What each way of running the kernels costs besides its speed.

Per path: hand-written glue lines per function, build time and artefact size
(of this harness's builds), the time of its first call, and three facts about
the code it runs: whether the GIL is released around the kernel, whether the
kernel runs threads, and whether it picks a SIMD instruction set at run time.

Glue is counted from the files, as non-blank lines that are not comments
(for Python, docstrings count as comments), with one of three rules per path:

- a binding file that holds nothing but glue: all its code lines
- glue inside the kernel's own source (decorators, export lines, type
  declarations): the lines matching a pattern
- a glue function: the code lines of that function

and divided by the number of functions the files bind. Paths that need none
(the kernel runs as written) count 0. Each peer record (``bench/peers/*_peer.py``)
declares its rows: the glue rule and the three facts, which come from the code
bench/peers/ runs and the tools' documentation; ``python -m bench.gil_probe``
checks the GIL column by measuring whether another thread runs during a call.
"""
import ast
import inspect
import re

from . import build
from .peers import PEERS

REPOSITORY = build.REPOSITORY
COMMENT_PREFIXES = {".py": ("#",), ".pyx": ("#",), ".c": ("//", "/*", "*"), ".cpp": ("//", "/*", "*"),
                    ".f90": ("!",), ".rs": ("//",), ".cl": ("//", "/*", "*")}
# Where a path's first call is read, in order of preference.
FIRST_CALL_WORKLOADS = ("calculate_z", "evolve-512", "fib-90")


def measure(peers, summaries):
    """One JSON-ready row per path that ran, in the order of the peer records."""
    ran = {row["path"] for summary in summaries for row in summary["rows"] if row["path"]}
    builds = {built.build.name: built for built in peers.builds}
    rows = []
    for peer in PEERS:
        for cost in peer.costs:
            if cost.path not in ran:
                continue
            built = [builds[peer.builds[key].name] for key in cost.builds if peer.builds[key].name in builds]
            artefact = sum(b.size_bytes or 0 for b in built) or (cost.artefact(peers) if cost.artefact else None)
            rows.append({
                "path": cost.path,
                "glue_lines_per_function": glue_lines(cost.glue) / cost.glue.functions,
                "glue_counted": cost.glue.how,
                "build_seconds": sum(b.seconds for b in built) or None,
                "artefact_bytes": artefact,
                **dict(zip(("first_call_seconds", "best_call_seconds", "first_call_workload"),
                           _first_call(cost, summaries, peers), strict=True)),
                "gil_released": cost.gil_released,
                "threads": cost.threads,
                "simd": cost.simd,
            })
    return rows


def glue_lines(glue):
    """The number of glue lines ``glue`` describes."""
    if glue.function is not None:
        return _code_lines(inspect.getsource(glue.function), ".py")
    if glue.text is not None:
        return _code_lines(glue.text, ".py")
    total = 0
    for name in glue.files:
        text = (REPOSITORY / name).read_text()
        if glue.pattern:
            total += sum(1 for line in text.splitlines() if re.search(glue.pattern, line))
        else:
            total += _code_lines(text, (REPOSITORY / name).suffix)
    return total


def _code_lines(text, suffix):
    """Non-blank lines that are not comments (or, in Python, docstrings)."""
    skip = set()
    if suffix == ".py":
        tree = ast.parse(inspect.cleandoc(text) if text.startswith((" ", "\t")) else text)
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                    and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
                skip.update(range(body[0].lineno, body[0].end_lineno + 1))
        text = inspect.cleandoc(text) if text.startswith((" ", "\t")) else text
    in_block_comment = False
    count = 0
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if suffix in (".c", ".cpp"):
            if in_block_comment:
                in_block_comment = "*/" not in stripped
                continue
            if stripped.startswith("/*"):
                in_block_comment = "*/" not in stripped
                continue
        if not stripped or number in skip or stripped.startswith(COMMENT_PREFIXES.get(suffix, ("#",))):
            continue
        count += 1
    return count


def _first_call(cost, summaries, peers):
    """(first call, best call, workload) of the path in the first of FIRST_CALL_WORKLOADS it ran, or Nones.

    Some peers compile when they load (Numba compiles each function at its first call, which the harness makes
    on tiny inputs; OpenCL builds its kernels): their ``first_call_extra`` adds that to the workload's first,
    already compiled, call.
    """
    by_key = {summary["key"]: summary for summary in summaries}
    for key in FIRST_CALL_WORKLOADS:
        for row in by_key.get(key, {"rows": []})["rows"]:
            if row["path"] == cost.path and row["first_call_seconds"] is not None and row["best"]:
                extra = cost.first_call_extra(peers, key.split("-")[0]) if cost.first_call_extra else 0.0
                return row["first_call_seconds"] + extra, row["best"], key
    return None, None, None
