"""The command table entry and the button codec shared by every feature."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from handlers.core.context import Context
from handlers.core.messages import Outcome

CommandHandler = Callable[[Context, str], Awaitable[Outcome]]
ButtonHandler = Callable[[Context, list[str]], Awaitable[Outcome]]
Where = Literal["group", "private", "any"]


@dataclass(frozen=True, slots=True)
class Command:
    """A slash command: who may use it (minimum role at the chat's site) and where."""

    name: str
    run: CommandHandler
    min_role: str = "staff"
    where: Where = "group"
    aliases: tuple[str, ...] = ()
    needs_site: bool = True  # in a group: only in a site's duty group

    @property
    def help_key(self) -> str:
        return f"help.{self.name}"


@dataclass(frozen=True, slots=True)
class ButtonAction:
    """A button's action. The handler loads the record and checks the presser's role at its site."""

    name: str
    run: ButtonHandler


BUTTON_VERSION = "1"


def pack(action: str, *args: object) -> str:
    """Callback data: ``1|action|arg…``, short and versioned; Telegram allows 64 bytes."""
    data = "|".join([BUTTON_VERSION, action, *(str(a) for a in args)])
    if len(data.encode()) > 64:
        raise ValueError(f"callback data too long: {data!r}")
    return data


def unpack(data: str | None) -> tuple[str, list[str]] | None:
    """The action and its arguments, or None for data this version did not write (forged or stale)."""
    if not data:
        return None
    parts = data.split("|")
    if len(parts) < 2 or parts[0] != BUTTON_VERSION or not parts[1]:
        return None
    return parts[1], parts[2:]


def code_arg(args: list[str], allowed: tuple[str, ...], index: int = 0) -> str | None:
    """A taxonomy code from a button, or None when the data names none this version knows."""
    code = args[index] if len(args) > index else None
    return code if code in allowed else None


MAX_ID = 2**63 - 1  # a BIGINT; a larger (forged) id is no record and must not reach the database


def int_arg(args: list[str], index: int = 0, *, minimum: int = 1) -> int | None:
    """A record id from a button (``minimum=0`` for a position in a list), or None when the data
    names none (missing, not a plain decimal, below ``minimum``, or beyond 64 bits): the caller
    answers "button.stale"."""
    text = args[index] if len(args) > index else ""
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    value = int(text)
    return value if minimum <= value <= MAX_ID else None
