"""The slide rules: reveal.js slide metadata for the lessons, and copies without worked solutions.

Everything here works on notebooks that follow the course's conventions (cell 0 is the ``# Lesson NN — …`` title,
sections are ``## `` markdown, exercises are ``**Exercise k.**`` prompts followed by a stub cell that calls
``check_…(fn)`` and a worked solution, a collapsed markdown cell: :func:`is_solution`). The pure functions return new
notebooks and never modify their argument:

- :func:`slide_types` — one reveal.js slide type per cell (``"slide"``, ``"subslide"``, ``"fragment"``, ``"-"``
  or ``"skip"``), computed from the cells' sources, outputs and tags only, never from existing slide metadata;
- :func:`mark_slides` — a copy whose every cell carries ``metadata.slideshow.slide_type`` from :func:`slide_types`
  and nothing else changed (other keys in ``metadata.slideshow`` are kept). Marking twice equals marking once;
- :func:`student_edition` — a copy without the worked-solution cells (:func:`is_solution`); everything else,
  outputs included, is kept.

Slide rules, applied in cell order. "Visible" cells are all but ``skip``; "the current slide" is the (sub)slide the
last visible cell belongs to, and its size is counted in lines as a 1280×720 RISE slide shows them
(:func:`cell_lines`: a figure by its PNG's real height, :func:`figure_lines`; wrapped prose; checked against
Chromium's rendering in tests/course/test_rise.py):

1. The first cell (the title) → ``slide``. It stays alone: the next visible cell, unless it is a heading, opens a
   ``subslide`` (so the imports do not crowd the title).
2. A worked solution (:func:`is_solution`) or a cell tagged ``remove-slide`` → ``skip`` (not in the deck).
3. Markdown that starts with ``# `` or ``## ``, or that contains a ``## `` heading line further down (a new
   section that opens after a comment on the previous figure) → ``slide``: one section, one slide.
4. Markdown that starts with ``### `` → ``subslide``.
5. Other markdown → ``-`` (continues the current slide); an exercise prompt (``**Exercise``) → ``fragment``
   (revealed on the next key press). Either becomes a ``subslide`` when the current slide already holds a figure,
   or when the current slide plus this cell plus the code cell it introduces (the next visible cell, when that
   is code) would exceed :data:`MAX_LINES`.
6. A code cell right after markdown → ``-``: it stays with the text that introduces it, and its figure with it;
   unless it is longer than :data:`FOLLOW_UP_LINES` and would take the slide past :data:`MAX_LINES` → ``subslide``.
7. A code cell after a code cell with a figure (an image output) → ``subslide``: every figure gets room.
8. Any other code cell → ``-``, or ``subslide`` if it would take the current slide past :data:`MAX_LINES` and
   is longer than :data:`FOLLOW_UP_LINES` (a short follow-up, such as a one-line printout, stays).

The rules read only sources, outputs and tags, so they are deterministic and idempotent. Very tall single
cells are not split (a cell is never cut); RISE (:data:`RISE_SETTINGS`) and the decks scroll within the slide.

Solution cells (:func:`is_solution`): the lessons write each worked solution as a **markdown** cell, a collapsed
``<details>`` block whose ``<summary>`` is :data:`SOLUTION_SUMMARIES` (the learner's language) and whose body is one
```` ```python ```` block that defines the function and asserts its check (``assert check_…(fn)``), made by
:func:`worked_solution_cell`. Run All renders it and runs nothing, so no answer is printed and a second
Shift+Enter on a stub does not replace the learner's function; a learner opens it on purpose and copies the code
(:func:`solution_code` reads it back; tests/course/test_exercises_solutions.py runs every one). The older form is
still recognised in other notebooks: a code cell whose first non-blank line starts with ``# Solution``, or a code
cell with hidden source (``metadata.jupyter.source_hidden``) that asserts a check (``assert check_…(``). Other
hidden cells and other ``<details>`` blocks are not solutions and are kept.
"""

from __future__ import annotations

import copy
import re

import nbformat

from ..validation import InputError
from .notebooks import cell_source, cell_tags

