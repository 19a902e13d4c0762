"""The duty log (值班日志): record, append handling, close, mark major, list, attach photos.

Fields follow source 000 第2篇 L101-116: situation (事情情况), handling (处理, appendable), result
(善后处理). Every entry belongs to the day's duty log.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import wraps

from handlers import escalation
from handlers.commands import ButtonAction, ButtonHandler, Command, code_arg, int_arg
from handlers.context import Context
from handlers.exports import INCIDENT_FIELDS, incident_rows
from handlers.feature import ExportKind, Feature
from handlers.lookups import numbered_incident
from handlers.messages import Outcome, Reply
from handlers.parsing import resolve_time
from handlers.render import category_picker, clip, incident_buttons, incident_card, picking, severity_picker
from handlers.taxonomy import CATEGORIES, SEVERITIES, SEVERITY_RANK
from storage.models import Incident, Site
from storage.repos import incidents, sites


async def record(
    ctx: Context,
    site: Site,
    *,
    text: str,
    category: str,
    severity: str,
    location: str | None,
    occurred_at: datetime,
    kind: str = "incident",
    reporter: tuple[int, str] | None = None,
) -> Incident:
    """Write one duty-log entry with the site's next #N; a major one goes up the chain at once."""
    assert site.id is not None
    reporter_id, reporter_name = reporter or (ctx.msg.user.id, ctx.msg.user.name)
    incident = await incidents.add(
        ctx.session,
        Incident(
            site_id=site.id,
            number=await sites.next_number(ctx.session, site_id=site.id),
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
    if severity == "major":
        await escalation.start(ctx, site, incident)
    return incident


def card_reply(ctx: Context, incident: Incident, *, edit: bool = False, header: str = "incident.card") -> Reply:
    text = incident_card(ctx, incident, header=header)
    if incident.escalation == "pending":
        text += "\n" + ctx.t("escalation.started")
    return Reply(text, incident_buttons(ctx.t, incident), edit=edit, link=("incident", incident.id or 0))


async def log_command(ctx: Context, args: str) -> Outcome:
    text = args.strip()
    if not text:
        return Outcome.say(ctx.t("usage.log"))
    assert ctx.site is not None
    reading = await ctx.classify(text, speaker="staff", private=False)
    incident = await record(
        ctx,
        ctx.site,
        text=text,
        category=reading.category,
        severity=reading.severity,
        location=reading.location,
        occurred_at=resolve_time(reading.time, ctx.now, ctx.zone()),
    )
    if ctx.msg.photo_file_id:
        await incidents.add_photo(
            ctx.session, incident_id=incident.id or 0, file_id=ctx.msg.photo_file_id, added_by=ctx.msg.user.id
        )
    return Outcome(replies=[card_reply(ctx, incident, header="incident.logged")])


async def note_command(ctx: Context, args: str) -> Outcome:
    incident, text, problem = await numbered_incident(ctx, args, "usage.note")
    if problem or incident is None:
        return problem or Outcome()
    if not text:
        return Outcome.say(ctx.t("usage.note"))
    await incidents.add_note(
        ctx.session, incident_id=incident.id or 0, author_id=ctx.msg.user.id, author_name=ctx.msg.user.name, text=text
    )
    return Outcome.say(ctx.t("incident.noted", number=incident.number, text=clip(text, 120)))


async def close_command(ctx: Context, args: str) -> Outcome:
    incident, text, problem = await numbered_incident(ctx, args, "usage.close")
    if problem or incident is None:
        return problem or Outcome()
    if not text:
        return Outcome.say(ctx.t("usage.close"))
    if incident.status == "closed":
        return Outcome.say(ctx.t("incident.already_closed", number=incident.number))
    incident.result, incident.status = text, "closed"
    incident.closed_by, incident.closed_at = ctx.msg.user.id, ctx.now
    ctx.session.add(incident)
    reply = Outcome.say(ctx.t("incident.closed", number=incident.number, text=clip(text, 120)))
    if incident.severity == "major" and incident.report_filed_at is None:
        reply.replies.append(Reply(ctx.t("report.still_due", number=incident.number)))
    return reply


async def mark_major(ctx: Context, incident: Incident) -> Outcome:
    if incident.severity == "major":
        return Outcome.say(ctx.t("incident.already_major", number=incident.number))
    site = await sites.get(ctx.session, site_id=incident.site_id)
    assert site is not None
    incident.severity = "major"
    ctx.session.add(incident)
    await escalation.start(ctx, site, incident)
    return Outcome.say(ctx.t("incident.marked_major", number=incident.number))


async def major_command(ctx: Context, args: str) -> Outcome:
    incident, _, problem = await numbered_incident(ctx, args, "usage.major")
    if problem or incident is None:
        return problem or Outcome()
    return await mark_major(ctx, incident)


async def incidents_command(ctx: Context, args: str) -> Outcome:
    assert ctx.site is not None
    rows = list(await incidents.open_for_site(ctx.session, site_id=ctx.site.id or 0))
    if not rows:
        return Outcome.say(ctx.t("incident.none_open"))
    # Newest first, major first (the sort is stable, so the second key keeps newest-first inside a rank).
    rows.sort(key=lambda row: SEVERITY_RANK.get(row.severity, 9))
    lines = [ctx.t("incident.open_header", count=len(rows))]
    for row in rows:
        lines.append(
            ctx.t(
                "incident.line",
                number=row.number,
                severity=ctx.t(f"sev.{row.severity}"),
                category=ctx.t(f"cat.{row.category}"),
                at=ctx.hhmm(row.occurred_at),
                text=clip(row.situation, 40),
            )
        )
    return Outcome.say("\n".join(lines))


async def attach_photo(ctx: Context, incident_id: int) -> Outcome | None:
    """A photo sent as a reply to an incident's message is attached to that incident."""
    if ctx.site is None or not ctx.msg.photo_file_id:
        return None
    if not ctx.may(ctx.site.id, "staff"):
        return Outcome()
    incident = await incidents.get(ctx.session, incident_id=incident_id)
    if incident is None or incident.site_id != ctx.site.id:
        return Outcome()
    await incidents.add_photo(
        ctx.session, incident_id=incident.id or 0, file_id=ctx.msg.photo_file_id, added_by=ctx.msg.user.id
    )
    return Outcome(replies=[Reply(ctx.t("incident.photo_added", number=incident.number), quote=True)])


RecordAction = Callable[[Context, Incident, list[str]], Awaitable[Outcome]]


def on_open_incident(action: RecordAction) -> ButtonHandler:
    """A button on an incident card: it runs once the presser is staff at the incident's site and
    the incident is still open; the callback data only names the incident."""

    @wraps(action)
    async def handler(ctx: Context, args: list[str]) -> Outcome:
        incident_id = int_arg(args)
        incident = None if incident_id is None else await incidents.get(ctx.session, incident_id=incident_id)
        if incident is None:
            return Outcome(toast=ctx.t("button.stale"))
        if not ctx.may(incident.site_id, "staff"):
            return Outcome(toast=ctx.t("denied.role", role=ctx.t("role.staff")), alert=True)
        if incident.status != "open":
            return Outcome(toast=ctx.t("incident.already_closed", number=incident.number))
        return await action(ctx, incident, args[1:])

    return handler


@on_open_incident
async def category_button(ctx: Context, incident: Incident, args: list[str]) -> Outcome:
    picker = category_picker(ctx.t, "inc.setcat", incident.id)
    return Outcome(replies=[picking(ctx.t, incident_card(ctx, incident), "pick.category", picker)])


@on_open_incident
async def set_category_button(ctx: Context, incident: Incident, args: list[str]) -> Outcome:
    code = code_arg(args, CATEGORIES)
    if code is None:
        return Outcome(toast=ctx.t("button.stale"))
    incident.category = code
    ctx.session.add(incident)
    return Outcome(replies=[card_reply(ctx, incident, edit=True)], toast=ctx.t("incident.updated"))


@on_open_incident
async def severity_button(ctx: Context, incident: Incident, args: list[str]) -> Outcome:
    picker = severity_picker(ctx.t, "inc.setsev", incident.id)
    return Outcome(replies=[picking(ctx.t, incident_card(ctx, incident), "pick.severity", picker)])


@on_open_incident
async def set_severity_button(ctx: Context, incident: Incident, args: list[str]) -> Outcome:
    code = code_arg(args, SEVERITIES)
    if code is None:
        return Outcome(toast=ctx.t("button.stale"))
    if code == "major":
        return await _escalate_card(ctx, incident)
    incident.severity = code
    ctx.session.add(incident)
    return Outcome(replies=[card_reply(ctx, incident, edit=True)], toast=ctx.t("incident.updated"))


@on_open_incident
async def major_button(ctx: Context, incident: Incident, args: list[str]) -> Outcome:
    return await _escalate_card(ctx, incident)


async def _escalate_card(ctx: Context, incident: Incident) -> Outcome:
    outcome = await mark_major(ctx, incident)
    return Outcome(replies=[card_reply(ctx, incident, edit=True), *outcome.replies])


COMMANDS = [
    Command("log", log_command, aliases=("incident", "jl")),
    Command("note", note_command),
    Command("close", close_command),
    Command("major", major_command),
    Command("incidents", incidents_command, aliases=("open",)),
]
BUTTONS = [
    ButtonAction("inc.cat", category_button),
    ButtonAction("inc.setcat", set_category_button),
    ButtonAction("inc.sev", severity_button),
    ButtonAction("inc.setsev", set_severity_button),
    ButtonAction("inc.major", major_button),
]
FEATURE = Feature(
    "dutylog",
    commands=COMMANDS,
    buttons=BUTTONS,
    replies={"incident": attach_photo},
    exports={"incidents": ExportKind(INCIDENT_FIELDS, incident_rows)},
)
