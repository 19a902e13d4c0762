"""Rows for `dutydesk export patrols`: one per round, keys in PATROL_FIELDS (documented in the README)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.exports import iso, site_zones
from handlers.patrols.render import status_of
from storage.models import require_id
from storage.repos import incidents, patrols, sites
from storage.repos.chunks import Window

PATROL_FIELDS = (
    "site",
    "plan",
    "round_id",
    "due_at",
    "manual",
    "status",
    "late",
    "started_at",
    "started_by",
    "done_at",
    "done_by",
    "done_by_name",
    "checkpoints_done",
    "checkpoints_total",
    "findings",
    "incidents",
    "missed_at",
    "escalated_at",
)


async def patrol_rows(session: AsyncSession, window: Window | None = None) -> AsyncIterator[dict[str, Any]]:
    zones = await site_zones(session)
    codes = {s.id: s.code for s in await sites.all_sites(session)}
    plans = {p.id: p for p in await patrols.all_plans(session)}  # a site has a handful
    async for rounds in patrols.all_rounds(session, window):
        ids = [require_id(r) for r in rounds]
        checks = await patrols.checks(session, round_ids=ids)
        found = await patrols.findings(session, round_ids=ids)
        numbers = await incidents.numbers(
            session, incident_ids=[f.incident_id for fs in found.values() for f in fs if f.incident_id]
        )
        for r in rounds:
            plan = plans.get(r.plan_id)
            mine = found[require_id(r)]
            yield {
                "site": codes.get(r.site_id),
                "plan": plan.name if plan else None,
                "round_id": r.id,
                "due_at": iso(r.due_at, zones.get(r.site_id or 0)),
                "manual": r.manual,
                "status": str(status_of(r)),  # the plain string, as before
                "late": r.late_at is not None,
                "started_at": iso(r.started_at, zones.get(r.site_id or 0)),
                "started_by": r.started_by,
                "done_at": iso(r.done_at, zones.get(r.site_id or 0)),
                "done_by": r.done_by,
                "done_by_name": r.done_name,
                "checkpoints_done": len(checks[require_id(r)]),
                "checkpoints_total": len(plan.checkpoints) if plan else 0,
                "findings": "\n".join(f.text for f in mine if f.text),
                "incidents": ",".join(str(numbers[f.incident_id]) for f in mine if f.incident_id in numbers),
                "missed_at": iso(r.missed_at, zones.get(r.site_id or 0)),
                "escalated_at": iso(r.escalated_at, zones.get(r.site_id or 0)),
            }
