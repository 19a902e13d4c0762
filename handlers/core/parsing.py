"""Small parsers for command arguments: record numbers and times the text mentions."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

from handlers.core.classification import TimeHint

# A record number is a whole token: ``12``, ``#12``, ``＃12`` (as Chinese input methods type it) or
# ``１２``, then a space, a comma or colon, or the end; ``1.5`` and ``12abc`` name no record.
_NUMBER = re.compile(r"^[#＃]?(\d{1,9})(?:[\s，,：:、]+(.*))?$", re.S)


_INVISIBLE_EDGES = re.compile(r"^[\s\u200b-\u200f\u2060\ufeff]+|[\s\u200b-\u200f\u2060\ufeff]+$")


def visible(text: str) -> str:
    """The text without invisible format characters (zero-width spaces and joiners, BOM, word
    joiner) and outer whitespace: what decides whether a user typed anything at all."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf").strip()


# A lone token that was meant as a number but is not one: ``#99999999999999999999`` (too long),
# ``1.5``, ``12abc``, ``#x``. Text that merely starts with a digit ("3栋漏水") is not such a token.
_NUMBER_ATTEMPT = re.compile(r"^(?:[#＃]\S*|\d[\dA-Za-z.,:_\-/]*)$")


def malformed_number(args: str) -> bool:
    """True when ``args`` is one token that looks like a record number but names none, so a command
    answers with its usage line instead of taking the token as free text."""
    token = trim(args)
    return bool(token) and number_and_rest(token)[0] is None and bool(_NUMBER_ATTEMPT.match(token))


def number_and_rest(args: str) -> tuple[int | None, str]:
    """``"#12 text"``, ``"＃12 text"`` or ``"12 text"`` → (12, "text"); no number → (None, args)."""
    match = _NUMBER.match(trim(args))
    if not match:
        return None, trim(args)
    return int(match.group(1)), trim(match.group(2) or "")


def trim(text: str) -> str:
    """Outer whitespace and invisible characters off; inside the text they stay (emoji joiners)."""
    return _INVISIBLE_EDGES.sub("", text) if visible(text) else ""


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


def day_of_text(text: str) -> date | None:
    """A day as a command, a button or a timer's ref writes it: ``2026-11-23`` or ``20261123``; None
    for anything else (a forged button, a typo)."""
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8])) if len(text) == 8 else date.fromisoformat(text)
    except ValueError:
        return None
