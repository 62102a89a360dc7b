"""Chinese templates of the course's messages, keyed by their English text (see :mod:`..language`).

One module per part of the course machinery, so that each stays short and next to the module it translates:
``zh_feedback`` (the checks' shared messages), ``zh_lessonNN`` (each lesson's checks), ``zh_widgets``,
``zh_notation`` (lesson map and notation table). :data:`CATALOGS` merges them; a key defined twice is an error.
"""

from __future__ import annotations

import importlib
import pkgutil

__all__ = ["CATALOGS", "catalog_parts"]


def catalog_parts(language: str = "zh") -> dict[str, dict[str, str]]:
    """Module name → its ``MESSAGES`` dict, for every ``<language>_*.py`` module of this package."""
    parts = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith(language + "_"):
            parts[info.name] = importlib.import_module(f"{__name__}.{info.name}").MESSAGES
    return parts


def _merge(language: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for name, messages in catalog_parts(language).items():
        twice = merged.keys() & messages.keys()
        if twice:
            raise RuntimeError(f"{name} translates keys another catalog module already has: {sorted(twice)[:3]}")
        merged.update(messages)
    return merged


CATALOGS = {"zh": _merge("zh")}
