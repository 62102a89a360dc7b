"""The worked solutions of every lesson: collapsed markdown cells that Run All never executes, run here instead.

Each lesson's worked solution (:func:`~ddpm_lessons.course.slides.worked_solution_cell`) is executed in this process
with the lesson's code cells it needs and nothing else: the cells before it that define a name the solution reads,
found by reading the code (:func:`needed_cells`), then the solution itself, which asserts its check and prints ✓.
So every solution is checked without running a lesson twice. The committed lessons hold no solution as a code cell
and no check's ✓ line in a stored output, and the Chinese edition holds the English solutions character for character.
"""

import ast
import builtins
import contextlib
import io
import re
import symtable

import matplotlib
import pytest
from lesson_notebooks import NOTEBOOKS

from ddpm_lessons.course.assignments import exercises
from ddpm_lessons.course.edition import zh_path
from ddpm_lessons.course.notebooks import cell_source, read_notebook
from ddpm_lessons.course.slides import SOLUTION_SUMMARIES, is_solution, solution_code

matplotlib.use("Agg")

BUILTINS = set(dir(builtins)) | {"display", "get_ipython"}
SLOW_LESSONS = {"10_claims_and_capstone"}  # its solution trains a network (≈5 s): a slow test
_MAGIC = re.compile(r"^\s*[%!].*$", re.MULTILINE)


def runnable(source: str) -> str:
    """A code cell's source as plain Python: IPython's magics and shell lines blanked."""
    return _MAGIC.sub("", source)


def _scope_names(table, bound: set, free: set) -> None:
    for symbol in table.get_symbols():
        name = symbol.get_name()
        if table.get_type() == "module":
            if symbol.is_assigned() or symbol.is_imported():
                bound.add(name)
            elif symbol.is_referenced():
                free.add(name)
        elif symbol.is_referenced() and symbol.is_global() and not symbol.is_declared_global():
            free.add(name)
    for child in table.get_children():
        _scope_names(child, bound, free)


def _mutated(tree) -> set:
    """Names whose item or attribute a statement assigns (``d[k] = v``, ``obj.x = v``): it changes them."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, ast.Store):
            while isinstance(node, (ast.Subscript, ast.Attribute)):
                node = node.value
            if isinstance(node, ast.Name):
                found.add(node.id)
    return found


def names(tree: ast.Module) -> tuple[set, set]:
    """(names the code binds or changes at module level, module-level names it reads without binding them)."""
    bound, free = set(), set()
    _scope_names(symtable.symtable(ast.unparse(tree), "<statement>", "exec"), bound, free)
    return bound | _mutated(tree), free - bound - BUILTINS


def statements(source: str) -> list[ast.Module]:
    """The top-level statements of a code cell, each as a module of its own."""
    return [ast.Module(body=[node], type_ignores=[]) for node in ast.parse(runnable(source)).body]


def needed_statements(before: list[ast.Module], solution: str, given: frozenset = frozenset()) -> list[int]:
    """Indices of the statements of ``before`` (the lesson's code before the solution, in order) that the solution
    needs: walking back from it, every statement that binds or changes a name still needed, whose own reads become
    needed; ``given`` are names an earlier solution bound after those statements. Statement by statement, so a cell
    that trains a model is skipped when only its first line is needed."""
    needed = names(ast.parse(solution))[1] - given
    chosen = []
    for index in range(len(before) - 1, -1, -1):
        bound, free = names(before[index])
        if bound & needed:
            chosen.append(index)
            needed = (needed - bound) | free
    return sorted(chosen)


def solutions(path):
    """``(solution code, the top-level statements of the code cells before it)`` for every worked solution of a
    lesson, in order."""
    nb = read_notebook(path)
    found, before, stub = [], [], []
    for cell in nb.cells:
        if is_solution(cell):
            # a learner pastes the solution over its stub (the code cell just before it): the stub's lines are gone
            found.append((solution_code(cell), before[: len(before) - len(stub)]))
        elif cell.cell_type == "code":
            stub = statements(cell_source(cell))
            before += stub
    return found


def _lesson_param(path):
    marks = [pytest.mark.slow] if path.stem in SLOW_LESSONS else []
    return pytest.param(path, id=path.stem, marks=marks)


@pytest.mark.parametrize("path", [_lesson_param(p) for p in NOTEBOOKS])
def test_every_worked_solution_passes_its_check(path, monkeypatch):
    """Run each solution with the lesson cells it needs: its check's assert holds and it prints the ✓ line."""
    import matplotlib.pyplot as plt
    from IPython.display import display

    monkeypatch.chdir(path.parent)
    found = solutions(path)
    assert found, f"{path.name} has no worked solutions"
    for number, (code, before) in enumerate(found, 1):
        # each solution on its own, as pasted over its stub by a learner who solved the earlier exercises their own
        # way: it may read the lesson's cells before it, never a name only an earlier worked solution binds
        namespace = {"__name__": "__main__", "display": display}
        for index in needed_statements(before, code):
            exec(compile(before[index], f"<{path.stem}, statement {index}>", "exec"), namespace)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, f"<{path.stem} worked solution {number}>", "exec"), namespace)
        assert "✓ " in out.getvalue(), f"solution {number} of {path.name} printed no ✓ line: {out.getvalue()!r}"
        plt.close("all")


