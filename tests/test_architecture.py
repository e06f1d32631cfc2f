"""The package's shape: dependencies point one way (no import cycles, counting
imports inside functions), and only the settings module reads INTERVIEWER_*."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import interviewer

PACKAGE = Path(interviewer.__file__).resolve().parent


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def import_graph() -> dict[str, set[str]]:
    """module -> the package's modules it imports, anywhere in its body."""
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in files}
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(module, node, path.name == "__init__.py")
                targets = [base] + [f"{base}.{a.name}" for a in node.names]
            for t in targets:
                if t in files and t != module:
                    graph[module].add(t)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycles() -> None:
    graph = import_graph()
    assert len(graph) > 10
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_cycles() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_only_the_settings_module_reads_interviewer_variables() -> None:
    readers = []
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.name != "settings.py" and '"INTERVIEWER_' in text and "environ" in text:
            readers.append(path.name)
    assert readers == []


def test_every_error_the_package_defines_is_an_interviewer_error() -> None:
    from interviewer import errors

    bases = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and node.name.endswith("Error"):
                bases.append((path.name, node.name))
    assert all(name == "errors.py" for name, _ in bases), bases
    assert all(
        issubclass(getattr(errors, cls), errors.InterviewerError) for _, cls in bases if cls != "InterviewerError"
    )


def _module_map() -> str:
    """The README's module map: the bullet that starts with `interviewer/`."""
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    start = readme.index("- `interviewer/` — ")
    return readme[start : readme.index("\n\n", start)]


def test_the_readme_module_map_names_every_module() -> None:
    text = _module_map()
    named = set(re.findall(r"`([a-z_]+\.py)`", text)) | set(re.findall(r"`[a-z_]+\.py`/`([a-z_]+\.py)`", text))
    modules = {p.name for p in PACKAGE.rglob("*.py") if p.name != "__init__.py"}
    assert modules - named == set(), "not in README's module map"
    # ... and names nothing that is gone (app.py is also the repository's entry script).
    assert named - modules == set(), "README's module map names modules that do not exist"


def test_only_the_web_package_imports_streamlit() -> None:
    importers = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            if any(n == "streamlit" or n.startswith("streamlit.") for n in names):
                importers.append(path.relative_to(PACKAGE).as_posix())
    assert importers and all(p.startswith("web/") for p in importers), importers
