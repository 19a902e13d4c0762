"""Shift times: a site's named shifts, their instances on dates, and which one is now or next.

All in the site's timezone (a shift is 08:00-20:00 local); a shift whose end is not after its start
ends the next morning (夜班 20:00-08:00)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Site, require_id
from storage.repos import shifts as shift_repo

_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True, slots=True)
class ShiftDef:
    code: str
    name: str
    start: time
    end: time
    position: int = 0  # order by start time, part of a timer's ref

    @property
    def hours(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


# Two 12-hour shifts unless the site defines its own (002 L11 names 8:00 as the start).
DEFAULT_SHIFTS = (ShiftDef("D", "白班", time(8), time(20), 0), ShiftDef("N", "夜班", time(20), time(8), 1))


@dataclass(frozen=True, slots=True)
class Instance:
    """One shift on one date (the date it starts)."""

    shift: ShiftDef
    day: date
    start_at: datetime
    end_at: datetime

    @property
    def ref(self) -> int:
        """A timer ref: yyyymmdd and the shift's position (2026113001)."""
        return int(self.day.strftime("%Y%m%d")) * 100 + self.shift.position


def parse_hhmm(text: str) -> time:
    match = _HHMM.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a time HH:MM")
    return time(int(match.group(1)), int(match.group(2)))


async def shifts_of(session: AsyncSession, site: Site) -> tuple[ShiftDef, ...]:
    rows = await shift_repo.shifts_of(session, site_id=require_id(site))
    if not rows:
        return DEFAULT_SHIFTS
    return tuple(
        ShiftDef(row.code, row.name, parse_hhmm(row.start), parse_hhmm(row.end), i) for i, row in enumerate(rows)
    )


def find_shift(defs: tuple[ShiftDef, ...], text: str) -> ShiftDef | None:
    """A shift by its code or name, ignoring case."""
    wanted = text.strip().lower()
    return next((s for s in defs if wanted in (s.code.lower(), s.name.lower())), None)


def instance(shift: ShiftDef, day: date, zone: ZoneInfo) -> Instance:
    start = datetime.combine(day, shift.start, tzinfo=zone)
    end_day = day if shift.end > shift.start else day + timedelta(days=1)
    end = datetime.combine(end_day, shift.end, tzinfo=zone)
    return Instance(shift, day, start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC")))


def instances(defs: tuple[ShiftDef, ...], first: date, last: date, zone: ZoneInfo) -> list[Instance]:
    """Every shift on every date from first to last, in order of start."""
    out: list[Instance] = []
    day = first
    while day <= last:
        out.extend(instance(s, day, zone) for s in defs)
        day += timedelta(days=1)
    return sorted(out, key=lambda i: (i.start_at, i.shift.position))


def around(defs: tuple[ShiftDef, ...], now: datetime, zone: ZoneInfo) -> list[Instance]:
    today = now.astimezone(zone).date()
    return instances(defs, today - timedelta(days=1), today + timedelta(days=1), zone)


def current(defs: tuple[ShiftDef, ...], now: datetime, zone: ZoneInfo) -> Instance | None:
    """The shift going on now (the latest started one when shifts overlap)."""
    going = [i for i in around(defs, now, zone) if i.start_at <= now < i.end_at]
    return going[-1] if going else None


def following(defs: tuple[ShiftDef, ...], after: Instance, zone: ZoneInfo) -> Instance:
    """The shift that starts next after this one starts (the one that takes it over)."""
    later = [
        i
        for i in instances(defs, after.day, after.day + timedelta(days=2), zone)
        if (i.start_at, i.shift.position) > (after.start_at, after.shift.position)
    ]
    ending = [i for i in later if i.start_at >= after.end_at]  # prefer the one starting when this ends
    return (ending or later)[0]


def ending_near(
    defs: tuple[ShiftDef, ...], now: datetime, zone: ZoneInfo, *, among: list[Instance] | None = None
) -> Instance:
    """The shift being handed over now: the one whose end is nearest (before or after now)."""
    pool = among or [i for i in around(defs, now, zone) if i.start_at <= now + timedelta(hours=1)]
    return min(pool, key=lambda i: abs((i.end_at - now).total_seconds()))
