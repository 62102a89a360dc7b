"""The Chinese edition (``notebooks/zh/``) kept in step with the English lessons.

A zh lesson is its English lesson cell for cell, plus one code cell tagged ``language`` (right after the title)
that calls ``set_language("zh")``:

- its code cells are the English code cells, character for character, with the same tags;
- each markdown cell is a translation of the English cell at the same place and records, in
  ``metadata.translation.source_sha256``, the sha256 of the English source it translates. When the English cell
  changes, the digests differ and :func:`stale_cells` lists the cell, so CI fails until the translation follows;
- headings (their levels, in order), exercise prompts and worked solutions sit at the same places, and a worked
  solution (a collapsed markdown cell, :func:`~ddpm_lessons.course.slides.worked_solution_cell`) holds the English
  code character for character; only its summary line is translated.

:func:`edition_problems` returns every way a zh lesson is out of step (empty when it is in step); the tests
run it over every lesson. The outputs are the zh notebook's own, committed after executing it like the English
lessons (``python3 course.py execute notebooks/zh/…``), and strict nbval checks them.

Command line (the translator's workflow)::

    python -m ddpm_lessons.course.edition sync [NOTEBOOK ...]    # create or update notebooks/zh/ from the English
    python -m ddpm_lessons.course.edition status [NOTEBOOK ...]  # untranslated and stale cells, structure problems
    python -m ddpm_lessons.course.edition apply ZH_NOTEBOOK CELLS.json  # {"cell index": "中文 markdown", ...}

``sync`` copies every English code cell into the zh lesson (clearing its outputs when the source changed) and
keeps each zh markdown cell whose place still exists; a new English markdown cell arrives untranslated (English
text, no digest). ``apply`` writes translations and records the digest of the English cell each one translates.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import re
import sys
from pathlib import Path

import nbformat

from .notebooks import course_notebooks, read_notebook, write_notebook
from .slides import is_exercise_prompt, is_solution, solution_code

__all__ = [
    "LANGUAGE_TAG",
    "LANGUAGE_CELL",
    "ZH_DIR",
    "AWAITING_OUTPUTS",
    "ZH_NBVAL_DEFAULT_MAX_SECONDS",
    "zh_lessons_left_to_full_runs",
    "source_sha256",
    "zh_path",
    "english_path",
    "aligned",
    "stale_cells",
    "edition_problems",
    "sync",
    "apply_translations",
]

LANGUAGE_TAG = "language"
LANGUAGE_CELL = (
    "from ddpm_lessons.course import set_language\n"
    "\n"
    'set_language("zh")  # 本课的练习反馈、控件标签和课程表以中文显示；代码与英文版逐字相同'
)
ZH_DIR = "zh"
AWAITING_OUTPUTS: tuple[str, ...] = ()
"""zh lessons committed translated but not yet executed (no outputs; nbval skips them, conftest.py). Kept true by
tests/course/test_edition.py; empty when the edition is complete."""
ZH_NBVAL_DEFAULT_MAX_SECONDS = 10
"""The default test run (CI) re-executes under strict nbval only the zh lessons whose English run takes at most this
long (the lesson map's CPU time, notation.LESSONS): their code is the English code, which nbval runs anyway, so
re-running all of them would add about nine minutes to a suite that must stay well under twenty. ``pytest --zh-nbval=all`` (``python3 course.py test
--zh-nbval=all``) runs every zh lesson; the others' committed outputs are still compared with the English lesson's
(tests/course/test_edition.py), so a zh lesson left stale by a re-executed English one fails the default run too."""


def zh_lessons_left_to_full_runs() -> tuple[str, ...]:
    """File names of the zh lessons that only ``--zh-nbval=all`` re-executes (see :data:`ZH_NBVAL_DEFAULT_MAX_SECONDS`)."""
    from .notation import LESSONS

    return tuple(f"{name}.ipynb" for _, name, _, seconds in LESSONS if seconds > ZH_NBVAL_DEFAULT_MAX_SECONDS)


_HEADING = re.compile(r"^(#{1,6}) ", re.MULTILINE)


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _tags(cell) -> list:
    return list(cell.get("metadata", {}).get("tags", []))


def source_sha256(cell) -> str:
    return hashlib.sha256(_source(cell).encode("utf-8")).hexdigest()


def zh_path(english: Path) -> Path:
    english = Path(english)
    return english.parent / ZH_DIR / english.name


def english_path(zh: Path) -> Path:
    zh = Path(zh)
    return zh.parent.parent / zh.name


def _is_language_cell(cell) -> bool:
    return cell.get("cell_type") == "code" and LANGUAGE_TAG in _tags(cell)


def aligned(english, zh) -> list[tuple[int, int]]:
    """``(English index, zh index)`` for every cell, the zh lesson's language cell left out."""
    zh_indices = [i for i, cell in enumerate(zh["cells"]) if not _is_language_cell(cell)]
    return list(zip(range(len(english["cells"])), zh_indices, strict=False))


def _recorded_sha(cell) -> str | None:
    return cell.get("metadata", {}).get("translation", {}).get("source_sha256")


def stale_cells(english, zh) -> list[str]:
    """One line per zh markdown cell that is untranslated or translates an older English text."""
    problems = []
    for en_index, zh_index in aligned(english, zh):
        en_cell, zh_cell = english["cells"][en_index], zh["cells"][zh_index]
        if en_cell["cell_type"] != "markdown" or zh_cell["cell_type"] != "markdown":
            continue
        recorded = _recorded_sha(zh_cell)
        first = _source(en_cell).strip().splitlines()[0][:60] if _source(en_cell).strip() else ""
        if recorded is None:
            problems.append(f"zh cell {zh_index} is not translated (English cell {en_index}: {first!r})")
        elif recorded != source_sha256(en_cell):
            problems.append(
                f"zh cell {zh_index} translates an older version of English cell {en_index} ({first!r}); "
                "update the translation and record the new digest (edition apply)"
            )
    return problems


def _headings(source: str) -> list[int]:
    return [len(match.group(1)) for match in _HEADING.finditer(source)]


def _solution_problems(en_cell, zh_cell, where: str) -> list[str]:
    if is_solution(en_cell) != is_solution(zh_cell):
        return [f"{where}: worked solution in one edition only"]
    if is_solution(en_cell) and solution_code(en_cell) != solution_code(zh_cell):
        return [f"{where}: the worked solution's code differs from the English lesson's"]
    return []


def edition_problems(english, zh) -> list[str]:
    """Every way ``zh`` is out of step with ``english``: structure, code, headings, exercises, translations."""

    problems = []
    language_cells = [i for i, cell in enumerate(zh["cells"]) if _is_language_cell(cell)]
    if len(language_cells) != 1:
        problems.append(f"a zh lesson has exactly one code cell tagged {LANGUAGE_TAG!r}; found {len(language_cells)}")
    elif _source(zh["cells"][language_cells[0]]) != LANGUAGE_CELL:
        problems.append(f"zh cell {language_cells[0]} (the language cell) must be exactly {LANGUAGE_CELL!r}")
    count = len(zh["cells"]) - len(language_cells)
    if count != len(english["cells"]):
        problems.append(
            f"the zh lesson has {count} cells besides the language cell; the English one has {len(english['cells'])}"
        )
    for en_index, zh_index in aligned(english, zh):
        en_cell, zh_cell = english["cells"][en_index], zh["cells"][zh_index]
        where = f"zh cell {zh_index} (English cell {en_index})"
        if en_cell["cell_type"] != zh_cell["cell_type"]:
            problems.append(f"{where} is {zh_cell['cell_type']}; the English cell is {en_cell['cell_type']}")
            continue
        if en_cell["cell_type"] == "code":
            if _source(en_cell) != _source(zh_cell):
                problems.append(f"{where}: code differs from the English lesson's (run edition sync)")
            if _tags(en_cell) != _tags(zh_cell):
                problems.append(f"{where}: tags {_tags(zh_cell)} differ from the English {_tags(en_cell)}")
        else:
            if _headings(_source(en_cell)) != _headings(_source(zh_cell)):
                problems.append(
                    f"{where}: heading levels {_headings(_source(zh_cell))} differ from the English "
                    f"{_headings(_source(en_cell))}"
                )
            if is_exercise_prompt(en_cell) != is_exercise_prompt(zh_cell):
                problems.append(f"{where}: an exercise prompt in one edition only (zh prompts start with **练习)")
        problems += _solution_problems(en_cell, zh_cell, where)
    return problems + stale_cells(english, zh)


def _language_cell():
    cell = nbformat.v4.new_code_cell(LANGUAGE_CELL)
    cell.metadata["tags"] = [LANGUAGE_TAG]
    return cell


def sync(english, zh=None):
    """A zh lesson in step with ``english`` in code and structure: English code cells (outputs kept where the
    source did not change), zh markdown kept by place, new English markdown untranslated."""
    old = {en_index: zh["cells"][zh_index] for en_index, zh_index in aligned(english, zh)} if zh else {}
    old_language = next((c for c in (zh or {"cells": []})["cells"] if _is_language_cell(c)), None)
    cells = []
    for index, en_cell in enumerate(english["cells"]):
        previous = old.get(index)
        if en_cell["cell_type"] == "code":
            cell = copy.deepcopy(en_cell)
            cell.outputs, cell.execution_count = [], None
            if previous is not None and previous["cell_type"] == "code" and _source(previous) == _source(en_cell):
                cell.outputs = copy.deepcopy(previous.get("outputs", []))
                cell.execution_count = previous.get("execution_count")
        elif previous is not None and previous["cell_type"] == "markdown":
            cell = copy.deepcopy(previous)
        else:
            cell = copy.deepcopy(en_cell)
            cell.metadata.pop("translation", None)
        cells.append(cell)
        if index == 0:
            language = copy.deepcopy(old_language) if old_language is not None else _language_cell()
            language.source = LANGUAGE_CELL
            cells.append(language)
    result = copy.deepcopy(english)
    result.cells = cells
    result.metadata = copy.deepcopy(zh.metadata if zh else english.metadata)
    return result


def apply_translations(english, zh, translations: dict) -> object:
    """A copy of ``zh`` whose markdown cells ``{zh index: Chinese text}`` hold the texts, each recording the
    digest of the English cell it translates."""
    result = copy.deepcopy(zh)
    by_zh = {zh_index: en_index for en_index, zh_index in aligned(english, zh)}
    for key, text in translations.items():
        index = int(key)
        if index not in by_zh or result["cells"][index]["cell_type"] != "markdown":
            raise ValueError(f"zh cell {index} is not a markdown cell that translates an English cell")
        cell = result["cells"][index]
        cell.source = text
        cell.metadata["translation"] = {"source_sha256": source_sha256(english["cells"][by_zh[index]])}
    return result


def _english_lessons(paths: list[str]) -> list[Path]:
    if not paths:
        return course_notebooks()
    return [english_path(Path(p)) if Path(p).parent.name == ZH_DIR else Path(p) for p in paths]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ddpm_lessons.course.edition", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("sync", "create or update the zh lessons from the English ones"),
        ("status", "list untranslated and stale cells and structure problems"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("notebooks", nargs="*")
    apply = commands.add_parser("apply", help="write translations into a zh lesson")
    apply.add_argument("notebook")
    apply.add_argument("cells", help='a JSON file {"zh cell index": "markdown", ...}')
    args = parser.parse_args(argv)
    if args.command == "apply":
        zh_file = Path(args.notebook)
        english, zh = read_notebook(english_path(zh_file)), read_notebook(zh_file)
        translations = json.loads(Path(args.cells).read_text(encoding="utf-8"))
        write_notebook(apply_translations(english, zh, translations), zh_file)
        print(
            f"{zh_file}: {len(translations)} cells written; {len(stale_cells(english, read_notebook(zh_file)))} to go"
        )
        return 0
    failed = 0
    for english_file in _english_lessons(args.notebooks):
        zh_file = zh_path(english_file)
        english = read_notebook(english_file)
        if args.command == "sync":
            zh_file.parent.mkdir(exist_ok=True)
            write_notebook(sync(english, read_notebook(zh_file) if zh_file.exists() else None), zh_file)
            print(f"{zh_file}: in step with {english_file.name} in code and structure")
        else:
            problems = edition_problems(english, read_notebook(zh_file)) if zh_file.exists() else ["missing"]
            failed += bool(problems)
            print(f"{zh_file}: {'in step' if not problems else f'{len(problems)} problems'}")
            for problem in problems:
                print(f"  {problem}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
