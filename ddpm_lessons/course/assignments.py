"""Graded assignments: an nbgrader course directory made from the lessons (``python3 course.py assignments``).

Every lesson is one nbgrader assignment, named after its notebook (``00_start_here`` …), written as
``<out>/source/<lesson>/<lesson>.ipynb`` next to an ``nbgrader_config.py``. Each checked exercise of a lesson (a
``**Exercise k.**`` prompt, the stub cell that calls ``check_…(fn)`` and the worked solution, see
:mod:`ddpm_lessons.course.slides`) becomes two nbgrader cells in place of the stub and the worked solution:

- a **solution cell**: the worked solution's code (:func:`~ddpm_lessons.course.slides.solution_code`: the python
  block of the collapsed markdown cell) with its ``assert check_…`` line taken out, and the body of the function
  between ``### BEGIN SOLUTION`` / ``### END SOLUTION``. ``nbgrader
  generate_assignment`` replaces the body by ``# YOUR CODE HERE`` / ``raise NotImplementedError()``, so the learner
  keeps the signature. Lines of the worked solution after the function (they print what the solved function
  gives, e.g. lesson 00's number of steps) are left out: they would give the answer away;
- an **autograded test cell** with the exercise's points from :data:`POINTS`: ``assert check_…(fn), …``. The
  lesson's own check prints its ``✓``/``✗`` line — the ``✗`` line names the likely mistake and ends up in
  nbgrader's feedback — and returns a :class:`~ddpm_lessons.course.exercises.feedback.CheckResult` that is false
  on a wrong answer; a check never raises, so it is the ``assert`` that fails the cell (nbgrader's way).

Every other cell — prose, figures, the lesson's own code — is a locked (read-only) nbgrader cell and keeps its
outputs (``nbgrader_config.py`` turns nbgrader's ``ClearOutput`` off, so the release shows the lesson's figures).

The released notebook is the student edition (:func:`ddpm_lessons.course.slides.student_edition`, the same
:func:`~ddpm_lessons.course.slides.is_solution` decides what goes) with each exercise's stub replaced by the
released solution cell and the test cell; tests/course/test_assignments.py checks that on nbgrader's own release.

The feedback HTML (``nbgrader generate_feedback``) shows the lessons' maths offline: ``nbgrader_config.py`` has
nbgrader render markdown with :func:`markdown_with_mathml`, which typesets every ``$…$``/``$$…$$`` as MathML (drawn
by the browser itself, no script), and ``templates/feedback/mathjax.html.j2`` in the course directory stands in for
nbconvert's, which loaded MathJax from a CDN (offline the maths showed as raw ``$$…$$``).

nbgrader itself is needed only to release and grade: it is the ``instructor`` extra of pyproject.toml, which
``python3 course.py assignments`` and ``python3 course.py test`` install.

Command line::

    python -m ddpm_lessons.course.assignments [--out DIR] [--overwrite] [NOTEBOOK ...]   # default _build/nbgrader

Every notebook is read and turned into its assignment before the first write; a file already in ``--out`` (an
``nbgrader_config.py`` an instructor edited, a source notebook) is replaced only with ``--overwrite``, and an
``--out`` holding lessons is refused. A mistake is one line ``error: …`` with exit status 2.
"""

from __future__ import annotations

import ast
import copy
import html
import re
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..flags import CommandLineParser
from ..validation import InputError
from .notebooks import (
    ROOT,
    add_language_option,
    cell_source,
    check_out_folder,
    check_targets,
    course_notebooks,
    default_out,
    display_path,
    main_with_errors,
    read_notebooks,
    write_notebook,
    write_text,
)
from .slides import is_solution, solution_code

__all__ = [
    "POINTS",
    "COURSE_ID",
    "Exercise",
    "exercises",
    "assignment_notebook",
    "write_course",
    "typeset_math",
    "markdown_with_mathml",
    "FEEDBACK_MATHJAX",
    "main",
]

