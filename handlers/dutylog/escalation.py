"""Major events go up the chain at once and again until someone acknowledges; the written report
is chased every morning until filed.

Rules: a major event is reported immediately to supervisor and manager, with no delay, no acting
alone and no concealing (source 000 L151; 001); a written report follows the next day
(000 L144; 001 L479). The timers are database rows swept by the scheduler tick (SPEC §7).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core import notices
from handlers.core.commands import AnyButton, Command
from handlers.core.context import Context, TimerContext
from handlers.core.feature import Feature
from handlers.core.i18n import Translator
from handlers.core.lookups import button_incident, numbered_incident
from handlers.core.messages import Button, Outcome, Reply
from handlers.core.policy import Policy
from handlers.core.render import category, clip, severity
from handlers.dutylog.buttons import Acknowledge, ReportFiled, RoleFirst
from handlers.dutylog.escalation_people import status_line, targets, who
from storage.codes import Role, Severity
from storage.models import EscalationState, Incident, IncidentStatus, Site, require_id
from storage.repos import incidents, sites, timers

ESCALATE = "escalate"
REPORT = "report_reminder"


def local(moment: datetime, site: Site) -> str:
    return moment.astimezone(ZoneInfo(site.timezone)).strftime("%m-%d %H:%M")


def next_morning(now: datetime, site: Site, hour: int) -> datetime:
    zone = ZoneInfo(site.timezone)
    day = now.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(day, time(hour=hour), tzinfo=zone).astimezone(now.tzinfo)


async def start(ctx: Context, site: Site, incident: Incident) -> None:
    """Mark the incident escalated, ping the chain now and set the repeat and report timers.
    Started from the duty group, the reply there says who was told (:func:`status_line`), so the
    group gets no second message about the first round."""
    if incident.escalation != EscalationState.NONE or incident.id is None:
        return
    policy = ctx.policy(site)
    incident.escalation, incident.escalated_at, incident.escalation_level = EscalationState.PENDING, ctx.now, 0
    in_group = site.duty_chat_id is not None and ctx.msg.chat.id == site.duty_chat_id
    admins = ctx.services.admin_ids
    ctx.notified += await ping(ctx.session, site, incident, ctx.now, admins=admins, tell_group=not in_group)
    await timers.schedule(
        ctx.session,
        kind=ESCALATE,
        ref_id=incident.id,
        site_id=require_id(site),
        due_at=ctx.now + timedelta(minutes=policy.escalation_repeat_minutes),
    )
    await timers.schedule(
        ctx.session,
        kind=REPORT,
        ref_id=incident.id,
        site_id=require_id(site),
        due_at=next_morning(ctx.now, site, policy.report_reminder_hour),
    )


async def ping(
    session: AsyncSession,
    site: Site,
    incident: Incident,
    now: datetime,
    *,
    admins: Iterable[int],
    tell_group: bool = True,
) -> int:
    """One round up the chain (``admins``: the global admins, reached from the second round on);
    returns how many messages were queued."""
    assert incident.id is not None and site.id is not None
    t = Translator(site.language)
    incident.escalation_level += 1
    level = incident.escalation_level
    people = await targets(session, site, level, admins=admins)
    header = "escalation.ping" if level == 1 else "escalation.repeat"
    text = "\n".join(
        [
            t(
                header,
                number=incident.number,
                level=level,
                site=site.name,
                category=category(t, incident.category),
                location=incident.location or "-",
            ),
            t("incident.situation", text=clip(incident.situation)),
            t("incident.occurred", at=local(incident.occurred_at, site), reporter=incident.reporter_name),
            t("rule.major_report"),
        ]
    )
    ack = [[Button(t("btn.acknowledge"), Acknowledge(incident=incident.id).pack())]]
    link = ("incident", incident.id)
    ids = [telegram_id for telegram_id, _ in people]
    sent = await notices.tell(session, site, ids, text, purpose="escalation", urgent=True, link=link, buttons=ack)
    for telegram_id, role in people:
        await incidents.record_notice(
            session, incident_id=incident.id, level=level, telegram_id=telegram_id, role=role, at=now
        )
    if site.duty_chat_id is not None and (tell_group or level > 1):
        if not people:
            line = t("escalation.nobody", number=incident.number)
        else:
            key = "escalation_status.group_first" if level == 1 else "escalation_status.group_repeat"
            line = t(key, number=incident.number, count=len(people), who=who(t, people), level=level)
        await notices.queue(session, site.duty_chat_id, line)
        sent += 1
    session.add(incident)
    return sent


def may_stand_down(ctx: Context, incident: Incident) -> bool:
    """Only a supervisor or above may lower an escalated incident or close an unacknowledged
    major one: the chain was told, and only the chain stands it down (source 000 L151)."""
    return ctx.may(incident.site_id, Role.SUPERVISOR)


def lowering_denied(ctx: Context, incident: Incident) -> Outcome | None:
    """An escalated incident is lowered only by a supervisor or above (see may_stand_down)."""
    if (
        incident.severity != Severity.MAJOR
        or incident.escalation == EscalationState.NONE
        or may_stand_down(ctx, incident)
    ):
        return None
    return Outcome(toast=ctx.t("escalation_status.lower_denied", number=incident.number), alert=True)


async def stand_down(ctx: Context, incident: Incident, *, closed: bool, lowered_to: Severity | None = None) -> None:
    """Closing or lowering an escalated incident stops the repeats (a lowered one needs no written
    report either) and tells everyone who was pinged, in one line, what happened and by whom.
    Called before a lowered incident's severity changes; a no-op unless it is an escalated major one."""
    if incident.escalation == EscalationState.NONE or incident.severity != Severity.MAJOR or incident.id is None:
        return
    await timers.cancel_for(ctx.session, kind=ESCALATE, ref_id=incident.id)
    if not closed:
        await timers.cancel_for(ctx.session, kind=REPORT, ref_id=incident.id)
    if incident.escalation == EscalationState.PENDING:
        incident.escalation = EscalationState.STOPPED
    ctx.session.add(incident)
    t, user = ctx.t, ctx.msg.user
    role = t(f"role.{ctx.role_at(incident.site_id) or Role.STAFF}")
    if closed:
        line = t("escalation_status.closed", number=incident.number, name=user.name, role=role)
    else:
        line = t(
            "escalation_status.lowered",
            number=incident.number,
            name=user.name,
            role=role,
            severity=severity(t, lowered_to or incident.severity),
        )
    for telegram_id, _ in await incidents.pinged(ctx.session, incident_id=incident.id):
        if telegram_id != user.id:
            await ctx.notify(
                telegram_id, line, link=("incident", incident.id), site_id=incident.site_id, purpose="escalation"
            )


