"""The test suite's settings (kept at the repository root, out of the learner's notebooks/ folder).

nbval: stderr is not compared, and each notebook's total time is reported.

The ``slow`` marker: tests marked slow (by a decorator, or by :data:`SLOW_TESTS` here) are left out of a local run
and run in CI. They run when ``--run-slow`` is given, when ``CI=true`` (``.ci/run``, the GitHub workflow), when a
``-m`` expression chooses the tests (``-m slow``: only them; ``-m browser``: the browser tests), or when a test is
named by its node id (``tests/test_packaging.py::test_x``). ``python3 course.py timings`` measures the budgets.
"""

import json
import os
import sys
from collections import defaultdict
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "tests"))
from nbval_approx import TAG as DIGITS_VARY_BY_CPU  # noqa: E402
from nbval_approx import within_float_order  # noqa: E402

_totals = defaultdict(float)
_awaiting = []
_left_to_full_runs = []
_slow_left_out = []

SLOW_TESTS = (
    # Chromium driving JupyterLab or RISE (skipped where /usr/bin/chromium is missing, failed under CI).
    "tests/course/test_browser.py",
    "tests/course/test_browser_zh.py",
    "tests/course/test_rise.py",
    # Each starts the command line in fresh Python processes (about 2 s of imports each) or trains a model.
    "tests/test_reliability.py::test_sample_and_evaluate_refuse_an_unverifiable_file_unless_told",
    "tests/test_reliability.py::test_a_second_run_on_the_same_file_stops_and_names_the_holder",
    "tests/test_reliability.py::test_sample_refuses_what_it_cannot_do",
    "tests/test_reliability.py::test_shipped_files_change_only_through_an_explicit_release",
    "tests/test_reliability.py::test_an_existing_checkpoint_is_not_replaced_without_overwrite",
    "tests/test_reliability.py::test_a_run_killed_by_sigkill_resumes_to_the_same_weights",
    "tests/test_reliability.py::test_sample_works_in_chunks_with_bounded_memory",
    "tests/test_reliability.py::test_infinite_settings_are_refused_naming_the_flag",
    "tests/test_reliability.py::test_resume_of_a_missing_file_says_it_starts_fresh",
    "tests/test_reliability.py::test_the_output_is_checked_before_training",
    # The shipped checkpoints sampled at their documented quality.
    "tests/test_shipped.py::test_glyph_samples_are_the_requested_digits",
    "tests/test_shipped.py::test_moons_samples_within_fresh_datas_spread",
    "tests/test_shipped.py::test_photo_sample_reaches_25_db",
    # The lecture tools run as commands over every lesson.
    "tests/course/test_lecture.py::test_course_student_and_slides_write_into_out",
    "tests/course/test_lecture.py::test_course_mark_slides_on_a_copy",
    # Sampling and training runs of the exercise checks and the classifier.
    "tests/course/test_exercises_lesson10.py::test_correct_samples_pass",
    "tests/evaluation/test_classifier.py::test_a_short_run_is_far_above_chance",
    # Decorated @pytest.mark.slow where they are: the nbgrader round trip (tests/course/test_assignments.py), the
    # wheel build (tests/test_packaging.py), a real JupyterLab server (tests/test_course_py.py), and
    # tests/test_score.py's reverse SDE run.
)
"""Node ids (a test, every parametrisation of it, or a whole file) of the unit tests that take more than about five
seconds on the 2-core course machine (``python3 course.py timings slow`` lists them with their times); a test may
say ``@pytest.mark.slow`` itself instead. An id here that names no test fails the collection."""


def pytest_addoption(parser):
    parser.addoption(
        "--zh-nbval",
        choices=("default", "all"),
        default="default",
        help="zh lessons under strict nbval: 'default' only those whose English run takes at most "
        "ddpm_lessons.course.edition.ZH_NBVAL_DEFAULT_MAX_SECONDS, 'all' every one",
    )
    parser.addoption(
        "--run-slow",
        action="store_true",
        help="also run the tests marked slow (CI=true does too; a local run leaves them out)",
    )


def runs_slow(config) -> bool:
    """Whether this run keeps the slow tests: --run-slow, CI set (to anything but 0 or false), or a -m expression that chooses tests itself."""
    return (
        config.getoption("--run-slow")
        or os.environ.get("CI", "").lower() not in ("", "0", "false")
        or bool(config.getoption("markexpr", ""))
    )


def named_tests(config) -> list[str]:
    """The node ids named on the command line (``path::test``), relative to the root as item node ids are."""
    named = []
    for arg in config.args:
        path, sep, rest = arg.partition("::")
        if sep:
            try:
                path = Path(path).resolve().relative_to(config.rootpath).as_posix()
            except ValueError:
                continue
            named.append(f"{path}::{rest}")
    return named


def is_listed(nodeid: str, entry: str) -> bool:
    return nodeid == entry or nodeid.startswith((entry + "::", entry + "["))


def relax_digits(item) -> None:
    """An nbval cell tagged ``digits-vary-by-cpu`` compares its printed numbers within float summation order's reach
    (tests/nbval_approx.py); every other cell stays digit for digit."""
    original = item.compare_outputs

    def compare_outputs(test, ref, skip_compare=None):
        return original(within_float_order(test, ref), ref, skip_compare)

    item.compare_outputs = compare_outputs


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # tryfirst: the marks are on the items before -m and -k select.
    for item in items:
        cell = getattr(item, "cell", None)
        if (
            cell is not None
            and hasattr(item, "compare_outputs")
            and DIGITS_VARY_BY_CPU in cell.metadata.get("tags", [])
        ):
            relax_digits(item)
    files = {item.nodeid.split("::", 1)[0] for item in items}

    def stale(entry: str) -> bool:
        file = entry.split("::", 1)[0]
        gone = not (config.rootpath / file).exists()
        return gone or (file in files and not any(is_listed(item.nodeid, entry) for item in items))

    unknown = [entry for entry in SLOW_TESTS if stale(entry)]
    if unknown and not named_tests(config):
        raise pytest.UsageError(f"conftest.SLOW_TESTS names tests that do not exist: {', '.join(unknown)}")
    for item in items:
        if any(is_listed(item.nodeid, entry) for entry in SLOW_TESTS):
            item.add_marker(pytest.mark.slow)
    if runs_slow(config):
        return
    named = named_tests(config)
    kept, left_out = [], []
    for item in items:
        slow = item.get_closest_marker("slow") and not any(is_listed(item.nodeid, n) for n in named)
        (left_out if slow else kept).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept
        _slow_left_out.extend(left_out)


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
    if _slow_left_out:
        terminalreporter.write_line(
            f"{len(_slow_left_out)} slow tests left out of this local run (deselected): "
            "--run-slow runs them too, -m slow only them; CI runs them"
        )
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
