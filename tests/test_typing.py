"""The type stubs ship with the package, match the compiled functions exactly, and type-check real use."""

import ast
import inspect
import os
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

import cext

PACKAGE = Path(cext.__file__).resolve().parent
SITE_PACKAGES = {Path(sysconfig.get_paths()[key]).resolve() for key in ("purelib", "platlib")}
STUB = PACKAGE / "_core.pyi"


def stub_functions():
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def stub_signature(node):
    """The signature a stub declares: parameter names, kinds and defaults (annotations are checked by mypy)."""
    P = inspect.Parameter
    args = node.args
    positional = args.posonlyargs + args.args
    defaults = [None] * (len(positional) - len(args.defaults)) + args.defaults
    parameters = []
    for index, (arg, default) in enumerate(zip(positional, defaults, strict=True)):
        kind = P.POSITIONAL_ONLY if index < len(args.posonlyargs) else P.POSITIONAL_OR_KEYWORD
        parameters.append(P(arg.arg, kind, default=P.empty if default is None else ast.literal_eval(default)))
    if args.vararg:
        parameters.append(P(args.vararg.arg, P.VAR_POSITIONAL))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        parameters.append(P(arg.arg, P.KEYWORD_ONLY, default=P.empty if default is None else ast.literal_eval(default)))
    if args.kwarg:
        parameters.append(P(args.kwarg.arg, P.VAR_KEYWORD))
    return inspect.Signature(parameters)


def test_stubs_and_marker_ship_with_the_package():
    assert STUB.is_file()
    assert (PACKAGE / "py.typed").is_file()


def test_every_function_of_the_extension_has_a_stub():
    compiled = {name for name, value in vars(cext._core).items() if callable(value) and not name.startswith("__")}
    assert set(stub_functions()) == compiled


@pytest.mark.parametrize("name", sorted(stub_functions()))
def test_stub_signature_matches_the_runtime_signature(name):
    runtime = inspect.signature(getattr(cext._core, name))
    stub = stub_signature(stub_functions()[name])
    assert str(stub) == str(runtime)
    for declared, actual in zip(stub.parameters.values(), runtime.parameters.values(), strict=True):
        assert (declared.kind, declared.default) == (actual.kind, actual.default), declared.name
        # 1 == 1.0 == True: defaults must also agree in type.
        assert type(declared.default) is type(actual.default), declared.name


def test_stub_return_types():
    returns = {name: ast.unparse(node.returns) for name, node in stub_functions().items()}
    assert returns["calculate_z"] == "NDArray[np.int32]"
    assert returns["evolve"] == "NDArray[np.float64]"
    assert returns["fib"] == "float"


# Correct uses must type-check with no error; each line marked `# error` must be rejected.
USES = textwrap.dedent(
    """
    from typing import Any

    from typing_extensions import assert_type

    import numpy as np
    from numpy.typing import NDArray

    import cext

    zs = np.zeros((4, 4), dtype=np.complex128)
    grid = np.zeros((8, 8))
    counts = np.empty((4, 4), dtype=np.int32)
    int64_grid = np.empty((8, 8), dtype=np.int64)
    assert_type(cext.calculate_z(300, zs, -0.62772 - 0.42193j), NDArray[np.int32])
    assert_type(cext.calculate_z(300, [0j, 1j], [0j, 0j], out=np.empty(2, np.int32), num_threads=2), NDArray[np.int32])
    assert_type(cext.calculate_z(np.int64(3), zs, zs, out=counts, num_threads=None), NDArray[np.int32])
    assert_type(cext.evolve(grid, np.empty_like(grid), 0.1), NDArray[np.float64])
    assert_type(cext.evolve([[1.0, 2.0]], np.empty((1, 2)), 0.1, 2, boundary="periodic", steps=5), NDArray[np.float64])
    assert_type(cext.fib(90), float)
    config: dict[str, Any] = cext.show_config(mode="dicts")
    assert_type(cext.show_config(), None)
    assert_type(cext._core._build_info()["max_threads"], int)

    cext.calculate_z(300.0, zs, 0j)  # error
    cext.calculate_z(300, zs, 0j, None)  # error
    cext.calculate_z(300, zs, 0j, out=np.empty(16))  # error
    cext.evolve(grid, np.empty_like(grid), 0.1, boundary="reflect")  # error
    cext.evolve(grid, np.empty_like(grid), 0.1, 1.0, "fixed")  # error
    cext.evolve(grid, int64_grid, 0.1)  # error
    cext.fib(n=3)  # error
    cext.fib(3.0)  # error
    cext.show_config(mode="json")  # error
    """
)


def test_mypy_accepts_correct_uses_and_rejects_wrong_ones(tmp_path):
    pytest.importorskip("mypy")
    source = tmp_path / "uses.py"
    source.write_text(USES, encoding="utf-8")
    # Check against the cext the tests import: an installed one is found through --python-executable; one built
    # in place is put on MYPYPATH. Run from tmp_path so that no source tree in the working directory interferes.
    environment = dict(os.environ)
    if PACKAGE.parent not in SITE_PACKAGES:
        environment["MYPYPATH"] = str(PACKAGE.parent)
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--python-executable",
                             sys.executable, "--config-file", os.devnull, source.name],
                            capture_output=True, text=True, cwd=tmp_path, env=environment)
    stdout, stderr = result.stdout, result.stderr
    errors = {int(line.split(":")[1]) for line in stdout.splitlines()
              if line.startswith(f"{source.name}:") and ": error:" in line}
    expected = {number for number, line in enumerate(USES.splitlines(), start=1) if line.endswith("# error")}
    assert errors == expected, stdout + stderr


def test_mypy_strict_passes_on_the_examples():
    pytest.importorskip("mypy")
    examples = Path(__file__).parent.parent / "examples"
    if not examples.is_dir():
        pytest.skip("runs in the source tree only")
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", str(examples)], capture_output=True,
                            text=True, cwd=examples.parent)
    assert result.returncode == 0, result.stdout + result.stderr
