"""The duty log (值班日志): record, append handling, close, mark major, list, attach photos.

Fields follow source 000 第2篇 L101-116: situation (事情情况), handling (处理, appendable), result
(善后处理). Every entry belongs to the day's duty log.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import TypeVar

import handlers.dutylog.escalation as escalation
from handlers.core.commands import AnyButton, ButtonAction, Command
from handlers.core.context import Context
from handlers.core.feature import ExportKind, Feature
from handlers.core.i18n import Translator
from handlers.core.lookups import button_incident, numbered_incident
from handlers.core.messages import Button, Keyboard, Outcome, Reply
from handlers.core.parsing import resolve_time, visible
from handlers.core.render import category_picker, clip, incident_card, picking, severity_picker, with_cancel
from handlers.dutylog.buttons import (
    BackToIncident,
    ChangeIncidentCategory,
    ChangeIncidentSeverity,
    MarkMajor,
    NamesIncident,
    SetIncidentCategory,
    SetIncidentSeverity,
)
from handlers.dutylog.exports import INCIDENT_FIELDS, incident_rows
from handlers.dutylog.listing import incidents_command
from storage.codes import Register, Role, Severity
from storage.models import EscalationState, Incident, IncidentStatus, Site, require_id
from storage.repos import incidents, sites


async def record(
    ctx: Context,
    site: Site,
    *,
    text: str,
    category: str,
    severity: Severity,
    location: str | None,
    occurred_at: datetime,
    kind: str = "incident",
    reporter: tuple[int, str] | None = None,
    escalate: bool = True,
) -> Incident:
    """Write one duty-log entry with the site's next #N; a major one goes up the chain at once, an
    urgent one to the on-duty supervisor (000 L131, L258, L309). ``escalate=False``: the calling
    feature tells the people its own rule names instead (a lost key, 000 L509)."""
    assert site.id is not None
    reporter_id, reporter_name = reporter or (ctx.msg.user.id, ctx.msg.user.name)
    incident = await incidents.add(
        ctx.session,
        Incident(
            site_id=site.id,
            number=await sites.next_number(ctx.session, site_id=site.id, register=Register.INCIDENT),
            kind=kind,
            occurred_at=occurred_at,
            logged_at=ctx.now,
            reporter_id=reporter_id,
            reporter_name=reporter_name,
            location=location,
            category=category,
            severity=severity,
            situation=text,
            chat_id=ctx.msg.chat.id,
        ),
    )
    if not escalate:
        return incident
    if severity == Severity.MAJOR:
        await escalation.start(ctx, site, incident)
    elif severity == Severity.URGENT:
        await escalation.start_urgent(ctx, site, incident)
    return incident


def card_reply(
    ctx: Context, incident: Incident, *, edit: bool = False, header: str = "incident.card", status: str | None = None
) -> Reply:
    """The incident's card with its buttons; ``status`` is where its escalation stands."""
    text = incident_card(ctx, incident, header=header)
    if status:
        text += "\n" + status
    return Reply(text, incident_buttons(ctx.t, incident), edit=edit, link=("incident", require_id(incident)))


def incident_buttons(t: Translator, incident: Incident) -> Keyboard:
    """改类别, 改级别 and, unless it is major already, 标为重大; none once it is closed."""
    if incident.status != IncidentStatus.OPEN:
        return []
    incident_id = require_id(incident)
    row = [
        Button(t("btn.change_category"), ChangeIncidentCategory(incident=incident_id).pack()),
        Button(t("btn.change_severity"), ChangeIncidentSeverity(incident=incident_id).pack()),
    ]
    if incident.severity != Severity.MAJOR:
        row.append(Button(t("btn.mark_major"), MarkMajor(incident=incident_id).pack()))
    return [row]


async def full_card(ctx: Context, incident: Incident, *, edit: bool = False, header: str = "incident.card") -> Reply:
    """The card with one line on the escalation: who was told (roles and count), or that nobody could be."""
    return card_reply(ctx, incident, edit=edit, header=header, status=await escalation.status_line(ctx, incident))


FUTURE_GRACE = timedelta(minutes=5)  # clocks and "10点" said at 09:58 are not the future


def future_refusal(ctx: Context, occurred_at: datetime) -> str | None:
    """A duty-log entry records what happened (source 000 第2篇 L101-116: 事情情况): a time still to
    come (a planned outage, a drill) is refused with the reason, never moved to another day."""
    if occurred_at <= ctx.now + FUTURE_GRACE:
        return None
    return ctx.t("future_time.refused", at=ctx.hhmm(occurred_at))