COURSE_ID = "ddpm-lessons"
POINTS: dict[str, dict[str, int]] = {
    # lesson (notebook stem) -> {check function: points}. One point an exercise, two for a derivation.
    "00_start_here": {"check_noise_std_at": 1, "check_log_alpha_bar_T": 1, "check_constant_beta_alpha_bar": 2},
    "01_physical_diffusion": {
        "check_mean_distance": 1,
        "check_settled_mean_square": 1,
        "check_gap_half_life": 2,
        "check_gaussian_score": 2,
    },
    "02_forward_process": {
        "check_chain_coefficients": 2,
        "check_finds_bug": 1,
        "check_equal_power_step": 1,
        "check_forward_jump": 2,
    },
    "03a_reverse_process": {
        "check_jump_mean_eps_form": 2,
        "check_jump_posterior_variance": 2,
        "check_variances_agree_step": 1,
    },
    "03b_elbo_and_simple_loss": {"check_min_weight_step": 1, "check_sum_from_random_steps": 1},
    "04_time_embedding": {
        "check_embedding_distance": 2,
        "check_fixed_embedding": 1,
        "check_fast_twins": 1,
        "check_shifted_embedding": 2,
    },
    "05_unet": {
        "check_stage_parameters": 2,
        "check_receptive_field": 1,
        "check_conv_macs": 2,
        "check_batchnorm_prediction": 1,
    },
    "06_training": {
        "check_ema_window": 2,
        "check_fixed_loss": 1,
        "check_gaussian_loss_floor": 2,
        "check_best_x0_mse": 2,
    },
    "07a_sampling": {"check_no_noise_variance": 2},
    "07b_ddim_and_guidance": {
        "check_ddim_variance": 1,
        "check_diffusers_guidance": 1,
        "check_ddim_step_coefficients": 2,
    },
    "08_what_goes_wrong": {
        "check_bug_noise_level": 2,
        "check_reverse_step": 1,
        "check_prior_mismatch_kl": 1,
        "check_prior_kl_with_mean": 2,
    },
    "09a_scores_and_sdes": {"check_noise_free_ink": 1, "check_injected_noise": 2},
    "09b_ode_solvers_and_flows": {"check_conditional_velocity": 2, "check_heun_factor": 2, "check_heun_step": 1},
    "10_claims_and_capstone": {"check_capstone": 3},
    "11_design_space": {"check_score_weight": 2, "check_target_variance_prediction": 1},
}
"""Points of every checked exercise, per lesson. tests/course/test_assignments.py checks that it lists exactly the
exercises the lessons have."""

CONFIG = f'''\
# nbgrader configuration of the ddpm-lessons course directory, written by `python3 course.py assignments`.
c = get_config()  # noqa: F821 -- nbgrader provides it
c.CourseDirectory.course_id = "{COURSE_ID}"
# Keep the lessons' figures and printouts in the released notebooks (nbgrader clears outputs by default).
c.ClearOutput.enabled = False
# The lessons run in a few seconds to a minute on a CPU; the autograder re-executes every submission.
c.Execute.timeout = 900
# Feedback with its maths typeset offline: markdown rendered with the maths as MathML, and templates/feedback/ here
# (before nbgrader's own feedback template) leaves out the MathJax that nbconvert loads from a CDN.
import os  # noqa: E402
import nbgrader  # noqa: E402
c.HTMLExporter.filters = {{"markdown2html": "ddpm_lessons.course.assignments.markdown_with_mathml"}}
c.HTMLExporter.extra_template_basedirs = [
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates"),
    os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader", "templates"),
]
'''

FEEDBACK_MATHJAX = """\
{%- macro mathjax(url=None) -%}
<!-- ddpm-lessons: the maths is MathML, typeset when this feedback was made; no MathJax, nothing from the network -->
{%- endmacro %}
"""
"""``templates/feedback/mathjax.html.j2`` of the course directory: found before nbconvert's ``mathjax.html.j2``, whose
macro nbgrader's feedback template calls to load MathJax from a CDN."""

_DISPLAY_MATH = r"\$\$(?P<display>[^<]+?)\$\$"
_INLINE_MATH = r"(?<![\\$\w])\$(?P<inline>[^\s$<](?:[^$<]*?[^\s$<\\])?)\$(?!\w)"
MATH = re.compile(f"{_DISPLAY_MATH}|{_INLINE_MATH}", re.S)
"""TeX in HTML that nbconvert's markdown renderer made: ``$$…$$`` and ``$…$`` as it leaves them for MathJax (with
``<``, ``>`` and ``&`` escaped, so a ``<`` ends a candidate: "costs $5, not $6" with a tag between is not maths)."""
LITERAL = re.compile(r"<(pre|code|script|style|textarea)\b.*?</\1\s*>", re.S | re.I)
"""Code, printouts and scripts: never typeset."""

_STUB_CALL = re.compile(r"^(check_\w+)\((\w+)\)\s*$", re.MULTILINE)
_ASSERT_LINE = re.compile(r"^assert\s+check_\w+\(\w+\)\s*$")


