"""The package layout shows the flow: stage packages whose imports point one way, no cycles."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("ingest", "embed", "index", "answer")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_imports() -> dict[str, set[str]]:
    """Each project module and the project modules it imports (`from a import b` counts a.b when b is
    a module)."""
    paths = [*(ROOT / "rag").rglob("*.py"), *(ROOT / "ui").rglob("*.py")]
    modules = {module_name(p): p for p in paths}
    graph = {}
    for name, path in modules.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
            elif isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as a path of module names, or None."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = "done"
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycle():
    assert cycle(project_imports()) is None


def test_cycle_finder_sees_a_cycle():
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_stage_packages_and_a_small_top():
    top = sorted(p.name for p in (ROOT / "rag").glob("*.py"))
    assert len(top) <= 12, top
    for stage in STAGES:
        init = ROOT / "rag" / stage / "__init__.py"
        assert init.is_file(), stage
        assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), stage


def test_earlier_stages_never_import_later_ones():
    graph = project_imports()
    for earlier, later in [("ingest", "embed"), ("ingest", "index"), ("ingest", "answer"),
                           ("embed", "index"), ("embed", "answer"), ("index", "answer")]:
        for module, deps in graph.items():
            if module.startswith(f"rag.{earlier}"):
                assert not [d for d in deps if d.startswith(f"rag.{later}")], (module, later)
