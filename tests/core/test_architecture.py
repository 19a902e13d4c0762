"""The layering guard (SPEC: imports flow bot/ → handlers/ → storage/): no Telegram library below
bot/, nothing from bot/ in handlers/, nothing from handlers/ or bot/ in storage/. Imports are read
with ``ast``, so an import inside a function or under TYPE_CHECKING counts too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TELEGRAM_LIBRARIES = {"aiogram", "telegram"}
FORBIDDEN: dict[str, set[str]] = {
    "handlers": TELEGRAM_LIBRARIES | {"bot"},
    "storage": TELEGRAM_LIBRARIES | {"bot", "handlers"},
}


def imported_packages(source: str, *, filename: str = "<source>") -> set[str]:
    """The top-level packages a module imports (relative imports stay inside its own package)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def violations(layer: str) -> list[str]:
    bad = []
    for path in sorted((ROOT / layer).rglob("*.py")):
        for package in sorted(imported_packages(path.read_text(encoding="utf-8"), filename=str(path))):
            if package in FORBIDDEN[layer]:
                bad.append(f"{path.relative_to(ROOT)} imports {package}")
    return bad


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_only_what_lies_below_it(layer: str) -> None:
    assert (ROOT / layer).is_dir()
    assert violations(layer) == []


def test_the_guard_sees_every_kind_of_import() -> None:
    source = """
import telegram.ext
from aiogram.types import Message
from bot.delivery import Transport
from . import sibling
def later() -> None:
    import handlers.core.desk
"""
    assert imported_packages(source) == {"telegram", "aiogram", "bot", "handlers"}


# One package per feature (handlers/<feature>/) standing on handlers/core/: a feature imports
# another feature only through that feature's named interface module, and core imports none.
FEATURE_INTERFACE = "interface"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def handler_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted((ROOT / "handlers").rglob("*.py"))}


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The handlers modules a module imports; ``from handlers.x import y`` imports handlers.x (its
    ``__init__`` runs) and handlers.x.y when y is a module."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("handlers"))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("handlers"):
            module = node.module or ""
            found.add(module)  # running ``from pkg import sub`` runs pkg's __init__ first
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found & known


def import_graph() -> dict[str, set[str]]:
    modules = handler_modules()
    return {name: imports_of(path, set(modules)) - {name} for name, path in modules.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def package_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def crossings(graph: dict[str, set[str]]) -> list[str]:
    bad = []
    for module, targets in sorted(graph.items()):
        home = package_of(module)
        for target in sorted(targets):
            there = package_of(target)
            if there in ("", "core", home):
                continue
            if home in ("", "core"):
                bad.append(f"{module} (core) imports the feature module {target}")
            elif target != f"handlers.{there}.{FEATURE_INTERFACE}":
                bad.append(f"{module} imports {target}, not handlers.{there}.{FEATURE_INTERFACE}")
    return bad


def test_handlers_have_no_import_circle() -> None:
    graph = import_graph()
    assert len(graph) > 50  # the walk found the modules
    assert circles(graph) == []


def test_features_meet_only_through_their_interfaces() -> None:
    graph = import_graph()
    assert {package_of(m) for m in graph} >= {"core", "dutylog", "shifts", "keys", "tickets", "patrols", "setup"}
    assert crossings(graph) == []


def test_the_graph_checks_see_a_circle_and_a_crossing() -> None:
    graph = {
        "handlers.keys.commands": {"handlers.dutylog.commands", "handlers.core.desk"},
        "handlers.dutylog.commands": {"handlers.keys.commands"},
        "handlers.core.desk": {"handlers.tickets.interface"},
        "handlers.tickets.interface": set(),
        "handlers.patrols.actions": {"handlers.dutylog.interface"},
        "handlers.dutylog.interface": set(),
    }
    assert circles(graph) == [["handlers.dutylog.commands", "handlers.keys.commands"]]
    assert crossings(graph) == [
        "handlers.core.desk (core) imports the feature module handlers.tickets.interface",
        "handlers.dutylog.commands imports handlers.keys.commands, not handlers.keys.interface",
        "handlers.keys.commands imports handlers.dutylog.commands, not handlers.dutylog.interface",
    ]


# Tests share through tests/support/ and conftest.py fixtures: a test module (test_*.py) or a conftest
# imported by another module runs its tests or fixtures twice, or ties two files' moves together.
SHARED_HOME = "tests/support"


def imported_modules(source: str, package: str = "", *, filename: str = "<source>") -> set[str]:
    """Every dotted name a module imports, ``from a import b`` giving both a and a.b (b may be a
    module); relative imports resolved against ``package``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def is_test_module(name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    return last.startswith("test_") or last == "conftest"


def imports_of_test_modules(folder: str) -> list[str]:
    bad = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
        for name in sorted(imported_modules(path.read_text(encoding="utf-8"), package, filename=str(path))):
            if is_test_module(name):
                bad.append(f"{path.relative_to(ROOT)} imports {name} (share it from {SHARED_HOME}/)")
    return bad


@pytest.mark.parametrize("folder", ["tests", "bench"])
def test_no_module_imports_a_test_module_or_a_conftest(folder: str) -> None:
    assert (ROOT / folder).is_dir()
    assert imports_of_test_modules(folder) == []


def test_the_test_module_guard_sees_every_kind_of_import() -> None:
    source = """
from tests.e2e.test_telegram import RunningBot
from tests.support import DeskHarness
import tests.keys.test_race
from . import test_sibling, helpers
def later() -> None:
    from tests.conftest import make_desk
    from .conftest import running
"""
    found = {name for name in imported_modules(source, "tests.e2e") if is_test_module(name)}
    assert found == {
        "tests.e2e.test_telegram",
        "tests.keys.test_race",
        "tests.e2e.test_sibling",
        "tests.conftest",
        "tests.e2e.conftest",
    }
