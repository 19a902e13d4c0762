"""The written report of a major event (书面报告): a record, written and sent to its readers.

Rules: a major event's handling is reported in writing the next day to the customer-service
manager (000 L144) and the general manager (001 L479); within 24 hours, with photos of the scene
and the losses counted (001 L819). The reporter of the incident or a supervisor writes it with
``/incident_report N text 损失：…`` (``/written`` for short), once someone up the chain has
acknowledged the event; photos sent as replies to its card are attached and passed on. It goes to
the site's managers and admins (the GM, where the site has one: as for sealed keys, an admin stands
for the GM). Its deadline is a timer (``escalation.REPORT_DUE``): past it, the managers are told.

The command is not ``/report N``: ``/report [YYYY-MM]`` is the monthly statistics in private chat.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

import handlers.dutylog.escalation as escalation
from handlers.core import notices
from handlers.core.commands import AnyButton, ButtonAction, Command
from handlers.core.context import Context, TimerContext
from handlers.core.feature import Feature
from handlers.core.i18n import Translator
from handlers.core.lookups import button_incident, numbered_incident
from handlers.core.messages import Outcome, Reply
from handlers.core.notices import Holder
from handlers.core.policy import Policy
from handlers.core.render import category
from handlers.dutylog.buttons import ReportFiled
from storage.codes import Role, Severity
from storage.models import EscalationState, Incident, Site, WrittenReport, require_id
from storage.repos import incidents, sites

LINK = "written_report"  # a reply to the report's card (a photo) is attached to the report
READERS = (Role.MANAGER, Role.ADMIN)  # 000 L144 客服部经理; 001 L479 总经理 (an admin stands for the GM)
# "损失：…" starts the tally of losses (001 L819), in any of the three languages.
_LOSSES = re.compile(r"(?:损失|損失|loss(?:es)?)\s*[:：]\s*", re.IGNORECASE)
_TRIM = " \t\n，,;；。."


def split_losses(text: str) -> tuple[str, str] | None:
    """(what happened and was done, the losses) from ``… 损失：…``; None when either is missing."""
    found = _LOSSES.search(text)
    if found is None:
        return None
    body, losses = text[: found.start()].strip(_TRIM), text[found.end() :].strip(_TRIM)
    return (body, losses) if body and losses else None


def hours(value: float) -> str:
    return f"{value:g}"


async def readers(session: AsyncSession, site: Site, *, skip: int | None = None) -> list[Holder]:
    """Who receives the report and its photos: the site's managers and admins (GM), not ``skip``."""
    return await notices.holders(session, site, READERS, skip=() if skip is None else (skip,))


def report_text(t: Translator, site: Site, incident: Incident, report: WrittenReport, photos: int) -> str:
    zone_at = escalation.local
    return "\n".join(
        [
            t("written.card", number=incident.number, site=site.name),
            t(
                "written.card_incident",
                category=category(t, incident.category),
                location=incident.location or "-",
                at=zone_at(incident.occurred_at, site),
            ),
            t("written.card_author", name=report.author_name, at=zone_at(report.filed_at, site)),
            t("written.card_text", text=report.text),
            t("written.card_losses", text=report.losses),
            t("written.card_photos", count=photos),
        ]
    )


def refusal(ctx: Context, incident: Incident) -> str | None:
    """Why this person may not write this incident's report now, or None."""
    t = ctx.t
    if incident.severity != Severity.MAJOR:
        return t("report.not_major", number=incident.number)
    if ctx.msg.user.id != incident.reporter_id and not ctx.may(incident.site_id, Role.SUPERVISOR):
        return t("written.not_yours", number=incident.number, name=incident.reporter_name)
    if incident.escalation == EscalationState.PENDING:  # reported up first, then written (000 L144, L151)
        return t("written.not_acknowledged", number=incident.number)
    return None


async def report_command(ctx: Context, args: str) -> Outcome:
    """``/incident_report N text 损失：…``: file the written report of major incident #N."""
    incident, text, problem = await numbered_incident(ctx, args, "written.usage")
    if problem or incident is None:
        return problem or Outcome()
    refused = refusal(ctx, incident)
    if refused:
        return Outcome.say(refused)
    filed = await incidents.report_of(ctx.session, incident_id=require_id(incident))
    if filed is not None:
        return Outcome.say(
            ctx.t("written.already", number=incident.number, name=filed.author_name, at=ctx.hhmm(filed.filed_at))
        )
    parts = split_losses(text)
    if parts is None:
        return Outcome.say(ctx.t("written.losses_needed", number=incident.number) + "\n" + ctx.t("written.usage"))
    site = await sites.get(ctx.session, site_id=incident.site_id)
    assert site is not None
    user = ctx.msg.user
    report = await incidents.add_report(
        ctx.session,
        WrittenReport(
            incident_id=require_id(incident),
            site_id=incident.site_id,
            author_id=user.id,
            author_name=user.name,
            text=parts[0],
            losses=parts[1],
            filed_at=ctx.now,
        ),
    )
    report_id = require_id(report)
    incident.report_filed_at, incident.report_filed_by = ctx.now, user.id
    ctx.session.add(incident)
    await escalation.cancel_report(ctx, incident)
    photo = ctx.msg.photo_file_id
    if photo:
        await incidents.add_report_photo(ctx.session, report_id=report_id, file_id=photo, added_by=user.id)
    people = await readers(ctx.session, site, skip=user.id)
    site_t = Translator(site.language)
    text_for_readers = report_text(site_t, site, incident, report, 1 if photo else 0)
    await _pass_on(ctx, site, people, text_for_readers, report_id, photo)
    sent = (
        ctx.t("written.sent", count=len(people)) if people else ctx.t("written.nobody_to_read", number=incident.number)
    )
    card = "\n".join([report_text(ctx.t, site, incident, report, 1 if photo else 0), sent, ctx.t("written.photos_how")])
    return Outcome(replies=[Reply(card, link=(LINK, report_id))])


