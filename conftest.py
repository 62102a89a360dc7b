"""nbval settings for the course notebooks (kept at the repository root, out of the learner's notebooks/ folder):
stderr is not compared, and each notebook's total time is reported."""

from collections import defaultdict

_totals = defaultdict(float)


def pytest_collectstart(collector):
    # Warnings and progress bars go to stderr and vary between library versions; results are checked on stdout.
    if str(getattr(collector, "path", "")).endswith(".ipynb"):
        collector.skip_compare = collector.skip_compare + ("stderr",)


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        _totals[path] += report.duration


def pytest_terminal_summary(terminalreporter):
    if _totals:
        terminalreporter.section("notebook durations")
        for path, seconds in sorted(_totals.items()):
            terminalreporter.write_line(f"{seconds:8.1f} s  {path}")
