"""Rows for `dutydesk export`: stable keys, documented in the README; times in ISO 8601 in the
site's time zone, with its UTC offset, to the second (``2026-11-23T10:00:00+08:00``).

Each feature declares its kinds (``Feature.exports``) in its ``exports`` module, built with the
helpers here. Rows are streamed: each kind reads its records in chunks (``storage.repos.chunks``)
and fetches a chunk's details with it, so memory stays flat."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Site, require_id
from storage.repos import sites
from storage.repos.chunks import Window

# A cell starting with one of these is a formula to Excel, LibreOffice and Sheets (OWASP "CSV
# Injection"): `=HYPERLINK(...)` in a resident's display name or message would run on opening.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE_FIELDS = frozenset({"date", "shift_date", "week"})


def is_time_field(name: str) -> bool:
    """A column whose ISO 8601 texts an XLSX export writes as date-times or dates (here, not in
    ``export_xlsx``, so a caller need not import openpyxl to ask)."""
    return name.endswith("_at") or name in DATE_FIELDS


def spreadsheet_cell(value: object) -> object:
    """A value as a CSV cell: text that a spreadsheet would read as a formula gets a leading ``'`` so
    it shows as text. XLSX keeps the same guarantee its own way (``handlers.core.export_xlsx``: a
    string cell with Excel's quote prefix, for the same ``FORMULA_STARTS``); JSONL stays raw."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def iso(moment: datetime | None, zone: ZoneInfo | None = None) -> str | None:
    """ISO 8601 to the second, in ``zone`` (the site's) with its offset; UTC without one."""
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone or UTC).isoformat(timespec="seconds")


def window_of(site: Site, first: date, end: date) -> Window:
    """The site's records of the days [first, end) on its calendar (midnight in its zone, as UTC)."""
    zone = ZoneInfo(site.timezone)

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)

    return Window(require_id(site), midnight(first), midnight(end), first, end)


def month_window(site: Site, month: str) -> Window:
    """:func:`window_of` a month written ``YYYY-MM``."""
    year, number = int(month[:4]), int(month[5:7])
    return window_of(site, date(year, number, 1), date(year + number // 12, number % 12 + 1, 1))


async def site_codes(session: AsyncSession) -> dict[int, str]:
    """Each site's code, the ``site`` column of every kind."""
    return {require_id(s): s.code for s in await sites.all_sites(session)}


async def site_zones(session: AsyncSession) -> dict[int, ZoneInfo]:
    """Each site's time zone, for the times of its rows."""
    return {require_id(s): ZoneInfo(s.timezone) for s in await sites.all_sites(session)}
