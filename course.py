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
    python3 course.py timings  # measure the budgets of CONTRIBUTING.md: unit tests, slow tests, each lesson, architecture

All create and reuse a virtual environment in ``.venv`` next to this file, with the course and its ``test`` extra
(``pip install -e .[test]``); ``test``, ``assignments`` and ``slides`` add the ``instructor`` extra (nbgrader, and
the reveal.js and MathJax files of offline decks). It is
(re)installed only when ``pyproject.toml`` changed since the last install or an extra is missing. ``lab`` starts
JupyterLab with the course's Jupyter settings (``jupyter_config/``: no news prompt), as root with --allow-root. Extra arguments are passed on: ``python3 course.py lab
--no-browser``, ``python3 course.py test -k schedule -x``, ``python3 course.py slides notebooks/02_*.ipynb``.
``test`` leaves the tests marked slow out unless ``CI`` is set (``.ci/run``) or ``--run-slow`` is given (conftest.py);
in CI it spreads the tests and lessons over the CPUs (pytest-xdist). ``timings [arch] [unit] [slow] [notebooks]
[--clean-clone]`` prints each measure against its budget and never fails.
``--lang zh`` selects the Chinese edition (``notebooks/zh/``) for ``lab`` (with JupyterLab's interface in Chinese),
``execute``, ``mark-slides``, ``slides``, ``student`` and ``assignments``.
``mark-slides``, ``slides``, ``student`` and ``figures`` run ``python -m ddpm_lessons.course.lecture`` in the
environment (its docstring gives the slide rules); ``assignments`` runs ``python -m ddpm_lessons.course.assignments``.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import io
import os
import re
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
    parser = argparse.ArgumentParser(
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


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(__doc__)
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    python = ensure_environment(COMMAND_EXTRAS.get(argv[0], EXTRAS))
    return COMMANDS[argv[0]](python, argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
