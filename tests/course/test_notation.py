"""The notation table of lesson 00 names only code that exists."""

import re

import torch

import ddpm_lessons
from ddpm_lessons import DiffusionSchedule
from ddpm_lessons.course.notation import LESSONS, NOTATION, lessons_markdown, notation_markdown
from ddpm_lessons.course.notebooks import course_notebooks

# Names a learner writes in their own code rather than imports from the package.
LOCAL_NAMES = {"x0", "x_t", "t", "noise", "model", "len", "torch"}


def test_every_code_name_exists():
    schedule = DiffusionSchedule.linear(10)
    for symbol, code, chinese, english in NOTATION:
        assert chinese and english, symbol
        for name in re.findall(r"[A-Za-z_][\w.]*", code.split("(0-based")[0]):
            head, _, attr = name.partition(".")
            if head == "schedule" and attr:
                assert hasattr(schedule, attr), f"{symbol}: schedule has no {attr}"
            elif head == "torch":
                assert hasattr(torch, attr), name
            elif head not in LOCAL_NAMES | {"schedule"}:
                assert hasattr(ddpm_lessons, head), f"{symbol}: ddpm_lessons has no {head}"


def test_seed_terms_present():
    terms = " ".join(chinese for _, _, chinese, _ in NOTATION)
    for term in (
        "正向扩散",
        "反向扩散",
        "重参数化技巧",
        "变分下界",
        "各向同性",
        "闭式",
        "时间步",
        "跳跃连接",
        "位置编码",
    ):
        assert term in terms, term


def test_markdown_tables():
    assert notation_markdown().count("\n") == len(NOTATION) + 1
    table = lessons_markdown({"00_start_here": 0.5})
    assert "| 00 | `00_start_here` |" in table and "0.5 min" in table
    assert [name for _, name, _, _ in LESSONS] == [path.stem for path in course_notebooks()]


def test_lesson_map_shows_cpu_times_and_the_readme_agrees():
    import re
    from pathlib import Path

    table = lessons_markdown()
    seconds_07a = dict((name, seconds) for _, name, _, seconds in LESSONS)["07a_sampling"]
    assert "| 07a | `07a_sampling` |" in table and f"| {seconds_07a} s |" in table
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for number, name, _, seconds in LESSONS:
        row = re.search(rf"^\| {number} \| `{name}` \|.*\| (\d+) s \|$", readme, re.MULTILINE)
        assert row, f"README's lesson table has no row for {name}"
        assert int(row.group(1)) == seconds, f"README says {row.group(1)} s for {name}, notation.LESSONS {seconds} s"


def _cells(row: str) -> list[str]:
    """The cells of one Markdown table row: split at every "|" that is not escaped as "\\|"."""
    assert row.startswith("|") and row.endswith("|"), row
    return re.split(r"(?<!\\)\|", row[1:-1])


def test_every_rendered_row_has_exactly_its_columns():
    rows = notation_markdown().splitlines()
    assert len(rows) == len(NOTATION) + 2
    for row, (symbol, code, chinese, english) in zip(rows[2:], NOTATION):
        cells = [cell.strip() for cell in _cells(row)]
        assert len(cells) == 4, f"{symbol!r} renders as {len(cells)} columns: {row}"
        unescaped = [cell.replace("\\|", "|") for cell in cells]
        assert unescaped == [symbol, f"`{code}`", chinese, english]
    assert any("|" in symbol for symbol, *_ in NOTATION), "the table has conditionals to escape"
    for row in lessons_markdown().splitlines():
        assert len(_cells(row)) == 4, row


def test_the_chinese_readme_has_the_same_lesson_map_and_is_linked():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    assert (
        "README.zh-CN.md"
        in (root / "README.md").read_text(encoding="utf-8").split("\n\n")[0]
        + (root / "README.md").read_text(encoding="utf-8")[:600]
    ), "README.md links the Chinese README at its top"
    readme = (root / "README.zh-CN.md").read_text(encoding="utf-8")
    for number, name, _, seconds in LESSONS:
        row = re.search(rf"^\| {number} \|.*{name}.*\| (\d+) (?:s|秒) \|$", readme, re.MULTILINE)
        assert row, f"README.zh-CN.md's lesson table has no row for {name}"
        assert int(row.group(1)) == seconds, f"README.zh-CN.md says {row.group(1)} s for {name}, LESSONS {seconds} s"
        assert f"notebooks/zh/{name}.ipynb" in readme, f"README.zh-CN.md does not link notebooks/zh/{name}.ipynb"
