"""Export rows of tickets and callbacks (``dutydesk export tickets|callbacks``): stable keys,
documented in the README; times ISO 8601 UTC; the number in its visible form (``T12``). The first
fourteen ticket keys are the original ones."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.exports import iso, site_codes, site_zones
from handlers.core.numbers import ref
from storage.codes import Register
from storage.repos import tickets as repo
from storage.repos.chunks import Record, Window

TICKET_FIELDS = (
    "number",
    "site",
    "kind",
    "category",
    "urgency",
    "status",
    "location",
    "description",
    "resident_id",
    "resident",
    "channel",
    "classified_by",
    "confidence",
    "created_at",
    "unit",
    "accepted_by",
    "accepted_at",
    "dispatched_to",
    "deadline_at",
    "on_site_at",
    "resolved_by",
    "resolved_at",
    "reopened",
    "messages",
    "satisfaction",
)
CALLBACK_FIELDS = ("ticket", "site", "due_at", "done_at", "how", "by", "by_id", "satisfaction", "note", "state")


async def ticket_rows(session: AsyncSession, window: Window | None = None) -> AsyncIterator[dict[str, Any]]:
    zones = await site_zones(session)
    codes = await site_codes(session)
    async for chunk in repo.all_tickets(session, window):
        counts = await repo.message_counts(session, ticket_ids=[r["id"] for r in chunk])
        for r in chunk:
            site = r["site_id"] or 0
            yield _ticket_row(r, codes.get(site), zones.get(site), counts.get(r["id"], 0))


def _ticket_row(r: Record, site: str | None, zone: ZoneInfo | None, count: int) -> dict[str, Any]:
    return {
        "number": _shown(r["number"]),
        "site": site,
        "kind": r["kind"],
        "category": r["category"],
        "urgency": r["urgency"],
        "status": r["status"],
        "location": r["location"],
        "description": r["description"],
        "resident_id": r["resident_id"],
        "resident": r["resident_name"],
        "channel": r["channel"],
        "classified_by": r["classified_by"],
        "confidence": r["confidence"],
        "created_at": iso(r["created_at"], zone),
        "unit": r["unit"],
        "accepted_by": r["accepted_name"],
        "accepted_at": iso(r["accepted_at"], zone),
        "dispatched_to": r["dispatched_to"],
        "deadline_at": iso(r["deadline_at"], zone),
        "on_site_at": iso(r["on_site_at"], zone),
        "resolved_by": r["resolved_name"],
        "resolved_at": iso(r["resolved_at"], zone),
        "reopened": r["reopened"],
        "messages": count,
        "satisfaction": r["satisfaction"],
    }


def _shown(number: int | None) -> str | None:
    """The number as people see it (``T12``); none yet (a resident's unsent draft) stays empty."""
    return ref(Register.TICKET, number) if number is not None else None


async def callback_rows(session: AsyncSession, window: Window | None = None) -> AsyncIterator[dict[str, Any]]:
    zones = await site_zones(session)
    codes = await site_codes(session)
    async for chunk in repo.all_callbacks(session, window):
        for c, t in chunk:
            yield {
                "ticket": _shown(t.number),
                "site": codes.get(c.site_id),
                "due_at": iso(c.due_at, zones.get(c.site_id or 0)),
                "done_at": iso(c.done_at, zones.get(c.site_id or 0)),
                "how": c.how,
                "by": c.by_name,
                "by_id": c.by_id,
                "satisfaction": c.satisfaction,
                "note": c.note,
                "state": c.state,
            }
