"""Telegram's text limits, counted the way Telegram counts them: in UTF-16 code units (an emoji or a
rare CJK character outside the Basic Multilingual Plane is two). A text longer than a message is
split at line boundaries into several messages, never cut; ``split_text`` is the one
splitter every long message uses (relays, held-message batches, reports).

Limits: https://core.telegram.org/bots/api#sendmessage (1-4096 characters after entities parsing),
#sendphoto / #senddocument (caption 0-1024).
"""

from __future__ import annotations

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
_SPACES = (" ", "\u3000")  # where a line longer than a message is preferably broken


def utf16_len(text: str) -> int:
    """The length Telegram counts: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MESSAGE_LIMIT, *, first_limit: int | None = None) -> list[str]:
    """``text`` as messages of at most ``limit`` UTF-16 units each (the first at most
    ``first_limit``: a caption), split between lines; a line longer than a message is broken at a
    space or, failing that, between two characters (never inside a surrogate pair). Nothing is
    dropped but the line breaks (and spaces) the split falls on, and parts that would be blank."""
    parts: list[str] = []
    lines: list[str] = []
    size = 0

    def room() -> int:
        return first_limit if first_limit is not None and not parts else limit

    for line in text.split("\n"):
        units = utf16_len(line)
        if size + units + (1 if lines else 0) <= room():
            size += units + (1 if lines else 0)
            lines.append(line)
            continue
        if lines:
            parts.append("\n".join(lines))
        while units > room():
            head, line = _cut(line, room())
            parts.append(head)
            units = utf16_len(line)
        lines, size = [line], units
    parts.append("\n".join(lines))
    kept = [part for part in parts if part.strip()]
    return kept or [text]


def _cut(line: str, room: int, *, at_space: bool = True) -> tuple[str, str]:
    """The longest head of ``line`` that fits ``room`` units (at least one character), ending
    before its last space if it has one and ``at_space`` (the space is dropped), and the rest."""
    units, end = 0, 0
    for end, char in enumerate(line):  # noqa: B007  # end is read after the loop
        units += 2 if ord(char) > 0xFFFF else 1
        if units > room:
            break
    else:
        return line, ""
    space = max(line.rfind(s, 0, end) for s in _SPACES) if at_space else -1
    if space > 0:
        return line[:space], line[space + 1 :]
    end = max(end, 1)
    return line[:end], line[end:]


def clip(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """``text`` cut to ``limit`` UTF-16 units with an ellipsis: only for what cannot be split (an
    edited message keeps its one message)."""
    if utf16_len(text) <= limit:
        return text
    head, _ = _cut(text, limit - 1, at_space=False)
    return head.rstrip() + "…"