__all__ = [
    "MAX_LINES",
    "LINE_PX",
    "SLIDE_WIDTH_PX",
    "MARKDOWN_CHARS",
    "FIGURE_LINES",
    "OUTPUT_LINES_CAP",
    "FOLLOW_UP_LINES",
    "RISE_SETTINGS",
    "SLIDE_TYPES",
    "REMOVE_TAG",
    "SOLUTION_SUMMARIES",
    "is_solution",
    "solution_code",
    "worked_solution_cell",
    "is_exercise_prompt",
    "has_figure",
    "figure_lines",
    "cell_lines",
    "slide_types",
    "mark_slides",
    "slides_are_current",
    "slide_count",
    "student_edition",
]

MAX_LINES = 32
"""Lines a (sub)slide may hold before a new one is opened: what a 1280×720 RISE slide shows of code (a line is
:data:`LINE_PX` pixels; the rest of the 720 is the slide's margins, headings and prompts)."""
LINE_PX = 18
"""Height of a code or prose line on a RISE slide in pixels (measured in Chromium: JupyterLab's code lines)."""
SLIDE_WIDTH_PX = 1180
"""Width available to an output on a 1280-pixel RISE slide; wider figures are scaled down to it."""
MARKDOWN_CHARS = 150
"""Characters of prose per line on a 1280-pixel slide; a longer source line wraps."""
FIGURE_LINES = 22
"""A figure whose height cannot be read from its PNG counts as this many lines (a 400-pixel figure)."""
OUTPUT_LINES_CAP = 12
"""A text output counts as at most this many lines (long printouts scroll)."""
FOLLOW_UP_LINES = 6
"""A code cell this short (outputs included) after a code cell without a figure always stays on its slide."""

RISE_SETTINGS = {"theme": "white", "transition": "none", "scroll": True, "width": 1280, "height": 720}
"""What :func:`mark_slides` writes into ``metadata.rise`` (jupyterlab-rise reads it): reveal's "white" theme, whose
fonts are bundled (the default "simple" theme loads Google Fonts, a request that fails offline), a 1280×720
slide as the slide rules assume, and in-slide scrolling for the few cells taller than a slide."""

SLIDE_TYPES = ("slide", "subslide", "fragment", "-", "skip", "notes")
REMOVE_TAG = "remove-slide"

_SECTION_LINE = re.compile(r"^##\s", re.MULTILINE)
_ASSERT_CHECK = re.compile(r"^\s*assert\s+check_\w+\(", re.MULTILINE)


SOLUTION_SUMMARIES = {
    "en": "Worked solution (open it after you have tried)",
    "zh": "参考答案（先自己试过再展开）",
}
"""The summary line of a collapsed worked solution, per edition (:func:`worked_solution_cell`)."""

_WORKED_MARKDOWN = re.compile(
    r"\A\s*<details>\s*<summary>[^<>\n]+</summary>\s*\n```python\n(?P<code>.*?)\n```\s*</details>\s*\Z", re.DOTALL
)


def worked_solution_cell(code: str, language: str = "en"):
    """A worked solution as the lessons write it: a markdown cell, collapsed, with ``code`` in a python block (it
    defines the exercise's function and asserts its check). It is left out of the slides (``skip``)."""
    if language not in SOLUTION_SUMMARIES:
        raise InputError(
            f"language must be one of {sorted(SOLUTION_SUMMARIES)}, got {language!r}", parameter="language"
        )
    if not isinstance(code, str) or "```" in code or not _ASSERT_CHECK.search(code):
        raise InputError(
            "code must be a str that asserts its check (assert check_…(fn)), with no ``` fence", parameter="code"
        )
    code = code.strip("\n")
    source = f"<details><summary>{SOLUTION_SUMMARIES[language]}</summary>\n\n```python\n{code}\n```\n\n</details>"
    cell = nbformat.v4.new_markdown_cell(source)
    cell.metadata["slideshow"] = {"slide_type": "skip"}
    return cell