async def log_command(ctx: Context, args: str) -> Outcome:
    text = args.strip()
    if not visible(text):
        return Outcome.say(ctx.t("usage.log"))
    assert ctx.site is not None
    reading = await ctx.classify(text, speaker="staff", private=False)
    occurred_at = resolve_time(reading.time, ctx.now, ctx.zone())
    refusal = future_refusal(ctx, occurred_at)
    if refusal:
        return Outcome.say(refusal)
    incident = await record(
        ctx,
        ctx.site,
        text=text,
        category=reading.category,
        severity=reading.severity,
        location=reading.location,
        occurred_at=occurred_at,
    )
    if ctx.msg.photo_file_id:
        await incidents.add_photo(
            ctx.session, incident_id=require_id(incident), file_id=ctx.msg.photo_file_id, added_by=ctx.msg.user.id
        )
    return Outcome(replies=[await full_card(ctx, incident, header="incident.logged")])


async def note_command(ctx: Context, args: str) -> Outcome:
    incident, text, problem = await numbered_incident(ctx, args, "usage.note")
    if problem or incident is None:
        return problem or Outcome()
    if not text:
        return Outcome.say(ctx.t("usage.note"))
    if incident.status == IncidentStatus.CLOSED:  # closed records stay closed: refused, and the text shown back
        return Outcome.say(ctx.t("closed_rec.note_refused", number=incident.number, text=clip(text, 120)))
    await incidents.add_note(
        ctx.session,
        incident_id=require_id(incident),
        author_id=ctx.msg.user.id,
        author_name=ctx.msg.user.name,
        text=text,
    )
    return Outcome.say(ctx.t("incident.noted", number=incident.number, text=clip(text, 120)))


async def close_command(ctx: Context, args: str) -> Outcome:
    incident, text, problem = await numbered_incident(ctx, args, "usage.close")
    if problem or incident is None:
        return problem or Outcome()
    if not text:
        return Outcome.say(ctx.t("usage.close"))
    if incident.status == IncidentStatus.CLOSED:
        return Outcome.say(ctx.t("closed_rec.close_again", number=incident.number, text=clip(text, 120)))
    if (
        incident.severity == Severity.MAJOR
        and incident.escalation == EscalationState.PENDING
        and not escalation.may_stand_down(ctx, incident)
    ):
        return Outcome.say(ctx.t("escalation_status.close_denied", number=incident.number))
    incident.result, incident.status = text, IncidentStatus.CLOSED
    incident.closed_by, incident.closed_at = ctx.msg.user.id, ctx.now
    ctx.session.add(incident)
    await escalation.stand_down(ctx, incident, closed=True)
    lines = [ctx.t("incident.closed", number=incident.number, text=clip(text, 120))]
    if incident.severity == Severity.MAJOR and incident.report_filed_at is None:
        lines.append(ctx.t("written.still_due", number=incident.number))  # one message (docs: "Message economy")
    return Outcome.say("\n".join(lines))


async def mark_major(ctx: Context, incident: Incident) -> Outcome:
    """Mark major and escalate; again on an escalated one: since when, and who was told."""
    if incident.severity == Severity.MAJOR:
        status = await escalation.status_line(ctx, incident)
        already = ctx.t("incident.already_major", number=incident.number)
        return Outcome.say(already + ("\n" + status if status else ""))
    site = await sites.get(ctx.session, site_id=incident.site_id)
    assert site is not None
    await escalation.raise_to_major(ctx, incident)
    incident.severity = Severity.MAJOR
    ctx.session.add(incident)
    await escalation.start(ctx, site, incident)
    status = await escalation.status_line(ctx, incident)
    return Outcome.say(ctx.t("escalation_status.marked", number=incident.number) + ("\n" + status if status else ""))


async def major_command(ctx: Context, args: str) -> Outcome:
    incident, _, problem = await numbered_incident(ctx, args, "usage.major")
    if problem or incident is None:
        return problem or Outcome()
    if incident.status == IncidentStatus.CLOSED:  # closed records stay closed: nobody is pinged about them
        return Outcome.say(ctx.t("incident.already_closed", number=incident.number))
    return await mark_major(ctx, incident)


async def attach_photo(ctx: Context, incident_id: int) -> Outcome | None:
    """A photo sent as a reply to an incident's message is attached to that incident."""
    if ctx.site is None or not ctx.msg.photo_file_id:
        return None
    if not ctx.may(ctx.site.id, Role.STAFF):
        return None  # not attached: the router answers so
    incident = await incidents.get(ctx.session, incident_id=incident_id)
    if incident is None or incident.site_id != ctx.site.id:
        return None
    await incidents.add_photo(
        ctx.session, incident_id=require_id(incident), file_id=ctx.msg.photo_file_id, added_by=ctx.msg.user.id
    )
    return Outcome(replies=[Reply(ctx.t("incident.photo_added", number=incident.number), quote=True)])


DI = TypeVar("DI", bound=NamesIncident)


