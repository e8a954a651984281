"""Figures the reliability tests measure (cases fuzzed, interrupt latency, stress duration...), printed in a
"cext reliability figures" section of pytest's terminal summary, so CI logs show them without `-s`."""

_lines = []


class _Reporter:
    def pytest_terminal_summary(self, terminalreporter):
        if _lines:
            terminalreporter.section("cext reliability figures")
            for line in _lines:
                terminalreporter.write_line(line)


_reporter = _Reporter()


def record(config, line):
    """Adds `line` to the summary printed at the end of the session."""
    if not config.pluginmanager.is_registered(_reporter):
        config.pluginmanager.register(_reporter, "cext-reliability-figures")
    _lines.append(line)