def solution_code(cell) -> str:
    """The code of a worked solution (:func:`is_solution`): the python block of a collapsed markdown solution, or a
    solution code cell's source without its ``# Solution`` line. A cell that is not a solution is an error."""
    if not is_solution(cell):
        raise InputError("cell is not a worked solution (see is_solution)", parameter="cell")
    source = cell_source(cell)
    if cell.get("cell_type") == "markdown":
        return _WORKED_MARKDOWN.match(source)["code"]
    lines = source.strip("\n").split("\n")
    return "\n".join(lines[1:] if lines[0].lstrip().startswith("# Solution") else lines).strip("\n")


def is_solution(cell) -> bool:
    """True for a worked-solution cell (see the module docstring); False for everything else."""
    source = cell_source(cell)
    if cell.get("cell_type") == "markdown":
        worked = _WORKED_MARKDOWN.match(source)
        return worked is not None and bool(_ASSERT_CHECK.search(worked["code"]))
    if cell.get("cell_type") != "code":
        return False
    if source.lstrip().startswith("# Solution"):
        return True
    hidden = bool(cell.get("metadata", {}).get("jupyter", {}).get("source_hidden", False))
    return hidden and bool(_ASSERT_CHECK.search(source))


def is_exercise_prompt(cell) -> bool:
    return cell.get("cell_type") == "markdown" and cell_source(cell).lstrip().startswith(("**Exercise", "**练习"))


def has_figure(cell) -> bool:
    """True when a code cell has an image output (PNG, JPEG, SVG, …)."""
    return any(
        key.startswith("image/") for output in cell.get("outputs", []) or [] for key in (output.get("data", {}) or {})
    )


def _text_lines(text) -> int:
    text = "".join(text) if isinstance(text, list) else (text or "")
    return len(text.rstrip("\n").splitlines())


def figure_lines(data: dict) -> int:
    """The height of an image output in slide lines, from the PNG's own size as RISE shows it (one PNG pixel is a
    CSS pixel; wider than :data:`SLIDE_WIDTH_PX` scales down); :data:`FIGURE_LINES` when it is not a PNG."""
    import base64
    import binascii
    import math
    import struct

    png = data.get("image/png")
    if isinstance(png, list):
        png = "".join(png)
    try:
        header = base64.b64decode(png[:64]) if png else b""
    except (binascii.Error, ValueError):
        header = b""
    if len(header) < 24 or header[:8] != b"\x89PNG\r\n\x1a\n":
        return FIGURE_LINES
    width, height = struct.unpack(">II", header[16:24])
    shown = height * min(1.0, SLIDE_WIDTH_PX / max(width, 1))
    return max(1, math.ceil(shown / LINE_PX))


