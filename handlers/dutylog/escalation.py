"""Major events go up the chain at once and again until someone acknowledges; the written report
is chased every morning until filed. Urgent (紧急) events reach the on-duty supervisor at once and
again until acknowledged.

Rules: a major event is reported immediately to supervisor and manager, with no delay, no acting
alone and no concealing (source 000 L151; 001); a written report follows the next day
(000 L144; 001 L479). Fires, illness, people stuck in a lift are reported at once to the supervisor
(000 L131, L258, L309). The timers are database rows swept by the scheduler tick (SPEC §7).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core import notices
from handlers.core.commands import AnyButton, ButtonAction, Command
from handlers.core.context import Context, TimerContext
from handlers.core.feature import Feature
from handlers.core.i18n import Translator
from handlers.core.lookups import button_incident, numbered_incident
from handlers.core.messages import Button, Outcome, Reply
from handlers.core.notices import Holder
from handlers.core.policy import Policy
from handlers.core.render import category, clip, severity
from handlers.dutylog.buttons import Acknowledge
from handlers.dutylog.escalation_people import on_duty_supervisors, status_line, targets, who
from storage.codes import Role, Severity
from storage.models import EscalationState, Incident, IncidentStatus, Site, require_id
from storage.repos import incidents, sites, timers

ESCALATE = "escalate"
URGENT_PING = "urgent_ping"
REPORT = "report_reminder"
REPORT_DUE = "report_deadline"  # the written report's 24 hours (001 L819): past it, the managers are told
ESCALATED = (Severity.MAJOR, Severity.URGENT)  # the severities that are reported up at once


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
    # the next round, the morning reminder of the written report (000 L144) and its deadline
    for kind, due_at in (
        (ESCALATE, ctx.now + timedelta(minutes=policy.escalation_repeat_minutes)),
        (REPORT, next_morning(ctx.now, site, policy.report_reminder_hour)),
        (REPORT_DUE, ctx.now + timedelta(hours=policy.written_report_hours)),
    ):
        await timers.schedule(ctx.session, kind=kind, ref_id=incident.id, site_id=require_id(site), due_at=due_at)


async def cancel_report(ctx: Context, incident: Incident) -> None:
    """No written report is chased any more: filed, or the incident is no longer major."""
    for kind in (REPORT, REPORT_DUE):
        await timers.cancel_for(ctx.session, kind=kind, ref_id=require_id(incident))


async def start_urgent(ctx: Context, site: Site, incident: Incident) -> None:
    """An urgent event is not silent (000 L131, L258, L309): the on-duty supervisor is pinged at
    once, not the managers, and again every ``urgent_repeat_minutes`` until someone acknowledges."""
    if incident.escalation != EscalationState.NONE or incident.id is None:
        return
    incident.escalation, incident.escalated_at, incident.escalation_level = EscalationState.PENDING, ctx.now, 0
    in_group = site.duty_chat_id is not None and ctx.msg.chat.id == site.duty_chat_id
    admins = ctx.services.admin_ids
    ctx.notified += await ping_urgent(ctx.session, site, incident, ctx.now, admins=admins, tell_group=not in_group)
    await timers.schedule(
        ctx.session,
        kind=URGENT_PING,
        ref_id=incident.id,
        site_id=require_id(site),
        due_at=ctx.now + timedelta(minutes=ctx.policy(site).urgent_repeat_minutes),
    )


async def ping_urgent(
    session: AsyncSession,
    site: Site,
    incident: Incident,
    now: datetime,
    *,
    admins: Iterable[int],
    tell_group: bool = True,
) -> int:
    """One round to the on-duty supervisors (see :func:`on_duty_supervisors`); returns how many
    messages were queued."""
    people = await on_duty_supervisors(session, site, now, admins=admins)
    return await _round(session, site, incident, now, people, URGENT_WORDS, tell_group=tell_group)


async def raise_to_major(ctx: Context, incident: Incident) -> None:
    """An urgent event raised to major goes up the whole chain as a new escalation: the urgent
    repeats stop and the escalation starts again (the managers were not told of an urgent one).
    Called before the severity changes; a no-op unless the incident is an escalated urgent one."""
    if incident.severity != Severity.URGENT or incident.escalation == EscalationState.NONE:
        return
    await timers.cancel_for(ctx.session, kind=URGENT_PING, ref_id=require_id(incident))
    incident.escalation, incident.escalation_level = EscalationState.NONE, 0
    incident.acknowledged_by = incident.acknowledged_name = incident.acknowledged_at = None
    ctx.session.add(incident)


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
    people = await targets(session, site, incident.escalation_level + 1, admins=admins)
    return await _round(session, site, incident, now, people, MAJOR_WORDS, tell_group=tell_group)


@dataclass(frozen=True, slots=True)
class RoundWords:
    """The catalogue keys of one kind of escalation round (urgent: the supervisor on duty; major:
    the whole chain)."""

    ping: str
    repeat: str
    rule: str
    nobody: str
    group_first: str
    group_repeat: str


URGENT_WORDS = RoundWords(
    "urgent.ping", "urgent.repeat", "urgent.rule", "urgent.nobody", "urgent.group_first", "urgent.group_repeat"
)
MAJOR_WORDS = RoundWords(
    "escalation.ping",
    "escalation.repeat",
    "rule.major_report",
    "escalation.nobody",
    "escalation_status.group_first",
    "escalation_status.group_repeat",
)


async def _round(
    session: AsyncSession,
    site: Site,
    incident: Incident,
    now: datetime,
    people: Sequence[Holder],
    words: RoundWords,
    *,
    tell_group: bool,
) -> int:
    """Ping ``people`` with 确认 once more, record whom, and tell the group (always after the first
    round); returns how many messages were queued."""
    assert incident.id is not None and site.id is not None
    t = Translator(site.language)
    incident.escalation_level += 1
    level = incident.escalation_level
    text = "\n".join(
        [
            t(
                words.ping if level == 1 else words.repeat,
                number=incident.number,
                level=level,
                site=site.name,
                category=category(t, incident.category),
                location=incident.location or "-",
            ),
            t("incident.situation", text=clip(incident.situation)),
            t("incident.occurred", at=local(incident.occurred_at, site), reporter=incident.reporter_name),
            t(words.rule),
        ]
    )
    ack = [[Button(t("btn.acknowledge"), Acknowledge(incident=incident.id).pack())]]
    ids = [telegram_id for telegram_id, _ in people]
    link = ("incident", incident.id)
    sent = await notices.tell(session, site, ids, text, purpose="escalation", urgent=True, link=link, buttons=ack)
    for telegram_id, role in people:
        await incidents.record_notice(
            session, incident_id=incident.id, level=level, telegram_id=telegram_id, role=role, at=now
        )
    if site.duty_chat_id is not None and (tell_group or level > 1):
        if not people:
            line = t(words.nobody, number=incident.number)
        else:
            key = words.group_first if level == 1 else words.group_repeat
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
    """An escalated incident is lowered only by a supervisor or above (see may_stand_down); so is an
    urgent one nobody has acknowledged yet (lowering it would silence the pings, 000 L131)."""
    if may_stand_down(ctx, incident):
        return None
    if incident.severity == Severity.URGENT and incident.escalation == EscalationState.PENDING:
        return Outcome(toast=ctx.t("urgent.lower_denied", number=incident.number), alert=True)
    if incident.severity != Severity.MAJOR or incident.escalation == EscalationState.NONE:
        return None
    return Outcome(toast=ctx.t("escalation_status.lower_denied", number=incident.number), alert=True)


async def stand_down(ctx: Context, incident: Incident, *, closed: bool, lowered_to: Severity | None = None) -> None:
    """Closing or lowering an escalated incident stops the repeats (a lowered one needs no written
    report either) and tells everyone who was pinged, in one line, what happened and by whom.
    Called before a lowered incident's severity changes; a no-op unless it is an escalated major one
    or an urgent one still being pinged (an urgent one already acknowledged, or a major one lowered
    to urgent, has nobody left to stop)."""
    if incident.escalation == EscalationState.NONE or incident.severity not in ESCALATED or incident.id is None:
        return
    urgent = incident.severity == Severity.URGENT
    if urgent and incident.escalation != EscalationState.PENDING:
        return
    await timers.cancel_for(ctx.session, kind=URGENT_PING if urgent else ESCALATE, ref_id=incident.id)
    if not closed and not urgent:
        await cancel_report(ctx, incident)
    if incident.escalation == EscalationState.PENDING:
        incident.escalation = EscalationState.STOPPED
    ctx.session.add(incident)
    t, user = ctx.t, ctx.msg.user
    role = t(f"role.{ctx.role_at(incident.site_id) or Role.STAFF}")
    if closed:
        line = t(
            "urgent.closed" if urgent else "escalation_status.closed", number=incident.number, name=user.name, role=role
        )
    else:
        line = t(
            "urgent.lowered" if urgent else "escalation_status.lowered",
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
    found = await _unacknowledged(ctx)
    if found is None:
        return None
    incident, site = found
    await ping(ctx.session, site, incident, ctx.now, admins=ctx.services.admin_ids)
    return ctx.now + timedelta(minutes=Policy.for_site(site.policy).escalation_repeat_minutes)


async def on_urgent(ctx: TimerContext) -> datetime | None:
    """Repeat an urgent event's ping to the on-duty supervisors while nobody has acknowledged it and
    it is still open and urgent (000 L131); None ends the timer."""
    found = await _unacknowledged(ctx)
    if found is None or found[0].severity != Severity.URGENT:
        return None
    incident, site = found
    await ping_urgent(ctx.session, site, incident, ctx.now, admins=ctx.services.admin_ids)
    return ctx.now + timedelta(minutes=Policy.for_site(site.policy).urgent_repeat_minutes)


async def _unacknowledged(ctx: TimerContext) -> tuple[Incident, Site] | None:
    """The timer's incident and site while the incident is open and nobody has acknowledged it."""
    incident = await incidents.get(ctx.session, incident_id=ctx.timer.ref_id)
    site = await sites.get(ctx.session, site_id=ctx.timer.site_id)
    if incident is None or site is None:
        return None
    if incident.escalation != EscalationState.PENDING or incident.status != IncidentStatus.OPEN:
        return None
    return incident, site


