"""The lessons' maths renders: in JupyterLab (and RISE, and the decks) a markdown cell's ``$…$`` and ``$$…$$`` go to
MathJax, everything else to a markdown renderer, which turns underscores (and asterisks) into emphasis.

- Outside maths and code, no ``_`` or maths ``*`` (``ε*``) may open or close emphasis. Checked by rendering each
  cell twice with mistune, a CommonMark renderer (JupyterLab's marked agrees on these rules): as written, and with
  every ``_`` and every ``*`` after a Greek letter replaced by an inert character; the two must be the same HTML.
  Before the fix this found lesson 03's "Step 2" (``∏_{t=1}^{T} q(x_t | x_{t−1})`` set in italics), lesson 07 §3
  (``β̃_t = β_t (1 − ᾱ_{t−1})``) and lesson 09b's "With the exact ε*" (bold turned into nested italics), in both
  editions.
- Inside maths, everything parses: balanced braces, no Unicode combining marks (``β̃`` is ``\\tilde\\beta``), and
  every ``$`` closed.
- Lessons 07a/b and 09a/b typeset their equations as 02, 03a and 03b do: no plain-text subscript (``x_t``) outside maths and
  code in their prose. An exercise prompt — from its ``**Exercise``/``**练习`` paragraph to the end of its cell — is
  left to the exercise conversion (it keeps plain text); the rest of its cell (the key points, 09b's "Where this
  leads" table) is checked like any other prose.
- What the course prints for a learner has no combining tilde: in a monospace output it lands beside its letter
  ("β˜t", "ε˜ =").
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb")) + sorted(
    (ROOT / "notebooks" / "zh").glob("[0-9][0-9]*_*.ipynb")
)
TYPESET = ("07a_sampling", "07b_ddim_and_guidance", "09a_scores_and_sdes", "09b_ode_solvers_and_flows")

# What JupyterLab takes out before markdown sees the text (rendermime's removeMath) and code the renderer keeps.
PROTECTED = re.compile(r"```.*?```|`[^`\n]*`|\$\$.*?\$\$|\$[^$\n]*\$", re.S)
MATH = re.compile(r"\$\$(.*?)\$\$|\$([^$\n]*)\$", re.S)
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)
MATHS_STAR = re.compile(r"(?<=[α-ωΑ-Ω])\*")
INERT_UNDERSCORE, INERT_STAR = "\ue000", "\ue001"
# An exercise prompt opens a paragraph and runs to the end of its cell (lessons 07a and 09 end their key points
# with the first prompt).
EXERCISE_PROMPT = re.compile(r"^\*\*(?:Exercise|练习)", re.M)


def lesson_id(path: Path) -> str:
    return ("zh/" if path.parent.name == "zh" else "") + path.stem


def markdown_texts(path: Path):
    """``(cell index, text)`` of every markdown cell and every markdown output of the lesson."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "markdown":
            yield index, "".join(cell["source"])
        for output in cell.get("outputs", []) or []:
            text = (output.get("data", {}) or {}).get("text/markdown")
            if text:
                yield index, "".join(text)


def emphasis_from_maths(text: str) -> list[str]:
    """The emphasis a CommonMark renderer makes out of maths characters: ``<em>``/``<strong>`` elements that
    disappear when every ``_`` and every ``*`` after a Greek letter is made inert."""
    import mistune

    render = mistune.create_markdown(plugins=["table", "strikethrough"])
    plain = PROTECTED.sub("M", text)
    inert = MATHS_STAR.sub(INERT_STAR, plain.replace("_", INERT_UNDERSCORE))
    written = render(plain)
    intended = render(inert).replace(INERT_UNDERSCORE, "_").replace(INERT_STAR, "*")
    if written == intended:
        return []
    elements = re.findall(r"<(em|strong)>(.*?)</\1>", written, re.S)
    return [body[:80] for tag, body in elements if f"<{tag}>{body}</{tag}>" not in intended] or [written[:200]]


def prose_before_prompt(text: str) -> str:
    """The part of a markdown cell before its exercise prompt (all of it where there is none)."""
    return EXERCISE_PROMPT.split(text, maxsplit=1)[0]


