"""Sphinx directives that render the committed benchmark results at build time.

The benchmark pages never hold a hand-copied number: every table and figure is drawn from the JSON files
``python -m bench`` writes and the repository commits (``bench/results/full.json`` and, from the size sweep,
``bench/results/sweep.json``), each table naming the CPU it was measured on. The directives emit MyST Markdown,
so they belong in the ``.md`` pages::

    ```{cext-bench-machine} full       what was measured on what: CPU, compiler, flags, versions, method
    ```{cext-bench-headline} full      the README's headline table (tools/render_readme.py builds both)
    ```{cext-bench-workloads} full     one table per workload, every row
    ```{cext-bench-targets} full       every target with its verdict, and the machine limits it is held against
    ```{cext-bench-overhead} full      the call-overhead table
    ```{cext-bench-costs} full         what each path costs
    ```{cext-bench-sweep} sweep        the size sweep's tables and where cext starts to win
    ```{cext-bench-figure} full        the figure, drawn by bench.report.plot (sweep: bench.sweep.plot)

A missing results file, or a figure that cannot be drawn, is a warning: with ``-W`` the build fails and says
which file or module is missing, rather than publishing a benchmark page without its results. ``:optional:``
makes a missing file (a sweep not yet committed) a note on the page instead.
"""

from __future__ import annotations

import json
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

GENERATED = "_generated"  # under the source directory, ignored by git: the figures drawn at build time


# -- loading -----------------------------------------------------------------------------------------------------


def results_path(app, name: str) -> Path:
    return Path(app.config.cext_bench_results).resolve() / f"{name}.json"


def load(app, name: str) -> dict | None:
    path = results_path(app, name)
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def _number(value: float | None) -> str:
    """Three significant digits without exponent, exactly as the bench's terminal tables print them."""
    from bench import report

    return report.number_text(value)


def _time(seconds: float | None) -> str:
    from bench import report

    return report.time_text(seconds)


def _ratio(value: float | None) -> str:
    from bench import report

    return report.ratio_text(value)


def escape(text) -> str:
    """Plain text for MyST Markdown: markup characters taken literally."""
    text = "—" if text is None or text == "" else str(text)
    for character in "\\*`_|":
        text = text.replace(character, "\\" + character)
    return text


def list_table(title: str, headings: list[str], rows: list[list[str]], widths: str = "auto") -> list[str]:
    """A MyST list-table; cells are already escaped."""
    lines = [f"```{{list-table}} {title}", ":header-rows: 1", f":widths: {widths}", ":class: cext-bench", ""]
    for cells in [headings, *rows]:
        lines.append(f"* - {cells[0]}")
        lines += [f"  - {cell}" for cell in cells[1:]]
    return lines + ["```", ""]


def cpu_of(document: dict) -> str:
    machine = document.get("machine") or {}
    return machine.get("cpu") or "an unnamed CPU"


# -- figures -----------------------------------------------------------------------------------------------------


def draw_figures(app) -> None:
    """Draws each committed result's figure into _generated/ before the pages are read."""
    out = Path(app.srcdir) / GENERATED
    out.mkdir(exist_ok=True)
    for name, draw in (("full", _draw_summary), ("sweep", _draw_sweep)):
        source = results_path(app, name)
        target = out / f"{name}.png"
        if not source.is_file():
            target.unlink(missing_ok=True)
            continue
        if target.is_file() and target.stat().st_mtime >= source.stat().st_mtime:
            continue
        problem = draw(target, json.loads(source.read_text(encoding="utf-8")))
        if problem:
            target.unlink(missing_ok=True)
            logger.warning(f"cext-bench: no figure for {source}: {problem}")
        else:
            logger.info(f"cext-bench: drew {target} from {source}")


def _draw_summary(target: Path, document: dict) -> str | None:
    from bench import report

    return report.plot(target, document["machine"], document["workloads"])


def _draw_sweep(target: Path, document: dict) -> str | None:
    try:
        from bench import sweep
    except ImportError as error:
        return f"bench.sweep is missing ({error}): it draws the size sweep, and writes sweep.json"
    return sweep.plot(target, document)


# -- directives --------------------------------------------------------------------------------------------------


