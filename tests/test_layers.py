"""The layers of the design hold, and no module imports itself round a cycle.

Read from the source, not from what Python happens to have imported: every module
of the integration is parsed and its imports resolved.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
import sys

PACKAGE = Path(__file__).parent.parent / "custom_components" / "utility_cost"
ROOT = "custom_components.utility_cost"


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package(path: Path) -> str:
    module = _module(path)
    return module if path.name == "__init__.py" else module.rsplit(".", 1)[0]


def _run_time_imports(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    """Yield the imports that run (not those only for type checkers)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node


def _imports(path: Path) -> set[str]:
    """Return the modules a file imports, relative imports made absolute."""
    found: set[str] = set()
    modules = {_module(p) for p in PACKAGE.rglob("*.py")}
    for node in _run_time_imports(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
            continue
        if node.level:
            base = _package(path).split(".")
            base = base[: len(base) - node.level + 1]
            target = ".".join([*base, node.module] if node.module else base)
        else:
            target = node.module or ""
        found.add(target)
        # "from . import name" may name a module of the package.
        found |= {
            f"{target}.{alias.name}"
            for alias in node.names
            if f"{target}.{alias.name}" in modules
        }
    return found


MODULES = {_module(path): _imports(path) for path in PACKAGE.rglob("*.py")}


def test_the_domain_imports_only_the_standard_library() -> None:
    for module, imports in MODULES.items():
        if module.startswith(f"{ROOT}.domain"):
            for imported in imports:
                top = imported.split(".")[0]
                assert (
                    top in sys.stdlib_module_names
                    or top == "__future__"
                    or imported.startswith(f"{ROOT}.domain")
                ), (module, imported)


def test_the_api_clients_import_no_home_assistant_and_no_shell() -> None:
    for module, imports in MODULES.items():
        if module.startswith(f"{ROOT}.api"):
            for imported in imports:
                assert not imported.startswith("homeassistant"), (module, imported)
                if imported.startswith(ROOT):
                    assert imported.startswith((f"{ROOT}.api", f"{ROOT}.domain")), (
                        module,
                        imported,
                    )


def test_shared_code_does_not_import_a_kind() -> None:
    """Only the registry, the config flow (its mixins) and the platforms' thin
    dispatch reach into ``kinds/``; shared layers never do."""
    allowed = {
        f"{ROOT}",
        f"{ROOT}.config_flow",
        f"{ROOT}.diagnostics",
        f"{ROOT}.repairs",
        f"{ROOT}.sensor",
        f"{ROOT}.binary_sensor",
        f"{ROOT}.number",
        f"{ROOT}.switch",
    }
    for module, imports in MODULES.items():
        if module.startswith(f"{ROOT}.kinds") or module in allowed:
            continue
        for imported in imports:
            assert not imported.startswith(f"{ROOT}.kinds"), (module, imported)


def test_no_import_cycle() -> None:
    graph = {
        module: {imported for imported in imports if imported in MODULES}
        for module, imports in MODULES.items()
    }
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for imported in sorted(graph[module]):
            if state.get(imported) == 1:
                cycles.append([*path[path.index(imported) :], imported])
            elif imported not in state:
                visit(imported)
        path.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    assert cycles == []
