"""Graded assignments: ddpm_lessons.course.assignments, and real nbgrader end to end (release → autograde → feedback).

The end-to-end test needs nbgrader, the ``instructor`` extra (``python3 course.py test`` installs it). Without it
the test is skipped, except under CI (``CI`` set), where it fails.
"""

from __future__ import annotations

import html
import os
import re
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
    "00_start_here": (
        "noise_std_at",
        "    return (1 - schedule.alphas_cumprod[paper_t]).item()",
        "both bugs are still there",
    ),
    "02_forward_process": (
        "chain_coefficients",
        "    return a.prod(), (b**2).sum()",
        "the noise added at step s is shrunk by every later step",
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
        assert_maths_typeset_offline(feedback, lesson)
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


def assert_maths_typeset_offline(page: str, lesson: str) -> None:
    """Feedback that shows its maths without the network: no script or style sheet from http(s), no MathJax, every
    ``$$…$$`` of the lesson's prose typeset as MathML."""
    remote = re.findall(r"<(?:script|link)\b[^>]*(?:src|href)=[\"']?https?:[^>]*>", page, re.I)
    assert not remote, f"the feedback on {lesson} loads {remote}"
    assert "MathJax" not in page.replace("no MathJax", ""), f"the feedback on {lesson} still sets up MathJax"
    prose = re.sub(r"<(pre|code|script|style)\b.*?</\1>", "", page, flags=re.S | re.I)
    assert "$$" not in prose, f"raw $$ in the feedback on {lesson}"


def feedback_page(course: Path, lesson: str) -> str:
    """The feedback HTML of ``lesson`` (every test passed) made with the course directory's nbgrader_config.py and
    templates/feedback/ applied to nbgrader's feedback template, as ``nbgrader generate_feedback`` applies them."""
    require_nbgrader()
    from nbconvert import HTMLExporter
    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import PyFileConfigLoader

    assert assignments.main(["--out", str(course), str(ROOT / "notebooks" / f"{lesson}.ipynb")]) == 0
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    # nbgrader's converter adds its own settings (the template "feedback", its style sheet) to the course's config.
    converter = GenerateFeedback(coursedir=CourseDirectory(config=config, root=str(course)), config=config)
    exporter = HTMLExporter(config=converter.config)
    source = nbformat.read(str(course / "source" / lesson / f"{lesson}.ipynb"), as_version=4)
    for cell in source.cells:  # the scores nbgrader's GetGrades puts in from the gradebook
        if nbgrader_meta(cell).get("grade"):
            cell.metadata.nbgrader["score"] = cell.metadata.nbgrader["points"]
    grades = {"notebook": lesson, "score": 5, "max_score": 5, "late_penalty": 0}
    page, _ = exporter.from_notebook_node(source, resources={"nbgrader": grades})
    return page


def test_feedback_typesets_the_lessons_maths_as_mathml_without_a_network(tmp_path):
    """Lesson 02's feedback: display maths and an aligned derivation, as MathML; no MathJax, no CDN."""
    page = feedback_page(tmp_path, "02_forward_process")
    assert_maths_typeset_offline(page, "02_forward_process")
    assert len(re.findall(r'<math\b[^>]*display="block"', page)) >= 3, "the lesson's display maths as MathML"
    assert "<mtable" in page, "the aligned derivation of the closed form is laid out as a table"


@pytest.mark.browser
def test_feedback_shows_its_maths_in_a_browser_offline(tmp_path):
    """The feedback HTML opened from disk in headless Chromium with the network cut: nothing is requested, and the
    maths is drawn (each MathML formula has a size; the aligned derivation is several lines tall)."""
    from jupyter_browser import chromium_page, require_browser, screenshot_dir

    require_browser()
    page_file = tmp_path / "02_forward_process.html"
    page_file.write_text(feedback_page(tmp_path / "course", "02_forward_process"), encoding="utf-8")
    attempted: list[str] = []
    with chromium_page(offline=attempted) as page:
        page.goto(page_file.as_uri())
        sizes = page.evaluate("() => [...document.querySelectorAll('math')].map(m => m.getBoundingClientRect().height)")
        page.locator("mtable").first.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot_dir(tmp_path) / "feedback_maths.png"))
    assert not attempted, f"the feedback tried the network: {attempted}"
    assert len(sizes) >= 3 and min(sizes) > 0, sizes
    assert max(sizes) > 4 * min(sizes), f"the aligned derivation is not laid out over several lines: {sizes}"