async def attach_photo(ctx: Context, report_id: int) -> Outcome | None:
    """A photo sent as a reply to a written report's card is attached to it and passed on to its
    readers (photos of the scene, 001 L819)."""
    photo = ctx.msg.photo_file_id
    if not photo:
        return None
    report = await incidents.get_report(ctx.session, report_id=report_id)
    if report is None or (ctx.site is not None and report.site_id != ctx.site.id):
        return None
    if not ctx.may(report.site_id, Role.STAFF):
        return None  # not attached: the router answers so
    incident = await incidents.get(ctx.session, incident_id=report.incident_id)
    site = await sites.get(ctx.session, site_id=report.site_id)
    if incident is None or site is None:
        return None
    count = await incidents.add_report_photo(ctx.session, report_id=report_id, file_id=photo, added_by=ctx.msg.user.id)
    people = await readers(ctx.session, site, skip=ctx.msg.user.id)
    caption = Translator(site.language)("written.photo_caption", number=incident.number, name=ctx.msg.user.name)
    await _pass_on(ctx, site, people, caption, report_id, photo)
    said = ctx.t("written.photo_added", number=incident.number, count=count, sent=len(people))
    return Outcome(replies=[Reply(said, quote=True)])


async def filed_button(ctx: Context, data: ReportFiled) -> Outcome:
    """已交书面报告 on the reminders sent before the report became a record: a tap files nothing,
    it says how to write the report (the same checks as the command first)."""
    incident = await button_incident(ctx, data.incident, Role.STAFF)
    if isinstance(incident, Outcome):
        return incident
    refused = refusal(ctx, incident)
    if refused is None and incident.report_filed_at is not None:
        refused = ctx.t("report.already", number=incident.number)
    return Outcome(toast=refused or ctx.t("written.how", number=incident.number), alert=True)


async def on_deadline(ctx: TimerContext) -> datetime | None:
    """The report is ``written_report_hours`` late (001 L819: within 24 hours): the managers are
    told, once (the reporter and supervisors keep their morning reminder); an admin, where the site
    has no manager."""
    session, timer = ctx.session, ctx.timer
    incident = await incidents.get(session, incident_id=timer.ref_id)
    site = await sites.get(session, site_id=timer.site_id)
    if incident is None or site is None or incident.report_filed_at is not None:
        return None
    if incident.severity != Severity.MAJOR:
        return None
    t = Translator(site.language)
    late = Policy.for_site(site.policy).written_report_hours
    text = "\n".join(
        [
            t(
                "written.overdue",
                number=incident.number,
                site=site.name,
                hours=hours(late),
                name=incident.reporter_name,
            ),
            t("written.rule", hours=hours(late)),
        ]
    )
    roles = (Role.MANAGER, Role.ADMIN)
    await notices.tell_roles(
        session,
        site,
        roles,
        text,
        purpose="reminder",
        link=("incident", require_id(incident)),
        ladder=True,
        admins=ctx.services.admin_ids,
    )
    return None


COMMANDS = [
    Command("incident_report", report_command, aliases=("written", "report_filed", "filed")),
]
BUTTONS: list[AnyButton] = [ButtonAction(ReportFiled, filed_button, Role.STAFF)]
PART = Feature(
    "written",
    commands=COMMANDS,
    buttons=BUTTONS,
    timers={escalation.REPORT_DUE: on_deadline},
    replies={LINK: attach_photo},
)


async def _pass_on(
    ctx: Context, site: Site, people: Sequence[Holder], text: str, report_id: int, photo: str | None
) -> None:
    """Queue the report (or a photo added to it) to each of its readers, linked to the report."""
    for person in people:
        await notices.queue(
            ctx.session,
            person.telegram_id,
            text,
            link=(LINK, report_id),
            site_id=site.id,
            purpose="report",
            photo=photo,
        )
    ctx.notified += len(people)
