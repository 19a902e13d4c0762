"""Shifts and the roster: /roster (show, or load a file sent with it), /duty, the roster-due
reminder (002 L10) and the incoming person's reminder before their shift (002 L23)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

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
from handlers.shifts.times import Instance, ShiftDef, current, following, instances, shifts_of
from storage.codes import Role
from storage.models import Site, require_id
from storage.models.shifts import HandoverStatus
from storage.repos import handovers, sites, timers
from storage.repos import shifts as shift_repo

INCOMING = "shift_incoming"
ROSTER_DUE = "shift_roster_due"
PROBLEMS_SHOWN = 10


async def names(session: AsyncSession, ids: Iterable[int]) -> str:
    """People as the group knows them: their name, else @username, else the id; 、-separated."""
    wanted = list(dict.fromkeys(ids))
    known = await sites.people(session, ids=wanted)
    out = []
    for telegram_id in wanted:
        person = known.get(telegram_id)
        out.append((person.name or (f"@{person.username}" if person.username else "")) if person else "")
        out[-1] = out[-1] or str(telegram_id)
    return "、".join(out)


def label(t: Translator, inst: Instance, zone: ZoneInfo) -> str:
    return t("shifts.instance", day=inst.day.strftime("%m-%d"), name=inst.shift.name, hours=inst.shift.hours)


async def on_roster(session: AsyncSession, site: Site, inst: Instance) -> list[int]:
    table = await shift_repo.on_days(session, site_id=require_id(site), days=[inst.day])
    return table.get((inst.day, inst.shift.code), [])


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
        who = await names(ctx.session, people) if people else ctx.t("shifts.nobody")
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
        lines += [t("shifts.import_problem", line=line, what=what) for line, what in problems[:PROBLEMS_SHOWN]]
        if len(problems) > PROBLEMS_SHOWN:
            lines.append(t("shifts.import_more", count=len(problems) - PROBLEMS_SHOWN))
        return Outcome.say("\n".join(lines))
    done = t("shifts.imported", count=stored, first=days[0].isoformat(), last=days[-1].isoformat())
    return Outcome.say("\n".join([done, *await roster_check.gaps(ctx.session, site, rows, days, t)]))


async def duty_command(ctx: Context, args: str) -> Outcome:
    """``/duty``: who is on duty now (after a takeover, the one who took over) and who comes next."""
    assert ctx.site is not None
    site, t, zone = ctx.site, ctx.t, ctx.zone()
    defs = await shifts_of(ctx.session, site)
    now_inst = current(defs, ctx.now, zone)
    lines: list[str] = []
    pending = await handovers.pending(ctx.session, site_id=require_id(site))
    taken = await handovers.last_taken(ctx.session, site_id=require_id(site))
    if now_inst is None:
        lines.append(t("shifts.no_shift_now"))
    else:
        rostered = await on_roster(ctx.session, site, now_inst)
        who = await names(ctx.session, rostered) if rostered else t("shifts.nobody")
        if pending is not None:
            who = t("shifts.still_on", name=pending.outgoing_name)
        elif taken is not None and taken.next_day == now_inst.day and taken.next_code == now_inst.shift.code:
            who = t("shifts.took_over", name=taken.incoming_name or "?", at=ctx.hhmm(taken.taken_at or ctx.now))
        lines.append(t("shifts.on_duty", shift=label(t, now_inst, zone), who=who))
    if pending is not None:
        state = "shifts.pending_blocked" if pending.status == HandoverStatus.BLOCKED else "shifts.pending_open"
        lines.append(t(state, name=pending.outgoing_name, at=ctx.hhmm(pending.handed_at)))
    upcoming = following(defs, now_inst, zone) if now_inst else _first_after(defs, ctx.now, zone)
    if upcoming is not None:
        rostered = await on_roster(ctx.session, site, upcoming)
        who = await names(ctx.session, rostered) if rostered else t("shifts.nobody")
        lines.append(t("shifts.next", shift=label(t, upcoming, zone), who=who))
    return Outcome.say("\n".join(lines))


def _first_after(defs: tuple[ShiftDef, ...], now: datetime, zone: ZoneInfo) -> Instance | None:
    today = now.astimezone(zone).date()
    later = [i for i in instances(defs, today, today + timedelta(days=1), zone) if i.start_at > now]
    return later[0] if later else None


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
        lead = timedelta(minutes=policy.incoming_reminder_minutes)
        for inst in soon:
            if table.get((inst.day, inst.shift.code)):
                await timers.ensure(
                    session, kind=INCOMING, ref_id=inst.ref, site_id=require_id(site), due_at=inst.start_at - lead
                )
        if today.day >= policy.roster_due_day:
            ref = int(today.strftime("%Y%m%d"))
            due = local_at(today, policy.roster_reminder_hour, zone)
            await timers.ensure(session, kind=ROSTER_DUE, ref_id=ref, site_id=require_id(site), due_at=due)


def _day_of(ref: int) -> date:
    return date(ref // 10000, ref // 100 % 100, ref % 100)


async def on_incoming(ctx: TimerContext) -> datetime | None:
    """Remind the people rostered on a shift, in private, before it starts (002 L23)."""
    session, timer = ctx.session, ctx.timer
    site = await sites.get(session, site_id=timer.site_id)
    if site is None:
        return None
    zone, t = ZoneInfo(site.timezone), Translator(site.language)
    defs = await shifts_of(session, site)
    day, position = _day_of(timer.ref_id // 100), timer.ref_id % 100
    shift = next((s for s in defs if s.position == position), None)
    if shift is None:
        return None
    inst = next(i for i in instances(defs, day, day, zone) if i.shift == shift)
    minutes = Policy.for_site(site.policy).incoming_reminder_minutes
    text = "\n".join(
        [t("shifts.incoming", site=site.name, shift=label(t, inst, zone), minutes=minutes), t("shifts.rule_early")]
    )
    for telegram_id in await on_roster(session, site, inst):
        await notices.queue(session, telegram_id, text, site_id=site.id, purpose="reminder")
    return None


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
    text = "\n".join([t("shifts.roster_due", site=site.name, month=first.strftime("%Y-%m")), t("shifts.rule_roster")])
    await notices.tell_roles(session, site, roles, text, purpose="reminder")
    return None


# -- export --------------------------------------------------------------------------------------

ROSTER_FIELDS = ("site", "date", "shift", "staff_id", "staff")  # export keys (README)


async def roster_rows(session: AsyncSession) -> AsyncIterator[dict[str, Any]]:
    codes = {require_id(s): s.code for s in await sites.all_sites(session)}
    async for entries in shift_repo.all_entries(session):
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
    exports={"roster": ExportKind(ROSTER_FIELDS, roster_rows)},
    imports={"roster": roster.importer},
)
