"""The zh edition is kept in step with the English lessons (course/edition.py): same code, same structure, every
translated cell records the digest of the English text it translates — and a stale translation is caught."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import nbformat
import pytest

from ddpm_lessons.course.edition import (
    AWAITING_OUTPUTS,
    LANGUAGE_CELL,
    LANGUAGE_TAG,
    apply_translations,
    edition_problems,
    source_sha256,
    stale_cells,
    sync,
    zh_path,
)
from ddpm_lessons.course.notebooks import course_notebooks
from ddpm_lessons.course.slides import solution_code, worked_solution_cell

LESSONS = course_notebooks()
ZH_LESSONS = [p for p in LESSONS if zh_path(p).exists()]


def _read(path: Path):
    return nbformat.read(path, as_version=nbformat.NO_CONVERT)


def _tiny_english():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Lesson 99 — A test\n\nWhat you'll learn."),
        nbformat.v4.new_code_cell("x = 1\nprint(x)"),
        nbformat.v4.new_markdown_cell("## 1. A section\n\nThe closed form $x_t = \\sqrt{\\bar\\alpha_t} x_0$."),
        nbformat.v4.new_markdown_cell("**Exercise 1.** Write `f`."),
        nbformat.v4.new_code_cell("def f():\n    raise NotImplementedError"),
        nbformat.v4.new_code_cell("# Solution\ndef f():\n    return 1"),
    ]
    return nb


def _translated(english):
    zh = sync(english)
    return apply_translations(
        english,
        zh,
        {
            0: "# 第 99 课 — 测试\n\n你将学到什么。",
            3: "## 1. 一节\n\n闭式解 $x_t = \\sqrt{\\bar\\alpha_t} x_0$。",
            4: "**练习 1.** 写出 `f`。",
        },
    )


def test_the_lessons_with_a_zh_edition_are_listed():
    # Every lesson has a zh edition; a lesson without one fails here, not silently.
    missing = [p.name for p in LESSONS if not zh_path(p).exists()]
    assert not missing, f"lessons without a zh edition in notebooks/zh/: {missing}"


def test_the_list_of_zh_lessons_awaiting_outputs_is_true():
    without = sorted(p.name for p in ZH_LESSONS if not any(c.get("outputs") for c in _read(zh_path(p)).cells))
    assert without == sorted(AWAITING_OUTPUTS), "update edition.AWAITING_OUTPUTS (nbval skips these zh lessons)"


@pytest.mark.parametrize("english", ZH_LESSONS, ids=lambda p: p.stem)
def test_the_zh_lesson_is_in_step(english):
    problems = edition_problems(_read(english), _read(zh_path(english)))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("english", ZH_LESSONS, ids=lambda p: p.stem)
def test_the_zh_lessons_prose_is_chinese(english):
    zh = _read(zh_path(english))
    untranslated = []
    for index, cell in enumerate(zh.cells):
        text = "".join(cell.source) if cell.cell_type == "markdown" else ""
        if cell.cell_type == "markdown" and not any("\u4e00" <= ch <= "\u9fff" for ch in text):
            untranslated.append(index)
    # A cell of equations alone may have no Chinese; every lesson's prose must.
    assert len(untranslated) <= len(zh.cells) // 10, f"markdown cells without Chinese: {untranslated}"


def test_a_synced_and_translated_lesson_is_in_step():
    english = _tiny_english()
    zh = _translated(english)
    assert edition_problems(english, zh) == []
    assert [c.cell_type for c in zh.cells][:2] == ["markdown", "code"]
    assert zh.cells[1].source == LANGUAGE_CELL and zh.cells[1].metadata.tags == [LANGUAGE_TAG]
    assert zh.cells[3].metadata.translation.source_sha256 == source_sha256(english.cells[2])


def test_an_edited_english_cell_makes_its_translation_stale():
    english = _tiny_english()
    zh = _translated(english)
    english.cells[2].source += " It holds for every t."
    stale = stale_cells(english, zh)
    assert len(stale) == 1 and "zh cell 3" in stale[0] and "older version of English cell 2" in stale[0]
    # sync keeps the old translation at its place (it is stale, not lost) until it is re-applied
    resynced = sync(english, zh)
    assert resynced.cells[3].source == zh.cells[3].source and stale_cells(english, resynced) == stale
    fixed = apply_translations(english, resynced, {3: zh.cells[3].source + " 对每个 t 都成立。"})
    assert edition_problems(english, fixed) == []


def test_a_new_english_cell_arrives_untranslated():
    english = _tiny_english()
    zh = _translated(english)
    english.cells.insert(3, nbformat.v4.new_markdown_cell("A new remark."))
    problems = edition_problems(english, sync(english, zh))
    assert any("is not translated" in p for p in problems)


def test_a_worked_solution_with_other_code_in_the_zh_lesson_is_reported():
    english = _tiny_english()
    english.cells[5] = worked_solution_cell("def f():\n    return 1\n\nassert check_f(f)")
    zh = apply_translations(
        english, _translated(english), {6: worked_solution_cell(solution_code(english.cells[5]), "zh").source}
    )
    assert edition_problems(english, zh) == [], "only the summary is translated"
    wrong = copy.deepcopy(zh)
    wrong.cells[6].source = wrong.cells[6].source.replace("return 1", "return 2")
    wrong = apply_translations(english, wrong, {6: wrong.cells[6].source})
    assert edition_problems(english, wrong) == [
        "zh cell 6 (English cell 5): the worked solution's code differs from the English lesson's"
    ]
    wrong.cells[6].source = "参考答案见下一课。"
    assert any("worked solution in one edition only" in p for p in edition_problems(english, wrong))


def test_changed_code_tags_or_headings_are_reported():
    english = _tiny_english()
    zh = _translated(english)
    edited = copy.deepcopy(zh)
    edited.cells[2].source = "x = 2\nprint(x)"
    assert any("code differs" in p for p in edition_problems(english, edited))
    edited = copy.deepcopy(zh)
    edited.cells[2].metadata["tags"] = ["nbval-ignore-output"]
    assert any("tags" in p for p in edition_problems(english, edited))
    edited = copy.deepcopy(zh)
    edited.cells[3].source = "### 1. 一节"
    assert any("heading levels" in p for p in edition_problems(english, edited))
    edited = copy.deepcopy(zh)
    edited.cells[4].source = "写出 `f`。"
    assert any("exercise prompt" in p for p in edition_problems(english, edited))
    edited = copy.deepcopy(zh)
    del edited.cells[1]
    assert any("exactly one code cell tagged" in p for p in edition_problems(english, edited))


def test_sync_copies_code_and_keeps_outputs_only_where_the_code_is_unchanged():
    english = _tiny_english()
    zh = _translated(english)
    zh.cells[2].outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    assert sync(english, zh).cells[2].outputs == zh.cells[2].outputs
    english.cells[1].source = "x = 3\nprint(x)"
    resynced = sync(english, zh)
    assert resynced.cells[2].source == "x = 3\nprint(x)" and resynced.cells[2].outputs == []


def test_apply_refuses_a_code_cell(tmp_path):
    english = _tiny_english()
    with pytest.raises(ValueError, match="not a markdown cell"):
        apply_translations(english, sync(english), {2: "代码"})


def test_the_command_line_reports_a_stale_lesson(tmp_path, capsys):
    from ddpm_lessons.course import edition

    english = _tiny_english()
    (tmp_path / "zh").mkdir()
    english_file, zh_file = tmp_path / "99_test.ipynb", tmp_path / "zh" / "99_test.ipynb"
    nbformat.write(english, english_file)
    assert edition.main(["sync", str(english_file)]) == 0
    assert edition.main(["status", str(english_file)]) == 1
    cells = tmp_path / "cells.json"
    cells.write_text(json.dumps({"0": "# 第 99 课", "3": "## 1. 一节", "4": "**练习 1.** 写出 `f`。"}), "utf-8")
    assert edition.main(["apply", str(zh_file), str(cells)]) == 0
    assert edition.main(["status", str(english_file)]) == 0
    english.cells[3].source = "**Exercise 1.** Write `f` and return 1."
    nbformat.write(english, english_file)
    assert edition.main(["status", str(english_file)]) == 1
    assert "older version of English cell 3" in capsys.readouterr().out


def _comparable_text(cell) -> list[str] | None:
    """A code cell's text outputs (stdout and text/plain), sanitized as nbval does; None where they are not meant to
    match the other edition's: outputs nbval ignores, and outputs holding Chinese (tr() messages in the zh run)."""
    if "nbval-ignore-output" in cell.metadata.get("tags", []) or "NBVAL_IGNORE_OUTPUT" in cell.source:
        return None
    texts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream" and output.name == "stdout":
            texts.append(output.text)
        elif output.output_type in ("execute_result", "display_data") and "text/plain" in output.data:
            texts.append(output.data["text/plain"])
    text = "".join(texts)
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return None
    for regex, replace in _SANITIZE:
        text = regex.sub(replace, text)
    return text.splitlines()