def with_open_incident(
    action: Callable[[Context, Incident, DI], Awaitable[Outcome]],
) -> Callable[[Context, DI], Awaitable[Outcome]]:
    """A button on an incident card: it runs once the presser is staff at the incident's site and
    the incident is still open; the callback data only names the incident."""

    @wraps(action)
    async def handler(ctx: Context, data: DI) -> Outcome:
        incident = await button_incident(ctx, data.incident, Role.STAFF)
        if isinstance(incident, Outcome):
            return incident
        if incident.status != IncidentStatus.OPEN:
            return Outcome(toast=ctx.t("incident.already_closed", number=incident.number))
        return await action(ctx, incident, data)

    return handler


def _back(incident: Incident) -> str:
    return BackToIncident(incident=require_id(incident)).pack()


@with_open_incident
async def category_button(ctx: Context, incident: Incident, data: ChangeIncidentCategory) -> Outcome:
    choose = category_picker(ctx.t, lambda code: SetIncidentCategory(incident=data.incident, category=code))
    picker = with_cancel(ctx.t, choose, _back(incident))
    return Outcome(replies=[picking(ctx.t, incident_card(ctx, incident), "pick.category", picker)])


@with_open_incident
async def cancel_button(ctx: Context, incident: Incident, data: BackToIncident) -> Outcome:
    return Outcome(replies=[await full_card(ctx, incident, edit=True)], toast=ctx.t("pickers.cancelled"))


@with_open_incident
async def set_category_button(ctx: Context, incident: Incident, data: SetIncidentCategory) -> Outcome:
    incident.category = data.category
    ctx.session.add(incident)
    return Outcome(replies=[await full_card(ctx, incident, edit=True)], toast=ctx.t("incident.updated"))


@with_open_incident
async def severity_button(ctx: Context, incident: Incident, data: ChangeIncidentSeverity) -> Outcome:
    denied = escalation.lowering_denied(ctx, incident)
    if denied:
        return denied
    choose = severity_picker(ctx.t, lambda code: SetIncidentSeverity(incident=data.incident, severity=code))
    picker = with_cancel(ctx.t, choose, _back(incident))
    return Outcome(replies=[picking(ctx.t, incident_card(ctx, incident), "pick.severity", picker)])


@with_open_incident
async def set_severity_button(ctx: Context, incident: Incident, data: SetIncidentSeverity) -> Outcome:
    if data.severity == Severity.MAJOR:
        return await _escalate_card(ctx, incident)
    if data.severity == incident.severity:  # the same level again: nothing changes, nobody is told
        return Outcome(replies=[await full_card(ctx, incident, edit=True)], toast=ctx.t("incident.updated"))
    denied = escalation.lowering_denied(ctx, incident)
    if denied:
        return denied
    await escalation.stand_down(ctx, incident, closed=False, lowered_to=data.severity)
    incident.severity = data.severity
    ctx.session.add(incident)
    if data.severity == Severity.URGENT:  # raised to urgent: the on-duty supervisor is told (000 L131)
        site = await sites.get(ctx.session, site_id=incident.site_id)
        assert site is not None
        await escalation.start_urgent(ctx, site, incident)
    return Outcome(replies=[await full_card(ctx, incident, edit=True)], toast=ctx.t("incident.updated"))


@with_open_incident
async def major_button(ctx: Context, incident: Incident, data: MarkMajor) -> Outcome:
    return await _escalate_card(ctx, incident)


async def _escalate_card(ctx: Context, incident: Incident) -> Outcome:
    """The card's 标为重大: the card shows who was told; on an escalated one, a toast says since when."""
    if incident.severity == Severity.MAJOR:
        already = await mark_major(ctx, incident)
        return Outcome(replies=[await full_card(ctx, incident, edit=True)], toast=already.replies[0].text, alert=True)
    await mark_major(ctx, incident)
    return Outcome(replies=[await full_card(ctx, incident, edit=True)])


COMMANDS = [
    Command("log", log_command, aliases=("incident", "jl")),
    Command("note", note_command),
    Command("close", close_command),
    Command("major", major_command),
    Command("incidents", incidents_command, aliases=("open",)),
]
BUTTONS: list[AnyButton] = [  # staff or above, checked before the data is read (min_role)
    ButtonAction(ChangeIncidentCategory, category_button, Role.STAFF),
    ButtonAction(SetIncidentCategory, set_category_button, Role.STAFF),
    ButtonAction(ChangeIncidentSeverity, severity_button, Role.STAFF),
    ButtonAction(SetIncidentSeverity, set_severity_button, Role.STAFF),
    ButtonAction(MarkMajor, major_button, Role.STAFF),
    ButtonAction(BackToIncident, cancel_button, Role.STAFF),
]
PART = Feature(
    "dutylog",
    commands=COMMANDS,
    buttons=BUTTONS,
    replies={"incident": attach_photo},
    exports={"incidents": ExportKind(INCIDENT_FIELDS, incident_rows, incident_rows)},
)
