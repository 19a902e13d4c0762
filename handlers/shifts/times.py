"""Shift times: a site's named shifts, their instances on dates, and which one is now or next.

All in the site's timezone (a shift is 08:00-16:00 local); a shift whose end is not after its start
ends the next day (中班 16:00-00:00, or a site's 夜班 20:00-08:00). Shifts may overlap (a site's 中班
12:00-21:00 beside 白班 08:00-20:00 and 夜班 20:00-08:00): several can be on at once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.i18n import Translator
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


# Three shifts unless the site defines its own: "公司實行值班三班制" (000 L474), the day starting at
# 8:00 (002 L11). 早班 and 中班 are the regulation's own names (000 L564-565). A shift is dated by the
# day it starts, so the 夜班 of 11-23 is 11-23 00:00-08:00. Sites that existed before this default
# keep the two 12-hour shifts they used (migration 0010).
DEFAULT_SHIFTS = (
    ShiftDef("E", "早班", time(8), time(16), 0),
    ShiftDef("M", "中班", time(16), time(0), 1),
    ShiftDef("N", "夜班", time(0), time(8), 2),
)


# The default shifts' names, read in the reader's language (catalogue ``shifts.default_name.<word>``); the
# old two-shift default (migration 0010) included. A shift a site named itself is shown as named.
_DEFAULT_NAMES = {("E", "早班"): "early", ("M", "中班"): "late", ("N", "夜班"): "night", ("D", "白班"): "day"}


def display_name(t: Translator, shift: ShiftDef) -> str:
    """The shift's name for a reader: a default shift in their language (an English reader sees "Night
    shift", not 夜班); a site's own name as the site wrote it."""
    word = _DEFAULT_NAMES.get((shift.code, shift.name))
    return t(f"shifts.default_name.{word}") if word else shift.name


@dataclass(frozen=True, slots=True)
class Instance:
    """One shift on one date (the date it starts)."""

    shift: ShiftDef
    day: date
    start_at: datetime
    end_at: datetime

    @property
    def start_ref(self) -> int:
        """A timer ref for the moment this shift starts (see :func:`moment_ref`)."""
        return moment_ref(self.start_at)

    @property
    def end_ref(self) -> int:
        """A timer ref for the moment this shift ends."""
        return moment_ref(self.end_at)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
LEGACY_REF = 10**9  # refs of yyyymmdd and a position (2026113001), made before shifts could be added


def moment_ref(moment: datetime) -> int:
    """A timer ref naming a moment: minutes since 1970 (UTC). A shift's timers name the moment it
    starts or ends, not its place in the site's list, so a shift added later (a 中班 between 白班 and
    夜班) does not turn tonight's 夜班 reminder into a 中班 one; a shift whose times change leaves its
    old timers naming a moment no shift has any more, and they do nothing."""
    return int((moment - _EPOCH).total_seconds() // 60)


def moment_of(ref: int) -> datetime | None:
    """The moment a :func:`moment_ref` names; None for a ref of the old form."""
    return None if ref >= LEGACY_REF else _EPOCH + timedelta(minutes=ref)


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


def going(defs: tuple[ShiftDef, ...], now: datetime, zone: ZoneInfo) -> list[Instance]:
    """Every shift on now, in order of start (several when shifts overlap)."""
    return [i for i in around(defs, now, zone) if i.start_at <= now < i.end_at]


def at_moment(defs: tuple[ShiftDef, ...], moment: datetime, zone: ZoneInfo, *, ending: bool = False) -> list[Instance]:
    """The shifts starting (or, with ``ending``, ending) exactly at this moment."""
    return [i for i in around(defs, moment, zone) if (i.end_at if ending else i.start_at) == moment]


def following(defs: tuple[ShiftDef, ...], after: Instance, zone: ZoneInfo) -> Instance:
    """The shift that takes this one over: whoever is on when it ends (of the shifts on at that
    moment, the latest started: 白班 ending at 20:00 goes to the 夜班 starting then, not to a 中班
    still running until 21:00; that 中班 at 21:00 goes to the 夜班 on since 20:00, not to the next
    day's 白班); when nobody is on then, the next shift to start."""
    pool = instances(defs, after.day - timedelta(days=1), after.day + timedelta(days=2), zone)
    on = [i for i in pool if i != after and i.start_at <= after.end_at < i.end_at]
    if on:
        return on[-1]
    return next(i for i in pool if i.start_at > after.end_at)


def starting_after(defs: tuple[ShiftDef, ...], now: datetime, zone: ZoneInfo) -> list[Instance]:
    """The shifts starting after now, in order (two days of them)."""
    today = now.astimezone(zone).date()
    return [i for i in instances(defs, today, today + timedelta(days=2), zone) if i.start_at > now]


def ending_near(
    defs: tuple[ShiftDef, ...], now: datetime, zone: ZoneInfo, *, among: list[Instance] | None = None
) -> Instance:
    """The shift being handed over now: the one whose end is nearest (before or after now)."""
    pool = among or [i for i in around(defs, now, zone) if i.start_at <= now + timedelta(hours=1)]
    return min(pool, key=lambda i: abs((i.end_at - now).total_seconds()))
