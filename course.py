#!/usr/bin/env python3
"""Set up and run the ddpm-lessons course. Needs nothing but Python >= 3.10 with pip and venv.

    python3 course.py lab      # set up .venv if needed, then open the course in JupyterLab (--lang zh: 中文版)
    python3 course.py reset 02 # restore your copy of lesson 02 from the course's (yours is kept as a backup)
    python3 course.py test     # set up .venv if needed, then run the unit tests and strict nbval on every notebook
    python3 course.py lint     # ruff check and ruff format --check (CI runs it before the tests)
    python3 course.py execute  # re-execute notebooks in place to refresh their committed outputs (all, or those named)
    python3 course.py mark-slides  # write reveal.js slide metadata into the notebooks in place (all, or those named)
    python3 course.py slides   # offline reveal.js decks of the lessons in _build/slides/ (--out DIR, --cdn)
    python3 course.py student  # the student edition, worked solutions removed, in _build/student/ (--out DIR)
    python3 course.py figures  # copy the figures tagged readme-figure into notebooks/figures/ for the README
    python3 course.py assignments  # an nbgrader course directory of the lessons in _build/nbgrader/ (--out DIR)
    python3 course.py timings  # measure the budgets of CONTRIBUTING.md: unit tests, slow tests, each lesson, architecture

All create and reuse a virtual environment in ``.venv`` next to this file, with the course and its ``test`` extra
(``pip install -e .[test]``); ``test``, ``assignments`` and ``slides`` add the ``instructor`` extra (nbgrader, and
the reveal.js and MathJax files of offline decks). It is
(re)installed only when ``pyproject.toml`` changed since the last install or an extra is missing. ``lab`` starts
JupyterLab with the course's Jupyter settings (``jupyter_config/``: no news prompt, no nbgrader menus), as root with --allow-root. Extra arguments are passed on: ``python3 course.py lab
--no-browser``, ``python3 course.py test -k schedule -x``, ``python3 course.py slides notebooks/02_*.ipynb``.
``lab`` opens the learner's own copies of the lessons in ``my-lessons/`` (``my-lessons/zh/``), git-ignored, made
on first run from ``notebooks/`` and never overwritten; ``reset NN`` restores one (the learner's copy kept as a
backup file next to it); ``--threads N`` sets the kernels' threads (default 1). The instructors' commands build
from the committed ``notebooks/``.
``test`` leaves the tests marked slow out unless ``CI`` is set (``.ci/run``) or ``--run-slow`` is given (conftest.py);
in CI it spreads the tests and lessons over the CPUs (pytest-xdist). ``timings [arch] [unit] [slow] [notebooks]
[--clean-clone]`` prints each measure against its budget and never fails.
``--lang zh`` selects the Chinese edition (``notebooks/zh/``) for ``lab`` (with JupyterLab's interface in Chinese),
``reset``, ``execute``, ``mark-slides``, ``slides``, ``student`` and ``assignments``.
``mark-slides``, ``slides``, ``student`` and ``figures`` run ``python -m ddpm_lessons.course.lecture`` in the
environment (its docstring gives the slide rules); ``assignments`` runs ``python -m ddpm_lessons.course.assignments``.
``slides``, ``student``, ``figures`` and ``assignments`` replace a file already in their ``--out`` only with
``--overwrite``, and refuse an ``--out`` that holds lessons. A mistake on the command line (an unknown command, a
``--lang`` other than en or zh, a notebook that does not exist or is not a notebook) is one line, ``error: …``, with
exit status 2, before the environment is set up or anything is written.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tokenize
import venv
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".ddpm-lessons-installed"
JUPYTER_CONFIG = ROOT / "jupyter_config"
"""Jupyter configuration shipped with the course (labconfig/page_config.json turns JupyterLab's news prompt off);
``lab`` and the browser tests put it on ``JUPYTER_CONFIG_PATH``."""
EXTRAS = ("test",)
"""The extras every command installs; :data:`COMMAND_EXTRAS` adds more for some commands."""
COMMAND_EXTRAS = {name: ("test", "instructor") for name in ("test", "assignments", "slides", "timings")}


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
        update_pip(python)
    print(install_notice(extras), flush=True)
    subprocess.run(install_command(python, extras), check=True)
    STAMP.write_text(wanted_stamp(extras) + "\n")
    print("The course's environment is ready.", flush=True)
    return python


PIP_WITH_INSTALL_PROGRESS = "pip>=25.2"
"""The first pip that draws a progress bar while it installs (unpacking PyTorch is most of the set-up's minutes); the
pip that ``venv`` bundles is often older and prints nothing for that long."""


def update_pip(python: Path) -> None:
    """Bring a new environment's pip up to :data:`PIP_WITH_INSTALL_PROGRESS`; the bundled pip still works if not."""
    print("Updating pip in the new environment (its progress bars show the set-up's progress) ...", flush=True)
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check"]
    if subprocess.run([*pip, "-q", "-U", PIP_WITH_INSTALL_PROGRESS]).returncode:
        print("(pip could not be updated; going on with the one venv installed)", flush=True)


def install_notice(extras: tuple[str, ...]) -> str:
    """What the install is about to do and for how long, printed before pip's own output."""
    tools = "the test tools" + (", nbgrader and the offline decks' files" if "instructor" in extras else "")
    return (
        "Installing ddpm-lessons into .venv/ with its dependencies: PyTorch (on Linux x86-64 the CUDA build, about "
        f"6 GB on disk), JupyterLab and RISE, {tools}.\n"
        "The first time this takes about 5 minutes on a laptop: pip lists what it downloads, then installs ~150 "
        "packages with a progress bar (PyTorch's files are the slow part). Later runs skip this."
    )


def install_command(python: Path, extras: tuple[str, ...]) -> list[str]:
    """pip's editable install of the course with ``extras``, with its progress shown (no ``-q``)."""
    target = f"{ROOT}[{','.join(sorted(extras))}]"
    return [str(python), "-m", "pip", "install", "--disable-pip-version-check", "--progress-bar", "on", "-e", target]


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


class CommandLineError(Exception):
    """A mistake on course.py's command line: :func:`main` prints ``error: …`` (naming the argument) and exits 2."""


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose refusal is one line, ``error: …``, exit status 2 (not the usage first)."""

    def error(self, message: str):
        self.exit(2, f"error: {message}\n")


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
        raise CommandLineError(f"--lang must be one of {', '.join(LANGUAGES)}; got {language!r}")
    return language, rest


# ---- the learner's workspace: lab opens the learner's own copies of the lessons, never the committed ones ----

WORKSPACE = ROOT / "my-lessons"
"""The learner's own copies of the lessons (git-ignored): ``lab`` makes them on first run and opens them, so a
sitting's autosaves never touch ``notebooks/`` (a clean ``git status``, a ``git pull`` without conflicts) and the
instructors' commands (slides, student, assignments, execute) keep building from the committed lessons."""
WORKSPACES = {"en": WORKSPACE, "zh": WORKSPACE / "zh"}
RECORD = ".copied-from.json"
"""In each workspace folder: each lesson's sha256 of the committed file it was copied from, so ``lab`` can tell a
lesson the course changed since (a ``git pull``) from one the learner edited."""
START = "00_start_here.ipynb"
LESSON_GLOB = "[0-9][0-9]*_*.ipynb"  # 09a_…, 09b_…: a split lesson keeps its number


# rise.css: jupyterlab-rise reads it from the notebook's folder (slide headings keep their case, no ¶ anchors)
COURSE_FILES = ("rise.css",)


def committed_lessons(language: str) -> list[Path]:
    return sorted((ROOT / LANGUAGES[language]).glob(LESSON_GLOB))


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_record(folder: Path) -> dict[str, str]:
    """The workspace's :data:`RECORD`; empty when it is missing or unreadable (copies are then never reported)."""
    try:
        record = json.loads((folder / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def write_record(folder: Path, record: dict[str, str]) -> None:
    (folder / RECORD).write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def copy_lesson(source: Path, target: Path, record: dict[str, str]) -> None:
    shutil.copyfile(source, target)
    record[source.name] = file_sha256(source)


def prepare_workspace(language: str) -> tuple[list[str], list[str]]:
    """Copy into the learner's workspace every committed lesson it does not have yet; a copy that is there is never
    touched. Returns (the lessons copied now, the lessons whose committed version changed since they were copied)."""
    folder = WORKSPACES[language]
    folder.mkdir(parents=True, exist_ok=True)
    record = read_record(folder)
    copied, changed = [], []
    for source in committed_lessons(language):
        target, digest = folder / source.name, file_sha256(source)
        if not target.exists():
            copy_lesson(source, target, record)
            copied.append(source.name)
        elif source.name not in record and file_sha256(target) == digest:
            record[source.name] = digest  # an untouched copy whose record was lost
        elif record.get(source.name, digest) != digest:
            changed.append(source.name)
    for name in COURSE_FILES:  # the course's own files beside the lessons, not the learner's: kept current
        source = ROOT / LANGUAGES[language] / name
        if not (folder / name).exists() or file_sha256(folder / name) != file_sha256(source):
            shutil.copyfile(source, folder / name)
    write_record(folder, record)
    return copied, changed


def shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def lang_flag(language: str) -> str:
    return "" if language == "en" else f" --lang {language}"


def workspace_report(language: str, copied: list[str], changed: list[str]) -> str:
    """What ``lab`` tells the learner about the workspace before JupyterLab starts."""
    folder, committed = shown(WORKSPACES[language]), LANGUAGES[language]
    lines = [
        f"Your lessons: {folder}/ (your own copies; JupyterLab saves your work there, git ignores it, and the "
        f"course's originals in {committed}/ stay as they are). "
        f"To start a lesson again: python3 course.py reset NN{lang_flag(language)}"
    ]
    if copied:
        lines.append(f"Copied {len(copied)} lesson(s) from {committed}/ into {folder}/: {', '.join(copied)}")
    for name in changed:
        lines.append(
            f"Note: {committed}/{name} has changed since your copy was made; your copy is kept. To take the new "
            f"version: python3 course.py reset {lesson_number(name)}{lang_flag(language)} (your copy is kept as a backup)."
        )
    return "\n".join(lines)


DEFAULT_THREADS = 1
"""Threads of the lessons' kernels (``OMP_NUM_THREADS``; ``lab --threads N`` changes it). One, measured on the 2-core
course machine (torch 2.14.1, whose default there is 2 threads) while other jobs kept it busy (load average 4 to 13):
lesson 03's bound cell (100 of its 1000 U-Net calls) took 6.3 s on 1 thread, 31 s and over 300 s on 2; with one more
busy process beside it (a browser's stand-in), 35 s on 1 thread and over 300 s on 2; lesson 04's ablation cell (one
training, 500 steps, and a 4000-point sample) took 193 s on 1 thread and over 300 s on 2. Two threads that must
meet at every operation wait for a core whenever anything else runs; one thread never waits for another."""


def take_threads(extra: list[str]) -> tuple[int | None, list[str]]:
    """``--threads N`` / ``--threads=N`` taken out of the arguments: (N or None, the other arguments)."""
    threads, rest, args = None, [], iter(extra)
    for arg in args:
        if arg == "--threads" or arg.startswith("--threads="):
            value = next(args, "") if arg == "--threads" else arg.split("=", 1)[1]
            if not value.isdigit() or int(value) < 1:
                sys.exit(f"--threads must be a whole number of at least 1; got {value!r}")
            threads = int(value)
        else:
            rest.append(arg)
    return threads, rest


def thread_env(threads: int | None) -> dict[str, str]:
    """The kernels' thread settings: ``--threads`` if given, else a thread count already set in the environment,
    else :data:`DEFAULT_THREADS`. torch reads ``OMP_NUM_THREADS`` when a lesson imports it."""
    if threads is None and os.environ.get("OMP_NUM_THREADS"):
        return {}
    count = str(threads or DEFAULT_THREADS)
    return {"OMP_NUM_THREADS": count, "MKL_NUM_THREADS": count}


def lab_command(python: Path, extra: list[str]) -> list[str]:
    language, extra = take_language(extra)
    _, extra = take_threads(extra)
    folder = WORKSPACES[language]
    target = folder / START if (ROOT / LANGUAGES[language] / START).exists() else folder
    root = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in extra else []
    locale = [f"--LabApp.app_settings_dir={ZH_SETTINGS}"] if language == "zh" else []
    return [str(python), "-m", "jupyter", "lab", str(target.relative_to(ROOT)), *root, *locale, *extra]


def cmd_lab(python: Path, extra: list[str]) -> int:
    language, _ = take_language(extra)
    threads, _ = take_threads(extra)
    copied, changed = prepare_workspace(language)
    print(workspace_report(language, copied, changed), flush=True)
    return run(lab_command(python, extra), **jupyter_env(), **thread_env(threads))


def find_lesson(language: str, key: str) -> Path | None:
    """The committed lesson named by ``key``: its number (``2``, ``02``, ``09a``), name (``02_forward_process``) or file."""
    stem = Path(key).name.removesuffix(".ipynb")
    for lesson in committed_lessons(language):
        number = lesson_number(lesson.name)
        if lesson.stem == stem or stem == number or (stem.isdigit() and number.isdigit() and int(stem) == int(number)):
            return lesson
    return None


def lesson_number(name: str) -> str:
    """A lesson's number as the lesson map writes it: ``02`` for ``02_forward_process.ipynb``, ``09a`` for a part."""
    return name.split("_", 1)[0]


def backup_path(target: Path) -> Path:
    """A new file next to ``target`` for the learner's copy: ``02_forward_process.backup-20260101-120000.ipynb``."""
    stem = f"{target.stem}.backup-{time.strftime('%Y%m%d-%H%M%S')}"
    path, n = target.with_name(stem + ".ipynb"), 2
    while path.exists():
        path, n = target.with_name(f"{stem}-{n}.ipynb"), n + 1
    return path


def reset_lesson(language: str, source: Path) -> str:
    """Restore the learner's copy of ``source`` from the committed lesson. The learner's copy is renamed to a backup
    next to it, never deleted: a reset of the wrong lesson loses nothing. Returns what was done."""
    folder = WORKSPACES[language]
    folder.mkdir(parents=True, exist_ok=True)
    target, record = folder / source.name, read_record(folder)
    backup = None
    if target.exists() and file_sha256(target) == file_sha256(source):
        said = f"{shown(target)} is already the course's version"
    elif target.exists():
        backup = backup_path(target)
        target.rename(backup)
        said = f"{shown(target)} restored from {shown(source)}"
    else:
        said = f"{shown(target)} copied from {shown(source)}"
    copy_lesson(source, target, record)
    write_record(folder, record)
    return said + (f"; your previous copy is kept as {shown(backup)}" if backup else "")


def reset_arguments(extra: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python3 course.py reset",
        description="Restore lessons in your workspace (my-lessons/) from the course's committed ones. Your copy "
        "is kept next to it as NN_name.backup-DATE-TIME.ipynb. Close the lesson's tab first (or choose Revert "
        "when JupyterLab says the file changed on disk).",
    )
    parser.add_argument("lessons", nargs="+", metavar="NN", help="a lesson's number (02) or name (02_forward_process)")
    parser.add_argument(
        "--lang", choices=sorted(LANGUAGES), default="en", help="zh: the Chinese edition (my-lessons/zh/)"
    )
    args = parser.parse_args(extra)
    args.sources = [find_lesson(args.lang, key) for key in args.lessons]
    unknown = [key for key, source in zip(args.lessons, args.sources) if source is None]
    if unknown:
        numbers = " ".join(lesson_number(p.name) for p in committed_lessons(args.lang))
        parser.error(f"no lesson {', '.join(unknown)}; the lessons are {numbers}")
    return args


def cmd_reset(extra: list[str]) -> int:
    args = reset_arguments(extra)
    for source in args.sources:
        print(reset_lesson(args.lang, source), flush=True)
    return 0


def in_ci() -> bool:
    """``CI`` set to anything but 0 or false, as CI services and ``.ci/run`` set it."""
    return os.environ.get("CI", "").lower() not in ("", "0", "false")


MAX_WORKERS = 4


def parallel(extra: list[str], cpus: int | None) -> tuple[list[str], dict[str, str]]:
    """In CI, pytest's arguments and environment that spread the tests and lessons over the CPUs (pytest-xdist):
    ``--dist loadfile`` keeps each notebook's cells in one worker, in order, in one kernel; each worker and its
    kernels compute on one thread, so the workers do not slow each other down. Nothing when the caller chose the
    workers (``-n``, ``-p no:xdist``), outside CI, or on one CPU."""
    workers = min(cpus or 1, MAX_WORKERS)
    chosen = any(arg.startswith(("-n", "--numprocesses", "--dist")) or arg == "no:xdist" for arg in extra)
    if not in_ci() or workers < 2 or chosen:
        return [], {}
    return ["-n", str(workers), "--dist", "loadfile"], {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def cmd_test(python: Path, extra: list[str]) -> int:
    # pytest's options (strict nbval, sanitize file, test paths) live in pyproject.toml; the slow tests run in CI
    # only (conftest.py). No MPLBACKEND here: the notebook kernels inherit the environment and must keep their
    # inline backend to reproduce their figures.
    workers, env = parallel(extra, os.cpu_count())
    return run([str(python), "-m", "pytest", *workers, *extra], **env)


def execute_notebooks(extra: list[str]) -> list[Path]:
    """The notebooks ``execute`` rewrites in place (those named, or the edition's lessons), each checked first: a
    regular file holding a notebook's JSON. An option other than --lang is refused (it would reach nbconvert as a
    file name)."""
    language, extra = take_language(extra)
    options = [arg for arg in extra if arg.startswith("-")]
    if options:
        raise CommandLineError(f"execute takes notebooks and --lang, not {options[0]}")
    notebooks = [Path(p) for p in extra] or sorted((ROOT / LANGUAGES[language]).glob(LESSON_GLOB))
    for notebook in notebooks:
        if not notebook.exists():
            raise CommandLineError(f"no such notebook: {notebook} (NOTEBOOK)")
        if not notebook.is_file():
            raise CommandLineError(f"{notebook} is not a notebook file (a folder, pipe or device) (NOTEBOOK)")
        try:
            data = json.loads(notebook.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise CommandLineError(f"{notebook} is not a Jupyter notebook (not JSON: {error}) (NOTEBOOK)") from None
        if not (isinstance(data, dict) and isinstance(data.get("cells"), list) and "nbformat" in data):
            raise CommandLineError(f"{notebook} is not a Jupyter notebook (no cells and nbformat) (NOTEBOOK)")
    return notebooks


def cmd_execute(python: Path, extra: list[str]) -> int:
    for notebook in execute_notebooks(extra):
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


# ---- timings: the budgets of CONTRIBUTING.md, measured (benchmarks: they print and flag, never fail the build) ----

BUDGETS = {"unit": 60.0, "lesson": 90.0, "clean-clone": 720.0, "central": 40, "function": 60}
"""Seconds for the default unit-test run, each lesson under strict nbval and the whole ``.ci/run`` on a clean clone
(the 2-core course machine); lines for the sampler functions and for any function of the library."""
TIMING_PARTS = ("arch", "unit", "slow", "notebooks", "clean-clone")
DEFAULT_TIMING_PARTS = ("arch", "unit", "slow", "notebooks")
"""``clean-clone`` installs a whole environment and runs CI (12 minutes or more): only when asked for."""
CENTRAL = (("sampling", "sample_trajectory"), ("sampling", "sample"), ("train", "train"))
CHECKED_MODULES = ("process", "sampling")
CHECK_CALL = re.compile(r"_?check_\w*")
"""A call that counts as a check line: ``check_tensor(...)``, ``validation.check_real(...)``, ``_check_variance(...)``."""


def timings_arguments(extra: list[str]) -> argparse.Namespace:
    parser = OneLineParser(
        prog="course.py timings",
        description="Measure the course's budgets: unit tests, slow tests, each lesson under strict nbval, "
        "the whole .ci/run on a clean clone, and the library's architecture numbers. Prints a table; never fails.",
    )
    parser.add_argument(
        "parts",
        nargs="*",
        metavar="PART",
        help=f"what to measure, any of {', '.join(TIMING_PARTS)} (default: {' '.join(DEFAULT_TIMING_PARTS)})",
    )
    parser.add_argument("--clean-clone", action="store_true", help="add clean-clone: time .ci/run on a fresh clone")
    args = parser.parse_args(extra)
    unknown = sorted(set(args.parts) - set(TIMING_PARTS))
    if unknown:
        parser.error(f"unknown part {', '.join(unknown)}; choose from {', '.join(TIMING_PARTS)}")
    parts = list(args.parts or DEFAULT_TIMING_PARTS)
    if args.clean_clone and "clean-clone" not in parts:
        parts.append("clean-clone")
    args.parts = [part for part in TIMING_PARTS if part in parts]
    return args


def code_lines(source: str) -> set[int]:
    """Lines holding code: a token other than a comment, a line break or indentation, docstrings left out."""
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
    lines = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in skip:
            lines.update(range(token.start[0], token.end[0] + 1))
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                lines.difference_update(range(first.lineno, first.end_lineno + 1))
    return lines


def is_check_call(node: ast.AST | None) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return bool(CHECK_CALL.fullmatch(name))


def only_raises(body: list[ast.stmt]) -> bool:
    return bool(body) and all(isinstance(stmt, ast.Raise) for stmt in body)


def check_lines(source: str) -> set[int]:
    """Lines of raise statements, of ``if`` blocks whose body only raises (the test and the body), and of statements
    whose value is a call to a ``check_*`` function (``x = check_real(x, "x")`` or a bare call)."""
    lines = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Raise) or (
            isinstance(node, (ast.Expr, ast.Assign, ast.AnnAssign, ast.Return)) and is_check_call(node.value)
        ):
            lines.update(range(node.lineno, node.end_lineno + 1))
        elif isinstance(node, ast.If) and only_raises(node.body):
            lines.update(range(node.lineno, node.body[-1].end_lineno + 1))
    return lines


def check_share(source: str) -> tuple[int, int]:
    """(check lines, code lines) of a module's source: see :func:`check_lines` and :func:`code_lines`."""
    code = code_lines(source)
    return len(check_lines(source) & code), len(code)


def functions(source: str) -> dict[str, int]:
    """Every function's and method's length, ``def`` line to last line (signature and docstring included), by its
    qualified name (``Class.method``, ``outer.inner``)."""
    lengths = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = prefix + child.name
                if not isinstance(child, ast.ClassDef):
                    lengths[name] = child.end_lineno - child.lineno + 1
                visit(child, name + ".")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return lengths


def architecture_rows(package: Path) -> list[tuple[str, str, str, bool]]:
    """The issue-19 numbers of the library in ``package``, read with ``ast`` (nothing imported)."""

    def source(module: str) -> str:
        path = package / f"{module}.py"
        return path.read_text(encoding="utf-8") if path.exists() else ""

    rows = []
    for module, name in CENTRAL:
        length = functions(source(module)).get(name, 0)
        budget = BUDGETS["central"] if module == "sampling" else BUDGETS["function"]
        rows.append(
            (f"lines of {package.name}.{module}.{name}", str(length or "not found"), f"≤ {budget}", length > budget)
        )
    longest = max(
        (
            (length, f"{path.relative_to(package.parent).with_suffix('')}.{name}".replace("/", "."))
            for path in sorted(package.rglob("*.py"))
            for name, length in functions(path.read_text(encoding="utf-8")).items()
        ),
        default=(0, "none"),
    )
    rows.append(
        (
            f"longest function: {longest[1]}",
            str(longest[0]),
            f"≤ {BUDGETS['function']}",
            longest[0] > BUDGETS["function"],
        )
    )
    for module in CHECKED_MODULES:
        checks, code = check_share(source(module))
        rows.append((f"check lines in {module}.py", f"{checks}/{code} = {checks / max(code, 1):.0%}", "", False))
    return rows


def table(rows: list[tuple[str, str, str, bool]]) -> str:
    """The rows (what, measured, budget, over budget) as aligned text, ``OVER`` flagging a row over its budget."""
    header = ("measure", "value", "budget", "")
    lines = [(*row[:3], "OVER" if row[3] else "") for row in rows]
    widths = [max(len(line[i]) for line in [header, *lines]) for i in range(3)]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(line, (*widths, 0))).rstrip() for line in [header, *lines]
    )


def run_timed(args: list[str], cwd: Path = ROOT, **env: str | None) -> tuple[float, int]:
    """(wall seconds, exit code) of a command whose output goes to the terminal; ``NAME=None`` unsets a variable."""
    environment = {**os.environ, **{k: v for k, v in env.items() if v is not None}}
    for name in [k for k, v in env.items() if v is None]:
        environment.pop(name, None)
    start = time.perf_counter()
    code = subprocess.run(args, cwd=cwd, env=environment).returncode
    return time.perf_counter() - start, code


def junit_outcomes(path: Path) -> tuple[dict[str, int], dict[str, float]]:
    """From a pytest junit xml (family xunit1): counts (passed, failed, skipped) and seconds per test file."""
    counts, seconds = {"passed": 0, "failed": 0, "skipped": 0}, {}
    for case in ET.parse(path).getroot().iter("testcase"):
        outcome = {"failure": "failed", "error": "failed", "skipped": "skipped"}
        tags = [outcome[child.tag] for child in case if child.tag in outcome]
        counts[tags[0] if tags else "passed"] += 1
        file = case.get("file", "?")
        seconds[file] = seconds.get(file, 0.0) + float(case.get("time", 0.0))
    return counts, seconds


def summary(counts: dict[str, int], code: int) -> str:
    said = ", ".join(f"{n} {what}" for what, n in counts.items() if n)
    return said + (f"; pytest exit code {code}" if code not in (0, 5) else "")


def pytest_part(python: Path, args: list[str], xml: Path, **env: str | None) -> tuple[float, int, dict, dict]:
    seconds, code = run_timed(
        [str(python), "-m", "pytest", "-o", "junit_family=xunit1", f"--junitxml={xml}", *args], **env
    )
    counts, files = junit_outcomes(xml) if xml.exists() else ({}, {})
    return seconds, code, counts, files


UNIT = ["-p", "no:nbval", "-o", "addopts=", "-q", "tests"]
"""The unit tests, as CONTRIBUTING.md runs them; without ``CI=true`` or ``--run-slow`` the slow ones are left out."""


def time_unit(python: Path, tmp: Path) -> list[tuple[str, str, str, bool]]:
    seconds, code, counts, _ = pytest_part(python, UNIT, tmp / "unit.xml", CI=None)
    what = f"unit tests, default run ({summary(counts, code)})"
    return [(what, f"{seconds:.1f} s", f"≤ {BUDGETS['unit']:.0f} s", seconds > BUDGETS["unit"])]


def time_slow(python: Path, tmp: Path) -> list[tuple[str, str, str, bool]]:
    seconds, code, counts, files = pytest_part(python, [*UNIT, "-m", "slow"], tmp / "slow.xml")
    rows = [(f"slow unit tests, -m slow ({summary(counts, code)})", f"{seconds:.1f} s", "CI only", False)]
    return rows + [(f"  {file}", f"{t:.1f} s", "", False) for file, t in sorted(files.items(), key=lambda f: -f[1])]


def time_notebooks(python: Path, tmp: Path) -> list[tuple[str, str, str, bool]]:
    seconds, code, counts, files = pytest_part(python, ["-q", "notebooks"], tmp / "notebooks.xml")
    budget = BUDGETS["lesson"]
    rows = [(f"every lesson, strict nbval ({summary(counts, code)})", f"{seconds:.1f} s", "", False)]
    return rows + [(f"  {file}", f"{t:.1f} s", f"≤ {budget:.0f} s", t > budget) for file, t in sorted(files.items())]


def time_clean_clone(python: Path, tmp: Path) -> list[tuple[str, str, str, bool]]:
    """``.ci/run`` (install, lint, every test and lesson) on a fresh clone of the committed HEAD, as CI runs it."""
    clone = tmp / "clone"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone)], check=True)
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=clone, capture_output=True, text=True).stdout
    seconds, code = run_timed(["bash", ".ci/run"], cwd=clone, CI="true")
    what = f".ci/run on a clean clone of {head.strip()}" + (f" (exit code {code})" if code else "")
    return [
        (what, f"{seconds / 60:.1f} min", f"≤ {BUDGETS['clean-clone'] / 60:.0f} min", seconds > BUDGETS["clean-clone"])
    ]


