"""The command table entry and the button codec shared by every feature."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from handlers.core.callback_data import CallbackData
from handlers.core.callback_data import unpack as unpack
from handlers.core.context import Context
from handlers.core.messages import Outcome
from storage.codes import Access, Role

CommandHandler = Callable[[Context, str], Awaitable[Outcome]]
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


D = TypeVar("D", bound=CallbackData)


@dataclass(frozen=True, slots=True)
class ButtonAction(Generic[D]):
    """A button's action: its typed data and the handler, which loads the record the data names and
    checks the presser's role at that record's site (never trusting the data for a permission).
    With ``min_role`` the presser's role (at this chat's site; in private, at any site) is checked
    before the data is even read: someone without it is told so whatever the data says, and only
    then is forged or stale data answered "button.stale"."""

    data: type[D]
    run: Callable[[Context, D], Awaitable[Outcome]]
    min_role: Access | None = None

    @property
    def name(self) -> str:
        return self.data.action

    async def press(self, ctx: Context, args: list[str]) -> Outcome:
        if self.min_role is not None and not ctx.may_here(self.min_role):
            return role_denied(ctx, self.min_role)
        parsed = self.data.parse(args)
        if parsed is None:
            return Outcome(toast=ctx.t("button.stale"))
        return await self.run(ctx, parsed)


AnyButton = ButtonAction[Any]


def role_denied(ctx: Context, role: Access) -> Outcome:
    """The alert for a presser whose role does not allow the button."""
    return Outcome(toast=ctx.t("denied.role", role=ctx.t(f"role.{role}")), alert=True)