async def on_report(ctx: TimerContext) -> datetime | None:
    """Each morning until the written report is filed, remind the reporter and the supervisors, who
    write it with /incident_report (000 L144: the next day)."""
    session, timer, now = ctx.session, ctx.timer, ctx.now
    incident = await incidents.get(session, incident_id=timer.ref_id)
    site = await sites.get(session, site_id=timer.site_id)
    if incident is None or site is None or incident.report_filed_at is not None or incident.id is None:
        return None
    if incident.severity != Severity.MAJOR:  # lowered by a supervisor: no written report is due
        return None
    t = Translator(site.language)
    late = f"{Policy.for_site(site.policy).written_report_hours:g}"
    text = "\n".join([t("written.reminder", number=incident.number, site=site.name), t("written.rule", hours=late)])
    supervisors = await notices.holders(session, site, (Role.SUPERVISOR,))
    people = sorted({incident.reporter_id, *(holder.telegram_id for holder in supervisors)})
    await notices.tell(session, site, people, text, purpose="reminder", link=("incident", incident.id))
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
    urgent = incident.severity == Severity.URGENT
    await timers.cancel_for(ctx.session, kind=URGENT_PING if urgent else ESCALATE, ref_id=require_id(incident))
    site = await sites.get(ctx.session, site_id=incident.site_id)
    role = t(f"role.{ctx.role_at(incident.site_id)}")
    told = t(
        "urgent.acknowledged" if urgent else "escalation.acknowledged",
        number=incident.number,
        name=user.name,
        role=role,
    )
    if site and site.duty_chat_id == ctx.msg.chat.id:  # /ack in the duty group: one answer, there
        return ctx.answer(told)
    if site and site.duty_chat_id is not None:
        await ctx.notify(site.duty_chat_id, told)
    done = t("urgent.you_acknowledged" if urgent else "escalation.you_acknowledged", number=incident.number)
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


COMMANDS = [Command("ack", ack_command, min_role=Role.SUPERVISOR)]
BUTTONS: list[AnyButton] = [ButtonAction(Acknowledge, ack_button, Role.SUPERVISOR)]
TIMERS = {ESCALATE: on_escalate, URGENT_PING: on_urgent, REPORT: on_report}
__all__ = ["PART", "cancel_report", "raise_to_major", "stand_down", "start", "start_urgent", "status_line"]
PART = Feature("escalation", commands=COMMANDS, buttons=BUTTONS, timers=TIMERS)
