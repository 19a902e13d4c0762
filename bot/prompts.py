"""The one loader and renderer of the LLM prompt files in ``prompts/`` (SPEC §7: prompts are data).

Templates are ``string.Template`` files (``$name`` placeholders); :func:`render` fills them with
``substitute``, so a missing field is an error rather than a silent ``$name`` in the prompt, and a
``$`` inside a *value* (a user's message) is never interpreted.  Few-shot examples are JSON lines.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from string import Template
from typing import Any

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"

_PLACEHOLDER = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


class PromptError(ValueError):
    """A prompt file is missing, or a template was rendered without one of its fields."""


@lru_cache(maxsize=32)
def _read(name: str, directory: Path) -> str:
    path = directory / name
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise PromptError(f"prompt file not found: {path}") from exc


def template(name: str, *, directory: Path = PROMPTS_DIR) -> Template:
    """The template ``prompts/<name>`` (cached after the first read)."""
    return Template(_read(name, directory))


def placeholders(name: str, *, directory: Path = PROMPTS_DIR) -> frozenset[str]:
    """The ``$field`` names a template expects."""
    text = _read(name, directory).replace("$$", "")
    return frozenset(a or b for a, b in _PLACEHOLDER.findall(text))


def render(name: str, /, *, directory: Path = PROMPTS_DIR, **fields: object) -> str:
    """``prompts/<name>`` with every placeholder filled; unknown or missing fields are errors."""
    expected = placeholders(name, directory=directory)
    missing = expected - fields.keys()
    extra = fields.keys() - expected
    if missing or extra:
        raise PromptError(f"{name}: missing fields {sorted(missing)}, unexpected fields {sorted(extra)}")
    return template(name, directory=directory).substitute({k: str(v) for k, v in fields.items()})


def load_jsonl(name: str, *, directory: Path = PROMPTS_DIR) -> list[dict[str, Any]]:
    """The JSON objects of ``prompts/<name>``, one per non-blank line."""
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
