"""Runs code in a fresh interpreter that imports the same cext as the tests, whatever the working directory.

A child started from the repository root would otherwise put the source tree first on sys.path and import its
cext/, which has no compiled module after `pip install .`. The child therefore runs from tests/, and a cext built
in place (not installed) is put on PYTHONPATH.
"""

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import cext

PACKAGE_PARENT = Path(cext.__file__).resolve().parent.parent
SITE_PACKAGES = {Path(sysconfig.get_paths()[key]).resolve() for key in ("purelib", "platlib")}


def run_python(code, *args, cwd=None, **env):
    """Runs `python -c code *args` with `env` changing the environment (None removes a variable); returns the
    CompletedProcess, having checked its exit status."""
    return run_command(["-c", code, *args], cwd=cwd, **env)


def run_script(path, *args, cwd=None, **env):
    """Runs `python path *args` like run_python."""
    return run_command([str(path), *args], cwd=cwd, **env)


# `python -c` puts its working directory first on sys.path, so children start in tests/, never the source tree.
CHILD_CWD = Path(__file__).parent


def child_environment(**env):
    """os.environ changed by `env` (None removes a variable), with a cext built in place on PYTHONPATH."""
    environment = {key: value for key, value in {**os.environ, **env}.items() if value is not None}
    if PACKAGE_PARENT not in SITE_PACKAGES:
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PACKAGE_PARENT), os.environ.get("PYTHONPATH")]))
    return environment


def run_command(arguments, cwd=None, **env):
    return subprocess.run([sys.executable, *arguments], capture_output=True, text=True, check=True,
                          env=child_environment(**env), cwd=cwd or CHILD_CWD)
