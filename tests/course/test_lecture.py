"""Lecture mode (reveal.js slide metadata and decks) and the student edition: ddpm_lessons.course.lecture and course.py."""

import copy
import functools
import html
import importlib.util
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from ddpm_lessons.course import lecture
from ddpm_lessons.course.lecture import (
    course_notebooks,
    is_solution,
    mark_slides,
    slide_types,
    student_edition,
    without_solution_outputs,
)

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CHECK_CALL = re.compile(r"\b(check_\w+)\(")
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="


@functools.cache
def _committed(path: Path):
    return nbformat.read(str(path), as_version=nbformat.NO_CONVERT)


def committed(path: Path):
    return copy.deepcopy(_committed(path))


def figure(source: str):
    image = new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"})
    return new_code_cell(source, outputs=[image])


def printed(source: str, text: str = "ok\n"):
    return new_code_cell(source, outputs=[new_output("stream", name="stdout", text=text)])


def hidden(cell):
    cell.metadata["jupyter"] = {"source_hidden": True}
    return cell


def synthetic():
    """A small lesson in the course's conventions, with the expected slide type of every cell."""
    long_prose = "\n".join(f"Line {i} of a long paragraph." for i in range(40))
    cells = [
        (new_markdown_cell("# Lesson 99 — Test\n\n**What you will learn:** slides.\n\n**Time:** 1 min"), "slide"),
        (new_code_cell("import math"), "subslide"),  # the title slide stays alone
        (new_markdown_cell("## 1. A section\n\nIt introduces the code below."), "slide"),
        (figure("plot(1)"), "-"),  # code stays with its introduction
        (figure("plot(2)"), "subslide"),  # a second figure gets its own room
        (new_markdown_cell("The figure shows a thing."), "subslide"),  # prose after a figure
        (printed("print(1)"), "-"),
        (new_markdown_cell("### 1b. A subsection"), "subslide"),
        (new_markdown_cell("A short remark."), "-"),
        (new_markdown_cell(long_prose), "subslide"),  # too long for the current slide
        (printed("print(2)"), "-"),  # after markdown: always with it
        (printed("\n".join(f"x{i} = {i}" for i in range(30))), "subslide"),  # a long cell after a full slide
        (printed("print(x)"), "-"),  # a short follow-up stays
        (new_markdown_cell("A comment on the previous output.\n\n## 2. The next section\n\nText."), "slide"),
        (new_markdown_cell("## Key points\n\n- one\n\n## Exercises\n\n**Exercise 1.** Write `f(x)`."), "slide"),
        (printed("def f(x):\n    raise NotImplementedError\n\ncheck_f(f)", "✗ f is not implemented yet\n"), "-"),
        (hidden(printed("# Solution\ndef f(x):\n    return x\n\nassert check_f(f)", "✓ f is right\n")), "skip"),
        (new_markdown_cell("**Exercise 2.** Write `g(x)`."), "fragment"),
        (printed("def g(x):\n    raise NotImplementedError\n\ncheck_g(g)", "✗ g is not implemented yet\n"), "-"),
        (hidden(printed("def g(x):\n    return 2 * x\n\nassert check_g(g)", "✓ g is right\n")), "skip"),
        (hidden(printed("show_table()", "a table\n")), "-"),  # hidden, but not a solution
        (new_code_cell("secret()", metadata={"tags": ["remove-slide"]}), "skip"),
        (new_markdown_cell("**Next:** lesson 100."), "-"),
    ]
    nb = new_notebook(cells=[cell for cell, _ in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb, [kind for _, kind in cells]


def without_slideshow(nb):
    nb = copy.deepcopy(nb)
    nb["metadata"].pop("rise", None)
    for cell in nb["cells"]:
        cell["metadata"].pop("slideshow", None)
    return nb


# ------------------------------------------------------------------------------------------- the slide rules


def test_rules_on_a_synthetic_lesson():
    nb, expected = synthetic()
    assert slide_types(nb) == expected


def test_mark_slides_sets_every_cell_and_changes_nothing_else():
    nb, expected = synthetic()
    nb.cells[2].metadata["slideshow"] = {"slide_type": "skip", "data": {"x": "1"}}  # stale type, extra key kept
    before = copy.deepcopy(nb)
    marked = mark_slides(nb)
    assert nb == before, "mark_slides must not modify its argument"
    assert [cell.metadata.slideshow.slide_type for cell in marked.cells] == expected
    assert marked.cells[2].metadata.slideshow.data == {"x": "1"}
    assert marked.metadata.rise == lecture.RISE_SETTINGS
    assert without_slideshow(marked) == without_slideshow(before)
    nbformat.validate(marked)


def test_mark_slides_is_idempotent():
    nb, _ = synthetic()
    once = mark_slides(nb)
    assert mark_slides(once) == once
    assert lecture.slides_are_current(once) and not lecture.slides_are_current(nb)


def test_solution_cells_are_recognised_precisely():
    nb, _ = synthetic()
    assert [i for i, cell in enumerate(nb.cells) if is_solution(cell)] == [16, 19]
    assert not is_solution(new_markdown_cell("# Solution"))


def png(width: int, height: int) -> str:
    import base64
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def test_figure_lines_come_from_the_png_height_as_rise_shows_it():
    assert lecture.figure_lines({"image/png": png(800, 396)}) == 22  # 396 px / 18 px a line, rounded up
    assert lecture.figure_lines({"image/png": png(2360, 792)}) == 22  # twice too wide: shown at half size
    assert lecture.figure_lines({"image/jpeg": "…"}) == lecture.FIGURE_LINES
    assert lecture.figure_lines({"image/png": "not base64!"}) == lecture.FIGURE_LINES
    cell = new_code_cell("plot()", outputs=[new_output("display_data", data={"image/png": png(800, 396)})])
    assert lecture.cell_lines(cell) == 1 + 22


def test_code_after_its_text_moves_on_when_together_they_overflow():
    tall = new_code_cell(
        "\n".join(f"y{i} = {i}" for i in range(10)),
        outputs=[new_output("display_data", data={"image/png": png(800, 396), "text/plain": "<Figure>"})],
    )
    cells = [new_markdown_cell("# Lesson 99 — Test"), new_markdown_cell("## 1. Section\n\n" + "Text.\n" * 8), tall]
    assert slide_types(new_notebook(cells=cells)) == ["slide", "slide", "subslide"]
    short = new_code_cell("x = 1")
    assert slide_types(new_notebook(cells=[*cells[:2], short])) == ["slide", "slide", "-"]


def test_edge_cases():
    assert slide_types(new_notebook()) == []
    assert slide_types(new_notebook(cells=[new_code_cell("x = 1")])) == ["slide"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_carries_current_slide_metadata(path):
    """A lesson whose cells or outputs changed must be re-marked: ``python3 course.py mark-slides``."""
    nb = committed(path)
    stored = [cell.metadata.get("slideshow", {}).get("slide_type") for cell in nb.cells]
    computed = slide_types(nb)
    wrong = [
        f"cell {i} ({cell.get('id', '?')}): {have!r}, rules say {want!r}"
        for i, (cell, have, want) in enumerate(zip(nb.cells, stored, computed))
        if have != want
    ]
    assert not wrong, (
        f"{path.name}: slide metadata out of date; run `python3 course.py mark-slides {path}`\n" + "\n".join(wrong[:10])
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_marking_a_committed_notebook_changes_only_slide_metadata(path):
    nb = committed(path)
    marked = mark_slides(nb)
    assert without_slideshow(marked) == without_slideshow(nb)
    assert mark_slides(marked) == marked
    nbformat.validate(marked)


# ----------------------------------------------------------------------------------------- the reveal.js decks


def solution_lines(nb):
    """The printed lines of every worked solution (their ✓ lines), which must not reach slides or students."""
    lines = []
    for cell in nb.cells:
        if is_solution(cell):
            for output in cell.get("outputs", []):
                text = output.get("text", "")
                lines += [
                    line for line in ("".join(text) if isinstance(text, list) else text).splitlines() if line.strip()
                ]
    return lines


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_slides_of_every_notebook(path):
    nb = committed(path)
    body = lecture.export_slides(nb)
    types = slide_types(nb)
    slides, subslides = types.count("slide"), types.count("subslide")
    # Each slide is a <section> holding its subslides, each subslide (the first included) a <section>.
    assert body.count("<section") == 2 * slides + subslides
    assert 5 <= slides + subslides <= 60, f"{path.name}: {slides + subslides} slides"
    assert "# Solution" not in body
    for line in solution_lines(nb):
        assert html.escape(line, quote=False) not in body, f"a solution's output is on a slide: {line!r}"
    assert body.count('class="fragment"') == types.count("fragment")
    notice = body.find("press the RISE button")
    assert 0 < notice < body.index("</section>"), "the CDN deck says on its first slide that it needs the network"


# ------------------------------------------------------------------------------------------ the student edition


def test_student_edition_of_the_synthetic_lesson():
    nb, _ = synthetic()
    before = copy.deepcopy(nb)
    student = student_edition(nb)
    assert nb == before
    assert [cell.source for cell in student.cells] == [
        cell.source
        for cell in nb.cells
        if cell.source.split("\n")[0] != "# Solution" and "return 2 * x" not in cell.source
    ]
    assert any("show_table()" in cell.source for cell in student.cells), "a hidden non-solution cell is kept"
    nbformat.validate(student)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_student_edition_of_every_notebook(path):
    nb = committed(path)
    student = student_edition(nb)
    solutions = [cell for cell in nb.cells if is_solution(cell)]
    assert solutions, f"{path.name} has no worked solutions"
    assert len(student.cells) == len(nb.cells) - len(solutions)
    assert student.cells == [cell for cell in nb.cells if not is_solution(cell)], "other cells are unchanged"
    assert not any("# Solution" in cell.source for cell in student.cells)

    def called(cells):
        return {name for cell in cells if cell.cell_type == "code" for name in CHECK_CALL.findall(cell.source)}

    assert called(nb.cells) and called(student.cells) == called(nb.cells), "every check is still called"
    outputs = json.dumps([cell.get("outputs", []) for cell in student.cells], ensure_ascii=False)
    for line in solution_lines(nb):
        assert json.dumps(line, ensure_ascii=False)[1:-1] not in outputs
    assert student.nbformat == nb.nbformat and student.nbformat_minor == nb.nbformat_minor
    nbformat.validate(student)


# ---------------------------------------------------------------------------------------------- course.py


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


def test_readme_figures_exist_for_every_tagged_cell_and_the_readme_shows_them():
    import re

    from ddpm_lessons.course import lecture

    root = Path(__file__).resolve().parents[2]
    expected = set()
    for path in lecture.course_notebooks():
        figures = lecture.readme_figures(nbformat.read(str(path), as_version=4))
        expected |= {f"notebooks/figures/{path.stem}-{k}.png" for k in range(1, len(figures) + 1)}
    assert len(expected) >= 3
    for name in expected:
        file = root / name
        assert file.is_file(), f"{name} is missing: run python3 course.py figures"
        assert file.stat().st_size < 300_000, f"{name} is {file.stat().st_size} bytes; keep README figures small"
    shown = set(re.findall(r'src="(notebooks/figures/[^"]+\.png)"', (root / "README.md").read_text(encoding="utf-8")))
    assert shown == expected


def offline_settings(folder: Path) -> dict:
    import os

    if lecture.offline_sources() is None:
        reason = "offline decks need the instructor extra (sphinx-revealjs, nbclassic): pip install -e .[instructor]"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return lecture.install_offline_assets(folder)


def test_offline_deck_loads_every_script_from_its_folder(tmp_path):
    settings = offline_settings(tmp_path)
    for name in ("reveal.js/dist/reveal.js", "reveal.js/plugin/notes/notes.js", "require.js", "jquery.min.js"):
        assert (tmp_path / lecture.ASSETS / name).is_file(), name
    assert (tmp_path / lecture.ASSETS / "MathJax" / "config" / "ddpm-lessons.js").is_file()
    nb = committed(ROOT / "notebooks" / "02_forward_process.ipynb")
    body = lecture.export_slides(nb, offline=settings)
    remote = re.findall(r'<(?:script|link)[^>]*(?:src|href)="(https?://[^"]*)"', body)
    assert not remote, f"the offline deck still loads {remote}"
    assert "from 'https://" not in body and "https://unpkg.com" not in body
    assert lecture.WIDGET_VIEW not in body and "run this cell in JupyterLab" in body, "a widget shows its text line"
    assert "press the RISE button" not in body
    assert lecture.install_offline_assets(tmp_path) == settings, "a second deck folder reuses the copies"


@pytest.mark.parametrize("path", course_notebooks(), ids=lambda p: p.stem)
def test_worked_solutions_are_committed_without_output(path):
    """A solution cell's ✓ line would give the answer away; `course.py execute` removes it (hide-solution-outputs)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    solutions = [cell for cell in nb["cells"] if is_solution(cell)]
    assert solutions, f"{path.name} has no worked solutions"
    assert without_solution_outputs(nb) == nb, (
        f"run: python -m ddpm_lessons.course.lecture hide-solution-outputs {path}"
    )
