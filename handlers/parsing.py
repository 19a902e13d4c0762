"""Small parsers for command arguments: record numbers and times the text mentions."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from datetime import time as dtime
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
    """The moment the text means, in the site's zone; may be in the future ("明天上午9点").

    A named day (明天, 前天, 周三) is taken as said; a weekday without 上/下 is this week's (weeks
    start on Monday).  A day without a time of day keeps the time of writing on that day.  A time
    of day without any day that is later than now is taken as yesterday ("11点有人唱K" written at
    10:00), unless the text said today ("今晚8点").  No hint: now.
    """
    if hint is None:
        return now
    local_now = now.astimezone(zone)
    day = local_now.date()
    if hint.weekday is not None:
        monday = day - timedelta(days=day.weekday())
        day = monday + timedelta(days=hint.weekday + 7 * hint.week_offset)
    else:
        day += timedelta(days=hint.day_offset)
    hour, minute = (local_now.hour, local_now.minute) if hint.hour is None else (hint.hour, hint.minute)
    try:
        moment = datetime.combine(day, dtime(hour, minute), tzinfo=zone)
    except ValueError:
        return now
    named = hint.weekday is not None or hint.day_offset != 0 or hint.said_today
    if not named and moment > local_now + timedelta(minutes=5):
        moment -= timedelta(days=1)
    return moment.astimezone(now.tzinfo)
