"""The package's structure: no import cycle (function-level imports included) and no private helper (``_name``)
imported from another module.

The import graph is read from the source with ``ast``: an edge A → B for every ``import``/``from … import`` in A
that names the package's module B, wherever the statement stands (module level or inside a function). ``from .
import x`` names the submodule ``x`` when there is one, else the package itself. The implicit import of a parent
package when a submodule loads is not an edge (every module would otherwise be in a cycle with ``__init__``).

Known violations in modules whose owners are changing them now are allowed by name below, so the allow-lists can be
emptied once those changes land; an allowed entry that no longer occurs fails the test, so the lists only shrink.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "ddpm_lessons"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported_from(module: str, path: Path, node: ast.ImportFrom) -> str:
    """The absolute module a ``from … import`` statement imports from."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(module: str, path: Path):
    """``(target module, imported name or None)`` for every import statement of the package's own modules."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES:
                    yield alias.name, None
        elif isinstance(node, ast.ImportFrom):
            source = imported_from(module, path, node)
            for alias in node.names:
                if f"{source}.{alias.name}" in MODULES:
                    yield f"{source}.{alias.name}", None
                elif source in MODULES:
                    yield source, alias.name


def private_attributes(module: str, path: Path):
    """``(module, target, name)`` for every ``target._name`` read through a name bound to another package module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bound = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            bound |= {alias.asname: alias.name for alias in node.names if alias.asname and alias.name in MODULES}
        elif isinstance(node, ast.ImportFrom):
            source = imported_from(module, path, node)
            for alias in node.names:
                if f"{source}.{alias.name}" in MODULES:
                    bound[alias.asname or alias.name] = f"{source}.{alias.name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in bound:
            if node.attr.startswith("_") and not node.attr.startswith("__") and bound[node.value.id] != module:
                yield module, bound[node.value.id], node.attr


def import_graph() -> dict[str, set[str]]:
    return {module: {target for target, _ in imports(module, path)} for module, path in MODULES.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (or a module importing itself): Tarjan."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while not component or component[-1] != node:
                component.append(stack.pop())
                on_stack.discard(component[-1])
            if len(component) > 1 or node in graph.get(node, ()):
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_scanner_sees_function_level_imports_and_the_package_itself():
    graph = import_graph()
    assert "ddpm_lessons.cli" in graph and "ddpm_lessons.course.lecture" in graph
    assert "ddpm_lessons.train" in graph["ddpm_lessons.cli"], "cli.py imports train() inside its commands"
    assert "ddpm_lessons.flow" in graph["ddpm_lessons"], "from . import flow in __init__"
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"a"}}) == [["a"]] and cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle():
    graph = import_graph()
    found = cycles(graph)
    assert not found, "import cycles (function-level imports count too):\n" + "\n".join(
        " ↔ ".join(component) for component in found
    )


def test_no_private_helper_is_imported_from_another_module():
    private = {
        (module, target, name)
        for module, path in MODULES.items()
        for target, name in imports(module, path)
        if name is not None and name.startswith("_") and not name.startswith("__") and target != module
    }
    private |= {use for module, path in MODULES.items() for use in private_attributes(module, path)}
    assert not private, f"private helpers imported across modules (make them public, or move them): {sorted(private)}"


def test_no_function_of_the_library_is_over_sixty_lines():
    too_long = []
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                start = min([node.lineno] + [d.lineno for d in node.decorator_list])
                if node.end_lineno - start + 1 > 60:
                    too_long.append(f"{module}.{node.name}: {node.end_lineno - start + 1} lines")
    assert not too_long, "split these into named steps (CONTRIBUTING.md):\n" + "\n".join(too_long)
