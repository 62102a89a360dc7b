"""The language the course's machinery speaks to the learner: English, or Simplified Chinese in ``notebooks/zh/``.

Every sentence the course package prints for a learner (exercise feedback, widget labels, the lesson map and the
notation table of lesson 00) goes through :func:`tr` with its English text as the key::

    report(False, tr("{name} returned nan (a 0/0 or the log of a negative number?)", name=name))

In English, ``tr`` fills the template; after ``set_language("zh")`` (the one marked cell of every zh lesson) it
fills the Chinese template of the same key from :mod:`.translations`. Both templates name the same ``{fields}``.
A call without values prints its template as it stands in either language (``tr("x_{t−1} = …")`` keeps its
braces); a call with values formats it, so literal braces there are doubled (``ᾱ_{{t−1}}``).
A key without a Chinese template is a failed test (tests/course/test_language.py scans every ``tr("…")`` call of
the package), not a silent English fallback; should one slip through anyway, the learner sees it marked
``[untranslated]``.

The library (``ddpm_lessons`` outside ``course``) never translates: its error messages name parameters and
stay English, like Python's and PyTorch's own.
"""

from __future__ import annotations

import os
import string

__all__ = ["LANGUAGES", "set_language", "get_language", "tr", "tr_data", "fields_of", "UNTRANSLATED"]

LANGUAGES = ("en", "zh")
UNTRANSLATED = "[untranslated] "
_ENV = "DDPM_LESSONS_LANG"

_language = os.environ.get(_ENV, "en") if os.environ.get(_ENV, "en") in LANGUAGES else "en"


def set_language(language: str) -> None:
    """Lesson cell: ``set_language("zh")`` makes the course's messages Chinese for the rest of the kernel's life
    (the zh edition's marked cell); ``"en"`` switches back. ``DDPM_LESSONS_LANG`` sets the starting language."""
    global _language
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, got {language!r}")
    _language = language


def get_language() -> str:
    return _language


def fields_of(template: str) -> set[str]:
    """The ``{field}`` names a template fills (format specs and conversions removed)."""
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name}


def tr(template: str, /, **values) -> str:
    """``template`` (English, with ``{fields}``) in the current language, filled with ``values``."""
    if _language != "en":
        from .translations import CATALOGS

        translated = CATALOGS[_language].get(template)
        if translated is None:
            return UNTRANSLATED + (template.format(**values) if values else template)
        return translated.format(**values) if values else translated
    return template.format(**values) if values else template


def tr_data(text: str) -> str:
    """A text from one of the course's tables (the lesson map, the notation table) in the current language. The
    tables' texts are not literals at the call, so :func:`~ddpm_lessons.course.notation.table_texts` lists them for
    the test that every one has a translation."""
    if _language != "en":
        from .translations import CATALOGS

        translated = CATALOGS[_language].get(text)
        return UNTRANSLATED + text if translated is None else translated
    return text