async def on_escalate(ctx: TimerContext) -> datetime | None:
    """Repeat the ping every N minutes while nobody has acknowledged; None ends the timer."""
    session, timer, now = ctx.session, ctx.timer, ctx.now
    incident = await incidents.get(session, incident_id=timer.ref_id)
    site = await sites.get(session, site_id=timer.site_id)
    if (
        incident is None
        or site is None
        or incident.escalation != EscalationState.PENDING
        or incident.status != IncidentStatus.OPEN
    ):
        return None
    await ping(session, site, incident, now, admins=ctx.services.admin_ids)
    return now + timedelta(minutes=Policy.for_site(site.policy).escalation_repeat_minutes)


async def on_report(ctx: TimerContext) -> datetime | None:
    """Each morning until the written report is filed, remind the reporter and the supervisors."""
    session, timer, now = ctx.session, ctx.timer, ctx.now
    incident = await incidents.get(session, incident_id=timer.ref_id)
    site = await sites.get(session, site_id=timer.site_id)
    if incident is None or site is None or incident.report_filed_at is not None or incident.id is None:
        return None
    if incident.severity != Severity.MAJOR:  # lowered by a supervisor: no written report is due
        return None
    t = Translator(site.language)
    text = "\n".join([t("report.reminder", number=incident.number, site=site.name), t("rule.written_report")])
    button = [[Button(t("btn.report_filed"), ReportFiled(incident=incident.id).pack())]]
    supervisors = await notices.holders(session, site, (Role.SUPERVISOR,))
    people = sorted({incident.reporter_id, *(holder.telegram_id for holder in supervisors)})
    await notices.tell(session, site, people, text, purpose="reminder", link=("incident", incident.id), buttons=button)
    return now + timedelta(days=1)


