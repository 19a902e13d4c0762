"""The shifts feature's buttons: one typed data class per action. The action strings are those of
the cards already posted (``hov.take``, ``hov.allow``, ``day.sign``), so they keep working.

Plain ``@dataclass(frozen=True)``: ``slots=True`` makes the dataclass rebuild the class, which runs
``CallbackData.__init_subclass__`` again without its ``action`` keyword."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from handlers.core.callback_data import CallbackData


@dataclass(frozen=True)
class TakeHandoverData(CallbackData, action="hov.take"):
    """接班 on a handover's card: the incoming person confirms (002 L25)."""

    handover: int


@dataclass(frozen=True)
class AllowHandoverData(CallbackData, action="hov.allow"):
    """A supervisor's override of a handover blocked by an open major incident (000 L131)."""

    handover: int


@dataclass(frozen=True)
class SignDayData(CallbackData, action="day.sign"):
    """签阅 on a duty day's log (000 L116): the site and the day as ``YYYYMMDD``, read back by
    ``handlers.shifts.daylog`` (a forged or far-off date is a stale button there)."""

    site: int
    day: str

    @classmethod
    def of(cls, site_id: int, day: date) -> SignDayData:
        return cls(site=site_id, day=day.strftime("%Y%m%d"))


@dataclass(frozen=True)
class ApproveShiftRequest(CallbackData, action="sr.ok"):
    """批准 on a leave or swap request (000 L127; 002 L17): the request and who covers the shift
    (for a swap, the colleague named in it)."""

    request: int
    cover: int


@dataclass(frozen=True)
class RefuseShiftRequest(CallbackData, action="sr.no"):
    """拒绝 beside 批准: the roster stands."""

    request: int
