"""The daily duty log (值班日志), signed: at the end of the duty day (policy hour the next morning)
the day's incidents with their handling and result, the handovers and the orders given go to the
managers with a 签阅 button, reminded daily until signed (000 L116), and to the supervisors, who
read it daily (002 L21). ``/daylog [YYYY-MM-DD]`` shows a day at any time; ``/sign`` signs."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core import notices
from handlers.core.commands import ButtonAction, Command
from handlers.core.context import Context, TimerContext
from handlers.core.exports import iso, site_zones
from handlers.core.feature import ExportKind, Feature
from handlers.core.i18n import Translator
from handlers.core.lookups import site_and_date_word, sites_where
from handlers.core.messages import Button, Keyboard, Outcome, Reply
from handlers.core.parsing import day_of_text
from handlers.core.policy import Policy
from handlers.core.render import category, clip, severity
from handlers.shifts.buttons import SignDayData
from handlers.shifts.commands import local_at
from storage.codes import Role, Severity
from storage.models import Site, require_id
from storage.repos import handovers, incidents, sites, timers
from storage.repos.chunks import Window

DAYLOG = "shift_daylog"
DETAIL_BUDGET = 2500  # characters of handling details in one message (Telegram takes 4096)


@dataclass(frozen=True, slots=True)
class DayLog:
    text: str
    counts: dict[str, int]


def window(site: Site, day: date) -> tuple[datetime, datetime]:
    """A duty day runs from the policy hour on its date to the same hour the next morning."""
    hour, zone = Policy.for_site(site.policy).daylog_hour, ZoneInfo(site.timezone)
    return local_at(day, hour, zone), local_at(day + timedelta(days=1), hour, zone)


def day_of(site: Site, moment: datetime) -> date:
    """The duty day a moment belongs to."""
    local = moment.astimezone(ZoneInfo(site.timezone))
    hour = Policy.for_site(site.policy).daylog_hour
    return local.date() - timedelta(days=1) if local.hour < hour else local.date()


async def compile_day(session: AsyncSession, site: Site, day: date, t: Translator) -> DayLog:
    zone = ZoneInfo(site.timezone)
    start, end = window(site, day)

    def hm(moment: datetime) -> str:
        return moment.astimezone(zone).strftime("%m-%d %H:%M")

    entries = await incidents.between(session, site_id=require_id(site), start=start, end=end)
    notes = await incidents.notes(session, incident_ids=[require_id(i) for i in entries])
    shifts = await handovers.between(session, site_id=require_id(site), start=start, end=end)
    orders = await handovers.orders_between(session, site_id=require_id(site), start=start, end=end)
    lines = [t("daylog.header", site=site.name, day=day.isoformat(), start=hm(start), end=hm(end))]
    lines.append(t("daylog.section_incidents", count=len(entries)))
    used = 0
    for row in entries:
        sev, cat = severity(t, row.severity), category(t, row.category)
        lines.append(t("daylog.incident", number=row.number, severity=sev, category=cat, at=hm(row.occurred_at)))
        if used > DETAIL_BUDGET:  # a busy day: one line each from here on, the export has everything
            continue
        detail = [t("incident.situation", text=clip(row.situation, 200))]
        detail += [t("daylog.handling", name=n.author_name, text=clip(n.text, 120)) for n in notes[require_id(row)]]
        detail.append(t("incident.result", text=clip(row.result, 200)) if row.result else t("daylog.still_open"))
        used += sum(len(line) for line in detail)
        lines += detail
    lines.append(t("daylog.section_handovers", count=len(shifts)))
    for h in shifts:
        incoming = h.incoming_name or t("daylog.not_taken")
        lines.append(t("daylog.handover", at=hm(h.handed_at), outgoing=h.outgoing_name, incoming=incoming))
        if h.override_reason:
            lines.append(t("daylog.override", name=h.override_name or "?", reason=clip(h.override_reason, 120)))
    lines.append(t("daylog.section_orders", count=len(orders)))
    lines += [t("daylog.order", number=o.number, text=clip(o.text, 120), name=o.issued_name) for o in orders]
    counts = {
        "incidents": len(entries),
        "major": sum(1 for i in entries if i.severity == Severity.MAJOR),
        "open": sum(1 for i in entries if i.status == "open"),
        "handovers": len(shifts),
        "orders": len(orders),
    }
    return DayLog("\n".join(lines), counts)


def sign_button(t: Translator, site: Site, day: date) -> Keyboard:
    return [[Button(t("daylog.btn_sign"), SignDayData.of(require_id(site), day).pack())]]


# How far back a duty day without a stored log may still be compiled or signed; beyond it (year 1,
# 1900, or a forged button) there is nothing of the site's to show.
_LOOKBACK = timedelta(days=366)


async def _known_day(ctx: Context, site: Site, day: date) -> bool:
    """A day of this site's duty log: stored by the daily job, or within the last year up to today.
    Keeps a forged date (year 1, 9999) away from the time arithmetic, which would overflow."""
    today = day_of(site, ctx.now)
    if today - _LOOKBACK <= day <= today:
        return True
    return await handovers.duty_day(ctx.session, site_id=require_id(site), day=day) is not None


async def daylog_command(ctx: Context, args: str) -> Outcome:
    t = ctx.t
    site, wanted = await site_and_date_word(ctx, args, Role.SUPERVISOR)
    if site is None:
        return Outcome.say(t("denied.role", role=t("role.supervisor")))
    day = day_of_text(wanted) if wanted else day_of(site, ctx.now)
    if day is None:
        return Outcome.say(t("daylog.usage"))
    if not await _known_day(ctx, site, day):
        return Outcome.say(t("daylog.no_such_day", day=day.isoformat()))
    log = await compile_day(ctx.session, site, day, t)
    lines = [log.text]
    stored = await handovers.duty_day(ctx.session, site_id=require_id(site), day=day)
    buttons: Keyboard = []
    if stored is not None and stored.signed_at is not None:
        lines.append(t("daylog.signed_line", name=stored.signed_name or "?", at=ctx.hhmm(stored.signed_at, site)))
    elif ctx.now < window(site, day)[1]:
        lines.append(t("daylog.in_progress"))
    elif ctx.may(site.id, Role.MANAGER):
        buttons = sign_button(t, site, day)
    return Outcome(replies=[Reply("\n".join(lines), buttons)])


async def sign(ctx: Context, site: Site, day: date) -> Outcome:
    """The manager's signature (000 L116) on a finished duty day."""
    t = ctx.t
    if not ctx.may(site.id, Role.MANAGER):
        return ctx.answer(t("denied.role", role=t("role.manager")), alert=True)
    if ctx.now < window(site, day)[1]:
        return ctx.answer(t("daylog.not_over", day=day.isoformat()))
    stored = await handovers.duty_day(ctx.session, site_id=require_id(site), day=day)
    if stored is not None and stored.signed_at is not None:
        return ctx.answer(t("daylog.already_signed", day=day.isoformat(), name=stored.signed_name or "?"))
    log = await compile_day(ctx.session, site, day, t)
    if stored is None:
        stored = await handovers.put_duty_day(
            ctx.session, site_id=require_id(site), day=day, counts=log.counts, at=ctx.now
        )
    stored.signed_by, stored.signed_name, stored.signed_at = ctx.msg.user.id, ctx.msg.user.name, ctx.now
    ctx.session.add(stored)
    await timers.cancel_for(ctx.session, kind=DAYLOG, ref_id=int(day.strftime("%Y%m%d")), site_id=require_id(site))
    done = t("daylog.signed", day=day.isoformat(), site=site.name)
    if ctx.msg.is_button:
        signed = t("daylog.signed_line", name=ctx.msg.user.name, at=ctx.hhmm(ctx.now, site))
        return Outcome(replies=[Reply(log.text + "\n" + signed, edit=True)], toast=done)
    return Outcome.say(done)


