"""Rows for `dutydesk export`: stable keys, documented in the README; times in ISO 8601 in the
site's time zone, with its UTC offset, to the second (``2026-11-23T10:00:00+08:00``).

Each feature declares its kinds (``Feature.exports``); the duty log's rows are here
(the tickets' are in ``handlers.tickets.exports``). Rows are streamed: each kind reads its records in
chunks (``storage.repos.chunks``) and fetches a chunk's details with it, so memory stays flat."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.repos import incidents, sites
from storage.repos.chunks import Record

INCIDENT_FIELDS = (
    "number",
    "site",
    "kind",
    "occurred_at",
    "logged_at",
    "reporter_id",
    "reporter",
    "location",
    "category",
    "severity",
    "status",
    "situation",
    "handling",
    "result",
    "closed_by",
    "closed_at",
    "photos",
    "escalation",
    "escalation_level",
    "escalated_at",
    "acknowledged_by",
    "acknowledged_name",
    "acknowledged_at",
    "report_filed_at",
)


# A cell starting with one of these is a formula to Excel, LibreOffice and Sheets (OWASP "CSV
# Injection"): `=HYPERLINK(...)` in a resident's display name or message would run on opening.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> object:
    """A value as a spreadsheet cell: text that a spreadsheet would read as a formula gets a leading
    ``'`` so it shows as text. Every spreadsheet writer (CSV today, XLSX later) calls this; JSONL
    stays raw."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def iso(moment: datetime | None, zone: ZoneInfo | None = None) -> str | None:
    """ISO 8601 to the second, in ``zone`` (the site's) with its offset; UTC without one."""
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone or UTC).isoformat(timespec="seconds")


async def _site_codes(session: AsyncSession) -> dict[int, str]:
    return {s.id or 0: s.code for s in await sites.all_sites(session)}


async def site_zones(session: AsyncSession) -> dict[int, ZoneInfo]:
    """Each site's time zone, for the times of its rows."""
    return {s.id or 0: ZoneInfo(s.timezone) for s in await sites.all_sites(session)}


async def incident_rows(session: AsyncSession) -> AsyncIterator[dict[str, Any]]:
    codes, zones = await _site_codes(session), await site_zones(session)
    async for chunk in incidents.all_for_export(session):
        ids = [r["id"] for r in chunk]
        notes = await incidents.handling(session, incident_ids=ids)
        photos = await incidents.photo_counts(session, incident_ids=ids)
        for r in chunk:
            yield _incident_row(r, codes, zones.get(r["site_id"]), notes[r["id"]], photos[r["id"]])


def _incident_row(
    r: Record, codes: dict[int, str], zone: ZoneInfo | None, notes: list[tuple[datetime, str, str]], photos: int
) -> dict[str, Any]:
    handling = "\n".join(f"[{iso(at, zone)}] {name}: {words}" for at, name, words in notes)
    return {
        "number": r["number"],
        "site": codes.get(r["site_id"]),
        "kind": r["kind"],
        "occurred_at": iso(r["occurred_at"], zone),
        "logged_at": iso(r["logged_at"], zone),
        "reporter_id": r["reporter_id"],
        "reporter": r["reporter_name"],
        "location": r["location"],
        "category": r["category"],
        "severity": r["severity"],
        "status": r["status"],
        "situation": r["situation"],
        "handling": handling,
        "result": r["result"],
        "closed_by": r["closed_by"],
        "closed_at": iso(r["closed_at"], zone),
        "photos": photos,
        "escalation": r["escalation"],
        "escalation_level": r["escalation_level"],
        "escalated_at": iso(r["escalated_at"], zone),
        "acknowledged_by": r["acknowledged_by"],
        "acknowledged_name": r["acknowledged_name"],
        "acknowledged_at": iso(r["acknowledged_at"], zone),
        "report_filed_at": iso(r["report_filed_at"], zone),
    }
