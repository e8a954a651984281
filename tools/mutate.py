"""Mutation testing for cext: plant realistic one-line bugs, one at a time, and check that the tests catch each.

Every mutant in tools/mutants.py names a file, an exact snippet of it, its replacement, what the bug is and which
tests should catch it. For each one this tool

1. copies the work tree (without build products) into a scratch directory, once;
2. replaces the snippet, which must occur exactly once: a mutant whose snippet is missing or ambiguous is stale
   (the source moved on) and the tool refuses to run until the list is fixed;
3. rebuilds the extension in place (a mutant that does not compile is an error in the list, not a kill); a
   mutant of a Python file needs no rebuild, unless the module was last built from another mutant's C++;
4. runs the mutant's tests with a time limit: a failing test kills the mutant, and so does the time limit (a
   mutant that makes a call hang has been noticed, just slowly);
5. restores the file.

Before any mutant it builds the unmutated copy and runs every test selection the mutants use: they must all pass,
or a "kill" would mean nothing. Mutants marked `equivalent` (with the reason why no test can tell them apart from
the original) are run too and reported, but left out of the score.

Mutants marked `debug_python` count total references, which needs a debug build of CPython
(sys.gettotalrefcount): set CEXT_DEBUG_PYTHON to such an interpreter that has numpy and pytest installed
(`bash .ci/debug_refleaks.sh` prepares one and prints its path). Without it those mutants are skipped and the
score says so.

Usage (inside a virtualenv that can build cext and run its tests; about half a minute per mutant):
    python tools/mutate.py               # every mutant; exit status 0 only if every non-equivalent one is killed
    python tools/mutate.py --list        # the mutants and their tests, checked against the sources, not run
    python tools/mutate.py -k avx512     # only mutants whose description or file contains the text
    python tools/mutate.py --only 3,17   # only these mutants (numbers as --list shows them)
    python tools/mutate.py --timeout 300 # seconds per mutant's test run (default 240)
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mutants import KERNEL_TESTS, MUTANTS  # tools/mutants.py: `python tools/mutate.py` puts tools/ first on sys.path

REPO = Path(__file__).resolve().parent.parent
COPY_EXCLUDES = {".git", "build", "dist", ".pytest_cache", ".hypothesis", "__pycache__"}


def copy_tree(destination):
    """The work tree without build products or caches."""

    def ignore(directory, names):
        return {n for n in names if n in COPY_EXCLUDES or n.endswith((".so", ".pyd", ".o", ".egg-info"))}

    shutil.copytree(REPO, destination, ignore=ignore)


def check_snippets(mutants, root):
    """Names of mutants whose snippet does not occur exactly once in their file, with the count found."""
    stale = []
    for m in mutants:
        path = root / m.file
        found = path.read_text().count(m.original) if path.exists() else 0
        if found != 1:
            stale.append((m, found))
    return stale


def run(command, cwd, timeout, env=None):
    """Runs `command` in its own process group; returns (exit status or None on timeout, output, seconds)."""
    start = time.monotonic()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True, env={**os.environ, **(env or {})})
    try:
        output, _ = process.communicate(timeout=timeout)
        status = process.returncode
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the test run and every child it started
        output, _ = process.communicate()
        status = None
    return status, output, time.monotonic() - start


def build(python, root):
    """Builds the extension in place with `python`; returns (ok, output). Only this interpreter's module is
    replaced: a debug interpreter's module (ABI tag 311d) and a release one's live side by side."""
    _, suffix, _ = run([python, "-c", "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))"],
                            root, timeout=60)
    (root / "cext" / f"_core{suffix.strip()}").unlink(missing_ok=True)
    status, output, _ = run([python, "setup.py", "--quiet", "build_ext", "--inplace", "--force"], root, timeout=900)
    return status == 0, output


def compiled(mutant):
    """Whether the mutant's file goes into the compiled module (or decides how it is built)."""
    return not mutant.file.endswith(".py") or mutant.file == "setup.py"


def test_command(python, tests):
    if tests[0] == KERNEL_TESTS:
        # The C++ kernel tests: built from the copy's sources and run with no Python module involved.
        return [python, *tests]
    # -x: the first failure kills the mutant; -p no:cacheprovider: nothing is written into the copy between runs.
    return [python, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]


def interpreter(mutant, debug_python):
    return debug_python if mutant.debug_python else sys.executable


