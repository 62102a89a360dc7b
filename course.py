#!/usr/bin/env python3
"""Set up and run the ddpm-lessons course. Needs nothing but Python >= 3.10 with pip and venv.

    python3 course.py lab      # set up .venv if needed, then open the course in JupyterLab (--lang zh: 中文版)
    python3 course.py test     # set up .venv if needed, then run the unit tests and strict nbval on every notebook
    python3 course.py lint     # ruff check and ruff format --check (CI runs it before the tests)
    python3 course.py execute  # re-execute notebooks in place to refresh their committed outputs (all, or those named)
    python3 course.py mark-slides  # write reveal.js slide metadata into the notebooks in place (all, or those named)
    python3 course.py slides   # offline reveal.js decks of the lessons in _build/slides/ (--out DIR, --cdn)
    python3 course.py student  # the student edition, worked solutions removed, in _build/student/ (--out DIR)
    python3 course.py figures  # copy the figures tagged readme-figure into notebooks/figures/ for the README
    python3 course.py assignments  # an nbgrader course directory of the lessons in _build/nbgrader/ (--out DIR)

All create and reuse a virtual environment in ``.venv`` next to this file, with the course and its ``test`` extra
(``pip install -e .[test]``); ``test``, ``assignments`` and ``slides`` add the ``instructor`` extra (nbgrader, and
the reveal.js and MathJax files of offline decks). It is
(re)installed only when ``pyproject.toml`` changed since the last install or an extra is missing. ``lab`` starts
JupyterLab with the course's Jupyter settings (``jupyter_config/``: no news prompt), as root with --allow-root. Extra arguments are passed on: ``python3 course.py lab
--no-browser``, ``python3 course.py test -k schedule -x``, ``python3 course.py slides notebooks/02_*.ipynb``.
``--lang zh`` selects the Chinese edition (``notebooks/zh/``) for ``lab`` (with JupyterLab's interface in Chinese),
``execute``, ``mark-slides``, ``slides``, ``student`` and ``assignments``.
``mark-slides``, ``slides``, ``student`` and ``figures`` run ``python -m ddpm_lessons.course.lecture`` in the
environment (its docstring gives the slide rules); ``assignments`` runs ``python -m ddpm_lessons.course.assignments``.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".ddpm-lessons-installed"
JUPYTER_CONFIG = ROOT / "jupyter_config"
"""Jupyter configuration shipped with the course (labconfig/page_config.json turns JupyterLab's news prompt off);
``lab`` and the browser tests put it on ``JUPYTER_CONFIG_PATH``."""
EXTRAS = ("test",)
"""The extras every command installs; :data:`COMMAND_EXTRAS` adds more for some commands."""
COMMAND_EXTRAS = {name: ("test", "instructor") for name in ("test", "assignments", "slides")}


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def wanted_stamp(extras: tuple[str, ...] = EXTRAS) -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    return f"{digest} python {sys.version_info.major}.{sys.version_info.minor} extras {','.join(sorted(extras))}"


def stamp_covers(stamp: str, extras: tuple[str, ...]) -> bool:
    """True when an install recorded as ``stamp`` has this pyproject.toml and Python and at least ``extras``."""
    head, _, installed = stamp.strip().partition(" extras ")
    wanted_head = wanted_stamp(extras).partition(" extras ")[0]
    return head == wanted_head and set(extras) <= set(filter(None, installed.split(",")))


def ensure_environment(extras: tuple[str, ...] = EXTRAS) -> Path:
    """Create .venv and install the course (editable) with ``extras`` unless such an install is already there."""
    if sys.version_info < (3, 10):  # noqa: UP036 — course.py must say this on an old Python, not crash
        sys.exit(f"ddpm-lessons needs Python >= 3.10; this is {sys.version.split()[0]}")
    python = venv_python()
    if python.exists() and STAMP.exists() and stamp_covers(STAMP.read_text(), extras):
        return python
    if not python.exists():
        print(f"Creating the virtual environment {VENV.relative_to(ROOT)}/ ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Installing ddpm-lessons and its dependencies (a few minutes the first time) ...", flush=True)
    target = f"{ROOT}[{','.join(sorted(extras))}]"
    subprocess.run([str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", target], check=True)
    STAMP.write_text(wanted_stamp(extras) + "\n")
    return python


def run(args: list[str], **env: str) -> int:
    return subprocess.run(args, cwd=ROOT, env={**os.environ, **env}).returncode


def jupyter_env() -> dict[str, str]:
    """``JUPYTER_CONFIG_PATH`` with the course's jupyter_config/ first (a user's own settings still apply)."""
    paths = [str(JUPYTER_CONFIG), *filter(None, os.environ.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep))]
    return {"JUPYTER_CONFIG_PATH": os.pathsep.join(paths)}


LANGUAGES = {"en": "notebooks", "zh": "notebooks/zh"}
"""Each edition's lessons; ``--lang zh`` picks the Chinese one (and, for ``lab``, JupyterLab's Chinese interface)."""
ZH_SETTINGS = JUPYTER_CONFIG / "zh" / "settings"
"""JupyterLab settings overrides of the zh edition: the interface's locale is zh_CN (jupyterlab-language-pack-zh-CN)."""


