"""The course's message table: every sentence the course prints for a learner has a Chinese template with the same
fields, and nothing falls back to English silently (course/language.py, course/translations/)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import ddpm_lessons.course as course
from ddpm_lessons.course import language
from ddpm_lessons.course.language import UNTRANSLATED, fields_of, set_language, tr
from ddpm_lessons.course.translations import CATALOGS, catalog_parts

COURSE = Path(course.__file__).parent


def _literal(node) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def tr_calls() -> list[tuple[str, int, str | None]]:
    """(file, line, template or None when the template is not a string literal) for every ``tr(…)`` call."""
    calls = []
    for path in sorted(COURSE.rglob("*.py")):
        if "translations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "tr":
                template = _literal(node.args[0]) if node.args else None
                calls.append((str(path.relative_to(COURSE)), node.lineno, template))
    return calls


def data_keys() -> set[str]:
    """Texts translated from tables rather than literals: the lesson map and the notation table."""
    from ddpm_lessons.course.notation import table_texts

    return set(table_texts())


@pytest.fixture
def chinese():
    set_language("zh")
    yield
    set_language("en")


def test_every_tr_call_has_a_literal_template():
    dynamic = [f"{file}:{line}" for file, line, template in tr_calls() if template is None]
    assert not dynamic, f"tr() needs a string literal as its template (the test cannot check others): {dynamic}"


def test_every_template_has_a_chinese_translation_with_the_same_fields():
    zh = CATALOGS["zh"]
    templates = {template for _, _, template in tr_calls() if template} | data_keys()
    missing = sorted(t for t in templates if t not in zh)
    assert not missing, f"{len(missing)} messages have no Chinese template, e.g. {missing[:5]}"
    wrong = [t for t in templates if fields_of(t) != fields_of(zh[t])]
    assert not wrong, f"Chinese templates with other fields than the English: {wrong[:5]}"


def test_the_catalog_has_no_unused_entries():
    used = {template for _, _, template in tr_calls() if template} | data_keys()
    unused = sorted(set(CATALOGS["zh"]) - used)
    assert not unused, f"translations of messages the course no longer prints: {unused[:5]}"


def test_the_checks_print_chinese_in_the_zh_edition(chinese, capsys):
    from ddpm_lessons.course import check_chain_coefficients

    def wrong(a, b):
        return a.prod(), (b**2).sum()

    assert not check_chain_coefficients(wrong)
    printed = capsys.readouterr().out
    assert printed.startswith("✗ ") and UNTRANSLATED not in printed
    assert any("\u4e00" <= ch <= "\u9fff" for ch in printed), printed


def test_a_missing_translation_is_marked_not_silently_english(chinese):
    assert tr("a sentence nobody translated {x}", x=1) == UNTRANSLATED + "a sentence nobody translated 1"


def test_set_language_refuses_an_unknown_language():
    with pytest.raises(ValueError, match="language must be one of"):
        set_language("fr")
    assert language.get_language() == "en"


def test_catalog_parts_do_not_overlap():
    seen: dict[str, str] = {}
    for name, messages in catalog_parts("zh").items():
        for key in messages:
            assert key not in seen, f"{key!r} is in both {seen[key]} and {name}"
            seen[key] = name


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _lesson_checks(numbers):
    import importlib
    import inspect

    for n in numbers:
        module = importlib.import_module(f"ddpm_lessons.course.exercises.lesson{n:02d}")
        for name, check in vars(module).items():
            if name.startswith("check_") and inspect.isfunction(check) and check.__module__ == module.__name__:
                yield name, check


def test_the_checks_of_lessons_00_to_05_explain_a_wrong_answer_in_chinese(chinese, capsys):
    import math

    import torch

    def wrong(*args):  # a number for the number checks, a zero tensor where a tensor is expected
        return torch.zeros(1000) if len(args) == 1 and isinstance(args[0], torch.Tensor) else 0.123

    def unfinished(*args):
        raise NotImplementedError

    checks = list(_lesson_checks(range(6)))
    assert len(checks) >= 19
    for name, check in checks:
        for answer in (wrong, unfinished, lambda *args: None, 0.5):
            assert not check(answer), name
            printed = capsys.readouterr().out
            assert printed.startswith("✗ ") and UNTRANSLATED not in printed, f"{name}: {printed}"
            assert _chinese(printed), f"{name} printed no Chinese: {printed}"
    # a named mistake's hint, and a right answer's ✓ line, are Chinese too
    from ddpm_lessons.course import check_constant_beta_alpha_bar, check_forward_jump

    assert not check_constant_beta_alpha_bar(lambda beta, t: 1 - t * beta)
    assert "ᾱ" in (printed := capsys.readouterr().out) and _chinese(printed.split("——")[-1]), printed
    assert check_forward_jump(lambda at, a_s: (math.sqrt(at / a_s), 1 - at / a_s))
    printed = capsys.readouterr().out
    assert printed.startswith("✓ ") and _chinese(printed) and UNTRANSLATED not in printed


def test_the_lesson_map_notation_table_and_explorers_speak_chinese(chinese):
    import torch

    from ddpm_lessons import DiffusionSchedule
    from ddpm_lessons.course.notation import LESSONS, NOTATION, lessons_markdown, notation_markdown
    from ddpm_lessons.course.widgets import alpha_bar_label, noising_explorer

    table = lessons_markdown()
    assert UNTRANSLATED not in table and "| 笔记本 |" in table and f"| {LESSONS[3][3]} 秒 |" in table
    assert "分钟" in lessons_markdown({"00_start_here": 0.5})
    notation = notation_markdown()
    assert UNTRANSLATED not in notation and notation.count("\n") == len(NOTATION) + 1
    assert all(chinese_term in notation for _, _, chinese_term, _ in NOTATION)  # the seed's column is unchanged
    assert "论文第 500 步" in alpha_bar_label(DiffusionSchedule.linear(1000), 499)
    box = noising_explorer(torch.zeros(3, 8, 8), {"linear": DiffusionSchedule.linear(10)})
    text = box._repr_mimebundle_()["text/plain"]
    assert _chinese(text) and "JupyterLab" in text and box.children[0].description == "方差调度"
