"""The lecture commands (mark-slides, slides, student, figures) and course.py's use of them:
ddpm_lessons.course.lecture."""

import base64
import importlib.util
import sys
from pathlib import Path

import nbformat
import pytest
from lesson_notebooks import NOTEBOOKS, PNG, ROOT, committed, synthetic

from ddpm_lessons.course import lecture
from ddpm_lessons.course.slides import mark_slides, student_edition


@pytest.fixture(scope="module")
def course():
    spec = importlib.util.spec_from_file_location("course_under_test", ROOT / "course.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_course_lists_the_lecture_commands(course):
    for name in ("mark-slides", "slides", "student"):
        assert name in course.COMMANDS and f"course.py {name}" in course.__doc__


def test_course_student_and_slides_write_into_out(course, tmp_path, capsys):
    """End to end, with this interpreter standing in for the course's .venv (no install is attempted)."""
    chosen = [str(p) for p in NOTEBOOKS[:2]]
    python = Path(sys.executable)
    assert course.COMMANDS["student"](python, ["--out", str(tmp_path / "student"), *chosen]) == 0
    written = sorted(p.name for p in (tmp_path / "student").iterdir())
    assert written == sorted([Path(p).name for p in chosen] + ["README.txt"])
    for name in chosen:
        copy_ = nbformat.read(str(tmp_path / "student" / Path(name).name), as_version=nbformat.NO_CONVERT)
        assert copy_ == student_edition(committed(Path(name)))
    assert course.COMMANDS["slides"](python, ["--out", str(tmp_path / "slides"), *chosen]) == 0
    decks = sorted((tmp_path / "slides").glob("*.slides.html"))
    assert [p.name for p in decks] == sorted(Path(p).stem + ".slides.html" for p in chosen)
    assert all("# Solution" not in p.read_text(encoding="utf-8") for p in decks)


def test_course_mark_slides_on_a_copy(course, tmp_path):
    source = NOTEBOOKS[0]
    target = tmp_path / source.name
    target.write_bytes(source.read_bytes())
    assert course.COMMANDS["mark-slides"](Path(sys.executable), [str(target)]) == 0
    marked = nbformat.read(str(target), as_version=nbformat.NO_CONVERT)
    assert marked == mark_slides(committed(source))
    first = target.read_bytes()
    assert lecture.main(["mark-slides", str(target)]) == 0  # again, in-process
    assert target.read_bytes() == first, "marking again leaves the file byte for byte"
    # The file is written the way nbformat writes it: a round trip of the marked notebook is byte-identical.
    assert first.decode("utf-8") == nbformat.writes(marked, version=nbformat.NO_CONVERT) + "\n"


def test_figures_write_what_they_say(tmp_path, capsys):
    from ddpm_lessons.course.decks import FIGURE_TAG, readme_png
    from ddpm_lessons.course.notebooks import write_notebook

    nb, _ = synthetic()
    nb.cells[3].metadata["tags"] = [FIGURE_TAG]
    path = tmp_path / "99_test.ipynb"
    write_notebook(nb, path)
    assert lecture.main(["figures", "--out", str(tmp_path / "figures"), str(path)]) == 0
    written = tmp_path / "figures" / "99_test-1.png"
    assert [p.name for p in (tmp_path / "figures").iterdir()] == [written.name]
    assert written.read_bytes() == readme_png(base64.b64decode(PNG))[0]
