"""The lecture commands (mark-slides, slides, student, figures) and course.py's use of them:
ddpm_lessons.course.lecture."""

import base64
import importlib.util
import os
import stat
import sys
from pathlib import Path

import nbformat
import pytest
from lesson_notebooks import NOTEBOOKS, PNG, ROOT, committed, synthetic

from ddpm_lessons import InputError
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


# --------------------------------------------- issue 25: one output policy for the lecture commands, one-line errors
def files_in(folder: Path) -> dict:
    """Every file under ``folder`` with its bytes and mtime: a refusal leaves them all as they were."""
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def inputs(tmp_path):
    """A small lesson, a README, a truncated notebook, an invalid one, a folder and a FIFO."""
    from ddpm_lessons.course.notebooks import write_notebook

    folder = tmp_path / "in"
    folder.mkdir()
    write_notebook(synthetic()[0], folder / "99_test.ipynb")
    (folder / "README.md").write_text("# not a notebook\n", encoding="utf-8")
    (folder / "broken.ipynb").write_text('{"cells": [\n', encoding="utf-8")
    (folder / "invalid.ipynb").write_text('{"nbformat": 4, "nbformat_minor": 5, "cells": [{}]}', encoding="utf-8")
    (folder / "folder.ipynb").mkdir()
    os.mkfifo(folder / "pipe.ipynb")
    return folder


def one_line_error(capsys, *words: str) -> str:
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    assert all(word in err for word in words), err
    return err


WRITERS = [["student"], ["slides", "--cdn"], ["figures"]]


@pytest.mark.parametrize("command", [*WRITERS, ["mark-slides"]], ids=lambda c: c[0])
@pytest.mark.parametrize(
    "name, words",
    [
        ("README.md", "is not a valid Jupyter notebook (Notebook does not appear to be JSON"),
        ("broken.ipynb", "is not a valid Jupyter notebook"),
        ("invalid.ipynb", "is not a valid Jupyter notebook"),
        ("folder.ipynb", "is not a notebook file"),
        ("pipe.ipynb", "is not a notebook file"),
        ("missing.ipynb", "no such notebook"),
    ],
)
def test_a_notebook_argument_that_is_not_a_notebook_is_one_line(command, name, words, inputs, tmp_path, capsys):
    """Read and validated before any write: the good notebook named first is not written either."""
    out = ["--out", str(tmp_path / "out")] if command in WRITERS else []
    before = files_in(inputs)
    assert lecture.main([*command, *out, str(inputs / "99_test.ipynb"), str(inputs / name)]) == 2
    one_line_error(capsys, words, "(NOTEBOOK)")
    assert files_in(inputs) == before and not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", WRITERS, ids=lambda c: c[0])
def test_out_must_be_a_folder(command, inputs, tmp_path, capsys):
    (tmp_path / "file").write_text("mine\n", encoding="utf-8")
    os.mkfifo(tmp_path / "pipe")
    for out in ("file", "pipe"):
        assert lecture.main([*command, "--out", str(tmp_path / out), str(inputs / "99_test.ipynb")]) == 2
        one_line_error(capsys, f"--out {tmp_path / out} exists and is not a folder")
    assert (tmp_path / "file").read_text(encoding="utf-8") == "mine\n"