def _markdown_lines(source: str) -> int:
    """Prose lines as a slide shows them: long source lines wrap at :data:`MARKDOWN_CHARS`, a heading counts twice
    (its larger type and margin), a display-math line twice."""
    lines = 0
    for line in source.rstrip("\n").splitlines():
        stripped = line.strip()
        wrapped = max(1, -(-len(stripped) // MARKDOWN_CHARS))
        lines += 2 * wrapped if stripped.startswith("#") or stripped.startswith("$$") else wrapped
    return lines


def cell_lines(cell) -> int:
    """The height of a cell in slide lines: prose by :func:`_markdown_lines`; code source lines, plus each output (a
    figure by :func:`figure_lines`, text at most :data:`OUTPUT_LINES_CAP`)."""
    if cell.get("cell_type") != "code":
        return _markdown_lines(cell_source(cell))
    lines = len(cell_source(cell).rstrip("\n").splitlines())
    for output in cell.get("outputs", []) or []:
        kind = output.get("output_type")
        data = output.get("data", {}) or {}
        if any(key.startswith("image/") for key in data):
            lines += figure_lines(data)
        elif kind == "stream":
            lines += min(_text_lines(output.get("text", "")), OUTPUT_LINES_CAP)
        elif kind == "error":
            lines += OUTPUT_LINES_CAP
        elif data:
            text = next(
                (data[key] for key in ("text/markdown", "text/latex", "text/plain", "text/html") if key in data), ""
            )
            lines += min(_text_lines(text), OUTPUT_LINES_CAP)
    return lines


def _is_skipped(cell) -> bool:
    return is_solution(cell) or REMOVE_TAG in cell_tags(cell)


def _markdown_kind(source: str) -> str | None:
    """'slide' for a section, 'subslide' for a subsection, None for prose."""
    if source.startswith("# ") or source.startswith("## ") or _SECTION_LINE.search(source):
        return "slide"
    if source.startswith("### "):
        return "subslide"
    return None


def slide_types(nb) -> list[str]:
    """The reveal.js slide type of every cell, by the rules in the module docstring."""
    cells = list(nb.get("cells", []) if isinstance(nb, dict) else nb.cells)
    types: list[str] = []
    current_lines, current_figure = 0, False  # size of the current (sub)slide
    previous = None  # index of the last visible cell
    for index, cell in enumerate(cells):
        lines = cell_lines(cell)
        if index == 0:
            kind = "slide"
        elif _is_skipped(cell):
            types.append("skip")
            continue
        elif cell.get("cell_type") == "markdown":
            source = cell_source(cell).lstrip()
            kind = _markdown_kind(source)
            if kind is None and previous == 0:
                kind = "subslide"
            elif kind is None:
                following = next((c for c in cells[index + 1 :] if not _is_skipped(c)), None)
                needed = lines + (
                    cell_lines(following) if following is not None and following.get("cell_type") == "code" else 0
                )
                fits = not current_figure and current_lines + needed <= MAX_LINES
                kind = ("fragment" if is_exercise_prompt(cell) else "-") if fits else "subslide"
        else:
            before = cells[previous] if previous is not None else None
            if previous == 0:
                kind = "subslide"
            elif before is not None and before.get("cell_type") == "markdown":
                # With the text that introduces it, unless together they overflow the slide.
                kind = "subslide" if lines > FOLLOW_UP_LINES and current_lines + lines > MAX_LINES else "-"
            elif before is not None and has_figure(before):
                kind = "subslide"
            else:
                kind = "subslide" if lines > FOLLOW_UP_LINES and current_lines + lines > MAX_LINES else "-"
        if kind in ("slide", "subslide"):
            current_lines, current_figure = lines, has_figure(cell)
        else:
            current_lines, current_figure = current_lines + lines, current_figure or has_figure(cell)
        types.append(kind)
        previous = index
    return types


def mark_slides(nb):
    """A copy of ``nb`` whose every cell has ``metadata.slideshow.slide_type`` set by :func:`slide_types`, and whose
    ``metadata.rise`` holds :data:`RISE_SETTINGS` (other keys there are kept)."""
    marked = copy.deepcopy(nb)
    marked["metadata"]["rise"] = nbformat.from_dict({**(marked["metadata"].get("rise", {}) or {}), **RISE_SETTINGS})
    for cell, kind in zip(marked["cells"], slide_types(nb)):
        slideshow = dict(cell["metadata"].get("slideshow", {}) or {})
        slideshow["slide_type"] = kind
        cell["metadata"]["slideshow"] = nbformat.from_dict(slideshow)
    return marked


def slides_are_current(nb) -> bool:
    """True when every cell's stored slide type is what :func:`slide_types` computes and the RISE settings are set."""
    stored = [(cell.get("metadata", {}).get("slideshow", {}) or {}).get("slide_type") for cell in nb["cells"]]
    rise = nb.get("metadata", {}).get("rise", {}) or {}
    return stored == slide_types(nb) and all(rise.get(key) == value for key, value in RISE_SETTINGS.items())


def slide_count(nb) -> int:
    """Pages of the deck (slides plus subslides), from the notebook's own slide metadata."""
    return sum(
        (cell.get("metadata", {}).get("slideshow", {}) or {}).get("slide_type") in ("slide", "subslide")
        for cell in nb["cells"]
    )


def student_edition(nb):
    """A copy of ``nb`` without its worked-solution cells; every other cell is kept unchanged."""
    student = copy.deepcopy(nb)
    student["cells"] = [cell for cell in student["cells"] if not is_solution(cell)]
    return student