class BenchDirective(SphinxDirective):
    """Base: one argument, the results file's name (``full`` or ``sweep``)."""

    required_arguments = 1
    has_content = False
    # :optional: for results that may not have been committed yet (the size sweep): their absence is a note on
    # the page, not a warning. Once the file exists, failing to render it is still a warning.
    option_spec = {"optional": directives.flag}

    def run(self):
        name = self.arguments[0]
        path = results_path(self.env.app, name)
        self.env.note_dependency(str(path))
        document = load(self.env.app, name)
        if document is None:
            return self.missing(path)
        lines = self.lines(document)
        container = nodes.container()
        self.state.nested_parse(StringList(lines, source=str(path)), self.content_offset, container)
        return container.children

    def missing(self, path: Path):
        if "optional" in self.options:
            logger.info(f"cext-bench: {path} is not committed; its page says so")
            return [nodes.paragraph(text=f"No results yet: {path.name} has not been committed.")]
        logger.warning(f"cext-bench: {path} is missing; run python -m bench (or the sweep) and commit it",
                       location=self.get_location())
        return [nodes.paragraph(text=f"No results: {path.name} has not been committed.")]

    def lines(self, document: dict) -> list[str]:
        raise NotImplementedError


class MachineDirective(BenchDirective):
    def lines(self, document):
        machine = document["machine"]
        settings = document.get("settings", {})
        versions = ", ".join(f"{name} {version}" for name, version in machine.get("versions", {}).items() if version)
        out = [f"* **CPU:** {escape(machine['cpu'])} ({machine.get('logical_cpus', '?')} logical CPUs), "
               f"{escape(machine.get('platform'))}; {machine.get('threads', '?')} threads used",
               f"* **Compiler:** {escape(machine.get('compiler'))}; peers built with "
               f"`{machine.get('compile_flags', '')}`",
               f"* **Versions:** {escape(versions)}"]
        info = (machine.get("cext") or {}).get("build_info") or {}
        if info:
            out.append(f"* **cext:** SIMD path {escape(info.get('simd'))} "
                       f"(compiled: {escape(info.get('simd_compiled'))}), OpenMP {escape(info.get('openmp'))}, "
                       f"{escape(info.get('compiler'))}")
        if settings:
            out.append(f"* **Run:** `python -m bench` in {escape(settings.get('mode'))} mode, best and median of "
                       f"{settings.get('repeats')} interleaved rounds"
                       + (f", {document['wall_seconds'] / 60:.1f} minutes in all" if document.get("wall_seconds")
                          else ""))
        busy = machine.get("busy_cpus_elsewhere")
        if busy is not None:
            out.append(f"* **Other processes** used {busy:.2f} CPUs on average during the run"
                       + (" — the parallel rows suffer most when the machine is shared" if busy > 0.25 else ""))
        for skipped in document.get("skipped", []):
            out.append(f"* **Skipped:** {escape(skipped)}")
        return out + [""]


class HeadlineDirective(BenchDirective):
    def lines(self, document):
        import render_readme

        headings, rows = render_readme.headline(document)
        caption = (f"cext against the fastest row of each family, on {escape(cpu_of(document))}")
        out = list_table(caption, [escape(h) for h in headings], [[escape(c) for c in row] for row in rows])
        return out + ["Each × column is that family's fastest row divided by cext's fastest row, in the same "
                      "interleaved run: above 1, cext is faster. — means the family has no row there.", ""]


class WorkloadsDirective(BenchDirective):
    def lines(self, document):
        cpu = escape(cpu_of(document))
        out = []
        for workload in document["workloads"]:
            headings = ["contender", "best", "median", "×Python", "×Cython", "check", "note"]
            rows = []
            for row in workload["rows"]:
                label = escape(row["label"])
                if row["family"] == "cext":
                    label = f"**{label}**"
                note = row["note"] or (row["detail"] if row["status"] not in ("ok", "unchecked") else "")
                rows.append([label, _time(row["best"]), _time(row["median"]), _ratio(row["vs_python"]),
                             _ratio(row["vs_cython"]), escape(row["status"]), escape(note)])
            out += [f"```{{rubric}} {escape(workload['title'])}", "```", ""]
            out += list_table(f"{cpu} · ×Python against {escape(workload['python_baseline'])}, ×Cython against "
                              f"{escape(workload['cython_baseline'])}", headings, rows,
                              widths="30 10 10 9 9 8 24")
            busy = workload.get("busy_cpus_elsewhere")
            if busy is not None and busy > 0.25:
                out += [f"Other processes used {busy:.2f} CPUs during this workload: its parallel rows are "
                        "slower than on an idle machine.", ""]
        return out


