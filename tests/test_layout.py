"""The layout a newcomer reads: no import cycles, and the README's table names every folder."""
import ast
import re
from pathlib import Path
from typing import Dict, Set

from tests.conftest import ROOT

PACKAGES = ["actions", "addons", "bench", "console", "devtools", "records", "serving",
            "training"]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, modules: Set[str]) -> Set[str]:
    """Our modules that `path` imports, at its top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {name for name in names if name in modules}
    return found


def test_no_module_of_ours_imports_itself_back_through_others():
    paths = [p for package in PACKAGES for p in (ROOT / package).rglob("*.py")]
    modules = {module_name(p) for p in paths}
    graph: Dict[str, Set[str]] = {module_name(p): imports(p, modules) - {
        module_name(p)} for p in paths}
    cycles, done = [], set()

    def visit(module, trail):
        if module in trail:
            cycles.append(" -> ".join(trail[trail.index(module):] + [module]))
            return
        if module in done:
            return
        for imported in sorted(graph.get(module, ())):
            visit(imported, trail + [module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
    assert cycles == []


def test_the_readme_table_names_every_folder_and_top_level_file_of_the_project():
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Where things are", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`([^`/]+)/?[^`]*`", table))
    tracked = {p.name for p in ROOT.iterdir() if not p.name.startswith(".")
               and p.name not in {"__pycache__", "build", "results", "reports", "runtime",
                                  "node_modules"}
               and (p.is_dir() or p.suffix in {".yml", ".in"} or p.name == "Procfile")}
    assert tracked - named == set()


def test_every_module_of_ours_imports():
    import importlib

    failed = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue  # Alembic loads these itself, inside a migration
            try:
                importlib.import_module(module_name(path))
            except Exception as error:  # noqa: BLE001 - every failure is reported below
                failed.append(f"{module_name(path)}: {type(error).__name__}: {error}")
    assert failed == []