def cmd_timings(python: Path, extra: list[str]) -> int:
    args = timings_arguments(extra)
    parts = {"unit": time_unit, "slow": time_slow, "notebooks": time_notebooks, "clean-clone": time_clean_clone}
    rows = []
    with tempfile.TemporaryDirectory(prefix="ddpm-lessons-timings-") as tmp:
        for part in args.parts:
            print(f"--- timings: {part} ---", flush=True)
            found = architecture_rows(ROOT / "ddpm_lessons") if part == "arch" else parts[part](python, Path(tmp))
            rows += found
            print(table(found), flush=True)
    print(f"\n=== timings ({os.cpu_count()} CPUs; budgets from CONTRIBUTING.md) ===\n{table(rows)}")
    over = [row[0] for row in rows if row[3]]
    print(f"over budget: {len(over)}" if over else "everything within budget")
    return 0


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
    "timings": cmd_timings,
}


LOCAL_COMMANDS = {"reset": cmd_reset}
"""Commands that need only this file, not the course's environment."""

LANGUAGE_COMMANDS = ("lab", "execute", "mark-slides", "slides", "student", "assignments")
"""The commands that take ``--lang``; :func:`check_arguments` checks it before the environment is set up."""


def check_arguments(command: str, extra: list[str]) -> None:
    """What course.py can check of a command's arguments before setting up the environment (nothing installed or
    written for a mistake): the command, its ``--lang``, the notebooks ``execute`` would rewrite."""
    if command not in COMMANDS:
        raise CommandLineError(
            f"unknown command {command!r}; the commands are {', '.join([*COMMANDS, *LOCAL_COMMANDS])} "
            "(python3 course.py --help says what each does)"
        )
    if command in LANGUAGE_COMMANDS:
        take_language(extra)
    if command == "execute":
        execute_notebooks(extra)


def main(argv: list[str]) -> int:
    if argv[:1] and argv[0] in LOCAL_COMMANDS:
        return LOCAL_COMMANDS[argv[0]](argv[1:])
    if argv[:1] in (["-h"], ["--help"]):
        print(__doc__)
        return 0
    if not argv:
        print(__doc__)
        print(f"error: give a command: {', '.join(COMMANDS)}", file=sys.stderr)
        return 2
    try:
        check_arguments(argv[0], argv[1:])
        python = ensure_environment(COMMAND_EXTRAS.get(argv[0], EXTRAS))
        return COMMANDS[argv[0]](python, argv[1:])
    except CommandLineError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