def take_language(extra: list[str]) -> tuple[str, list[str]]:
    """``--lang X`` / ``--lang=X`` taken out of the arguments: (language, the other arguments)."""
    language, rest, args = "en", [], iter(extra)
    for arg in args:
        if arg == "--lang":
            language = next(args, "")
        elif arg.startswith("--lang="):
            language = arg.split("=", 1)[1]
        else:
            rest.append(arg)
    if language not in LANGUAGES:
        sys.exit(f"--lang must be one of {', '.join(LANGUAGES)}; got {language!r}")
    return language, rest


def lab_command(python: Path, extra: list[str]) -> list[str]:
    language, extra = take_language(extra)
    folder = ROOT / LANGUAGES[language]
    start = folder / "00_start_here.ipynb"
    target = start if start.exists() else folder
    root = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in extra else []
    locale = [f"--LabApp.app_settings_dir={ZH_SETTINGS}"] if language == "zh" else []
    return [str(python), "-m", "jupyter", "lab", str(target.relative_to(ROOT)), *root, *locale, *extra]


def cmd_lab(python: Path, extra: list[str]) -> int:
    return run(lab_command(python, extra), **jupyter_env())


def cmd_test(python: Path, extra: list[str]) -> int:
    # pytest's options (strict nbval, sanitize file, test paths) live in pyproject.toml. No MPLBACKEND here: the
    # notebook kernels inherit the environment and must keep their inline backend to reproduce their figures.
    return run([str(python), "-m", "pytest", *extra])


def cmd_execute(python: Path, extra: list[str]) -> int:
    language, extra = take_language(extra)
    notebooks = [Path(p) for p in extra] or sorted((ROOT / LANGUAGES[language]).glob("[0-9][0-9]_*.ipynb"))
    for notebook in notebooks:
        print(f"executing {notebook.name} ...", flush=True)
        code = run(
            [
                str(python),
                "-m",
                "jupyter",
                "nbconvert",
                "--to",
                "notebook",
                "--execute",
                "--inplace",
                "--ExecutePreprocessor.timeout=900",
                str(notebook),
            ]
        )
        if code:
            return code
        # Worked solutions are committed without output (their ✓ line would give the answer away).
        code = run([str(python), "-m", "ddpm_lessons.course.lecture", "hide-solution-outputs", str(notebook)])
        if code:
            return code
    return 0


def cmd_lint(python: Path, extra: list[str]) -> int:
    # ruff's rules live in pyproject.toml; the formatter's verdict comes second so both are reported in one run.
    ruff = [str(python), "-m", "ruff"]
    checked = run([*ruff, "check", *(extra or ["."])])
    formatted = run([*ruff, "format", "--check", *(extra or ["."])])
    return checked or formatted


def lecture(command: str):
    """A command of ``ddpm_lessons.course.lecture`` run with the environment's Python. It runs in the caller's working
    directory, so notebook and --out paths mean what they mean in the shell."""

    def cmd(python: Path, extra: list[str]) -> int:
        return subprocess.run([str(python), "-m", "ddpm_lessons.course.lecture", command, *extra]).returncode

    return cmd


def cmd_assignments(python: Path, extra: list[str]) -> int:
    return subprocess.run([str(python), "-m", "ddpm_lessons.course.assignments", *extra]).returncode


COMMANDS = {
    "lab": cmd_lab,
    "test": cmd_test,
    "lint": cmd_lint,
    "execute": cmd_execute,
    "mark-slides": lecture("mark-slides"),
    "slides": lecture("slides"),
    "student": lecture("student"),
    "figures": lecture("figures"),
    "assignments": cmd_assignments,
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(__doc__)
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    python = ensure_environment(COMMAND_EXTRAS.get(argv[0], EXTRAS))
    return COMMANDS[argv[0]](python, argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