def test_the_slice_takes_only_the_statements_a_solution_reads():
    before = statements("import math\nimport torch\nslow = train_for_an_hour()\nscale = 2.0\nunused = 3")
    before += statements("offset = math.pi * scale\nlog = []\nlog.append(1)\nfig = plot(slow)")
    picked = needed_statements(before, "def f(x):\n    return x + offset\n\nassert check_f(f)")
    assert [ast.unparse(before[i]) for i in picked] == ["import math", "scale = 2.0", "offset = math.pi * scale"]
    assert needed_statements(before, "print(offset)", given=frozenset({"offset"})) == []
    assert [ast.unparse(before[i]) for i in needed_statements(before, "n = len(log)")] == ["log = []"]


EDITIONS = [pytest.param(p, id=p.stem) for p in NOTEBOOKS] + [
    pytest.param(zh_path(p), id=f"zh-{p.stem}") for p in NOTEBOOKS
]


@pytest.mark.parametrize("path", EDITIONS)
def test_run_all_executes_and_prints_no_worked_solution(path):
    """Run All runs code cells only: no worked solution is a code cell, and no stored output holds a check's ✓ line
    (the exercise stubs print ✗ not implemented yet)."""
    nb = read_notebook(path)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert not [cell.source for cell in code if is_solution(cell) or cell.source.lstrip().startswith("# Solution")]
    worked = [cell for cell in nb.cells if is_solution(cell)]
    assert worked and all(cell.cell_type == "markdown" for cell in worked), f"{path.name}: no collapsed solutions"
    assert [nb.cells[exercise.stub + 1] for exercise in exercises(nb)] == worked, "each right after its stub"
    for cell in code:
        for output in cell.get("outputs", []):
            text = output.get("text", "") or output.get("data", {}).get("text/plain", "")
            text = "".join(text) if isinstance(text, list) else text
            assert not [line for line in text.splitlines() if line.lstrip().startswith("✓ ")], cell.source[:80]


@pytest.mark.parametrize("path", [pytest.param(p, id=p.stem) for p in NOTEBOOKS])
def test_the_chinese_edition_holds_the_same_solutions(path):
    english = [cell for cell in read_notebook(path).cells if is_solution(cell)]
    chinese = [cell for cell in read_notebook(zh_path(path)).cells if is_solution(cell)]
    assert [solution_code(cell) for cell in chinese] == [solution_code(cell) for cell in english]
    assert all(SOLUTION_SUMMARIES["en"] in cell.source for cell in english)
    assert all(SOLUTION_SUMMARIES["zh"] in cell.source for cell in chinese)
