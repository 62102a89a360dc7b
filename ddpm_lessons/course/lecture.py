"""Lecture mode and student edition: reveal.js slide metadata for the lessons, and copies without worked solutions.

Everything here works on notebooks that follow the course's conventions (cell 0 is the ``# Lesson NN — …`` title,
sections are ``## `` markdown, exercises are ``**Exercise k.**`` prompts followed by a stub cell that calls
``check_…(fn)`` and a worked-solution cell whose source starts with ``# Solution``). The pure functions return new
notebooks and never modify their argument:

- :func:`slide_types` — one reveal.js slide type per cell (``"slide"``, ``"subslide"``, ``"fragment"``, ``"-"``
  or ``"skip"``), computed from the cells' sources, outputs and tags only, never from existing slide metadata;
- :func:`mark_slides` — a copy whose every cell carries ``metadata.slideshow.slide_type`` from :func:`slide_types`
  and nothing else changed (other keys in ``metadata.slideshow`` are kept). Marking twice equals marking once;
- :func:`student_edition` — a copy without the worked-solution cells (:func:`is_solution`); everything else,
  outputs included, is kept. The solutions' outputs (their ``✓`` lines) go with them.

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

Solution cells (:func:`is_solution`): a code cell whose first non-blank line starts with ``# Solution``, or a
code cell with hidden source (``metadata.jupyter.source_hidden``) that asserts a check (``assert check_…(``).
Other hidden cells are not solutions and are kept.

Command line (used by ``python3 course.py mark-slides | slides | student``)::

    python -m ddpm_lessons.course.lecture mark-slides [NOTEBOOK ...]          # write slide metadata in place
    python -m ddpm_lessons.course.lecture slides [--out DIR] [--cdn] [NOTEBOOK ...]  # reveal.js decks, _build/slides
    python -m ddpm_lessons.course.lecture student [--out DIR] [NOTEBOOK ...]  # no solutions, default _build/student
    python -m ddpm_lessons.course.lecture figures [--out DIR] [NOTEBOOK ...]  # the README's figures, notebooks/figures

Without notebooks, all ``notebooks/NN_*.ipynb`` of the course are used. ``mark-slides`` rewrites a notebook with
nbformat in its own format version (as ``jupyter nbconvert --inplace`` writes it), only when a slide type changed.
``slides`` marks each notebook in memory first (a deck follows the rules even where the committed metadata is
stale) and converts it with nbconvert's ``SlidesExporter`` in-process, as ``jupyter nbconvert --to slides
--SlidesExporter.reveal_scroll=True`` would. Figures are embedded in the HTML. By default the decks are offline:
:func:`install_offline_assets` copies reveal.js (from the registry package sphinx-revealjs), require.js, jQuery and
MathJax 2 (from nbclassic) into ``_static/`` next to them, and every script and style sheet loads from there (the
saved widget state is left out, its renderer lives on a CDN). ``--cdn`` (or ``--reveal-url``, or a missing
``instructor`` extra) gives nbconvert's CDN decks, which need the network to run as slides and say so on their
first slide (:data:`CDN_NOTICE`). The live lecture mode is RISE (jupyterlab-rise) in JupyterLab, which reads the
same slide metadata and :data:`RISE_SETTINGS`.
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from pathlib import Path

import nbformat

__all__ = [
    "MAX_LINES",
    "FIGURE_LINES",
    "OUTPUT_LINES_CAP",
    "FOLLOW_UP_LINES",
    "is_solution",
    "is_exercise_prompt",
    "has_figure",
    "cell_lines",
    "slide_types",
    "mark_slides",
    "slides_are_current",
    "student_edition",
    "slide_count",
    "export_slides",
    "offline_sources",
    "install_offline_assets",
    "course_notebooks",
    "RISE_SETTINGS",
    "LINE_PX",
    "figure_lines",
    "FIGURE_TAG",
    "readme_figures",
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
FIGURE_TAG = "readme-figure"
"""Cells tagged with this have their first figure copied into ``notebooks/figures`` for the README."""
FIGURE_WIDTH = 1400
"""Wider figures are scaled down to this width; all are stored with a 256-colour palette to stay small."""
ROOT = Path(__file__).resolve().parents[2]
REVEAL_CDN = "https://unpkg.com/reveal.js@4.0.2"

_SECTION_LINE = re.compile(r"^##\s", re.MULTILINE)
_ASSERT_CHECK = re.compile(r"^\s*assert\s+check_\w+\(", re.MULTILINE)


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _tags(cell) -> list:
    return list(cell.get("metadata", {}).get("tags", []) or [])


def is_solution(cell) -> bool:
    """True for a worked-solution cell (see the module docstring); False for everything else."""
    if cell.get("cell_type") != "code":
        return False
    source = _source(cell)
    if source.lstrip().startswith("# Solution"):
        return True
    hidden = bool(cell.get("metadata", {}).get("jupyter", {}).get("source_hidden", False))
    return hidden and bool(_ASSERT_CHECK.search(source))


def is_exercise_prompt(cell) -> bool:
    return cell.get("cell_type") == "markdown" and _source(cell).lstrip().startswith(("**Exercise", "**练习"))


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
        return _markdown_lines(_source(cell))
    lines = len(_source(cell).rstrip("\n").splitlines())
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
    return is_solution(cell) or REMOVE_TAG in _tags(cell)


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
            source = _source(cell).lstrip()
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


# ----------------------------------------------------------------------------------------------- file side


LANGUAGE_FOLDERS = {"en": "", "zh": "zh"}
"""The lessons of each edition: ``notebooks/`` (English) and ``notebooks/zh/`` (Chinese, course/edition.py)."""


def course_notebooks(language: str = "en") -> list[Path]:
    """The lessons of the English (``"en"``) or Chinese (``"zh"``) edition, in order."""
    if language not in LANGUAGE_FOLDERS:
        raise ValueError(f"language must be one of {tuple(LANGUAGE_FOLDERS)}, got {language!r}")
    return sorted((ROOT / "notebooks" / LANGUAGE_FOLDERS[language]).glob("[0-9][0-9]_*.ipynb"))


def add_language_option(parser) -> None:
    parser.add_argument(
        "--lang", choices=tuple(LANGUAGE_FOLDERS), default="en", help="which edition's lessons (default: en)"
    )


def default_out(out: Path | None, english_default: Path, language: str) -> Path:
    """``--out`` as given, else the English default with ``-zh`` appended for the Chinese edition."""
    if out is not None:
        return out
    return english_default if language == "en" else english_default.with_name(f"{english_default.name}-{language}")


def _read(path: Path):
    return nbformat.read(str(path), as_version=nbformat.NO_CONVERT)


def _write_text(path: Path, text: str) -> None:
    from ..checkpoints import atomic_write_bytes

    atomic_write_bytes(path, text.encode("utf-8"))


def _write(nb, path: Path) -> None:
    # As nbformat.write lays the file out (newline at the end), but atomic: mark-slides rewrites the lessons in place.
    text = nbformat.writes(nb, version=nbformat.NO_CONVERT)
    _write_text(path, text if text.endswith("\n") else text + "\n")


CDN_NOTICE = (
    "*This deck loads reveal.js, require.js and MathJax from the network (CDNs); offline it opens as one long page. "
    "To lecture offline, use RISE: `python3 course.py lab`, open the lesson and press the RISE button "
    "(README, For instructors).*"
)
"""Shown on the first slide of a deck whose scripts come from the network (:func:`export_slides`)."""

ASSETS = "_static"
"""Folder next to offline decks holding reveal.js, require.js, jQuery and MathJax 2."""
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
MATHJAX_CONFIG = """\
MathJax.Hub.Config({"HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null}});
MathJax.Ajax.loadComplete("[MathJax]/config/ddpm-lessons.js");
"""


def _package_dir(name: str) -> Path | None:
    """Where an installed package lies, without importing it (sphinx_revealjs would import Sphinx)."""
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def offline_sources() -> dict[str, Path] | None:
    """The files an offline deck needs, from registry packages (the ``instructor`` extra): reveal.js from
    sphinx-revealjs, require.js, jQuery and MathJax 2 from nbclassic. None when either package is missing."""
    reveal, classic = _package_dir("sphinx_revealjs"), _package_dir("nbclassic")
    if reveal is None or classic is None:
        return None
    components = classic / "static" / "components"
    sources = {
        "reveal.js": reveal / "_static" / "revealjs",
        "require.js": components / "requirejs" / "require.js",
        "jquery.min.js": components / "jquery" / "jquery.min.js",
        "MathJax": components / "MathJax",
    }
    return sources if all(path.exists() for path in sources.values()) else None


def install_offline_assets(out: Path) -> dict[str, str]:
    """Copy :func:`offline_sources` into ``out/_static`` (once; source maps left out) and return the exporter
    settings that point a deck in ``out`` at them. Raises RuntimeError naming the extra when a package is missing."""
    import shutil

    sources = offline_sources()
    if sources is None:
        raise RuntimeError(
            "offline decks need sphinx-revealjs and nbclassic (pip install -e .[instructor]; "
            "python3 course.py slides installs them)"
        )
    assets = out / ASSETS
    assets.mkdir(parents=True, exist_ok=True)
    for name, source in sources.items():
        target = assets / name
        if target.exists():
            continue
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.map"))
        else:
            shutil.copyfile(source, target)
    # nbclassic's MathJax 2 ships the STIX-Web fonts only: tell the HTML-CSS output to use them (as nbclassic does).
    _write_text(assets / "MathJax" / "config" / "ddpm-lessons.js", MATHJAX_CONFIG)
    return {
        "reveal_url_prefix": f"{ASSETS}/reveal.js",
        "require_js_url": f"{ASSETS}/require.js",
        "jquery_url": f"{ASSETS}/jquery.min.js",
        "mathjax_url": f"{ASSETS}/MathJax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe,ddpm-lessons",
        # nbconvert's reveal template always imports mermaid (for diagrams, which the lessons do not have); a module
        # file cannot be imported from file:// (CORS), so an empty module in a data: URL stands in.
        "mermaid_js_url": "data:text/javascript,export default {initialize() {}, run() {}};",
    }


def export_slides(nb, *, reveal_url_prefix: str = REVEAL_CDN, scroll: bool = True, offline: dict | None = None) -> str:
    """The reveal.js deck of ``nb`` as HTML, as ``jupyter nbconvert --to slides`` makes it (in-process). The
    notebook is marked with :func:`mark_slides` first, so the deck follows the rules even before a re-mark.

    With ``offline`` (the settings :func:`install_offline_assets` returns), every script and style sheet loads
    from the local copies and the saved widget state is left out (its renderer exists only on a CDN), so a widget
    shows its text line. Otherwise, when reveal.js comes from the network, :data:`CDN_NOTICE` is added to the
    title slide."""
    from nbconvert import SlidesExporter

    marked = mark_slides(nb)
    settings = {"reveal_url_prefix": reveal_url_prefix}
    if offline is not None:
        settings = dict(offline)
        marked["metadata"].pop("widgets", None)
        for cell in marked["cells"]:
            for output in cell.get("outputs", []) or []:
                if WIDGET_VIEW in (output.get("data", {}) or {}) and "text/plain" in output["data"]:
                    del output["data"][WIDGET_VIEW]
    elif reveal_url_prefix.startswith(("http://", "https://")) and marked["cells"]:
        notice = nbformat.v4.new_markdown_cell(CDN_NOTICE, metadata={"slideshow": {"slide_type": "-"}})
        marked["cells"].insert(1, notice)
    exporter = SlidesExporter(
        reveal_scroll=scroll,
        reveal_theme=RISE_SETTINGS["theme"],
        reveal_transition=RISE_SETTINGS["transition"],
        reveal_width=str(RISE_SETTINGS["width"]),
        reveal_height=str(RISE_SETTINGS["height"]),
        **settings,
    )
    body, _ = exporter.from_notebook_node(marked)
    return body


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def cmd_mark_slides(paths: list[Path]) -> int:
    for path in paths:
        nb = _read(path)
        marked = mark_slides(nb)
        if marked == nb:
            print(f"unchanged  {_display(path)}  ({slide_count(marked)} slides)")
            continue
        _write(marked, path)
        print(f"marked     {_display(path)}  ({slide_count(marked)} slides)")
    return 0


def without_solution_outputs(nb: dict) -> dict:
    """A copy of ``nb`` whose worked-solution cells carry no output (their ✓ line would give the answer away under
    the exercise: the cells are collapsed, not their outputs) and the ``nbval-ignore-output`` tag (nbval runs them
    without comparing what they print)."""
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        if is_solution(cell):
            cell["outputs"], cell["execution_count"] = [], None
            tags = cell.setdefault("metadata", {}).setdefault("tags", [])
            if "nbval-ignore-output" not in tags:
                tags.append("nbval-ignore-output")
    return nb


def cmd_hide_solution_outputs(paths: list[Path]) -> int:
    for path in paths:
        nb = _read(path)
        hidden = without_solution_outputs(nb)
        if hidden != nb:
            _write(hidden, path)
            print(f"solution outputs removed  {_display(path)}")
    return 0


def cmd_slides(paths: list[Path], out: Path, reveal_url_prefix: str | None, cdn: bool = False) -> int:
    out.mkdir(parents=True, exist_ok=True)
    offline = None
    if reveal_url_prefix is None and not cdn:
        if offline_sources() is None:
            print("sphinx-revealjs or nbclassic is missing (pip install -e .[instructor]): building CDN decks")
        else:
            offline = install_offline_assets(out)
    for path in paths:
        nb = _read(path)
        target = out / (path.stem + ".slides.html")
        _write_text(target, export_slides(nb, reveal_url_prefix=reveal_url_prefix or REVEAL_CDN, offline=offline))
        print(f"{_display(target)}  ({slide_count(mark_slides(nb))} slides)")
    if offline is not None:
        print(
            f"offline decks: reveal.js, require.js and MathJax are in {_display(out / ASSETS)}; keep that folder "
            "next to the decks"
        )
    elif (reveal_url_prefix or REVEAL_CDN).startswith(("http://", "https://")):
        print(
            f"reveal.js, require.js and MathJax load from the network ({reveal_url_prefix or REVEAL_CDN}); offline, "
            "each deck opens as one long page with every cell and figure (--reveal-url moves only reveal.js; "
            "require.js still comes from a CDN). Without --cdn, decks are offline when the instructor extra is "
            "installed; or lecture with RISE in JupyterLab (README, For instructors)."
        )
    return 0


README = """\
Student edition of the ddpm-lessons course
==========================================

These notebooks are copies of the lessons in notebooks/ with the worked solutions removed: every cell whose
source starts with "# Solution" (the collapsed cell below each exercise) is gone, together with its output.
Everything else is unchanged: the lesson text, every code cell with its saved output, and each exercise's
prompt and stub cell, whose check_...() call tells you whether your answer is right. Where a lesson's text
mentions a collapsed solution cell, it is not in this edition.

Made by `python3 course.py student`; regenerated each time, so do not edit the copies here -- copy a notebook
elsewhere to work in it. The notebooks import the course package `ddpm_lessons`, so open them with the course's
environment (`python3 course.py lab` sets it up), e.g. `.venv/bin/jupyter lab _build/student`.
"""


def cmd_student(paths: list[Path], out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    for path in paths:
        nb = _read(path)
        student = student_edition(nb)
        nbformat.validate(student)
        target = out / path.name
        _write(student, target)
        removed = len(nb["cells"]) - len(student["cells"])
        print(f"{_display(target)}  ({removed} solution cells removed)")
    _write_text(out / "README.txt", README)
    print(_display(out / "README.txt"))
    return 0


def readme_figures(nb) -> list[bytes]:
    """The first PNG figure of every cell tagged :data:`FIGURE_TAG`, in cell order (the README's screenshots)."""
    import base64

    figures = []
    for cell in nb["cells"]:
        if FIGURE_TAG not in _tags(cell):
            continue
        pngs = [o["data"]["image/png"] for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
        if not pngs:
            raise ValueError(f"cell {cell.get('id')} is tagged {FIGURE_TAG!r} but has no figure: execute the notebook")
        figures.append(base64.b64decode(pngs[0]))
    return figures


def cmd_figures(paths: list[Path], out: Path) -> int:
    import io

    from PIL import Image

    from ..checkpoints import atomic_write_bytes

    out.mkdir(parents=True, exist_ok=True)
    for path in paths:
        for k, png in enumerate(readme_figures(_read(path)), start=1):
            image = Image.open(io.BytesIO(png)).convert("RGB")
            if image.width > FIGURE_WIDTH:
                image = image.resize((FIGURE_WIDTH, round(image.height * FIGURE_WIDTH / image.width)), Image.LANCZOS)
            image = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
            buffer = io.BytesIO()
            image.save(buffer, format="PNG", optimize=True)
            target = out / f"{path.stem}-{k}.png"
            atomic_write_bytes(target, buffer.getvalue())
            print(f"{_display(target)}  ({image.width}x{image.height}, {len(buffer.getvalue()) // 1024} KB)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ddpm_lessons.course.lecture",
        description="Slide metadata, reveal.js decks and the student edition.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    mark = commands.add_parser("mark-slides", help="write slide metadata into the notebooks, in place")
    mark.add_argument("notebooks", nargs="*", type=Path)
    add_language_option(mark)
    hide = commands.add_parser(
        "hide-solution-outputs", help="remove the outputs of worked-solution cells, in place (after executing)"
    )
    hide.add_argument("notebooks", nargs="*", type=Path)
    add_language_option(hide)
    slides = commands.add_parser("slides", help="build reveal.js decks")
    slides.add_argument("notebooks", nargs="*", type=Path)
    slides.add_argument(
        "--out", type=Path, default=None, help="default _build/slides (_build/slides-zh with --lang zh)"
    )
    add_language_option(slides)
    slides.add_argument(
        "--reveal-url",
        default=None,
        help="URL or path (relative to the deck) of reveal.js 4; the other scripts then load from CDNs",
    )
    slides.add_argument("--cdn", action="store_true", help="load every script from CDNs (no _static/ folder)")
    student = commands.add_parser("student", help="copies of the notebooks without worked solutions")
    student.add_argument("notebooks", nargs="*", type=Path)
    student.add_argument(
        "--out", type=Path, default=None, help="default _build/student (_build/student-zh with --lang zh)"
    )
    add_language_option(student)
    figures = commands.add_parser("figures", help="copy the figures tagged readme-figure for the README")
    figures.add_argument("notebooks", nargs="*", type=Path)
    figures.add_argument("--out", type=Path, default=ROOT / "notebooks" / "figures")
    args = parser.parse_args(argv)
    paths = args.notebooks or course_notebooks(getattr(args, "lang", "en"))
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        parser.error("no such notebook: " + ", ".join(missing))
    if args.command == "mark-slides":
        return cmd_mark_slides(paths)
    if args.command == "hide-solution-outputs":
        return cmd_hide_solution_outputs(paths)
    if args.command == "slides":
        return cmd_slides(
            paths, default_out(args.out, ROOT / "_build" / "slides", args.lang), args.reveal_url, args.cdn
        )
    if args.command == "figures":
        return cmd_figures(paths, args.out)
    return cmd_student(paths, default_out(args.out, ROOT / "_build" / "student", args.lang))


if __name__ == "__main__":
    sys.exit(main())
