"""Shifts and the roster: /roster (show, or load a file sent with it), /duty, the roster-due
reminder (002 L10) and the incoming person's reminder before their shift (002 L23)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

import handlers.shifts.handover_flow as flow
import handlers.shifts.imports as roster
import handlers.shifts.roster_check as roster_check
from handlers.core import notices
from handlers.core.commands import Command
from handlers.core.context import Context, TimerContext
from handlers.core.feature import ExportKind, Feature
from handlers.core.i18n import Translator
from handlers.core.messages import Outcome
from handlers.core.policy import Policy
from handlers.core.uploads import Caps, TableError
from handlers.shifts.people import label, names, on_roster
from handlers.shifts.times import (
    Instance,
    ShiftDef,
    at_moment,
    going,
    instance,
    instances,
    moment_of,
    shifts_of,
    starting_after,
)
from storage.codes import Role
from storage.models import Handover, Site, require_id
from storage.models.shifts import HandoverStatus
from storage.repos import handovers, sites, timers
from storage.repos import shifts as shift_repo
from storage.repos.chunks import Window

INCOMING = "shift_incoming"
ROSTER_DUE = "shift_roster_due"
PROBLEMS_SHOWN = 10


async def roster_command(ctx: Context, args: str) -> Outcome:
    """``/roster``: today's and tomorrow's roster; with a CSV/XLSX file attached (supervisor): load it."""
    assert ctx.site is not None
    if ctx.msg.document_file_id:
        return await _upload(ctx, ctx.site)
    zone = ctx.zone()
    defs = await shifts_of(ctx.session, ctx.site)
    today = ctx.now.astimezone(zone).date()
    days = [today, today + timedelta(days=1)]
    table = await shift_repo.on_days(ctx.session, site_id=require_id(ctx.site), days=days)
    lines = [ctx.t("shifts.roster_header")]
    for inst in instances(defs, days[0], days[1], zone):
        people = table.get((inst.day, inst.shift.code), [])
        who = await names(ctx.session, people, ctx.t) if people else ctx.t("shifts.nobody")
        lines.append(ctx.t("shifts.roster_line", shift=label(ctx.t, inst, zone), who=who))
    if not table:
        lines.append(ctx.t("shifts.no_roster_hint"))
    return Outcome.say("\n".join(lines))


async def _upload(ctx: Context, site: Site) -> Outcome:
    t = ctx.t
    if not ctx.may(site.id, Role.SUPERVISOR):
        return Outcome.say(t("denied.role", role=t("role.supervisor")))
    try:
        rows = await ctx.attached_table(Caps.of(ctx.policy(site)), "roster.csv")
    except LookupError:
        return Outcome.say(t("shifts.cannot_fetch"))
    except TableError as exc:
        return Outcome.say(t("shifts.bad_file", reason=exc.text(t)))
    stored, problems, days = await roster.load(ctx.session, site, rows, loaded_by=ctx.msg.user.id)
    if problems:
        lines = [t("shifts.import_refused", count=len(problems))]
        lines += [t("shifts.import_problem", line=line, what=what.text(t)) for line, what in problems[:PROBLEMS_SHOWN]]
        if len(problems) > PROBLEMS_SHOWN:
            lines.append(t("shifts.import_more", count=len(problems) - PROBLEMS_SHOWN))
        return Outcome.say("\n".join(lines))
    lines = [t("shifts.imported", count=stored, first=days[0].isoformat(), last=days[-1].isoformat())]
    waiting = await flow.roster_loaded(ctx.session, site, t)
    if waiting is not None:  # a handover made before this roster now expects the rostered person
        row, expected = waiting
        who = await names(ctx.session, expected, t) if expected else t("handover.anyone")
        lines.append(t("shifts.handover_updated", name=row.outgoing_name, at=ctx.hhmm(row.handed_at), expected=who))
    lines += await roster_check.gaps(ctx.session, site, rows, days, t)
    return Outcome.say("\n".join(lines))


async def duty_command(ctx: Context, args: str) -> Outcome:
    """``/duty``: who is on duty now and who comes next. Every shift on now has its line (overlapping
    shifts, a 中班 beside the 白班, each name theirs); a shift taken over is the taker's, from the
    takeover on, also when it was taken over early (the 夜班 person taking over from the 白班 at 19:10
    is on duty from 19:10, not the 白班 person until 20:00); the next shift is the next one to start."""
    assert ctx.site is not None
    site, t, zone, now = ctx.site, ctx.t, ctx.zone(), ctx.now
    defs = await shifts_of(ctx.session, site)
    pending = await handovers.pending(ctx.session, site_id=require_id(site))
    recent = await handovers.between(
        ctx.session, site_id=require_id(site), start=now - timedelta(days=2), end=now + timedelta(seconds=1)
    )
    taken = [h for h in recent if h.status == HandoverStatus.TAKEN_OVER and h.taken_at and h.taken_at <= now]
    on = going(defs, now, zone)
    shown: list[Instance] = []
    lines: list[str] = []
    for inst in on:
        handed = _last(taken, inst, incoming=False)
        if handed is not None:  # taken over before its end: the incoming shift is on from the takeover
            nxt = _instance_of(defs, handed.next_code, handed.next_day, zone)
            if nxt is None or nxt in on or nxt in shown:
                continue
            inst = nxt
        shown.append(inst)
        lines.append(
            t("shifts.on_duty", shift=label(t, inst, zone), who=await _on_duty(ctx, site, inst, pending, taken))
        )
    if not lines:
        lines.append(t("shifts.no_shift_now"))
    if pending is not None:
        state = "shifts.pending_blocked" if pending.status == HandoverStatus.BLOCKED else "shifts.pending_open"
        lines.append(t(state, name=pending.outgoing_name, at=ctx.hhmm(pending.handed_at)))
    upcoming = next((i for i in starting_after(defs, now, zone) if i not in shown), None)
    if upcoming is not None:
        rostered = await on_roster(ctx.session, site, upcoming)
        who = await names(ctx.session, rostered, t) if rostered else t("shifts.nobody")
        lines.append(t("shifts.next", shift=label(t, upcoming, zone), who=who))
    return Outcome.say("\n".join(lines))


async def _on_duty(ctx: Context, site: Site, inst: Instance, pending: Handover | None, taken: list[Handover]) -> str:
    """Who is on this shift: the outgoing person while its handover waits, the one who took it over,
    else the roster."""
    t, key = ctx.t, (inst.shift.code, inst.day)
    if pending is not None and key in ((pending.shift_code, pending.shift_day), (pending.next_code, pending.next_day)):
        return t("shifts.still_on", name=pending.outgoing_name)
    into = _last(taken, inst, incoming=True)
    if into is not None:
        return t("shifts.took_over", name=into.incoming_name or "?", at=ctx.hhmm(into.taken_at or ctx.now))
    rostered = await on_roster(ctx.session, site, inst)
    return await names(ctx.session, rostered, t) if rostered else t("shifts.nobody")


def _last(rows: list[Handover], inst: Instance, *, incoming: bool) -> Handover | None:
    """The latest of these handovers out of this shift (or, ``incoming``, into it)."""
    key = (inst.shift.code, inst.day)
    found = [h for h in rows if ((h.next_code, h.next_day) if incoming else (h.shift_code, h.shift_day)) == key]
    return max(found, key=lambda h: (h.taken_at or h.handed_at, require_id(h))) if found else None


def _instance_of(defs: tuple[ShiftDef, ...], code: str | None, day: date | None, zone: ZoneInfo) -> Instance | None:
    shift = next((s for s in defs if s.code == code), None)
    return instance(shift, day, zone) if shift is not None and day is not None else None


# -- timers --------------------------------------------------------------------------------------


def local_at(day: date, hour: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour=hour), tzinfo=zone).astimezone(ZoneInfo("UTC"))


async def plan(session: AsyncSession, now: datetime) -> None:
    """Every sweep: the incoming reminders of rostered shifts starting within a day, and from the
    roster-due day on, today's roster-due check. ``timers.ensure`` makes each once, in any process."""
    for site in await sites.all_sites(session):
        policy, zone = Policy.for_site(site.policy), ZoneInfo(site.timezone)
        today = now.astimezone(zone).date()
        defs = await shifts_of(session, site)
        soon = [
            i
            for i in instances(defs, today, today + timedelta(days=1), zone)
            if now < i.start_at <= now + timedelta(days=1)
        ]
        table = await shift_repo.on_days(session, site_id=require_id(site), days=sorted({i.day for i in soon}))
        # Before the arrival time, not at it: arrive early (002 L23), reminded ahead of that.
        lead = timedelta(minutes=policy.arrive_early_minutes + policy.incoming_reminder_minutes)
        for inst in soon:
            if table.get((inst.day, inst.shift.code)):
                await timers.ensure(
                    session, kind=INCOMING, ref_id=inst.start_ref, site_id=require_id(site), due_at=inst.start_at - lead
                )
        if today.day >= policy.roster_due_day:
            ref = int(today.strftime("%Y%m%d"))
            due = local_at(today, policy.roster_reminder_hour, zone)
            await timers.ensure(session, kind=ROSTER_DUE, ref_id=ref, site_id=require_id(site), due_at=due)


