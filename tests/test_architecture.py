"""The layering guard (SPEC: imports flow bot/ → handlers/ → storage/): no Telegram library below
bot/, nothing from bot/ in handlers/, nothing from handlers/ or bot/ in storage/. Imports are read
with ``ast``, so an import inside a function or under TYPE_CHECKING counts too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
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
    import handlers.desk
"""
    assert imported_packages(source) == {"telegram", "aiogram", "bot", "handlers"}