def _sanitize_rules():
    import re

    lines = (Path(__file__).parents[1] / "nbval_sanitize.cfg").read_text(encoding="utf-8").splitlines()
    return [
        (re.compile(line[len("regex: ") :]), lines[i + 1][len("replace: ") :])
        for i, line in enumerate(lines)
        if line.startswith("regex: ")
    ]


_SANITIZE = _sanitize_rules()


def output_differences(english, zh) -> tuple[int, list[str]]:
    """(number of code cells compared, the cells whose text outputs differ) between two editions of a lesson."""
    english_code = [c for c in english.cells if c.cell_type == "code"]
    zh_code = [c for c in zh.cells if c.cell_type == "code" and LANGUAGE_TAG not in c.metadata.get("tags", [])]
    assert len(english_code) == len(zh_code)
    compared, differing = 0, []
    for number, (en_cell, zh_cell) in enumerate(zip(english_code, zh_code)):
        en_text, zh_text = _comparable_text(en_cell), _comparable_text(zh_cell)
        if en_text is None or zh_text is None or not (en_text or zh_text):
            continue
        compared += 1
        if en_text != zh_text:
            first = next(i for i, (a, b) in enumerate(zip(en_text + [""], zh_text + [""])) if a != b)
            differing.append(f"code cell {number}: {en_text[first : first + 1]} vs {zh_text[first : first + 1]}")
    return compared, differing


