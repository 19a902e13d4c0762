"""The tickets' buttons: one typed data class per action (the action strings are those of cards
already posted, so they must not change). A handler gets the parsed data, never raw arguments; data
a button of this version did not write is answered "button.stale" before it runs."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Self

from handlers.core.callback_data import MAX_ID, CallbackData
from storage.models.tickets import Satisfaction


class Department(StrEnum):
    """A department a ticket may be dispatched to (通知责任部门, 000 L86-97) rather than a person."""

    ENGINEERING = "engineering"
    SECURITY = "security"
    CLEANING = "cleaning"
    SERVICE = "service"
    GREENING = "greening"


# The card's buttons, pressed by staff at the ticket's site.


@dataclass(frozen=True)
class Accept(CallbackData, action="tk.acc"):
    """受理."""

    ticket: int


@dataclass(frozen=True)
class Dispatch(CallbackData, action="tk.disp"):
    """派工: asks whom (the site's staff and the departments)."""

    ticket: int


@dataclass(frozen=True)
class DispatchTo(CallbackData, action="tk.to"):
    """派工 to one of those listed: ``target`` is "m<Telegram id>" for a member of the site or
    "d<department>"; make it with :meth:`member` or :meth:`department`, read it with :attr:`whom`."""

    ticket: int
    target: str

    @classmethod
    def member(cls, ticket: int, telegram_id: int) -> DispatchTo:
        return cls(ticket=ticket, target=f"m{telegram_id}")

    @classmethod
    def department(cls, ticket: int, department: Department) -> DispatchTo:
        return cls(ticket=ticket, target=f"d{department}")

    @property
    def whom(self) -> int | Department | None:
        """The member's Telegram id or the department; None for a target this version did not write."""
        kind, rest = self.target[:1], self.target[1:]
        if kind == "d":
            return _DEPARTMENTS.get(rest)
        if kind == "m" and rest.isascii() and rest.isdigit() and len(rest) <= 19 and 1 <= int(rest) <= MAX_ID:
            return int(rest)
        return None

    @classmethod
    def parse(cls, args: list[str]) -> Self | None:
        data = super().parse(args)
        return data if data is not None and data.whom is not None else None


_DEPARTMENTS = {department.value: department for department in Department}


@dataclass(frozen=True)
class BackToTicket(CallbackData, action="tk.back"):
    """取消 on the 派工 picker: the card as it was."""

    ticket: int


@dataclass(frozen=True)
class OnSite(CallbackData, action="tk.onsite"):
    """已到场: the repairer is on site."""

    ticket: int


@dataclass(frozen=True)
class Resolve(CallbackData, action="tk.done"):
    """已处理."""

    ticket: int


@dataclass(frozen=True)
class Reopen(CallbackData, action="tk.reopen"):
    """重新打开 a resolved or closed ticket."""

    ticket: int


@dataclass(frozen=True)
class Photos(CallbackData, action="tk.pics"):
    """看照片 on a batch summary: the resident's photos, to the presser in private."""

    ticket: int


# The resident's buttons, in private.


@dataclass(frozen=True)
class Rate(CallbackData, action="tk.rate"):
    """The resident's rating of a callback (回访): 满意 / 基本满意 / 不满意."""

    callback: int
    rating: Satisfaction


@dataclass(frozen=True)
class PickSite(CallbackData, action="tk.site"):
    """The resident's estate, when there are several."""

    site: int


@dataclass(frozen=True)
class NewIssue(CallbackData, action="tk.new"):
    """新问题: the next message opens a new ticket rather than joining ``ticket`` (the open one)."""

    ticket: int
