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
    from ddpm_lessons.course import check_alphas_cumprod

    def wrong(betas):
        return 1 - betas

    assert not check_alphas_cumprod(wrong)
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