@pytest.mark.parametrize("command", WRITERS, ids=lambda c: c[0])
def test_out_never_holds_the_lessons_it_reads(command, tmp_path, monkeypatch, capsys):
    """``student --out notebooks notebooks/02_forward_process.ipynb`` rewrote the lesson without its solutions: in a
    stand-in course folder, each writer refuses an --out that holds the lessons, before any write."""
    from ddpm_lessons.course import notebooks

    monkeypatch.setattr(notebooks, "ROOT", tmp_path)
    lessons = tmp_path / "notebooks"
    (lessons / "zh").mkdir(parents=True)
    lesson = lessons / "02_forward_process.ipynb"
    lesson.write_bytes(NOTEBOOKS[2].read_bytes())
    (lessons / "zh" / lesson.name).write_bytes(NOTEBOOKS[2].read_bytes())
    before = files_in(tmp_path)
    for out in (lessons, tmp_path, lessons / "zh"):
        assert lecture.main([*command, "--out", str(out), "--overwrite", str(lesson)]) == 2
        one_line_error(capsys, f"--out {out} holds the lessons", "write the copies to another folder")
    assert files_in(tmp_path) == before
    copy_ = tmp_path / "elsewhere" / lesson.name
    copy_.parent.mkdir()
    copy_.write_bytes(lesson.read_bytes())
    assert lecture.main([*command, "--out", str(lessons), str(copy_)]) == 2, "the course's own lessons, too"
    one_line_error(capsys, "holds the lessons")
    assert files_in(tmp_path / "notebooks") == {k: v for k, v in before.items() if k.is_relative_to(lessons)}


def test_the_real_lessons_folder_is_refused_without_writing(capsys):
    from ddpm_lessons.course.notebooks import check_out_folder, lessons_inside

    lesson = NOTEBOOKS[2]
    assert lesson in lessons_inside(ROOT / "notebooks", [lesson]) and lessons_inside(ROOT / "_build", [lesson]) == []
    with pytest.raises(InputError, match="--out .* holds the lessons"):
        check_out_folder(ROOT / "notebooks", [lesson])


@pytest.mark.parametrize("command", WRITERS, ids=lambda c: c[0])
def test_an_existing_output_is_replaced_only_with_overwrite(command, inputs, tmp_path, capsys):
    from ddpm_lessons.course.decks import FIGURE_TAG
    from ddpm_lessons.course.notebooks import write_notebook

    nb = synthetic()[0]
    nb.cells[3].metadata["tags"] = [FIGURE_TAG]
    write_notebook(nb, inputs / "99_test.ipynb")
    out = tmp_path / "out"
    argv = [*command, "--out", str(out), str(inputs / "99_test.ipynb")]
    assert lecture.main(argv) == 0
    capsys.readouterr()
    written = files_in(out)
    assert written
    first = sorted(written)[0]
    first.write_bytes(b"edited by hand\n")
    edited = files_in(out)
    assert lecture.main(argv) == 2
    one_line_error(capsys, "already exist", "pass --overwrite to replace", "(--out)")
    assert files_in(out) == edited, "nothing replaced, nothing added"
    assert lecture.main([*argv, "--overwrite"]) == 0
    assert first.read_bytes() != b"edited by hand\n"


def test_a_non_regular_output_is_never_replaced(inputs, tmp_path, capsys):
    out = tmp_path / "out"
    (out / "99_test.ipynb").mkdir(parents=True)
    os.mkfifo(out / "README.txt")
    argv = ["student", "--out", str(out), "--overwrite", str(inputs / "99_test.ipynb")]
    assert lecture.main(argv) == 2
    one_line_error(capsys, "is not a regular file; it is never replaced, even with --overwrite")
    assert (out / "99_test.ipynb").is_dir() and stat.S_ISFIFO((out / "README.txt").stat().st_mode)


def test_two_notebooks_of_one_name_are_refused(inputs, tmp_path, capsys):
    twin = tmp_path / "twin" / "99_test.ipynb"
    twin.parent.mkdir()
    twin.write_bytes((inputs / "99_test.ipynb").read_bytes())
    argv = ["student", "--out", str(tmp_path / "out"), str(inputs / "99_test.ipynb"), str(twin)]
    assert lecture.main(argv) == 2
    one_line_error(capsys, "two outputs would both be")
    assert not (tmp_path / "out").exists()


def test_the_parser_refuses_in_one_line(capsys):
    with pytest.raises(SystemExit) as stopped:
        lecture.main(["student", "--bogus"])
    assert stopped.value.code == 2
    assert capsys.readouterr().err == "error: unrecognized arguments: --bogus\n"
