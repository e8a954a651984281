"""The documentation runs: docstring examples and the README's >>> blocks are doctests; docstrings follow numpydoc."""

import doctest
import importlib.util
import pydoc
import re
from pathlib import Path

import numpy as np
import pytest

import cext

README = Path(__file__).resolve().parent.parent / "README.md"
HAVE_DASK = importlib.util.find_spec("dask") is not None
OPTIONAL = ("dask", "distributed", "threadpoolctl")  # README blocks using one that is missing are skipped
OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def run_doctest(text, name, globs):
    """Runs the >>> examples in `text`; returns how many ran. `globs` is updated, so blocks can build on each other."""
    test = doctest.DocTestParser().get_doctest(text, globs, name, None, 0)
    runner = doctest.DocTestRunner(optionflags=OPTIONS)
    report = []
    runner.run(test, out=report.append, clear_globs=False)
    assert runner.failures == 0, "".join(report)
    return runner.tries


def documented():
    names = ["cext.calculate_z", "cext.evolve", "cext.fib", "cext.show_config"]
    dask_names = ["cext.dask", "cext.dask.julia_image", "cext.dask.diffuse", "cext.dask.julia_coordinates"]
    return names + [pytest.param(name, marks=pytest.mark.skipif(not HAVE_DASK, reason="needs dask"))
                    for name in dask_names]


def resolve(name):
    return pydoc.locate(name)


@pytest.mark.parametrize("name", documented())
def test_docstring_examples_run(name):
    obj = resolve(name)
    assert obj is not None, name
    assert run_doctest(obj.__doc__, name, {}) >= 1, f"{name} has no examples"


@pytest.mark.parametrize("name", documented())
def test_docstrings_follow_numpydoc(name):
    validate = pytest.importorskip("numpydoc.validate")
    if name == "cext.dask":
        pytest.skip("modules have no sections to validate")
    errors = validate.validate(name)["errors"]
    # fib has nothing in cext to refer to, so its docstring has no See Also section.
    allowed = {"SA01"} if name == "cext.fib" else set()
    assert [error for error in errors if error[0] not in allowed] == []


@pytest.mark.parametrize(
    "name, signature",
    [
        ("calculate_z", "calculate_z(maxiter, zs, cs, *, out=None, num_threads=None)"),
        ("evolve", "evolve(grid, out, dt, D=1.0, *, boundary='fixed', steps=1, num_threads=None)"),
        ("fib", "fib(n, /)"),
    ],
)
def test_help_shows_the_signature_and_numpy_style_sections(name, signature):
    text = pydoc.render_doc(getattr(cext, name), renderer=pydoc.plaintext)
    assert signature in text
    for section in ("Parameters\n", "Returns\n", "Raises\n", "Examples\n"):
        assert section in text


def readme_blocks():
    """The README's ```python blocks that hold >>> examples."""
    if not README.is_file():
        return []
    blocks = re.findall(r"^```python\n(.*?)^```", README.read_text(encoding="utf-8"), flags=re.S | re.M)
    return [block for block in blocks if ">>>" in block]


@pytest.mark.skipif(not README.is_file(), reason="README.md is in the source tree only")
def test_readme_examples_run():
    blocks = readme_blocks()
    assert blocks
    globs = {"np": np, "cext": cext}
    for number, block in enumerate(blocks, start=1):
        if any(name in block and importlib.util.find_spec(name) is None for name in OPTIONAL):
            continue
        run_doctest(block, f"README.md block {number}", globs)


RESULTS = README.parent / "bench" / "results" / "full.json"
RENDERER = README.parent / "tools" / "render_readme.py"


@pytest.mark.skipif(not (README.is_file() and RESULTS.is_file() and RENDERER.is_file()),
                    reason="README.md, bench/results/full.json and tools/render_readme.py are in the source tree only")
def test_readme_headline_matches_the_committed_results():
    """The README's headline table is what tools/render_readme.py makes of bench/results/full.json."""
    import json

    spec = importlib.util.spec_from_file_location("render_readme", RENDERER)
    render_readme = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(render_readme)
    readme = README.read_text(encoding="utf-8")
    document = json.loads(RESULTS.read_text(encoding="utf-8"))
    assert render_readme.render(readme, document) == readme, (
        "README.md's headline table differs from bench/results/full.json: run python tools/render_readme.py")
    assert document["machine"]["cpu"] in readme, "the headline names the CPU it was measured on"
