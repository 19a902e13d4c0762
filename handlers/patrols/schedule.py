"""Patrol schedules: every N hours from a start time, fixed times of day, or N times a day, all in the
site's time zone (fire patrol every 2 h, 000 L451; supervisor twice a day, 001 L543; staff once a
day, 001 L811). A schedule is a set of minutes of the local day; rounds fall due at those minutes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from handlers.core.i18n import SaidError

DAY = 24 * 60
_CLOCK = re.compile(r"^\s*(\d{1,2})[:：.](\d{2})\s*$")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(h|hr|hrs|hours?|小时|小時|m|min|mins|minutes?|分钟|分鐘)?\s*$", re.I)
_TIME_LIST = re.compile(r"[,，、;；\s]+")


class ScheduleError(SaidError):
    """A schedule that cannot be read: a ``patrol.bad.*`` key and what was given, said in the reader's language."""


@dataclass(frozen=True, slots=True)
class Schedule:
    times: tuple[int, ...]  # minutes of the local day, sorted, distinct
    label: str  # normalised, shown in /plans and stored with the plan


def clock_minutes(text: str) -> int:
    """``"08:30"`` → 510; a bad time raises ScheduleError."""
    match = _CLOCK.match(text)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ScheduleError("patrol.bad.not_time", value=text)
    return int(match.group(1)) * 60 + int(match.group(2))


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def duration_minutes(text: str) -> int:
    """``"2h"``, ``"90m"``, ``"2"`` (hours), ``"1.5h"`` → minutes."""
    match = _DURATION.match(text)
    if not match:
        raise ScheduleError("patrol.bad.not_duration", value=text)
    value, unit = float(match.group(1)), (match.group(2) or "h").lower()
    minutes = round(value if unit.startswith(("m", "分")) else value * 60)
    if minutes < 10 or minutes > DAY:
        raise ScheduleError("patrol.bad.interval", value=text)
    return minutes


def every(interval: str, start: str = "00:00") -> Schedule:
    """Every N from a start time, repeating each local day (when N does not divide 24 h the last
    gap before the start time is shorter)."""
    step, first = duration_minutes(interval), clock_minutes(start)
    times = sorted({(first + k * step) % DAY for k in range(-(-DAY // step))})
    label = f"every {_duration_label(step)} from {hhmm(first)}"
    return Schedule(tuple(times), label)


def at(times_text: str | Sequence[str]) -> Schedule:
    """Fixed times of day: ``"08:00,20:00"`` or a list of times."""
    parts = _TIME_LIST.split(times_text) if isinstance(times_text, str) else [str(t) for t in times_text]
    times = sorted({clock_minutes(p) for p in parts if p.strip()})
    if not times:
        raise ScheduleError("patrol.bad.no_time")
    return Schedule(tuple(times), "at " + ",".join(hhmm(t) for t in times))


def per_day(count: int | str, start: str = "08:00", until: str = "20:00") -> Schedule:
    """N rounds a day spread evenly from ``start``, one every (until - start) / N."""
    try:
        n = int(count)
    except (TypeError, ValueError) as exc:
        raise ScheduleError("patrol.bad.per_day_number", value=count) from exc
    first, last = clock_minutes(start), clock_minutes(until)
    window = (last - first) % DAY or DAY
    if not 1 <= n <= 48:
        raise ScheduleError("patrol.bad.per_day_range", value=n)
    times = sorted({(first + k * window // n) % DAY for k in range(n)})
    return Schedule(tuple(times), f"{n}x a day {hhmm(first)}-{hhmm(last)}")


def _duration_label(minutes: int) -> str:
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"


def _due_on(day: date, minute: int, zone: ZoneInfo) -> datetime:
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
    return local.astimezone(ZoneInfo("UTC"))


def _candidates(times: Sequence[int], zone: ZoneInfo, moment: datetime) -> list[datetime]:
    today = moment.astimezone(zone).date()
    days = [today + timedelta(days=d) for d in (-1, 0, 1, 2)]
    return sorted(_due_on(day, minute, zone) for day in days for minute in times)


def previous_due(times: Sequence[int], zone: ZoneInfo, moment: datetime) -> datetime | None:
    """The last due time at or before ``moment``."""
    earlier = [c for c in _candidates(times, zone, moment) if c <= moment]
    return earlier[-1] if earlier else None


def next_due(times: Sequence[int], zone: ZoneInfo, moment: datetime) -> datetime | None:
    """The first due time strictly after ``moment``."""
    later = [c for c in _candidates(times, zone, moment) if c > moment]
    return later[0] if later else None