@pytest.mark.parametrize("english", ZH_LESSONS, ids=lambda p: p.stem)
def test_the_zh_outputs_match_the_english_ones(english):
    # The same code with the same seeds prints the same numbers in both editions: a zh lesson whose outputs differ
    # was executed before the English lesson changed (or the other way round) and must be re-executed. This also
    # covers the zh lessons the default run does not re-execute (edition.zh_lessons_left_to_full_runs).
    zh = _read(zh_path(english))
    if not any(c.get("outputs") for c in zh.cells):
        pytest.skip("awaiting outputs (edition.AWAITING_OUTPUTS)")
    compared, differing = output_differences(_read(english), zh)
    assert not differing, "re-execute the older edition (python3 course.py execute [--lang zh] ...):\n" + "\n".join(
        differing
    )
    assert compared, "no outputs were comparable"


def test_a_stale_output_is_caught_and_chinese_or_ignored_outputs_are_not_compared():
    english = _tiny_english()
    english.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="loss 0.123\n")]
    zh = _translated(english)
    zh_cell = next(c for c in zh.cells if c.cell_type == "code" and c.source == english.cells[1].source)
    zh_cell.outputs = copy.deepcopy(english.cells[1].outputs)
    assert output_differences(english, zh) == (1, [])
    english.cells[1].outputs[0].text = "loss 0.124\n"  # the English lesson was re-executed, the zh one not
    assert output_differences(english, zh)[1] == ["code cell 0: ['loss 0.124'] vs ['loss 0.123']"]
    zh_cell.outputs[0].text = "✓ 正确\n"  # a tr() message: not expected to match
    assert output_differences(english, zh) == (0, [])


def test_the_readmes_name_the_zh_lessons_left_to_full_runs():
    from ddpm_lessons.course.edition import zh_lessons_left_to_full_runs
    from ddpm_lessons.course.notation import LESSONS

    left = zh_lessons_left_to_full_runs()
    numbers = [name.split("_", 1)[0] for name in left]
    seconds = sum(s for _, name, _, s in LESSONS if f"{name}.ipynb" in left)
    root = Path(__file__).parents[2]
    english = (root / "README.md").read_text(encoding="utf-8")
    chinese = (root / "README.zh-CN.md").read_text(encoding="utf-8")
    assert f"({', '.join(numbers)}: {seconds} s more in the lesson map)" in english
    assert f"（{'、'.join(numbers)}，按课程表要多 {seconds} 秒）" in chinese
