"""Sphinx configuration for cext's documentation, built the way NumPy and SciPy build theirs.

pydata-sphinx-theme for the layout, numpydoc to read the NumPy-style docstrings, autodoc/autosummary so the API
reference comes from the module itself (no signature or parameter is written twice), MyST for the prose pages,
and a local extension (``_ext/cext_bench.py``) that renders the benchmark tables and figures from the committed
JSON files at build time.

    pip install -e ".[docs]" && python -m sphinx -W -n -b html docs docs/_build/html
"""

import inspect
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
# The repository root first: the API pages import cext as built in place or installed, and the benchmark pages
# read bench.report and tools/render_readme.py from the source tree.
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(ROOT / "tools"))  # render_readme: the headline table, shared with the README
sys.path.insert(0, str(ROOT / "examples"))  # mpi_model: the MPI model page is its docstring

import cext  # noqa: E402

project = "cext"
author = "cext developers"
copyright = "cext developers"  # noqa: A001 - the name Sphinx reads
release = version = cext.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "numpydoc",
    "myst_parser",
    "cext_bench",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "_generated/*.json"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# -- API reference ---------------------------------------------------------------------------------------------
autosummary_generate = True
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types; the signature stays readable
autodoc_member_order = "bysource"
numpydoc_show_class_members = False  # each class page lists its members through autosummary instead
# Types in the Parameters sections stay plain text: the build needs no network for other projects' inventories.
numpydoc_xref_param_type = False
numpydoc_validation_checks = set()  # tests/test_docs.py validates the docstrings; the build only renders them

# Docstrings refer to other projects' functions (See Also sections). Without network access for intersphinx
# inventories they cannot be linked, so nitpicky mode is told they live elsewhere instead of failing the build.
nitpick_ignore_regex = [("py:obj", r"(numpy|threadpoolctl|dask|distributed|mpi4py)\..*")]

# -- doctest ---------------------------------------------------------------------------------------------------
doctest_global_setup = "import numpy as np\nimport cext"
# Only the pages' own ``doctest`` blocks run here. The docstrings' Examples sections are run by
# tests/test_docs.py (and cext.mpi's on six ranks by tests/test_mpi.py, which one process cannot do).
doctest_test_doctest_blocks = ""

# -- HTML ------------------------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"cext {release}"
html_static_path = ["_static"]
html_css_files = ["cext.css"]
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    # The wide benchmark tables get the page's full width instead of an "on this page" column.
    "secondary_sidebar_items": {"**": ["page-toc", "sourcelink"], "benchmarks/results": [], "benchmarks/targets": [],
                                "benchmarks/sweep": []},
}
html_sidebars = {"index": [], "changelog": []}


def _c_function_signature(app, what, name, obj, options, signature, return_annotation):
    """The signature of a C function as ``inspect.signature`` reads it: ``(maxiter, zs, cs, *, ...)``.

    A C function's text signature starts ``($module, /, ...)``, where the ``/`` makes only the bound module
    positional-only. numpydoc's signature handler drops ``$module`` but keeps the ``/``, which would tell readers
    that every parameter is positional-only. Connected before numpydoc's: the first handler to answer wins.
    """
    text = getattr(obj, "__text_signature__", None)
    if what == "function" and text and text.startswith("($module"):
        return str(inspect.signature(obj)), return_annotation
    return None


def setup(app):
    app.connect("autodoc-process-signature", _c_function_signature, priority=400)