async def sign_button_pressed(ctx: Context, data: SignDayData) -> Outcome:
    site = await sites.get(ctx.session, site_id=data.site)
    day = day_of_text(data.day) if site is not None else None
    if site is None or day is None or not await _known_day(ctx, site, day):
        return Outcome(toast=ctx.t("button.stale"))
    return await sign(ctx, site, day)


async def sign_command(ctx: Context, args: str) -> Outcome:
    """Sign the most recent finished duty day not yet signed, at the sender's site(s)."""
    managed = await sites_where(ctx, Role.MANAGER)
    if not managed:
        return Outcome.say(ctx.t("denied.role", role=ctx.t("role.manager")))
    stored = await handovers.last_unsigned(ctx.session, site_ids=[require_id(s) for s in managed])
    if stored is None:
        return Outcome.say(ctx.t("daylog.nothing_to_sign"))
    site = next(s for s in managed if s.id == stored.site_id)
    return await sign(ctx, site, stored.day)


# -- the daily job -------------------------------------------------------------------------------


async def plan(session: AsyncSession, now: datetime) -> None:
    """The duty day in progress is sent at its end: one timer row per site and day."""
    for site in await sites.all_sites(session):
        day = day_of(site, now)
        due = window(site, day)[1]
        await timers.ensure(
            session, kind=DAYLOG, ref_id=int(day.strftime("%Y%m%d")), site_id=require_id(site), due_at=due
        )