@dataclass(frozen=True)
class Exercise:
    """One checked exercise: ``number`` counts from 1 in lesson order; ``stub``/``solution`` are cell indices."""

    number: int
    check: str
    function: str
    stub: int
    solution: int


def counted(n: int, noun: str) -> str:
    """``"1 point"``, ``"2 points"``: a count with its noun in the right number."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def exercises(nb) -> list[Exercise]:
    """The checked exercises of a lesson: every worked solution (:func:`is_solution`) and the stub cell before it,
    whose last line calls ``check_…(fn)``. A solution without such a stub is an error naming the cell."""
    found = []
    for index, cell in enumerate(nb["cells"]):
        if not is_solution(cell):
            continue
        stub = nb["cells"][index - 1] if index > 0 else None
        calls = _STUB_CALL.findall(cell_source(stub)) if stub is not None and stub.get("cell_type") == "code" else []
        if len(calls) != 1:
            raise ValueError(
                f"cell {index} is a worked solution, but the cell before it does not end with one check_…(fn) call"
            )
        check, function = calls[0]
        found.append(Exercise(len(found) + 1, check, function, index - 1, index))
    return found


def _solution_source(source: str, function: str) -> str:
    """The worked solution as an nbgrader solution cell: the body of ``function`` between the markers."""
    lines = source.splitlines()
    if lines and lines[0].strip().startswith("# Solution"):
        lines = lines[1:]
    tree = ast.parse("\n".join(lines))
    node = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == function), None)
    if node is None:
        raise ValueError(f"the worked solution does not define {function}()")
    header_end = next(k for k in range(node.lineno - 1, len(lines)) if lines[k].split("#")[0].rstrip().endswith(":"))
    indent = " " * node.body[0].col_offset
    before = [line for line in lines[: node.lineno - 1] if not _ASSERT_LINE.match(line)]
    body = lines[header_end + 1 : node.end_lineno]
    marked = [
        *before,
        *lines[node.lineno - 1 : header_end + 1],
        indent + "### BEGIN SOLUTION",
        *body,
        indent + "### END SOLUTION",
    ]
    while marked and not marked[0].strip():
        marked.pop(0)
    return "\n".join(marked)


def _nbgrader(grade_id: str, *, solution=False, grade=False, locked=False, points=None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution}
    if points is not None:
        meta["points"] = points
    return meta


def assignment_notebook(nb, lesson: str):
    """The nbgrader source notebook of a lesson (a new notebook; ``nb`` is not modified)."""
    found = exercises(nb)
    points = POINTS.get(lesson, {})
    checks = [exercise.check for exercise in found]
    if sorted(checks) != sorted(points):
        raise ValueError(f"POINTS[{lesson!r}] lists {sorted(points)}, but the lesson's exercises call {sorted(checks)}")
    by_stub = {exercise.stub: exercise for exercise in found}
    solutions = {exercise.solution for exercise in found}
    source = copy.deepcopy(nb)
    cells = []
    for index, cell in enumerate(nb["cells"]):
        if index in solutions:
            continue
        if index in by_stub:
            exercise = by_stub[index]
            worked = nb["cells"][exercise.solution]
            solution = nbformat.v4.new_code_cell(_solution_source(solution_code(worked), exercise.function))
            solution.metadata["nbgrader"] = _nbgrader(f"exercise{exercise.number}-{exercise.function}", solution=True)
            solution.metadata["slideshow"] = {"slide_type": "-"}
            test = nbformat.v4.new_code_cell(
                f"# Autograded: exercise {exercise.number}, {points[exercise.check]} point(s). "
                f"{exercise.check} prints what is wrong.\n"
                f'assert {exercise.check}({exercise.function}), "{exercise.function} is not right yet: '
                f'the ✗ line above says why"'
            )
            test.metadata["nbgrader"] = _nbgrader(
                f"exercise{exercise.number}-{exercise.check}", grade=True, locked=True, points=points[exercise.check]
            )
            test.metadata["slideshow"] = {"slide_type": "-"}
            cells += [solution, test]
            continue
        kept = copy.deepcopy(cell)
        kept.metadata["nbgrader"] = _nbgrader(f"cell-{kept.get('id', index)}", locked=True)
        cells.append(kept)
    source["cells"] = cells
    nbformat.validate(source)
    return source


def write_course(paths: list[Path], out: Path, overwrite: bool = False) -> list[Path]:
    """Write ``out/nbgrader_config.py`` and ``out/source/<lesson>/<lesson>.ipynb`` for every lesson notebook.

    Everything is checked and made before the first write: each notebook read and turned into its assignment (a
    notebook that is not a lesson is an :class:`~ddpm_lessons.InputError` naming it), ``out`` a folder without
    lessons, and no file in it replaced without ``overwrite`` (the config an instructor may have edited included)."""
    notebooks = read_notebooks(paths)
    check_out_folder(out, paths)
    targets = [out / "source" / path.stem / path.name for path in paths]
    check_targets([out / "nbgrader_config.py", out / "templates" / "feedback" / "mathjax.html.j2", *targets], overwrite)
    made = []
    for path, nb in zip(paths, notebooks):
        try:
            made.append(assignment_notebook(nb, path.stem))
        except ValueError as error:  # not a lesson with checked exercises
            raise InputError(f"{path} cannot be an assignment: {error} (NOTEBOOK)", parameter="NOTEBOOK") from None
    out.mkdir(parents=True, exist_ok=True)
    write_text(out / "nbgrader_config.py", CONFIG)
    (out / "templates" / "feedback").mkdir(parents=True, exist_ok=True)
    write_text(out / "templates" / "feedback" / "mathjax.html.j2", FEEDBACK_MATHJAX)
    for assignment, target in zip(made, targets):
        target.parent.mkdir(parents=True, exist_ok=True)
        write_notebook(assignment, target)
    return targets


def _mathml(match: re.Match, convert) -> str:
    display = match.group("display") is not None
    tex = html.unescape(match.group("display") if display else match.group("inline")).strip()
    # latex2mathml lays out `split` (the same columns as `aligned`, which it reads as plain text with a stray `&`).
    tex = tex.replace("{aligned}", "{split}")
    try:
        mathml = convert(tex, display="block" if display else "inline")
    except Exception:  # latex2mathml raises many kinds on TeX it does not know: keep that TeX as text
        return match.group(0)
    return match.group(0) if "<mi>&</mi>" in mathml else mathml  # an alignment it could not lay out


def typeset_math(rendered: str) -> str:
    """HTML with every ``$$…$$`` and ``$…$`` outside code typeset as MathML (latex2mathml, the ``instructor``
    extra), which browsers draw without a script or a network. Without latex2mathml the HTML is returned as it is
    (the maths stays TeX), with a warning."""
    try:
        from latex2mathml.converter import convert
    except ImportError:
        warnings.warn("latex2mathml is missing (pip install -e .[instructor]): feedback keeps its maths as TeX")
        return rendered
    pieces, start = [], 0
    for literal in LITERAL.finditer(rendered):
        pieces.append(MATH.sub(lambda m: _mathml(m, convert), rendered[start : literal.start()]))
        pieces.append(literal.group(0))
        start = literal.end()
    pieces.append(MATH.sub(lambda m: _mathml(m, convert), rendered[start:]))
    return "".join(pieces)


def markdown_with_mathml(source: str) -> str:
    """A markdown cell as nbconvert renders it, with its maths typeset by :func:`typeset_math`: nbgrader's
    ``markdown2html`` filter in the course directory's feedback (``nbgrader_config.py``)."""
    from nbconvert.filters.markdown import markdown2html

    return typeset_math(markdown2html(source))


def main(argv: list[str] | None = None) -> int:
    parser = CommandLineParser(
        prog="python -m ddpm_lessons.course.assignments", description="An nbgrader course directory from the lessons."
    )
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument(
        "--out", type=Path, default=None, help="default _build/nbgrader (_build/nbgrader-zh with --lang zh)"
    )
    parser.add_argument("--overwrite", action="store_true", help="replace files already in --out")
    add_language_option(parser)
    args = parser.parse_args(argv)
    args.out = default_out(args.out, ROOT / "_build" / "nbgrader", args.lang)
    paths = args.notebooks or course_notebooks(args.lang)
    return main_with_errors(lambda: report(write_course(paths, args.out, args.overwrite), args.out))


def report(written: list[Path], out: Path) -> int:
    """Print each assignment written with its graded exercises and points, then what to do next."""
    for target, nb in zip(written, read_notebooks(written)):
        graded = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
        total = sum(c.metadata["nbgrader"]["points"] for c in graded)
        print(f"{display_path(target)}  ({counted(len(graded), 'graded exercise')}, {counted(total, 'point')})")
    print(
        f"course directory {display_path(out)}: cd there, then `nbgrader generate_assignment <lesson>` "
        "(README, For instructors)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