class TargetsDirective(BenchDirective):
    def lines(self, document):
        import render_readme

        rows = []
        for workload in document["workloads"]:
            for target in workload["targets"]:
                text = target["text"]
                shown = text[len(target["goal"]) + 2:].rsplit(" ", 1)[0] if text.startswith(target["goal"]) else "—"
                verdict = "not measured" if target["met"] is None else ("met" if target["met"] else "**missed**")
                rows.append([escape(render_readme.short_title(workload["title"])), escape(target["goal"]),
                             escape(target["subject"]), escape(target["baseline"]), escape(shown), verdict])
        if not rows:
            return ["This run measured no targets.", ""]
        return list_table(f"Targets on {escape(cpu_of(document))}",
                          ["workload", "target", "cext row", "held against", "measured", "verdict"], rows,
                          widths="22 22 16 22 9 9")


class OverheadDirective(BenchDirective):
    def lines(self, document):
        from bench import report

        rows = [[escape(row["path"]), *(_time(row.get(key)) for key, _ in report.OVERHEAD_COLUMNS),
                 _time(row.get("fib_iteration"))] for row in document.get("call_overhead", [])]
        if not rows:
            return ["This run has no call-overhead workloads.", ""]
        headings = ["path", *(escape(heading) for _, heading in report.OVERHEAD_COLUMNS), "one fib iteration"]
        return list_table(f"Best time per call on {escape(cpu_of(document))}", headings, rows)


class CostsDirective(BenchDirective):
    def lines(self, document):
        rows = [[escape(row["path"]), _number(row["glue_lines_per_function"]),
                 f"{row['build_seconds']:.1f} s" if row["build_seconds"] else "—",
                 f"{row['artefact_bytes'] / 1e3:,.0f} kB" if row["artefact_bytes"] else "—",
                 _time(row["first_call_seconds"]), _time(row["best_call_seconds"]), escape(row["gil_released"]),
                 escape(row["threads"]), escape(row["simd"])] for row in document.get("costs", [])]
        if not rows:
            return ["This run has no cost table.", ""]
        headings = ["path", "glue lines per function", "build", "file", "first call", "best call", "GIL released",
                    "threads", "SIMD chosen at run time"]
        return list_table(f"What each path costs, on {escape(cpu_of(document))}", headings, rows)


class SweepDirective(BenchDirective):
    """The size sweep as tables: time per cell of each contender at each size, and where cext starts to win."""

    def lines(self, document):
        from bench import sweep

        cpu = escape(cpu_of(document))
        out = []
        for group, unit in (("evolve", "grid point"), ("calculate_z", "point")):
            lines = sweep.series(document["workloads"], group)
            if not lines:
                continue
            sizes = sorted({cells for _, points in lines.values() for cells, _ in points})
            rows = []
            for label, (family, points) in lines.items():
                per_cell = dict(points)
                name = f"**{escape(label)}**" if family == "cext" else escape(label)
                rows.append([name, *(_number(per_cell[cells] * 1e9) if cells in per_cell else "—"
                                     for cells in sizes)])
            out += list_table(f"{group}: nanoseconds per {unit}, best of the repeats, on {cpu}",
                              ["contender", *(escape(sweep.size_name(group, cells)) for cells in sizes)], rows)
            wins_from, beaten = sweep.crossover(document["workloads"], group)
            verdict = ("cext's fastest row is at or below every compiled peer from "
                       f"{escape(sweep.size_name(group, wins_from))} up" if wins_from is not None
                       else "cext is beaten at the largest size measured")
            out += [f"{verdict} (a peer counts as faster below {sweep.FASTER:.0%} of its time)"
                    + "".join(f"; at {escape(sweep.size_name(group, cells))} {escape(peer)} is faster"
                              for cells, peer in beaten) + ".", ""]
        return out or ["The sweep measured nothing.", ""]


class FigureDirective(BenchDirective):
    def lines(self, document):
        name = self.arguments[0]
        png = Path(self.env.srcdir) / GENERATED / f"{name}.png"
        if not png.is_file():
            logger.warning(f"cext-bench: the {name} figure was not drawn (see the warning above)",
                           location=self.get_location())
            return [f"*The {name} figure could not be drawn.*", ""]
        return [f"```{{figure}} /{GENERATED}/{name}.png", ":width: 100%", "",
                f"Drawn at build time from `bench/results/{name}.json`, measured on {escape(cpu_of(document))}.",
                "```", ""]


def setup(app):
    app.add_config_value("cext_bench_results", str(Path(__file__).resolve().parents[2] / "bench" / "results"), "env")
    app.connect("builder-inited", draw_figures)
    for name, directive in (("machine", MachineDirective), ("headline", HeadlineDirective),
                            ("workloads", WorkloadsDirective), ("targets", TargetsDirective),
                            ("overhead", OverheadDirective), ("costs", CostsDirective),
                            ("sweep", SweepDirective), ("figure", FigureDirective)):
        app.add_directive(f"cext-bench-{name}", directive)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