def check_imports_the_copy(python, root):
    """The tests must import the copy's freshly built module, not an installed or editable cext."""
    status, output, _ = run([python, "-c", "import cext._core; print(cext._core.__file__)"], root / "tests", 60,
                            env={"PYTHONPATH": str(root)})
    if status != 0 or not Path(output.strip().splitlines()[-1]).resolve().is_relative_to(root.resolve()):
        sys.exit(f"mutate: the test interpreter {python} imports cext from elsewhere:\n{output}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-k", dest="keyword", help="only mutants whose file or description contains this text")
    parser.add_argument("--only", help="only these mutants, by their number in --list (e.g. 20,65,77)")
    parser.add_argument("--list", action="store_true", help="list the mutants (checking their snippets) and stop")
    parser.add_argument("--timeout", type=float, default=240, help="seconds per mutant's test run")
    parser.add_argument("--keep", action="store_true", help="keep the scratch copy")
    options = parser.parse_args()

    numbers = {int(n) for n in options.only.split(",")} if options.only else None
    mutants = [m for i, m in enumerate(MUTANTS, 1) if (numbers is None or i in numbers)
               and (not options.keyword or options.keyword in m.description or options.keyword in m.file)]
    stale = check_snippets(mutants, REPO)
    if stale:
        for m, found in stale:
            print(f"STALE    {m.file}: snippet found {found} times, not once: {m.description}\n"
                  f"         snippet: {m.original!r}")
        sys.exit(f"mutate: {len(stale)} stale mutant(s); update tools/mutants.py to the current sources")
    if options.list:
        for m in mutants:
            i = MUTANTS.index(m) + 1
            tag = " [equivalent]" if m.equivalent else " [debug python]" if m.debug_python else ""
            print(f"{i:3}. {m.file}: {m.description}{tag}\n     tests: {' '.join(m.tests)}")
        print(f"{len(mutants)} mutants, all snippets found exactly once")
        return 0

    debug_python = os.environ.get("CEXT_DEBUG_PYTHON")
    scratch = Path(tempfile.mkdtemp(prefix="cext-mutants-"))
    root = scratch / "tree"
    copy_tree(root)
    # Tests start children that import cext from PYTHONPATH (tests/child_process.py); the copy goes first.
    # The fuzz tests run their fixed, derandomized CI set, so a kill or a survival is reproducible.
    env = {"PYTHONPATH": str(root), "CEXT_STRESS_SECONDS": os.environ.get("CEXT_STRESS_SECONDS", "2"),
           "HYPOTHESIS_PROFILE": "ci"}
    pythons = {sys.executable} | ({debug_python} if debug_python else set())
    runnable = [m for m in mutants if not m.debug_python or debug_python]
    skipped = [m for m in mutants if m.debug_python and not debug_python]
    try:
        print(f"mutate: {len(mutants)} mutants, scratch copy {root}")
        for python in sorted(pythons):
            ok, output = build(python, root)
            if not ok:
                sys.exit(f"mutate: the unmutated tree does not build with {python}:\n{output}")
            check_imports_the_copy(python, root)
        selections = sorted({(interpreter(m, debug_python), tuple(m.tests)) for m in runnable})
        for python, tests in selections:
            status, output, seconds = run(test_command(python, tests), root, options.timeout, env)
            if status != 0:
                sys.exit(f"mutate: the unmutated tree fails {' '.join(tests)} ({python}):\n{output[-4000:]}")
        print(f"baseline: the unmutated tree passes all {len(selections)} test selections")

        results = []
        # Interpreters whose compiled module was last built from a mutated C++ source (or failed to build).
        mutated_modules = set()
        for i, m in enumerate(runnable, 1):
            path = root / m.file
            original_text = path.read_text()
            path.write_text(original_text.replace(m.original, m.replacement, 1))
            python = interpreter(m, debug_python)
            try:
                if not compiled(m) and python not in mutated_modules:
                    built, output = True, ""  # the unmutated module is in place already
                else:
                    built, output = build(python, root)
                    if not compiled(m) and built:
                        mutated_modules.discard(python)  # the unmutated C++ compiled again
                    else:
                        mutated_modules.add(python)
                if not built:
                    verdict, detail, seconds = "NO-BUILD", output.strip().splitlines()[-1:], 0.0
                else:
                    status, output, seconds = run(test_command(python, m.tests), root, options.timeout, env)
                    if status is None:
                        verdict, detail = "KILLED", [f"timeout after {options.timeout:.0f} s"]
                    elif status != 0:
                        failed = [line for line in output.splitlines() if line.startswith(("FAILED", "ERROR"))]
                        verdict, detail = "KILLED", failed[:1] or output.strip().splitlines()[-1:]
                    else:
                        verdict, detail = "SURVIVED", []
            finally:
                path.write_text(original_text)
            if m.equivalent:
                verdict += " (equivalent)" if verdict == "SURVIVED" else " (marked equivalent!)"
            results.append((m, verdict))
            print(f"[{i:2}/{len(runnable)}] {verdict:<21} {seconds:6.1f} s  {m.file}: {m.description}", flush=True)
            for line in detail:
                print(f"{'':34}{line[:150]}", flush=True)
            if verdict.startswith("SURVIVED") and m.equivalent:
                print(f"{'':34}equivalent: {m.equivalent}")
    finally:
        if options.keep:
            print(f"scratch copy kept: {root}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)

    scored = [(m, v) for m, v in results if not m.equivalent]
    killed = sum(v.startswith("KILLED") for _, v in scored)
    survivors = [m for m, v in scored if v.startswith("SURVIVED")]
    broken = [m for m, v in results if v.startswith("NO-BUILD")]
    wrongly_equivalent = [m for m, v in results if m.equivalent and v.startswith("KILLED")]
    print(f"\nmutation score: {killed}/{len(scored)} non-equivalent mutants killed"
          f" ({len(results) - len(scored)} equivalent, {len(skipped)} skipped without a debug python)")
    for m in survivors:
        print(f"  survived: {m.file}: {m.description}")
    for m in broken:
        print(f"  does not build (fix the mutant): {m.file}: {m.description}")
    for m in wrongly_equivalent:
        print(f"  marked equivalent but killed (fix the mark): {m.file}: {m.description}")
    for m in skipped:
        print(f"  skipped (set CEXT_DEBUG_PYTHON): {m.file}: {m.description}")
    return 0 if not (survivors or broken or wrongly_equivalent or skipped) else 1


if __name__ == "__main__":
    sys.exit(main())
