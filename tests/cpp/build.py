"""Build and run the C++ kernel tests (tests/cpp/test_kernels.cpp) without Python in the loop.

    python tests/cpp/build.py                      # the host compiler, every instruction set it targets
    python tests/cpp/build.py --cxx clang++
    python tests/cpp/build.py --cxx aarch64-linux-gnu-g++ --runner "qemu-aarch64 -L /usr/aarch64-linux-gnu"
    python tests/cpp/build.py --contract           # without -ffp-contract=off: must FAIL where the CPU fuses
    python tests/cpp/build.py --self-check         # the import-time contraction check accepts this build...
    python tests/cpp/build.py --self-check --contract   # ...and refuses a fused one (exit 77: cannot fuse here)

The kernel sources and per-instruction-set flags are read as setup.py reads them, so the test binary is built from
exactly what the extension is built from. x86-64 targets get the AVX2 and AVX-512 tables too; other targets the
portable kernels. Exits with the test binary's status (0: all passed).
"""

from __future__ import annotations

import argparse
import ast
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def from_setup_py() -> dict:
    """setup.py's KERNEL_SOURCES, ISA_LIST and read_isa_list (the reader of include/cext/isa_list.hpp).

    setup.py itself is not run (it needs numpy and a recent setuptools): these are taken out of it and run alone.
    """
    tree = ast.parse((ROOT / "setup.py").read_text())
    wanted = {"KERNEL_SOURCES", "ISA_LIST", "ISA_ENTRY", "read_isa_list"}
    nodes = [node for node in tree.body
             if (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
                 and node.targets[0].id in wanted)
             or (isinstance(node, ast.FunctionDef) and node.name in wanted)]
    found: dict = {"re": re}
    exec(compile(ast.Module(body=nodes, type_ignores=[]), "setup.py", "exec"), found)
    return found


def setup_lists() -> tuple[list[str], list[tuple[str, str, list[str]]]]:
    """KERNEL_SOURCES and ISA_SOURCES (source, macro, GCC flags) as setup.py reads them."""
    found = from_setup_py()
    isa_list = found["read_isa_list"](ROOT / found["ISA_LIST"])
    isa = [(source, macro, gcc_flags) for source, macro, gcc_flags, _msvc in isa_list]
    return found["KERNEL_SOURCES"], isa


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cxx", default="c++", help="C++ compiler (default: c++)")
    parser.add_argument("--runner", default="", help="command that runs the binary (e.g. qemu-aarch64 -L ...)")
    parser.add_argument("--no-openmp", action="store_true", help="build without OpenMP (serial kernels)")
    parser.add_argument("--contract", action="store_true",
                        help="build with -ffp-contract=fast instead of off, to show the tests catch fused arithmetic")
    parser.add_argument("--self-check", action="store_true",
                        help="build tests/cpp/test_self_check.cpp instead: with --contract, the import-time check "
                             "must refuse every table (exit status 77 where no fused build can be made)")
    parser.add_argument("--output", help="where to write the binary (default: a temporary directory)")
    options = parser.parse_args(argv)

    target = subprocess.run([options.cxx, "-dumpmachine"], capture_output=True, text=True, check=True).stdout
    x86_64 = target.startswith(("x86_64", "amd64"))
    kernel_sources, isa_sources = setup_lists()
    contract = "-ffp-contract=fast" if options.contract else "-ffp-contract=off"
    flags = ["-std=c++17", "-O2", contract, "-Wall", "-Wextra", "-Werror", "-I", str(ROOT / "include")]
    flags += ["-Wno-unknown-pragmas"] if options.no_openmp else ["-fopenmp"]
    if options.contract and x86_64:
        flags += ["-mfma"]  # aarch64 has fused multiply-add in its baseline; x86-64 needs it enabled
    with tempfile.TemporaryDirectory() as tmp:
        objects = []
        test = "tests/cpp/test_self_check.cpp" if options.self_check else "tests/cpp/test_kernels.cpp"
        units = [(source, []) for source in kernel_sources + [test]]
        if x86_64:
            units += [(source, isa_flags) for source, _macro, isa_flags in isa_sources]
        # src/dispatch.cpp lists the table of every set whose macro is 1 (setup.py defines each, 1 or 0).
        flags += [f"-D{macro}={int(x86_64)}" for _source, macro, _flags in isa_sources]
        for index, (source, extra) in enumerate(units):
            obj = str(Path(tmp) / f"{index}.o")
            command = [options.cxx, *flags, *extra, "-c", str(ROOT / source), "-o", obj]
            print(" ".join(shlex.quote(part) for part in command), flush=True)
            subprocess.run(command, check=True)
            objects.append(obj)
        binary = options.output or str(Path(tmp) / Path(test).stem)
        link = [options.cxx, *objects, "-o", binary] + ([] if options.no_openmp else ["-fopenmp"])
        subprocess.run(link, check=True)
        print(f"running {binary} ({target.strip()})", flush=True)
        arguments = ["--contract"] if options.self_check and options.contract else []
        return subprocess.run([*shlex.split(options.runner), binary, *arguments]).returncode


if __name__ == "__main__":
    sys.exit(main())
