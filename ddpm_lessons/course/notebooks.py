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
- :func:`display_path` — a path as the commands print it (relative to the working folder when inside it);
- the output policy of every command that writes (:func:`read_notebooks`, :func:`check_out_folder`,
  :func:`check_targets`, :func:`main_with_errors`): every notebook named is a regular file that nbformat reads and
  validates, an ``--out`` is a folder that holds none of the lessons read nor the course's own lessons, an existing
  file is replaced only with ``--overwrite``, a non-regular one never; all checked before the first write. A
  refusal is an :class:`~ddpm_lessons.InputError` naming the argument, printed as one line ``error: …``, exit 2.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

from ..checkpoints import atomic_write_bytes
from ..validation import InputError

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
    "read_notebooks",
    "check_out_folder",
    "check_targets",
    "main_with_errors",
]

ROOT = Path(__file__).resolve().parents[2]
"""The course's folder (``notebooks/``, ``_build/``, ``course.py``)."""

LANGUAGE_FOLDERS = {"en": "", "zh": "zh"}
"""The lessons of each edition: ``notebooks/`` (English) and ``notebooks/zh/`` (Chinese, course/edition.py)."""


def course_notebooks(language: str = "en") -> list[Path]:
    """The lessons of the English (``"en"``) or Chinese (``"zh"``) edition, in order."""
    if language not in LANGUAGE_FOLDERS:
        raise ValueError(f"language must be one of {tuple(LANGUAGE_FOLDERS)}, got {language!r}")
    return sorted((ROOT / "notebooks" / LANGUAGE_FOLDERS[language]).glob("[0-9][0-9]*_*.ipynb"))


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


# ------------------------------------------------------------------------------------------------- output policy
def read_notebooks(paths: list[Path], argument: str = "NOTEBOOK") -> list:
    """Every notebook named, read and validated before anything is written: a missing path, a folder, a pipe, a file
    that is not JSON or not a valid notebook is an :class:`~ddpm_lessons.InputError` naming it."""
    notebooks = []
    for path in paths:
        if not path.exists():
            raise InputError(f"no such notebook: {path} ({argument})", parameter=argument)
        if not path.is_file():
            raise InputError(
                f"{path} is not a notebook file (a folder, pipe or device) ({argument})", parameter=argument
            )
        try:
            nb = read_notebook(path)
            nbformat.validate(nb)
        except Exception as error:  # nbformat raises NotJSONError, jsonschema's ValidationError, UnicodeDecodeError …
            reason = str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__
            raise InputError(
                f"{path} is not a valid Jupyter notebook ({reason}) ({argument})", parameter=argument
            ) from None
        notebooks.append(nb)
    return notebooks


def lessons_inside(folder: Path, read: list[Path]) -> list[Path]:
    """The lessons read and the course's own lessons (both editions) that lie in ``folder``, at any depth."""
    folder = folder.resolve()
    lessons = {p.resolve() for p in [*read, *course_notebooks("en"), *course_notebooks("zh")]}
    return sorted(p for p in lessons if p.is_relative_to(folder))


def check_out_folder(out: Path, read: list[Path], option: str = "--out") -> None:
    """``out`` is a folder (or does not exist yet) and holds no lesson: neither one of those ``read`` nor one of the
    course's (writing there would replace a lesson or mix generated files with the lessons)."""
    if out.exists() and not out.is_dir():
        raise InputError(f"{option} {out} exists and is not a folder; give a folder to write into", parameter=option)
    inside = lessons_inside(out, read)
    if inside:
        raise InputError(
            f"{option} {out} holds the lessons ({display_path(inside[0])}{' …' if len(inside) > 1 else ''}); "
            "write the copies to another folder, e.g. _build/",
            parameter=option,
        )


def check_targets(targets: list[Path], overwrite: bool, option: str = "--out") -> None:
    """Every file a command is about to write: an existing one only with ``--overwrite``, a non-regular one (a
    folder, a pipe, a device) never."""
    twice = next((t for k, t in enumerate(targets) if t in targets[:k]), None)
    if twice is not None:
        raise InputError(f"two outputs would both be {display_path(twice)}: name each notebook once", parameter=option)
    odd = [t for t in targets if t.exists() and not t.is_file()]
    if odd:
        raise InputError(
            f"{display_path(odd[0])} exists and is not a regular file; it is never replaced, even with --overwrite "
            f"({option})",
            parameter=option,
        )
    existing = [t for t in targets if t.exists()]
    if existing and not overwrite:
        more = f" and {len(existing) - 1} more" if len(existing) > 1 else ""
        raise InputError(
            f"{display_path(existing[0])}{more} already exist{'s' if len(existing) == 1 else ''}; pass --overwrite to "
            f"replace {'it' if len(existing) == 1 else 'them'} ({option})",
            parameter=option,
        )


def main_with_errors(run) -> int:
    """``run()``'s exit status; an :class:`~ddpm_lessons.InputError` (a mistake in the command's arguments) is one
    line on stderr, ``error: …``, and exit status 2."""
    try:
        return run()
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
