"""The pure-Python kernels under PyPy, in a worker process (pypy_worker.py)."""
import itertools
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

WORKER = Path(__file__).with_name("pypy_worker.py")


class PyPy:
    """A running ``pypy3`` worker; ``contender_parts()`` gives what a Contender needs."""

    def __init__(self, executable):
        self.executable = executable
        self.version = subprocess.run(
            [executable, "-c", "import sys; print(sys.version.split()[0], sys.pypy_version_info[:3])"],
            capture_output=True, text=True, check=True).stdout.strip()
        self._process = subprocess.Popen([executable, str(WORKER)], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE)
        self._keys = itertools.count()

    @classmethod
    def find(cls):
        """A worker on the first pypy3 on PATH, or None."""
        executable = shutil.which("pypy3")
        return cls(executable) if executable else None

    def contender_parts(self, function, args, output=None):
        """``(call, timer)`` for ``python_loops.<function>(*args)`` run in PyPy.

        ``call()`` runs it once there and returns its output (the result, or
        ``args[output]`` for a kernel that fills a list); ``timer(number)``
        returns the seconds ``number`` calls took, measured inside PyPy.
        """
        key = next(self._keys)
        self._request("prepare", key, function, args, output)
        return (lambda: self._request("call", key),
                lambda number: self._request("time", key, number))

    def close(self):
        if self._process.poll() is None:
            self._process.stdin.close()
            self._process.wait(timeout=10)

    def _request(self, *request):
        pickle.dump(request, self._process.stdin, protocol=4)
        self._process.stdin.flush()
        try:
            reply = pickle.load(self._process.stdout)
        except EOFError:
            raise RuntimeError(f"the PyPy worker exited with status {self._process.wait()}") from None
        if isinstance(reply, Exception):
            raise reply
        return reply


if __name__ == "__main__":  # a smoke test: python -m bench.peers.pypy
    pypy = PyPy.find()
    call, timer = pypy.contender_parts("fib", (90,))
    print(pypy.version, call(), timer(1000) / 1000, file=sys.stderr)
    pypy.close()
