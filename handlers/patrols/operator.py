"""Patrol plans for the command line (``dutydesk patrol add|import|list|remove``), free of any
transport; a refusal is a :class:`~handlers.patrols.plans.PlanError` with the reason."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.patrols.plans import PlanError, PlanSpec, resolve_site, save
from storage.db import Database
from storage.models import require_id
from storage.repos import patrols


async def save_plans(db: Database, site_code: str | None, specs: Sequence[PlanSpec]) -> str:
    """Save the plans at the site (a plan of the same name is replaced); the confirmation line."""
    async with db.session() as session:
        site = await resolve_site(session, site_code)
        await save(session, site, specs)
    return f"{len(specs)} patrol plan(s) saved at {site.name}: {', '.join(s.name for s in specs)}"


async def list_plans(db: Database, site_code: str | None) -> list[str]:
    """The site's active plans, one line each: name, schedule, role and route."""
    async with db.session() as session:
        site = await resolve_site(session, site_code)
        lines = []
        for plan in await patrols.plans_for_site(session, site_id=require_id(site)):
            route = " > ".join(str(c["name"]) for c in plan.checkpoints)
            lines.append(f"{plan.name}\t{plan.schedule}\t{plan.role}\t{route}")
    return lines


async def stop_plan(db: Database, site_code: str | None, name: str) -> str:
    """Stop a plan: no more rounds (its past rounds stay for the records); the confirmation line."""
    async with db.session() as session:
        site = await resolve_site(session, site_code)
        plan = await patrols.plan_by_name(session, site_id=require_id(site), name=name)
        if plan is None or not plan.active:
            raise PlanError(f"no active patrol plan {name!r} at {site.code}")
        plan.active = False
        session.add(plan)
    return f"patrol plan {name} stopped"
