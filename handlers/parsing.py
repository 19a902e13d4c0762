"""Small parsers for command arguments: record numbers and times the text mentions."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.classification import TimeHint

_NUMBER = re.compile(r"^\s*#?(\d{1,9})\b\s*(.*)$", re.S)


def number_and_rest(args: str) -> tuple[int | None, str]:
    """``"#12 text"`` or ``"12 text"`` → (12, "text"); no number → (None, args)."""
    match = _NUMBER.match(args)
    if not match:
        return None, args.strip()
    return int(match.group(1)), match.group(2).strip()


def resolve_time(hint: TimeHint | None, now: datetime, zone: ZoneInfo) -> datetime:
    """When the text says a time of day, the incident happened then (today, or the day it names);
    a time later than now without a day is taken as yesterday. No time: now."""
    if hint is None:
        return now
    local_now = now.astimezone(zone)
    try:
        moment = local_now.replace(hour=hint.hour, minute=hint.minute, second=0, microsecond=0)
    except ValueError:
        return now
    moment += timedelta(days=hint.day_offset)
    if hint.day_offset == 0 and moment > local_now + timedelta(minutes=5):
        moment -= timedelta(days=1)
    return moment.astimezone(now.tzinfo)