def _day_of(ref: int) -> date:
    return date(ref // 10000, ref // 100 % 100, ref % 100)


async def on_incoming(ctx: TimerContext) -> datetime | None:
    """Remind the people rostered on the shifts starting at the timer's moment, in private, before
    the time they are to arrive (002 L23: 15 minutes early, the site's ``arrive_early_minutes``)."""
    session, timer = ctx.session, ctx.timer
    site = await sites.get(session, site_id=timer.site_id)
    start = moment_of(timer.ref_id)
    if site is None or start is None:  # a ref of the old form: the planner has made today's anew
        return None
    zone, t, policy = ZoneInfo(site.timezone), Translator(site.language), Policy.for_site(site.policy)
    minutes = policy.arrive_early_minutes
    arrive = (start - timedelta(minutes=minutes)).astimezone(zone).strftime("%H:%M")
    for inst in at_moment(await shifts_of(session, site), start, zone):
        shift = label(t, inst, zone)
        text = "\n".join(
            [t("shifts.incoming", site=site.name, shift=shift, minutes=minutes, arrive=arrive), rule_early(t, policy)]
        )
        for telegram_id in await on_roster(session, site, inst):
            await notices.queue(session, telegram_id, text, site_id=site.id, purpose="reminder")
    return None


def rule_early(t: Translator, policy: Policy) -> str:
    """The arrival rule with the site's figure: the clause's own (002 L23) or the site's, said as such."""
    clause = Policy().arrive_early_minutes
    if policy.arrive_early_minutes == clause:
        return t("shifts.rule_early", minutes=clause)
    return t("shifts.rule_early_site", minutes=policy.arrive_early_minutes, clause=clause)


def rule_roster(t: Translator, policy: Policy) -> str:
    """The roster-due rule with the site's day: the clause's own (002 L10) or the site's, said as such."""
    clause = Policy().roster_due_day
    if policy.roster_due_day == clause:
        return t("shifts.rule_roster", day=clause)
    return t("shifts.rule_roster_site", day=policy.roster_due_day, clause=clause)


async def on_roster_due(ctx: TimerContext) -> datetime | None:
    """From the due day on: remind the supervisors while next month has no roster (002 L10); on the
    month's last day the managers too."""
    session, timer = ctx.session, ctx.timer
    site = await sites.get(session, site_id=timer.site_id)
    if site is None:
        return None
    today = _day_of(timer.ref_id)
    first = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    if await shift_repo.has_days_between(session, site_id=require_id(site), first=first, last=last):
        return None
    t = Translator(site.language)
    roles = (Role.SUPERVISOR, Role.MANAGER) if (today + timedelta(days=1)).month != today.month else (Role.SUPERVISOR,)
    due = rule_roster(t, Policy.for_site(site.policy))
    text = "\n".join([t("shifts.roster_due", site=site.name, month=first.strftime("%Y-%m")), due])
    await notices.tell_roles(session, site, roles, text, purpose="reminder")
    return None


# -- export --------------------------------------------------------------------------------------

ROSTER_FIELDS = ("site", "date", "shift", "staff_id", "staff")  # export keys (README)


async def roster_rows(session: AsyncSession, window: Window | None = None) -> AsyncIterator[dict[str, Any]]:
    codes = {require_id(s): s.code for s in await sites.all_sites(session)}
    async for entries in shift_repo.all_entries(session, window):
        people = await sites.people(session, ids=[e.telegram_id for e in entries])
        for e in entries:
            yield {
                "site": codes.get(e.site_id),
                "date": e.day.isoformat(),
                "shift": e.shift_code,
                "staff_id": e.telegram_id,
                "staff": people[e.telegram_id].name if e.telegram_id in people else None,
            }


COMMANDS = [
    Command("roster", roster_command, aliases=("paiban",)),
    Command("duty", duty_command, aliases=("zhiban",)),
]
PART = Feature(
    "shifts",
    commands=COMMANDS,
    timers={INCOMING: on_incoming, ROSTER_DUE: on_roster_due},
    planners=[plan],
    exports={"roster": ExportKind(ROSTER_FIELDS, roster_rows, roster_rows)},
    imports={"roster": roster.importer},
)
