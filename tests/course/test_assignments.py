"""Graded assignments: ddpm_lessons.course.assignments, and real nbgrader end to end (release → autograde → feedback).

The end-to-end test needs nbgrader, the ``instructor`` extra (``python3 course.py test`` installs it). Without it
the test is skipped, except under CI (``CI`` set), where it fails.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from ddpm_lessons.course import assignments, slides
from ddpm_lessons.course.notebooks import course_notebooks

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = course_notebooks()
LESSONS = ["00_start_here", "02_forward_process"]
# Two known mistakes, each in one exercise, with words the check's ✗ line uses to name it.
MISTAKES = {
    "00_start_here": ("paper_to_code", "    return paper_t", "the code counts from 0"),
    "02_forward_process": (
        "closed_form",
        "    return math.sqrt(alpha_bar_t) * x0 + (1 - alpha_bar_t) * noise",
        "the noise is scaled by (1 − ᾱ) instead of √(1 − ᾱ)",
    ),
}
STUB_BODY = "    # YOUR CODE HERE\n    raise NotImplementedError()"


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def test_points_table_lists_exactly_the_exercises_of_every_lesson():
    for path in NOTEBOOKS:
        nb = nbformat.read(str(path), as_version=4)
        checks = [exercise.check for exercise in assignments.exercises(nb)]
        assert checks, f"{path.name} has no checked exercises"
        assert sorted(checks) == sorted(assignments.POINTS[path.stem]), path.name
        assert all(isinstance(p, int) and p > 0 for p in assignments.POINTS[path.stem].values())
    assert sorted(assignments.POINTS) == sorted(p.stem for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_assignment_source_of_every_lesson(path):
    nb = nbformat.read(str(path), as_version=4)
    source = assignments.assignment_notebook(nb, path.stem)
    found = assignments.exercises(nb)
    solutions = [c for c in source.cells if nbgrader_meta(c).get("solution")]
    tests = [c for c in source.cells if nbgrader_meta(c).get("grade")]
    assert len(solutions) == len(tests) == len(found)
    assert len(source.cells) == len(nb.cells), "stub + worked solution become solution + test cell"
    for exercise, solution, test in zip(found, solutions, tests):
        worked = nb.cells[exercise.solution]
        assert worked.cell_type == "markdown", "the lesson's worked solution is a collapsed markdown cell"
        code = [line for line in solution.source.splitlines() if "### " not in line]
        assert "\n".join(code) in slides.solution_code(worked), "the released body is the worked solution's code"
        assert solution.source.count("### BEGIN SOLUTION") == 1 and solution.source.count("### END SOLUTION") == 1
        assert f"def {exercise.function}(" in solution.source and "# Solution" not in solution.source
        assert "assert check_" not in solution.source and not solution.outputs
        compile(solution.source, "<solution>", "exec")
        assert test.source.splitlines()[-1].startswith(f"assert {exercise.check}({exercise.function})")
        assert nbgrader_meta(test)["points"] == assignments.POINTS[path.stem][exercise.check]
        assert nbgrader_meta(test)["locked"] and not test.outputs
    others = [c for c in source.cells if not (nbgrader_meta(c).get("solution") or nbgrader_meta(c).get("grade"))]
    assert all(nbgrader_meta(c)["locked"] for c in others), "prose and the lesson's cells are read-only"
    ids = [nbgrader_meta(c)["grade_id"] for c in source.cells]
    assert len(set(ids)) == len(ids)
    assert nb == nbformat.read(str(path), as_version=4), "the lesson itself is not modified"


def test_points_table_mismatch_is_an_error():
    nb = nbformat.read(str(NOTEBOOKS[0]), as_version=4)
    with pytest.raises(ValueError, match="POINTS"):
        assignments.assignment_notebook(nb, "99_no_such_lesson")


def require_nbgrader() -> None:
    try:
        import nbgrader  # noqa: F401
    except ImportError:
        reason = "the nbgrader test needs nbgrader: pip install -e .[instructor] (python3 course.py test installs it)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


def nbgrader(course: Path, *args: str) -> str:
    env = dict(os.environ)
    # nbgrader calls the `alembic` script of its environment by name, so that environment's bin comes first.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.setdefault("OMP_NUM_THREADS", "1")
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, capture_output=True, text=True, timeout=1200
    )
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-6000:]}"
    return done.stdout + done.stderr


def fill(released, bodies: dict[str, str]):
    """A submission: the released notebook with the body of each named function filled in."""
    submission = nbformat.from_dict(released)
    for cell in submission.cells:
        if not nbgrader_meta(cell).get("solution"):
            continue
        name = next(n for n in bodies if f"def {n}(" in cell.source)
        assert STUB_BODY in cell.source, cell.source
        cell.source = cell.source.replace(STUB_BODY, bodies[name])
    return submission


def worked_bodies(source) -> dict[str, str]:
    """Every exercise's worked body (between the markers) from the assignment's source notebook."""
    bodies = {}
    for cell in source.cells:
        if nbgrader_meta(cell).get("solution"):
            lines = cell.source.splitlines()
            start, end = (
                next(i for i, line in enumerate(lines) if line.strip() == marker)
                for marker in ("### BEGIN SOLUTION", "### END SOLUTION")
            )
            name = nbgrader_meta(cell)["grade_id"].split("-", 1)[1]
            bodies[name] = "\n".join(lines[start + 1 : end])
    return bodies


@pytest.mark.slow
def test_nbgrader_release_autograde_feedback(tmp_path):
    require_nbgrader()
    from nbgrader.api import Gradebook

    started = time.monotonic()
    course = tmp_path / "course"
    assert assignments.main(["--out", str(course), *(str(ROOT / "notebooks" / f"{n}.ipynb") for n in LESSONS)]) == 0
    full, expected = {}, {}
    for lesson in LESSONS:
        nbgrader(course, "generate_assignment", lesson, "--force")
        released = nbformat.read(str(course / "release" / lesson / f"{lesson}.ipynb"), as_version=4)
        source = nbformat.read(str(course / "source" / lesson / f"{lesson}.ipynb"), as_version=4)
        assert not any("### BEGIN SOLUTION" in c.source for c in released.cells)
        # The release is the student edition with each stub replaced by the released solution cell + test cell.
        student = slides.student_edition(nbformat.read(str(ROOT / "notebooks" / f"{lesson}.ipynb"), as_version=4))
        stubs = {e.stub for e in assignments.exercises(nbformat.read(str(ROOT / "notebooks" / f"{lesson}.ipynb"), 4))}
        kept = [c for c in released.cells if not (nbgrader_meta(c).get("solution") or nbgrader_meta(c).get("grade"))]
        original = nbformat.read(str(ROOT / "notebooks" / f"{lesson}.ipynb"), as_version=4)
        non_stub = [c for i, c in enumerate(original.cells) if i not in stubs and not slides.is_solution(c)]
        assert len(non_stub) == len(student.cells) - len(stubs)
        assert [(c.cell_type, c.source, c.get("outputs")) for c in kept] == [
            (c.cell_type, c.source, c.get("outputs")) for c in non_stub
        ]
        bodies = worked_bodies(source)
        points = assignments.POINTS[lesson]
        full[lesson] = sum(points.values())
        function, wrong_body, _ = MISTAKES[lesson]
        check = next(e.check for e in assignments.exercises(original) if e.function == function)
        expected[lesson] = {"worked": full[lesson], "mistaken": full[lesson] - points[check]}
        for student_id, chosen in (("worked", bodies), ("mistaken", {**bodies, function: wrong_body})):
            folder = course / "submitted" / student_id / lesson
            folder.mkdir(parents=True)
            nbformat.write(fill(released, chosen), str(folder / f"{lesson}.ipynb"))
        nbgrader(course, "autograde", lesson, "--force")
        nbgrader(course, "generate_feedback", lesson, "--force")

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        scores = {
            lesson: {s: gradebook.find_submission(lesson, s).score for s in ("worked", "mistaken")}
            for lesson in LESSONS
        }
        maxima = {lesson: gradebook.find_assignment(lesson).max_score for lesson in LESSONS}
    print(f"scores {scores}, maxima {maxima}")
    assert maxima == full
    assert scores == expected
    for lesson in LESSONS:
        _, _, named = MISTAKES[lesson]
        feedback = (course / "feedback" / "mistaken" / lesson / f"{lesson}.html").read_text(encoding="utf-8")
        assert named in html.unescape(feedback), f"the feedback on {lesson} does not name the mistake {named!r}"
        good = (course / "feedback" / "worked" / lesson / f"{lesson}.html").read_text(encoding="utf-8")
        assert named not in html.unescape(good)
    nbgrader(course, "export")  # grades.csv, one row per student and assignment
    import csv

    with open(course / "grades.csv", newline="", encoding="utf-8") as file:
        rows = {(row["assignment"], row["student_id"]): float(row["score"]) for row in csv.DictReader(file)}
    assert rows == {(lesson, s): expected[lesson][s] for lesson in LESSONS for s in ("worked", "mistaken")}
    shutil.rmtree(course / "autograded", ignore_errors=True)
    print(f"nbgrader release -> autograde -> feedback for {LESSONS}: {time.monotonic() - started:.1f} s")


def test_counts_are_printed_in_the_right_number():
    from ddpm_lessons.course.assignments import counted

    assert counted(1, "graded exercise") == "1 graded exercise" and counted(3, "point") == "3 points"
