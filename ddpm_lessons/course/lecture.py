"""Lecture mode and student edition: the commands that mark slides, build decks, write the student edition and
copy the README's figures.

The slide rules live in :mod:`ddpm_lessons.course.slides` (its docstring gives them), the decks and their offline
assets in :mod:`ddpm_lessons.course.decks`, notebook reading and writing in :mod:`ddpm_lessons.course.notebooks`;
this module only wires them into commands.

Command line (used by ``python3 course.py mark-slides | slides | student``)::

    python -m ddpm_lessons.course.lecture mark-slides [NOTEBOOK ...]          # write slide metadata in place
    python -m ddpm_lessons.course.lecture slides [--out DIR] [--cdn] [--overwrite] [NOTEBOOK ...]  # _build/slides
    python -m ddpm_lessons.course.lecture student [--out DIR] [--overwrite] [NOTEBOOK ...]  # default _build/student
    python -m ddpm_lessons.course.lecture figures [--out DIR] [--overwrite] [NOTEBOOK ...]  # notebooks/figures

Without notebooks, all ``notebooks/NN_*.ipynb`` of the course are used. Every notebook is read and validated, and
every output checked, before the first write (:func:`~ddpm_lessons.course.notebooks.check_targets`): a file already
in ``--out`` is replaced only with ``--overwrite``, and an ``--out`` holding lessons is refused; a mistake is one
line ``error: …`` with exit status 2. ``mark-slides`` rewrites a notebook with
nbformat in its own format version (as ``jupyter nbconvert --inplace`` writes it), only when a slide type changed.
``slides`` builds each deck with :func:`~ddpm_lessons.course.decks.export_slides` (marked in memory first, figures
embedded). By default the decks are offline: :func:`~ddpm_lessons.course.decks.install_offline_assets` copies
reveal.js (from the registry package sphinx-revealjs), require.js, jQuery and MathJax 2 (from nbclassic) into
``_static/`` next to them, and every script and style sheet loads from there (the saved widget state is left out,
its renderer lives on a CDN). ``--cdn`` (or ``--reveal-url``, or a missing ``instructor`` extra) gives nbconvert's
CDN decks, which need the network to run as slides and say so on their first slide
(:data:`~ddpm_lessons.course.decks.CDN_NOTICE`). The live lecture mode is RISE (jupyterlab-rise) in JupyterLab,
which reads the same slide metadata and :data:`~ddpm_lessons.course.slides.RISE_SETTINGS`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

from ..checkpoints import atomic_write_bytes
from ..flags import CommandLineParser
from ..validation import InputError
from .decks import (
    ASSETS,
    REVEAL_CDN,
    export_slides,
    install_offline_assets,
    offline_sources,
    readme_figures,
    readme_png,
)
from .notebooks import (
    ROOT,
    add_language_option,
    check_out_folder,
    check_targets,
    course_notebooks,
    default_out,
    display_path,
    main_with_errors,
    read_notebooks,
    write_notebook,
    write_text,
)
from .slides import mark_slides, slide_count, student_edition

__all__ = [
    "cmd_mark_slides",
    "cmd_slides",
    "cmd_student",
    "cmd_figures",
    "README",
    "parser",
    "main",
]


def cmd_mark_slides(paths: list[Path]) -> int:
    for path, nb in zip(paths, read_notebooks(paths)):
        marked = mark_slides(nb)
        if marked == nb:
            print(f"unchanged  {display_path(path)}  ({slide_count(marked)} slides)")
            continue
        write_notebook(marked, path)
        print(f"marked     {display_path(path)}  ({slide_count(marked)} slides)")
    return 0


def cmd_slides(
    paths: list[Path], out: Path, reveal_url_prefix: str | None, cdn: bool = False, overwrite: bool = False
) -> int:
    notebooks = read_notebooks(paths)
    check_out_folder(out, paths)
    targets = [out / (path.stem + ".slides.html") for path in paths]
    check_targets(targets, overwrite)
    if (out / ASSETS).exists() and not (out / ASSETS).is_dir():
        raise InputError(f"{display_path(out / ASSETS)} exists and is not a folder (--out)", parameter="--out")
    out.mkdir(parents=True, exist_ok=True)
    offline = None
    if reveal_url_prefix is None and not cdn:
        if offline_sources() is None:
            print("sphinx-revealjs or nbclassic is missing (pip install -e .[instructor]): building CDN decks")
        else:
            offline = install_offline_assets(out)
    for nb, target in zip(notebooks, targets):
        write_text(target, export_slides(nb, reveal_url_prefix=reveal_url_prefix or REVEAL_CDN, offline=offline))
        print(f"{display_path(target)}  ({slide_count(mark_slides(nb))} slides)")
    if offline is not None:
        print(
            f"offline decks: reveal.js, require.js and MathJax are in {display_path(out / ASSETS)}; keep that folder "
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

These notebooks are copies of the lessons in notebooks/ with the worked solutions removed: the collapsed
"Worked solution" cell below each exercise is gone. Everything else is unchanged: the lesson text, every code
cell with its saved output, and each exercise's prompt and stub cell, whose check_...() call tells you whether
your answer is right. Where a lesson's text mentions a worked solution, it is not in this edition.

Made by `python3 course.py student` (`--overwrite` makes them again over these), so do not edit the copies
here -- copy a notebook elsewhere to work in it. The notebooks import the course package `ddpm_lessons`, so open them with the course's
environment (`python3 course.py lab` sets it up), e.g. `.venv/bin/jupyter lab _build/student`.
"""


