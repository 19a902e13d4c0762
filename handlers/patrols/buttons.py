"""The buttons of patrols: one typed data class per action. The action strings are the ones cards
already posted carry, so those keep working; a field renamed or added is a type error where the
button is made (handlers.patrols.render, .recheck) and where it is read (handlers.patrols.commands).

(``slots=True`` is left out: the dataclass would rebuild the class without the ``action`` keyword.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from handlers.core.callback_data import CallbackData, Position


class OnRound(Protocol):
    """Data of a button on a round card: it names the round."""

    @property
    def round(self) -> int: ...


@dataclass(frozen=True)
class StartRound(CallbackData, action="pt.go"):
    """开始巡查 on a due round's card."""

    round: int


@dataclass(frozen=True)
class SignCheckpoint(CallbackData, action="pt.ck"):
    """A checkpoint's button on a running round's card: signed by a tap (001 L813)."""

    round: int
    position: Position  # the checkpoint's place in the plan's route


@dataclass(frozen=True)
class FinishRound(CallbackData, action="pt.end"):
    """巡查完毕 on a running round's card."""

    round: int


@dataclass(frozen=True)
class Rechecked(CallbackData, action="pt.rc"):
    """已复查 on the re-check reminder of a fixed finding (001 L551 P15)."""

    finding: int


@dataclass(frozen=True)
class SignWeek(CallbackData, action="pt.wk"):
    """签阅 on a week's review of patrol and callback records (001 L553; 003 L63 §4.4): the site and
    the week's first day as ``YYYYMMDD``, read back by ``handlers.patrols.review`` (a forged or
    far-off date, or one that starts no review week, is a stale button there)."""

    site: int
    week: str

    @classmethod
    def of(cls, site_id: int, week: date) -> SignWeek:
        return cls(site=site_id, week=week.strftime("%Y%m%d"))