def test_typeset_math_leaves_code_and_prices_alone():
    rendered = assignments.markdown_with_mathml(
        "Noise $\\epsilon_t < 1$ and\n\n$$x_t = \\sqrt{\\bar\\alpha_t}\\,x_0$$\n\nit costs $5, not $6; `$a$` is code"
    )
    assert rendered.count("<math ") == 2 and 'display="block"' in rendered and "<mo>&#x0003C;</mo>" in rendered
    assert "$5, not $6" in rendered and "<code>$a$</code>" in rendered
    unknown = assignments.typeset_math("<p>$$\\left( x^$$</p>")
    assert "$$" in unknown and "<math" not in unknown, "TeX that latex2mathml cannot read stays as TeX"


# -------------------------------------------------------------- issue 25: the course directory's output policy
def test_an_existing_course_directory_is_replaced_only_with_overwrite(tmp_path, capsys):
    """``assignments --out DIR`` replaced an nbgrader_config.py the instructor had edited: now every file already in
    --out (the config, a source notebook) needs --overwrite, checked before anything is written."""
    out = tmp_path / "nbgrader"
    lesson = str(ROOT / "notebooks" / "00_start_here.ipynb")
    assert assignments.main(["--out", str(out), lesson]) == 0
    capsys.readouterr()
    config = out / "nbgrader_config.py"
    config.write_text(config.read_text(encoding="utf-8") + "c.Exchange.root = '/srv/exchange'\n", encoding="utf-8")
    edited = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    second = str(ROOT / "notebooks" / "02_forward_process.ipynb")
    assert assignments.main(["--out", str(out), second]) == 2
    err = capsys.readouterr().err
    # the config and the feedback template of the first run are both in --out
    assert err == f"error: {config} and 1 more already exist; pass --overwrite to replace them (--out)\n"
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == edited
    assert not (out / "source" / "02_forward_process").exists(), "refused before any write"
    assert assignments.main(["--out", str(out), "--overwrite", lesson, second]) == 0
    assert "/srv/exchange" not in config.read_text(encoding="utf-8")
    assert (out / "source" / "02_forward_process" / "02_forward_process.ipynb").is_file()


def test_a_notebook_that_is_not_a_lesson_is_one_line_before_any_write(tmp_path, capsys):
    from ddpm_lessons.course.notebooks import write_notebook

    (tmp_path / "README.md").write_text("# not a notebook\n", encoding="utf-8")
    solution_alone = nbformat.v4.new_code_cell("# Solution\ndef f(x):\n    return x")  # no stub cell before it
    write_notebook(nbformat.v4.new_notebook(cells=[solution_alone]), tmp_path / "plain.ipynb")
    (tmp_path / "file").write_text("mine\n", encoding="utf-8")
    lesson = str(ROOT / "notebooks" / "00_start_here.ipynb")
    out = tmp_path / "out"
    for argv, words in [
        ([lesson, str(tmp_path / "README.md")], "is not a valid Jupyter notebook"),
        ([lesson, str(tmp_path / "plain.ipynb")], "plain.ipynb cannot be an assignment: cell 0 is a worked solution"),
        ([lesson, str(tmp_path / "missing.ipynb")], "no such notebook"),
        (["--out", str(tmp_path / "file"), lesson], "exists and is not a folder"),
        (["--out", str(ROOT / "notebooks"), lesson], "holds the lessons"),
    ]:
        argv = argv if "--out" in argv else ["--out", str(out), *argv]
        assert assignments.main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1 and words in err, err
        assert not out.exists()
    assert (tmp_path / "file").read_text(encoding="utf-8") == "mine\n"
