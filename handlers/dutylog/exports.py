"""Rows for ``dutydesk export incidents``: one per duty-log entry, keys in INCIDENT_FIELDS
(documented in docs/exports.md), its handling notes in one cell, times in the site's zone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.exports import iso, site_codes, site_zones
from storage.repos import incidents
from storage.repos.chunks import Record, Window

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


async def incident_rows(session: AsyncSession, window: Window | None = None) -> AsyncIterator[dict[str, Any]]:
    codes, zones = await site_codes(session), await site_zones(session)
    async for chunk in incidents.all_for_export(session, window):
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
