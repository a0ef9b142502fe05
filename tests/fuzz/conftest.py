from tests.fuzz.harness import REPORT


def pytest_terminal_summary(terminalreporter):
    """What the fuzzing did, spec by spec: operations, examples, which operations answered 2xx, statuses."""
    if not REPORT:
        return
    terminalreporter.section("fuzz")
    for figures in REPORT:
        terminalreporter.write_line(figures.line())
        if never := figures.never_2xx():
            terminalreporter.write_line(f"  never 2xx (a 4xx every time): {', '.join(never)}")
    total = sum(sum(f.examples.values()) for f in REPORT)
    terminalreporter.write_line(f"fuzz total: {sum(f.operations for f in REPORT)} operations, {total} examples")
