import pytest

import cext


def _supported_paths():
    return list(cext._core._build_info()["simd_supported"])


@pytest.fixture(params=_supported_paths())
def simd_path(request):
    """Runs a test once per SIMD path this CPU supports, restoring the default afterwards."""
    previous = cext._core._set_simd(request.param)
    try:
        # The switch must really happen, or every per-path test would silently test the same path.
        assert cext._core._build_info()["simd"] == request.param
        yield request.param
    finally:
        cext._core._set_simd(previous)


def pytest_configure(config):
    # Registered here rather than in pyproject.toml, so that the suite run from an installed wheel, outside the
    # source tree, knows it too.
    config.addinivalue_line(
        "markers", "timing: asserts a bound on elapsed time (Ctrl-C latency); the sanitizer and ThreadSanitizer "
                   "runs deselect these with -m 'not timing', since instrumentation slows the code several-fold")
