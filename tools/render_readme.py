"""Write the README's headline table from the committed benchmark results.

The table between ``<!-- headline:start -->`` and ``<!-- headline:end -->`` in README.md is generated from
``bench/results/full.json`` (written by ``python -m bench``), so the front page never shows a number that no
committed measurement backs. The documentation's benchmark pages call ``headline()`` too.

    python tools/render_readme.py            # rewrite the block in README.md
    python tools/render_readme.py --check    # exit 1 if README.md does not match the JSON

For each main workload (the call-cost workloads on tiny inputs are left to the call-overhead table) the table
shows cext's fastest row and, per family, the fastest row of that family divided by it: how many times faster
cext was than the best each other way managed, in the same interleaved run. Rows that failed the bit-for-bit
check, reference rows and variants on another boundary than the workload's own (``periodic`` rows of a fixed
workload) are left out.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
RESULTS = ROOT / "bench" / "results" / "full.json"
START, END = "<!-- headline:start -->", "<!-- headline:end -->"

# The families compared against, in column order, with their column headings.
COMPARED = (("python", "pure Python"), ("cython", "Cython"), ("numba", "Numba"), ("numpy", "NumPy"))
# Workloads that time the call on tiny inputs (their titles say "the cost of a call"): the call-overhead
# table's, not the headline's.
CALL_COST = "the cost of a call"


def _number(value: float) -> str:
    """Three significant digits without exponent, as bench/report.py prints them."""
    if value == 0:
        return "0"
    decimals = max(0, 2 - math.floor(math.log10(abs(value))))
    return f"{value:.{decimals}f}"


def _time(seconds: float) -> str:
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if seconds >= scale or unit == "ns":
            return f"{_number(seconds / scale)} {unit}"
    raise AssertionError("unreachable")


def short_title(title: str) -> str:
    """'evolve · one step, 512×512 float64, fixed boundary, ...' -> 'evolve · one step, 512×512'."""
    per_step = "(time per step)" in title
    title = title.replace(" · time per call", "").replace(" (time per step)", "")
    parts = title.split(", ")
    short = parts[0] if "×" in parts[0] or len(parts) == 1 else ", ".join(parts[:2])
    short = short.replace(" float64", "")
    return short + (" (per step)" if per_step else "")


def _usable(row: dict) -> bool:
    return (row["status"] == "ok" and row["best"] is not None and row["family"] != "reference"
            and "periodic" not in row["label"])


def headline(document: dict) -> tuple[list[str], list[list[str]]]:
    """The headline table as (column headings, rows of cells), plain text."""
    headings = ["workload", "cext, fastest row", "best time"] + [f"× {name}" for _, name in COMPARED]
    rows = []
    for workload in document["workloads"]:
        if CALL_COST in workload["title"]:
            continue
        usable = [row for row in workload["rows"] if _usable(row)]
        cext = min((row for row in usable if row["family"] == "cext"), key=lambda row: row["best"], default=None)
        if cext is None:
            continue
        cells = [short_title(workload["title"]), cext["label"], _time(cext["best"])]
        for family, _ in COMPARED:
            times = [row["best"] for row in usable if row["family"] == family]
            cells.append(f"{_number(min(times) / cext['best'])}×" if times else "—")
        rows.append(cells)
    return headings, rows


def caption(document: dict) -> str:
    machine = document["machine"]
    settings = document["settings"]
    return (f"`python -m bench` ({settings['mode']} mode) on **{machine['cpu']}**, {machine['threads']} threads, "
            f"best of {settings['repeats']} interleaved rounds. Each × column: that family's fastest row ÷ "
            "cext's fastest row in the same run (above 1: cext is faster); — means the family has no row there.")


def markdown(document: dict) -> str:
    headings, rows = headline(document)
    lines = [caption(document), "", "| " + " | ".join(headings) + " |",
             "|---|---|" + "---:|" * (len(headings) - 2)]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return "\n".join(lines)


def render(readme: str, document: dict) -> str:
    """``readme`` with the block between the markers replaced by the table of ``document``."""
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), flags=re.S)
    if not pattern.search(readme):
        raise ValueError(f"README.md has no {START} ... {END} block")
    return pattern.sub(lambda _: f"{START}\n{markdown(document)}\n{END}", readme, count=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if README.md differs from the JSON")
    parser.add_argument("--results", type=Path, default=RESULTS, help="the bench JSON (default: %(default)s)")
    parser.add_argument("--readme", type=Path, default=README, help="default: %(default)s")
    args = parser.parse_args(argv)
    document = json.loads(args.results.read_text(encoding="utf-8"))
    current = args.readme.read_text(encoding="utf-8")
    wanted = render(current, document)
    if args.check:
        if wanted != current:
            print(f"{args.readme}: the headline table differs from {args.results}; "
                  "run python tools/render_readme.py", file=sys.stderr)
            return 1
        print(f"{args.readme}: the headline table matches {args.results}")
        return 0
    if wanted != current:
        args.readme.write_text(wanted, encoding="utf-8")
        print(f"{args.readme}: headline table rewritten from {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
