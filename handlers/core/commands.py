"""The command table entry and the button codec shared by every feature."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from handlers.core.callback_data import BUTTON_VERSION, MAX_ID, CallbackData
from handlers.core.callback_data import unpack as unpack
from handlers.core.context import Context
from handlers.core.messages import Outcome
from storage.codes import Access, Role

CommandHandler = Callable[[Context, str], Awaitable[Outcome]]
ButtonHandler = Callable[[Context, list[str]], Awaitable[Outcome]]
Where = Literal["group", "private", "any"]


@dataclass(frozen=True, slots=True)
class Command:
    """A slash command: who may use it (minimum role at the chat's site) and where."""

    name: str
    run: CommandHandler
    min_role: Access = Role.STAFF
    where: Where = "group"
    aliases: tuple[str, ...] = ()
    needs_site: bool = True  # in a group: only in a site's duty group
    # /help and the command menu list it only to this role or above, for a command whose handler
    # checks the role itself (/setup: ANYONE may call it, only an admin can use it).
    listed_role: Role | None = None
    before_setup: bool = False  # listed only in a group that is not yet a site's duty group (/setup)

    @property
    def help_key(self) -> str:
        return f"help.{self.name}"


@dataclass(frozen=True, slots=True)
class ButtonAction:
    """A button's action with untyped arguments (being replaced by :class:`Button`)."""

    name: str
    run: ButtonHandler

    async def press(self, ctx: Context, args: list[str]) -> Outcome:
        return await self.run(ctx, args)


D = TypeVar("D", bound=CallbackData)


@dataclass(frozen=True, slots=True)
class Button(Generic[D]):
    """A button's action: its typed data and the handler, which loads the record the data names and
    checks the presser's role at that record's site (never trusting the data for a permission)."""

    data: type[D]
    run: Callable[[Context, D], Awaitable[Outcome]]

    @property
    def name(self) -> str:
        return self.data.action

    async def press(self, ctx: Context, args: list[str]) -> Outcome:
        parsed = self.data.parse(args)
        if parsed is None:
            return Outcome(toast=ctx.t("button.stale"))
        return await self.run(ctx, parsed)


AnyButton = ButtonAction | Button[Any]


def pack(action: str, *args: object) -> str:
    """Callback data: ``1|action|arg…``, short and versioned; Telegram allows 64 bytes."""
    data = "|".join([BUTTON_VERSION, action, *(str(a) for a in args)])
    if len(data.encode()) > 64:
        raise ValueError(f"callback data too long: {data!r}")
    return data


def code_arg(args: list[str], allowed: tuple[str, ...], index: int = 0) -> str | None:
    """A taxonomy code from a button, or None when the data names none this version knows."""
    code = args[index] if len(args) > index else None
    return code if code in allowed else None


def int_arg(args: list[str], index: int = 0, *, minimum: int = 1) -> int | None:
    """A record id from a button (``minimum=0`` for a position in a list), or None when the data
    names none (missing, not a plain decimal, below ``minimum``, or beyond 64 bits): the caller
    answers "button.stale"."""
    text = args[index] if len(args) > index else ""
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    value = int(text)
    return value if minimum <= value <= MAX_ID else None
