"""The re-check after a patrol finding is fixed (001 L551 P15 复查; L1357 verify on site after the fix).

The duty log knows nothing of patrols: on every sweep a planner looks for findings whose incident
has been closed (one query) and makes one re-check timer per finding (``timers.ensure``, once in
many processes). The timer reminds the duty group until someone confirms the re-check."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core import notices
from handlers.core.context import Context, TimerContext
from handlers.core.i18n import Translator
from handlers.core.messages import Button, Outcome, Reply
from handlers.core.policy import Policy
from handlers.core.render import clip
from handlers.patrols.buttons import Rechecked
from storage.codes import Role
from storage.models import require_id
from storage.models.patrols import Recheck
from storage.repos import incidents, patrols, sites, timers

RECHECK = "patrol_recheck"  # timer kind; ref_id is the finding's id


async def plan_rechecks(session: AsyncSession, now: datetime) -> None:
    for finding in await patrols.findings_fixed(session):
        finding.recheck = Recheck.DUE
        session.add(finding)
        await timers.ensure(session, kind=RECHECK, ref_id=require_id(finding), site_id=finding.site_id, due_at=now)


async def on_recheck(ctx: TimerContext) -> datetime | None:
    session, timer, now = ctx.session, ctx.timer, ctx.now
    finding = await patrols.get_finding(session, finding_id=timer.ref_id)
    if finding is None or finding.recheck != Recheck.DUE or finding.incident_id is None:
        return None
    site = await sites.get(session, site_id=finding.site_id)
    incident = await incidents.get(session, incident_id=finding.incident_id)
    if site is None or incident is None:
        return None
    if site.duty_chat_id is not None:
        t = Translator(site.language)
        text = "\n".join(
            [
                t("patrol.recheck", number=incident.number, text=clip(finding.text, 80), result=incident.result or "-"),
                t("patrol.rule.recheck"),
            ]
        )
        button = [[Button(t("patrol.btn.rechecked"), Rechecked(finding=require_id(finding)).pack())]]
        await notices.queue(
            session,
            site.duty_chat_id,
            text,
            button,
            ("incident", require_id(incident)),
            site_id=site.id,
            purpose="patrol",
        )
    return now + timedelta(minutes=Policy.for_site(site.policy).patrol_recheck_repeat_minutes)


async def rechecked_button(ctx: Context, data: Rechecked) -> Outcome:
    """Someone went back and saw the fix: the finding is settled and a note goes on the incident."""
    t = ctx.t
    finding = await patrols.get_finding(ctx.session, finding_id=data.finding)
    if finding is None or finding.incident_id is None:
        return Outcome(toast=t("button.stale"))
    if not ctx.may(finding.site_id, Role.STAFF):
        return Outcome(toast=t("denied.role", role=t("role.staff")), alert=True)
    incident = await incidents.get(ctx.session, incident_id=finding.incident_id)
    number = incident.number if incident else 0
    if finding.recheck == Recheck.DONE:
        return Outcome(toast=t("patrol.recheck_already", number=number, name=finding.rechecked_name or "?"))
    if finding.recheck != Recheck.DUE:
        return Outcome(toast=t("patrol.recheck_not_due", number=number), alert=True)
    user = ctx.msg.user
    finding.recheck, finding.rechecked_by, finding.rechecked_name, finding.rechecked_at = (
        Recheck.DONE,
        user.id,
        user.name,
        ctx.now,
    )
    ctx.session.add(finding)
    await timers.cancel_for(ctx.session, kind=RECHECK, ref_id=require_id(finding))
    await incidents.add_note(
        ctx.session,
        incident_id=finding.incident_id,
        author_id=user.id,
        author_name=user.name,
        text=t("patrol.recheck_note"),
    )
    done = t("patrol.rechecked", number=number, name=user.name)
    return Outcome(replies=[Reply(done, edit=True)], toast=done)
