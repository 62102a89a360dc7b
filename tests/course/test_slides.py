"""The slide rules and the student edition: ddpm_lessons.course.slides."""

import copy
import json
import re

import nbformat
import pytest
from lesson_notebooks import NOTEBOOKS, committed, solution_lines, synthetic, without_slideshow
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from ddpm_lessons import InputError
from ddpm_lessons.course import slides
from ddpm_lessons.course.notebooks import course_notebooks
from ddpm_lessons.course.slides import (
    is_solution,
    mark_slides,
    slide_types,
    solution_code,
    student_edition,
    worked_solution_cell,
)

CHECK_CALL = re.compile(r"\b(check_\w+)\(")


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
    assert marked.metadata.rise == slides.RISE_SETTINGS
    assert without_slideshow(marked) == without_slideshow(before)
    nbformat.validate(marked)


def test_mark_slides_is_idempotent():
    nb, _ = synthetic()
    once = mark_slides(nb)
    assert mark_slides(once) == once
    assert slides.slides_are_current(once) and not slides.slides_are_current(nb)


def test_solution_cells_are_recognised_precisely():
    nb, _ = synthetic()
    assert [i for i, cell in enumerate(nb.cells) if is_solution(cell)] == [16, 19]
    assert not is_solution(new_markdown_cell("# Solution"))
    assert not is_solution(new_markdown_cell("<details><summary>More</summary>\n\nSome prose.\n\n</details>"))
    assert not is_solution(new_markdown_cell("<details><summary>Code</summary>\n\n```python\nx = 1\n```\n\n</details>"))
    assert not is_solution(new_code_cell(worked_solution_cell("assert check_f(f)").source))


def test_a_worked_solution_cell_round_trips_its_code():
    code = "import math\n\ndef f(x):\n    return math.sqrt(x)\n\nassert check_f(f)\nprint(f(4))"
    for language, summary in slides.SOLUTION_SUMMARIES.items():
        cell = worked_solution_cell(code + "\n", language)
        assert is_solution(cell) and solution_code(cell) == code and summary in cell.source
        assert cell.source.startswith("<details><summary>") and cell.source.endswith("```\n\n</details>")
        assert cell.metadata.slideshow.slide_type == "skip"
    assert solution_code(new_code_cell("# Solution\n" + code)) == code
    with pytest.raises(InputError, match="asserts its check") as caught:
        worked_solution_cell("def f(x):\n    return x")
    assert caught.value.parameter == "code"
    with pytest.raises(InputError, match="fence"):
        worked_solution_cell("```\nassert check_f(f)\n```")
    with pytest.raises(InputError, match="language must be one of") as caught:
        worked_solution_cell(code, "fr")
    assert caught.value.parameter == "language"
    with pytest.raises(InputError, match="cell is not a worked solution"):
        solution_code(new_markdown_cell("prose"))


def png(width: int, height: int) -> str:
    import base64
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def test_figure_lines_come_from_the_png_height_as_rise_shows_it():
    assert slides.figure_lines({"image/png": png(800, 396)}) == 22  # 396 px / 18 px a line, rounded up
    assert slides.figure_lines({"image/png": png(2360, 792)}) == 22  # twice too wide: shown at half size
    assert slides.figure_lines({"image/jpeg": "…"}) == slides.FIGURE_LINES
    assert slides.figure_lines({"image/png": "not base64!"}) == slides.FIGURE_LINES
    cell = new_code_cell("plot()", outputs=[new_output("display_data", data={"image/png": png(800, 396)})])
    assert slides.cell_lines(cell) == 1 + 22


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


def test_student_edition_of_the_synthetic_lesson():
    nb, _ = synthetic()
    before = copy.deepcopy(nb)
    student = student_edition(nb)
    assert nb == before
    assert [cell.source for cell in student.cells] == [
        cell.source
        for cell in nb.cells
        if not cell.source.startswith("<details>") and "return 2 * x" not in cell.source
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
    assert not any("# Solution" in cell.source or "<details>" in cell.source for cell in student.cells)

    def called(cells):
        return {name for cell in cells if cell.cell_type == "code" for name in CHECK_CALL.findall(cell.source)}

    assert called(nb.cells) and called(student.cells) == called(nb.cells), "every check is still called"
    outputs = json.dumps([cell.get("outputs", []) for cell in student.cells], ensure_ascii=False)
    for line in solution_lines(nb):
        assert json.dumps(line, ensure_ascii=False)[1:-1] not in outputs
    assert student.nbformat == nb.nbformat and student.nbformat_minor == nb.nbformat_minor
    nbformat.validate(student)


@pytest.mark.parametrize("path", course_notebooks(), ids=lambda p: p.stem)
def test_worked_solutions_are_collapsed_markdown_that_run_all_skips(path):
    """A solution that Run All executed would print its ✓ line and replace the learner's function (issue 24)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    solutions = [cell for cell in nb["cells"] if is_solution(cell)]
    assert solutions and all(cell["cell_type"] == "markdown" for cell in solutions), path.name
    assert all(cell["metadata"] == {"slideshow": {"slide_type": "skip"}} for cell in solutions), path.name
    assert all(worked_solution_cell(solution_code(cell)).source == "".join(cell["source"]) for cell in solutions)
