"""The one loader and renderer of the LLM prompt files (SPEC §7: prompts are data).

The files live next to this module (``bot/prompts/*.md``, ``*.jsonl``) and ship in the wheel as
package data; they are read with ``importlib.resources``, so a plain ``pip install .`` (the Docker
image) has them too.

Templates are ``string.Template`` files (``$name`` placeholders); :func:`render` fills them with
``substitute``, so a missing field is an error rather than a silent ``$name`` in the prompt, and a
``$`` inside a *value* (a user's message) is never interpreted.  Few-shot examples are JSON lines.
"""

from __future__ import annotations

import json
import re
from importlib.resources import files
from importlib.resources.abc import Traversable
from string import Template
from typing import Any

PROMPTS_DIR: Traversable = files(__name__)

_PLACEHOLDER = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


class PromptError(ValueError):
    """A prompt file is missing, or a template was rendered without one of its fields."""


_texts: dict[tuple[str, str], str] = {}  # (folder, name) → text, read once


def _read(name: str, directory: Traversable | None) -> str:
    folder = PROMPTS_DIR if directory is None else directory
    key = (str(folder), name)
    if key not in _texts:
        path = folder / name
        try:
            _texts[key] = path.read_text(encoding="utf-8")
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise PromptError(f"prompt file not found: {path}") from exc
    return _texts[key]


def template(name: str, *, directory: Traversable | None = None) -> Template:
    """The template ``<name>`` (cached after the first read)."""
    return Template(_read(name, directory))


def placeholders(name: str, *, directory: Traversable | None = None) -> frozenset[str]:
    """The ``$field`` names a template expects."""
    text = _read(name, directory).replace("$$", "")
    return frozenset(a or b for a, b in _PLACEHOLDER.findall(text))


def render(name: str, /, *, directory: Traversable | None = None, **fields: object) -> str:
    """The template ``<name>`` with every placeholder filled; unknown or missing fields are errors."""
    expected = placeholders(name, directory=directory)
    missing = expected - fields.keys()
    extra = fields.keys() - expected
    if missing or extra:
        raise PromptError(f"{name}: missing fields {sorted(missing)}, unexpected fields {sorted(extra)}")
    return template(name, directory=directory).substitute({k: str(v) for k, v in fields.items()})


def load_jsonl(name: str, *, directory: Traversable | None = None) -> list[dict[str, Any]]:
    """The JSON objects of ``<name>``, one per non-blank line."""
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(_read(name, directory).splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise PromptError(f"{name}:{number}: {exc}") from exc
        if not isinstance(row, dict):
            raise PromptError(f"{name}:{number}: expected a JSON object")
        rows.append(row)
    return rows