async def acknowledge(ctx: Context, incident: Incident) -> Outcome:
    t = ctx.t
    if not ctx.may(incident.site_id, Role.SUPERVISOR):
        return ctx.answer(t("escalation.ack_denied"), alert=True)
    if incident.escalation == EscalationState.ACKNOWLEDGED:
        return ctx.answer(t("escalation.already", name=incident.acknowledged_name or "?"))
    if incident.escalation != EscalationState.PENDING:
        return ctx.answer(t("escalation.not_pending", number=incident.number))
    user = ctx.msg.user
    incident.escalation, incident.acknowledged_by = EscalationState.ACKNOWLEDGED, user.id
    incident.acknowledged_name, incident.acknowledged_at = user.name, ctx.now
    ctx.session.add(incident)
    await timers.cancel_for(ctx.session, kind=ESCALATE, ref_id=require_id(incident))
    site = await sites.get(ctx.session, site_id=incident.site_id)
    role = t(f"role.{ctx.role_at(incident.site_id)}")
    told = t("escalation.acknowledged", number=incident.number, name=user.name, role=role)
    if site and site.duty_chat_id == ctx.msg.chat.id:  # /ack in the duty group: one answer, there
        return ctx.answer(told)
    if site and site.duty_chat_id is not None:
        await ctx.notify(site.duty_chat_id, told)
    done = t("escalation.you_acknowledged", number=incident.number)
    if ctx.msg.is_button:
        return Outcome(replies=[Reply(done, edit=True)], toast=done)
    return Outcome.say(done)


async def ack_button(ctx: Context, data: Acknowledge) -> Outcome:
    incident = await button_incident(ctx, data.incident, Role.SUPERVISOR)
    if isinstance(incident, Outcome):
        return incident
    return await acknowledge(ctx, incident)


async def ack_command(ctx: Context, args: str) -> Outcome:
    incident, _, problem = await numbered_incident(ctx, args, "usage.ack")
    if problem or incident is None:
        return problem or Outcome()
    return await acknowledge(ctx, incident)


async def file_report(ctx: Context, incident: Incident) -> Outcome:
    """The one path of /report_filed and the 已交书面报告 button: same checks for both."""
    t = ctx.t
    if not ctx.may(incident.site_id, Role.STAFF):
        return ctx.answer(t("denied.role", role=t("role.staff")), alert=True)
    if incident.severity != Severity.MAJOR:
        return ctx.answer(t("report.not_major", number=incident.number))
    if incident.report_filed_at is not None:
        return ctx.answer(t("report.already", number=incident.number))
    incident.report_filed_at, incident.report_filed_by = ctx.now, ctx.msg.user.id
    ctx.session.add(incident)
    await timers.cancel_for(ctx.session, kind=REPORT, ref_id=require_id(incident))
    done = t("report.filed", number=incident.number, name=ctx.msg.user.name)
    if ctx.msg.is_button:
        return Outcome(replies=[Reply(done, edit=True)], toast=done)
    return Outcome.say(done)


async def report_filed_command(ctx: Context, args: str) -> Outcome:
    incident, _, problem = await numbered_incident(ctx, args, "usage.report_filed")
    if problem or incident is None:
        return problem or Outcome()
    return await file_report(ctx, incident)


async def filed_button(ctx: Context, data: ReportFiled) -> Outcome:
    incident = await button_incident(ctx, data.incident, Role.STAFF)
    if isinstance(incident, Outcome):
        return incident
    return await file_report(ctx, incident)


COMMANDS = [
    Command("ack", ack_command, min_role=Role.SUPERVISOR),
    Command("report_filed", report_filed_command, min_role=Role.STAFF, aliases=("filed",)),
]
BUTTONS: list[AnyButton] = [
    RoleFirst(Acknowledge, ack_button, Role.SUPERVISOR),
    RoleFirst(ReportFiled, filed_button, Role.STAFF),
]
TIMERS = {ESCALATE: on_escalate, REPORT: on_report}
__all__ = ["PART", "stand_down", "start", "status_line"]
PART = Feature("escalation", commands=COMMANDS, buttons=BUTTONS, timers=TIMERS)
