"""Runs under PyPy: calls python_loops.py's kernels on request from the harness.

The harness (bench/peers/pypy.py) starts ``pypy3 pypy_worker.py`` and sends
pickled requests on stdin; replies go back pickled on stdout:

- ``("prepare", key, function, args, output)``: keep a call of
  python_loops.<function>(*args); its output is the return value, or
  ``args[output]`` when ``output`` is an index (a kernel that fills a list)
- ``("call", key)``: make the call once and reply with its output
- ``("time", key, number)``: make it ``number`` times in a plain loop, garbage
  collector off, and reply with the elapsed seconds

Timing inside PyPy keeps the pipe out of the measurement, and the JIT sees the
same loop a PyPy user's program would run.
"""
import gc
import os
import pickle
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import python_loops  # type: ignore[import-not-found]  # noqa: E402 (found through the path set just above)


def serve(requests, replies):
    prepared = {}
    while True:
        try:
            request = pickle.load(requests)
        except EOFError:
            return
        try:
            reply = _answer(prepared, request)
        except Exception as error:  # noqa: BLE001 (sent back, to be raised in the harness)
            reply = error
        pickle.dump(reply, replies, protocol=4)
        replies.flush()


def _answer(prepared, request):
    kind, key = request[0], request[1]
    if kind == "prepare":
        _, _, function, args, output = request
        prepared[key] = (getattr(python_loops, function), args, output)
        return None
    function, args, output = prepared[key]
    if kind == "call":
        result = function(*args)
        return result if output is None else args[output]
    if kind == "time":
        return _time(function, args, request[2])
    raise ValueError(f"unknown request {kind!r}")


def _time(function, args, number):
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(number):
            function(*args)
        return time.perf_counter() - start
    finally:
        gc.enable()


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