def cmd_student(paths: list[Path], out: Path, overwrite: bool = False) -> int:
    notebooks = read_notebooks(paths)
    check_out_folder(out, paths)
    targets = [out / path.name for path in paths]
    check_targets([*targets, out / "README.txt"], overwrite)
    editions = [student_edition(nb) for nb in notebooks]
    for edition in editions:
        nbformat.validate(edition)
    out.mkdir(parents=True, exist_ok=True)
    for nb, student, target in zip(notebooks, editions, targets):
        write_notebook(student, target)
        removed = len(nb["cells"]) - len(student["cells"])
        print(f"{display_path(target)}  ({removed} solution cells removed)")
    write_text(out / "README.txt", README)
    print(display_path(out / "README.txt"))
    return 0


def cmd_figures(paths: list[Path], out: Path, overwrite: bool = False) -> int:
    notebooks = read_notebooks(paths)
    check_out_folder(out, paths)
    figures = {
        out / f"{path.stem}-{k}.png": readme_png(figure)
        for path, nb in zip(paths, notebooks)
        for k, figure in enumerate(readme_figures(nb), start=1)
    }
    check_targets(list(figures), overwrite)
    out.mkdir(parents=True, exist_ok=True)
    for target, (png, width, height) in figures.items():
        atomic_write_bytes(target, png)
        print(f"{display_path(target)}  ({width}x{height}, {len(png) // 1024} KB)")
    return 0


def add_command(commands, name: str, run, help: str, *, language: bool = True) -> argparse.ArgumentParser:
    """A sub-command over ``[NOTEBOOK ...]`` (default: the edition's lessons) that runs ``run(paths, args)``."""
    command = commands.add_parser(name, help=help)
    command.add_argument("notebooks", nargs="*", type=Path)
    if language:
        add_language_option(command)
    command.set_defaults(run=run)
    return command


def add_mark_slides(commands) -> None:
    add_command(
        commands,
        "mark-slides",
        lambda paths, args: cmd_mark_slides(paths),
        "write slide metadata into the notebooks, in place",
    )


def run_slides(paths: list[Path], args) -> int:
    out = default_out(args.out, ROOT / "_build" / "slides", args.lang)
    return cmd_slides(paths, out, args.reveal_url, args.cdn, args.overwrite)


def add_slides(commands) -> None:
    slides = add_command(commands, "slides", run_slides, "build reveal.js decks")
    slides.add_argument(
        "--out", type=Path, default=None, help="default _build/slides (_build/slides-zh with --lang zh)"
    )
    slides.add_argument(
        "--reveal-url",
        default=None,
        help="URL or path (relative to the deck) of reveal.js 4; the other scripts then load from CDNs",
    )
    slides.add_argument("--cdn", action="store_true", help="load every script from CDNs (no _static/ folder)")
    add_overwrite_option(slides)


def run_student(paths: list[Path], args) -> int:
    return cmd_student(paths, default_out(args.out, ROOT / "_build" / "student", args.lang), args.overwrite)


def add_student(commands) -> None:
    student = add_command(commands, "student", run_student, "copies of the notebooks without worked solutions")
    student.add_argument(
        "--out", type=Path, default=None, help="default _build/student (_build/student-zh with --lang zh)"
    )
    add_overwrite_option(student)


def add_figures(commands) -> None:
    figures = add_command(
        commands,
        "figures",
        lambda paths, args: cmd_figures(paths, args.out, args.overwrite),
        "copy the figures tagged readme-figure for the README",
        language=False,
    )
    figures.add_argument("--out", type=Path, default=ROOT / "notebooks" / "figures")
    add_overwrite_option(figures)


def add_overwrite_option(command) -> None:
    command.add_argument("--overwrite", action="store_true", help="replace files already in --out")


SUBCOMMANDS = (add_mark_slides, add_slides, add_student, add_figures)
"""Each adds one sub-command (its options and the function that runs it)."""


def parser() -> argparse.ArgumentParser:
    p = CommandLineParser(
        prog="python -m ddpm_lessons.course.lecture",
        description="Slide metadata, reveal.js decks and the student edition.",
    )
    commands = p.add_subparsers(dest="command", required=True)
    for add in SUBCOMMANDS:
        add(commands)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    paths = args.notebooks or course_notebooks(getattr(args, "lang", "en"))
    return main_with_errors(lambda: args.run(paths, args))


if __name__ == "__main__":
    sys.exit(main())
