"""The days and shifts a leave or swap request names (请假 / 调班): a date as staff type it, the
person an ``@name`` or id names, the roster of one day and the shifts a person holds on it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.i18n import Translator
from handlers.shifts.times import Instance, ShiftDef, display_name, instance
from storage.models import Site, require_id
from storage.repos import shifts as shift_repo
from storage.repos import sites

# -- parsing ------------------------------------------------------------------------------------

_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_MONTH_DAY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})$")
_CHINESE = re.compile(r"^(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号號]?$")
_RELATIVE = {"今天": 0, "今日": 0, "today": 0, "明天": 1, "明日": 1, "tomorrow": 1, "后天": 2, "後天": 2}


def parse_day(token: str, today: date) -> date | None:
    """``2026-11-25``, ``11-25``, ``11/25``, ``11月25日``, 明天, 后天 (a month-day already past is
    next year's)."""
    text = unicodedata.normalize("NFKC", token).strip().lower()
    if text in _RELATIVE:
        return today + timedelta(days=_RELATIVE[text])
    try:
        if match := _ISO.match(text):
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        match = _MONTH_DAY.match(text) or _CHINESE.match(text)
        if match is None:
            return None
        groups = match.groups()
        year = int(groups[0]) if len(groups) == 3 and groups[0] else today.year
        month, day = int(groups[-2]), int(groups[-1])
        found = date(year, month, day)
        if (len(groups) == 2 or not groups[0]) and found < today:
            found = date(year + 1, month, day)
        return found
    except ValueError:
        return None


async def person_id(session: AsyncSession, token: str) -> int | None:
    """A person named as ``@username`` or by Telegram id."""
    text = token.strip()
    if text.startswith("@") and len(text) > 1:
        person = await sites.by_username(session, username=text[1:])
        return person.telegram_id if person else None
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


async def person_names(session: AsyncSession, ids: Iterable[int]) -> dict[int, str]:
    """Each person as the group knows them: their name, else @username, else the id."""
    wanted = list(dict.fromkeys(ids))
    known = await sites.people(session, ids=wanted)
    out: dict[int, str] = {}
    for telegram_id in wanted:
        person = known.get(telegram_id)
        name = (person.name or (f"@{person.username}" if person.username else "")) if person else ""
        out[telegram_id] = name or str(telegram_id)
    return out


# -- the roster of a day ------------------------------------------------------------------------


def codes_of(text: str) -> list[str]:
    return [code for code in text.split(",") if code]


async def day_table(session: AsyncSession, site: Site, day: date) -> dict[str, list[int]]:
    """Shift code → rostered ids on ``day``."""
    table = await shift_repo.on_days(session, site_id=require_id(site), days=[day])
    return {code: ids for (_, code), ids in table.items()}


def shifts_held(defs: Sequence[ShiftDef], table: dict[str, list[int]], telegram_id: int) -> list[ShiftDef]:
    return [s for s in defs if telegram_id in table.get(s.code, [])]


def label(t: Translator, inst: Instance) -> str:
    return t(
        "shifts.instance", day=inst.day.strftime("%m-%d"), name=display_name(t, inst.shift), hours=inst.shift.hours
    )


def labels(t: Translator, defs: Sequence[ShiftDef], day: date, codes: Sequence[str], zone: ZoneInfo) -> str:
    held = [s for s in defs if s.code in codes]
    return "、".join(label(t, instance(s, day, zone)) for s in held) or t("leave.off_duty", day=day.strftime("%m-%d"))


def first_start(defs: Sequence[ShiftDef], day: date, codes: Sequence[str], zone: ZoneInfo) -> datetime | None:
    starts = [instance(s, day, zone).start_at for s in defs if s.code in codes]
    return min(starts) if starts else None