async def on_daylog(ctx: TimerContext) -> datetime | None:
    """First run: compile the day, store it, send it to the managers (with 签阅) and supervisors.
    Then daily, until signed: remind the managers (000 L116)."""
    session, timer, now = ctx.session, ctx.timer, ctx.now
    site = await sites.get(session, site_id=timer.site_id)
    day = day_of_text(str(timer.ref_id))
    if site is None or day is None:
        return None
    t = Translator(site.language)
    stored = await handovers.duty_day(session, site_id=require_id(site), day=day)
    if stored is not None and stored.signed_at is not None:
        return None
    log = await compile_day(session, site, day, t)
    sign = sign_button(t, site, day)
    if stored is None:
        await handovers.put_duty_day(session, site_id=require_id(site), day=day, counts=log.counts, at=now)
        text = log.text + "\n" + t("daylog.rule")
        await notices.tell_roles(session, site, (Role.MANAGER,), text, purpose="daylog", buttons=sign)
        await notices.tell_roles(session, site, (Role.SUPERVISOR,), log.text, purpose="daylog")
    else:
        reminder = "\n".join([t("daylog.reminder", day=day.isoformat(), site=site.name), t("daylog.rule")])
        await notices.tell_roles(session, site, (Role.MANAGER,), reminder, purpose="reminder", buttons=sign)
    return now + timedelta(days=1)


DUTY_DAY_FIELDS = ("site", "date", "compiled_at", "signed_by", "signed_name", "signed_at", "counts")


async def duty_day_rows(session: AsyncSession, window: Window | None = None) -> AsyncIterator[dict[str, Any]]:
    zones = await site_zones(session)
    codes = {require_id(s): s.code for s in await sites.all_sites(session)}
    async for chunk in handovers.all_duty_days(session, window):
        for d in chunk:
            yield {
                "site": codes.get(d.site_id),
                "date": d.day.isoformat(),
                "compiled_at": iso(d.compiled_at, zones.get(d.site_id or 0)),
                "signed_by": d.signed_by,
                "signed_name": d.signed_name,
                "signed_at": iso(d.signed_at, zones.get(d.site_id or 0)),
                "counts": json.dumps(d.counts, sort_keys=True),
            }


COMMANDS = [
    Command("daylog", daylog_command, min_role=Role.SUPERVISOR, where="any", needs_site=False),
    Command("sign", sign_command, min_role=Role.MANAGER, where="any", needs_site=False),
]
PART = Feature(
    "daylog",
    commands=COMMANDS,
    buttons=[ButtonAction(SignDayData, sign_button_pressed)],
    timers={DAYLOG: on_daylog},
    planners=[plan],
    exports={"duty_days": ExportKind(DUTY_DAY_FIELDS, duty_day_rows, duty_day_rows)},
)
