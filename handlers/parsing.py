"""Small parsers for command arguments: record numbers and times the text mentions."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.classification import TimeHint

# A record number is a whole token: ``12``, ``#12``, ``＃12`` (as Chinese input methods type it) or
# ``１２``, then a space, a comma or colon, or the end; ``1.5`` and ``12abc`` name no record.
_NUMBER = re.compile(r"^[#＃]?(\d{1,9})(?:[\s，,：:、]+(.*))?$", re.S)


_INVISIBLE_EDGES = re.compile(r"^[\s\u200b-\u200f\u2060\ufeff]+|[\s\u200b-\u200f\u2060\ufeff]+$")


def visible(text: str) -> str:
    """The text without invisible format characters (zero-width spaces and joiners, BOM, word
    joiner) and outer whitespace: what decides whether a user typed anything at all."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf").strip()


def number_and_rest(args: str) -> tuple[int | None, str]:
    """``"#12 text"``, ``"＃12 text"`` or ``"12 text"`` → (12, "text"); no number → (None, args)."""
    match = _NUMBER.match(_trim(args))
    if not match:
        return None, _trim(args)
    return int(match.group(1)), _trim(match.group(2) or "")


def _trim(text: str) -> str:
    """Outer whitespace and invisible characters off; inside the text they stay (emoji joiners)."""
    return _INVISIBLE_EDGES.sub("", text) if visible(text) else ""


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