def maths_problems(text: str) -> list[str]:
    problems = []
    if len(re.findall(r"(?<!\\)\$", CODE.sub("", text))) % 2:
        problems.append("an unclosed $")
    for match in MATH.finditer(CODE.sub("", text)):
        body = match.group(1) if match.group(1) is not None else match.group(2)
        depth = 0
        for char in re.sub(r"\\[{}]", "", body):
            depth += {"{": 1, "}": -1}.get(char, 0)
            if depth < 0:
                break
        if depth:
            problems.append(f"unbalanced braces in {body[:60]!r}")
        marks = [char for char in body if unicodedata.combining(char)]
        if marks:
            problems.append(f"combining mark {unicodedata.name(marks[0])} in {body[:60]!r} (use \\tilde, \\hat, \\bar)")
    return problems


def test_the_check_finds_what_markdown_eats():
    assert emphasis_from_maths("densities, q = ∏_{t=1}^{T} q(x_t | x_{t−1}) and p_θ(x_{0:T})") == [
        "{t=1}^{T} q(x_t | x"
    ]
    assert emphasis_from_maths("so β̃_t = β_t (1 − ᾱ_{t−1})/(1 − ᾱ_t), which")
    assert emphasis_from_maths("- **With the exact ε*, Heun is never better** (asserted)")
    assert (
        emphasis_from_maths("$\\prod_{t=1}^{T} q(x_t \\mid x_{t-1})$ and x_t, `x_t = f(x_0)`, *seen*, **bold**") == []
    )
    assert maths_problems("$\\tilde\\beta_t$ and $$\\frac{a}{b}$$") == []
    assert maths_problems("$β̃_t$") and maths_problems("$\\frac{a}{b$") and maths_problems("costs $5")
    key_points = "## Key points\n\n- each step adds σ_t z\n\n## Exercises\n\n"
    assert prose_before_prompt(key_points + "**Exercise 1.** Write `f(x_t)`: x_t = √ᾱ_t x₀.") == key_points
    assert prose_before_prompt("**练习 1.** 写出 x_t。") == ""
    assert prose_before_prompt("No prompt: x_t, and **Exercises** below.") == "No prompt: x_t, and **Exercises** below."


@pytest.mark.parametrize("path", LESSONS, ids=lesson_id)
def test_no_maths_is_eaten_by_markdown(path):
    found = [(index, eaten) for index, text in markdown_texts(path) if (eaten := emphasis_from_maths(text))]
    assert not found, f"{lesson_id(path)}: markdown turns maths into emphasis (cell, text): {found}; typeset it as $…$"


@pytest.mark.parametrize("path", LESSONS, ids=lesson_id)
def test_typeset_maths_parses(path):
    found = [(index, problem) for index, text in markdown_texts(path) for problem in maths_problems(text)]
    assert not found, f"{lesson_id(path)}: {found}"


@pytest.mark.parametrize("path", [p for p in LESSONS if p.stem in TYPESET], ids=lesson_id)
def test_lessons_07_09a_and_09b_typeset_their_equations(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    plain = []
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        text = prose_before_prompt("".join(cell["source"]))
        plain += [(index, line.strip()[:80]) for line in PROTECTED.sub("M", text).splitlines() if "_" in line]
    assert not plain, f"{lesson_id(path)}: maths in plain text (cell, line): {plain}"
    assert sum("$$" in "".join(cell["source"]) for cell in nb["cells"]) >= 1, "display equations as $$…$$"


def test_printed_feedback_has_no_combining_tilde():
    from ddpm_lessons.course.translations import CATALOGS

    texts = [text for catalog in CATALOGS.values() for pair in catalog.items() for text in pair]
    assert texts
    tilde = [text for text in texts if "\u0303" in text]
    assert not tilde, f"a combining tilde prints beside its letter in a monospace output: {tilde}"
    for path in LESSONS:
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            for output in cell.get("outputs", []) or []:
                text = "".join(output.get("text", "")) + "".join((output.get("data", {}) or {}).get("text/plain", ""))
                assert "\u0303" not in text, f"{lesson_id(path)}: {text[:120]!r}"
