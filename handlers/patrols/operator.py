"""Patrol plans for the command line (``dutydesk patrol add|import|list|remove``), free of any
transport; a refusal is an :class:`~handlers.core.operator.AdminError` with the reason (a plan's own
fault, a :class:`~handlers.patrols.plans.PlanError`, is found before these run). Said in ``t``'s language."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from handlers.core.i18n import Translator
from handlers.core.operator import AdminError, site_for_cli
from handlers.core.policy import Policy
from handlers.patrols.plans import PlanSpec, save
from handlers.patrols.render import schedule_text
from storage.codes import Proof
from storage.db import Database
from storage.models import require_id
from storage.repos import patrols


async def save_plans(db: Database, site_code: str | None, specs: Sequence[PlanSpec], t: Translator) -> str:
    """Save the plans at the site (a plan of the same name is replaced); the confirmation line."""
    async with db.session() as session:
        site = await site_for_cli(session, site_code)
        await save(session, site, specs)
    return t("cli.patrols.saved", count=len(specs), site=site.name, names=", ".join(s.name for s in specs))


async def list_plans(db: Database, site_code: str | None, t: Translator) -> list[str]:
    """The site's active plans, one line each: name, schedule, who patrols, the proof each checkpoint
    needs, the grace before a round not started is late (the plan's own, or the site's policy), route."""
    async with db.session() as session:
        site = await site_for_cli(session, site_code)
        site_grace = Policy.for_site(site.policy).patrol_grace_minutes
        lines = []
        for plan in await patrols.plans_for_site(session, site_id=require_id(site)):
            proofs = [str(c.get("proof") or Proof.TAP) for c in plan.checkpoints]
            usual = Counter(proofs).most_common(1)[0][0] if proofs else Proof.TAP
            route = " > ".join(_checkpoint(c, usual, t) for c in plan.checkpoints)
            grace = (
                t("cli.patrols.grace", minutes=plan.grace_minutes)
                if plan.grace_minutes is not None
                else t("cli.patrols.grace_site", minutes=site_grace)
            )
            proof = t("cli.patrols.proof", proof=t(f"patrol.proof.{usual}"))
            schedule = schedule_text(t, plan.schedule)
            lines.append(f"{plan.name}\t{schedule}\t{t(f'role.{plan.role}')}\t{proof}\t{grace}\t{route}")
    if not lines:
        lines.append(t("cli.patrols.none", site=site.code))
    return lines


def _checkpoint(checkpoint: dict[str, Any], usual: str, t: Translator) -> str:
    """A checkpoint's name, with its proof when it is not the plan's usual one."""
    own = str(checkpoint.get("proof") or Proof.TAP)
    name = str(checkpoint["name"])
    return name if own == usual else t("cli.patrols.checkpoint_proof", name=name, proof=t(f"patrol.proof.{own}"))


async def stop_plan(db: Database, site_code: str | None, name: str, t: Translator) -> str:
    """Stop a plan: no more rounds (its past rounds stay for the records); the confirmation line."""
    async with db.session() as session:
        site = await site_for_cli(session, site_code)
        site_id = require_id(site)
        plan = await patrols.plan_by_name(session, site_id=site_id, name=name)
        if plan is None or not plan.active:
            active = ", ".join(p.name for p in await patrols.plans_for_site(session, site_id=site_id)) or "-"
            raise AdminError("cli.patrols.no_such", name=name, site=site.code, active=active)
        plan.active = False
        session.add(plan)
    return t("cli.patrols.stopped", name=name)
