"""Shared by the tests of the slide rules, the decks and the lecture commands: the committed lessons, small synthetic
lessons in the course's conventions, and what a worked solution prints."""

import copy
import functools
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from ddpm_lessons.course.slides import is_solution, worked_solution_cell

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
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
        (worked_solution_cell("def f(x):\n    return x\n\nassert check_f(f)"), "skip"),  # the lessons' form
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
