"""Course machinery, built on the library and never imported by it: exercise checks, the failure gallery's
deliberate bugs, the ink simulation, the notation table and lesson map, the explorers, and lecture tooling.

- :mod:`.exercises` — ``check_…`` functions, one module per lesson.
- :mod:`.failures` — the deliberate bugs of lesson 08.
- :mod:`.physics` — ink particles in a glass (lesson 01).
- :mod:`.notation` — symbol ↔ code ↔ the seed's term, and the lesson map with CPU times (lesson 00, README).
- :mod:`.widgets` — slider explorers (lessons 01, 02, 07); imported on first use (ipywidgets).
- :mod:`.language` — :func:`set_language` and :func:`tr`: the course's messages in English or Chinese (zh edition).
- :mod:`.edition` — the zh edition (``notebooks/zh/``) kept in step with the English lessons.
- :mod:`.notebooks` — reading and writing the lessons, the lesson list of each edition (the one notebook I/O).
- :mod:`.slides` — slide metadata rules, RISE settings, the student edition.
- :mod:`.decks` — offline reveal.js decks and their assets, README figures.
- :mod:`.lecture` — the commands ``python3 course.py mark-slides / slides / student / figures`` run.
- :mod:`.assignments` — the nbgrader course directory (``python3 course.py assignments``).
"""

from .exercises import *  # noqa: F403 — the checks are the sub-package's public face
from .exercises import __all__ as _checks
from .failures import TimeShifted, q_sample_noise_not_sqrt, sample_without_noise
from .language import get_language, set_language, tr
from .notation import LESSONS, NOTATION, lessons_markdown, notation_markdown
from .physics import density, ink_drop, random_walk, reflect, reverse_walk

_WIDGETS = ("ink_explorer", "noising_explorer", "trajectory_explorer", "guidance_explorer")

__all__ = [
    *_checks,
    "set_language",
    "get_language",
    "tr",
    "TimeShifted",
    "q_sample_noise_not_sqrt",
    "sample_without_noise",
    "LESSONS",
    "NOTATION",
    "lessons_markdown",
    "notation_markdown",
    "density",
    "ink_drop",
    "random_walk",
    "reflect",
    "reverse_walk",
    *_WIDGETS,
]


def __getattr__(name):
    # ipywidgets is only needed in a notebook with a live kernel; importing it on first use keeps the rest light.
    if name in _WIDGETS:
        from . import widgets

        return getattr(widgets, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
