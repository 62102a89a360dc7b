"""Reading and writing the course's notebooks: which lessons an edition has, how a notebook is read and written.

The one place that touches notebook files for the slides (:mod:`~ddpm_lessons.course.slides`,
:mod:`~ddpm_lessons.course.lecture`), the graded assignments (:mod:`~ddpm_lessons.course.assignments`) and the
Chinese edition (:mod:`~ddpm_lessons.course.edition`):

- :func:`course_notebooks` — the lessons of an edition, in order; :func:`add_language_option` and
  :func:`default_out` give every command the same ``--lang`` flag and the same ``_build/...-zh`` default folders;
- :func:`read_notebook` — a notebook in its own format version (never converted);
- :func:`write_notebook` / :func:`write_text` — atomic writes (a reader never sees half a file), laid out as
  nbformat and ``jupyter nbconvert --inplace`` lay them out, so rewriting a lesson in place leaves a clean diff;
- :func:`cell_source` / :func:`cell_tags` — a cell's source as one string and its tags, whether the cell is an
  nbformat node or a plain dict;
- :func:`display_path` — a path as the commands print it (relative to the working folder when inside it).
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from ..checkpoints import atomic_write_bytes

__all__ = [
    "ROOT",
    "LANGUAGE_FOLDERS",
    "course_notebooks",
    "add_language_option",
    "default_out",
    "read_notebook",
    "write_notebook",
    "write_text",
    "cell_source",
    "cell_tags",
    "display_path",
]

ROOT = Path(__file__).resolve().parents[2]
"""The course's folder (``notebooks/``, ``_build/``, ``course.py``)."""

LANGUAGE_FOLDERS = {"en": "", "zh": "zh"}
"""The lessons of each edition: ``notebooks/`` (English) and ``notebooks/zh/`` (Chinese, course/edition.py)."""


def course_notebooks(language: str = "en") -> list[Path]:
    """The lessons of the English (``"en"``) or Chinese (``"zh"``) edition, in order."""
    if language not in LANGUAGE_FOLDERS:
        raise ValueError(f"language must be one of {tuple(LANGUAGE_FOLDERS)}, got {language!r}")
    return sorted((ROOT / "notebooks" / LANGUAGE_FOLDERS[language]).glob("[0-9][0-9]_*.ipynb"))


def add_language_option(parser) -> None:
    """The ``--lang`` flag every course command shares."""
    parser.add_argument(
        "--lang", choices=tuple(LANGUAGE_FOLDERS), default="en", help="which edition's lessons (default: en)"
    )


def default_out(out: Path | None, english_default: Path, language: str) -> Path:
    """``--out`` as given, else the English default with ``-zh`` appended for the Chinese edition."""
    if out is not None:
        return out
    return english_default if language == "en" else english_default.with_name(f"{english_default.name}-{language}")


def read_notebook(path: Path):
    """The notebook at ``path`` in its own format version (nbformat's ``NO_CONVERT``)."""
    return nbformat.read(str(path), as_version=nbformat.NO_CONVERT)


def write_text(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8, atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


def write_notebook(nb, path: Path) -> None:
    """Write ``nb`` in its own format version, laid out as ``nbformat.write`` does (newline at the end), but
    atomically: mark-slides and the edition rewrite the lessons in place."""
    text = nbformat.writes(nb, version=nbformat.NO_CONVERT)
    write_text(path, text if text.endswith("\n") else text + "\n")


def cell_source(cell) -> str:
    """A cell's source as one string (nbformat stores it as a string or as a list of lines)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def cell_tags(cell) -> list:
    """A cell's ``metadata.tags`` (an empty list when it has none)."""
    return list(cell.get("metadata", {}).get("tags", []) or [])


def display_path(path: Path) -> str:
    """``path`` relative to the working folder when it lies inside it, else as given."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
