"""nbval settings for the course notebooks (kept at the repository root, out of the learner's notebooks/ folder):
stderr is not compared, and each notebook's total time is reported."""

import json
from collections import defaultdict
from pathlib import Path

_totals = defaultdict(float)
_awaiting = []
_left_to_full_runs = []


def pytest_addoption(parser):
    parser.addoption(
        "--zh-nbval",
        choices=("default", "all"),
        default="default",
        help="zh lessons under strict nbval: 'default' only those whose English run takes at most "
        "ddpm_lessons.course.edition.ZH_NBVAL_DEFAULT_MAX_SECONDS, 'all' every one",
    )


def _has_outputs(path: Path) -> bool:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return any(cell.get("outputs") for cell in cells if cell["cell_type"] == "code")


def pytest_ignore_collect(collection_path, config):
    # A zh lesson whose translation landed before it was executed has no outputs to compare; nbval skips it and the
    # summary names it (ddpm_lessons.course.edition.AWAITING_OUTPUTS lists them; tests/course/test_edition.py keeps
    # that list true).
    path = Path(collection_path)
    if path.suffix != ".ipynb" or path.parent.name != "zh":
        return None
    if not _has_outputs(path):
        _awaiting.append(path.name)
        return True
    from ddpm_lessons.course.edition import zh_lessons_left_to_full_runs

    if config.getoption("--zh-nbval") != "all" and path.name in zh_lessons_left_to_full_runs():
        _left_to_full_runs.append(path.name)
        return True
    return None


def pytest_collectstart(collector):
    # Warnings and progress bars go to stderr and vary between library versions; results are checked on stdout.
    if str(getattr(collector, "path", "")).endswith(".ipynb"):
        collector.skip_compare = collector.skip_compare + ("stderr",)


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        _totals[path] += report.duration


def pytest_terminal_summary(terminalreporter):
    if _awaiting:
        terminalreporter.section("zh lessons without committed outputs (not run by nbval)")
        terminalreporter.write_line(", ".join(sorted(_awaiting)))
    if _left_to_full_runs:
        terminalreporter.section("zh lessons re-executed only with --zh-nbval=all (outputs compared with English)")
        terminalreporter.write_line(", ".join(sorted(set(_left_to_full_runs))))
    if _totals:
        terminalreporter.section("notebook durations")
        for path, seconds in sorted(_totals.items()):
            terminalreporter.write_line(f"{seconds:8.1f} s  {path}")
