"""Handover and takeover (交接班, 000 L118-134; 002 L22-25; 004 §7).

``/handover [notes]`` compiles the report from the records and posts it with a 接班 button; it is
blocked while a major incident is open (000 L131; 002 L99-100) until a supervisor overrides it with
a reason (``/allow_handover``, or the button and a reply). The incoming person (the roster's next
shift; any staff when there is none) confirms with the button or ``/takeover``: both confirmations
and their times are stored (the two signatures, 002 L25). Until then the outgoing person may not
leave (002 L22; 000 L152; 001 L495): reminded with the supervisors every few minutes, and the
expected person is pinged to come and take over."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core import notices
from handlers.core.commands import ButtonAction, Command
from handlers.core.context import Context, DraftCard, TimerContext
from handlers.core.exports import iso, site_zones
from handlers.core.feature import ExportKind, Feature
from handlers.core.i18n import Translator
from handlers.core.messages import Outcome, Reply
from handlers.core.policy import Policy
from handlers.core.render import clip
from handlers.shifts.buttons import AllowHandoverData, TakeHandoverData
from handlers.shifts.handover_flow import LATE, Who, allow, begin, replan, take
from handlers.shifts.handover_report import items_line, notes_of, records_section
from handlers.shifts.people import label, names, on_roster
from handlers.shifts.times import around, at_moment, following, moment_of, shifts_of
from storage.codes import Role
from storage.models import Draft, require_id
from storage.models.shifts import HandoverStatus
from storage.repos import handovers, sites, timers
from storage.repos import shifts as shift_repo
from storage.repos.chunks import Window

END_CHECK = "shift_end_check"

# -- commands, buttons, replies ------------------------------------------------------------------


def _me(ctx: Context) -> Who:
    return ctx.msg.user.id, ctx.msg.user.name


async def handover_command(ctx: Context, args: str) -> Outcome:
    assert ctx.site is not None
    _, outcome = await begin(ctx, ctx.site, _me(ctx), args)
    return outcome


async def takeover_command(ctx: Context, args: str) -> Outcome:
    assert ctx.site is not None
    row = await handovers.pending(ctx.session, site_id=require_id(ctx.site), lock=True)
    if row is None:
        return Outcome.say(ctx.t("handover.nothing_to_take"))
    _, outcome = await take(ctx, row, _me(ctx))
    return outcome


async def allow_command(ctx: Context, args: str) -> Outcome:
    assert ctx.site is not None
    row = await handovers.pending(ctx.session, site_id=require_id(ctx.site), lock=True)
    if row is None or row.status != HandoverStatus.BLOCKED:
        return Outcome.say(ctx.t("handover.not_blocked"))
    return await allow(ctx, row, args)


async def take_button_pressed(ctx: Context, data: TakeHandoverData) -> Outcome:
    row = await handovers.get(ctx.session, handover_id=data.handover, lock=True)
    if row is None:
        return Outcome(toast=ctx.t("button.stale"))
    _, outcome = await take(ctx, row, _me(ctx), edit=True)
    return outcome


async def allow_button_pressed(ctx: Context, data: AllowHandoverData) -> Outcome:
    """Asks the supervisor for the reason: a reply to the prompt (or /allow_handover reason) overrides."""
    row = await handovers.get(ctx.session, handover_id=data.handover, lock=True)
    if row is None:
        return Outcome(toast=ctx.t("button.stale"))
    if not ctx.may(row.site_id, Role.SUPERVISOR):
        return Outcome(toast=ctx.t("denied.role", role=ctx.t("role.supervisor")), alert=True)
    if row.status != HandoverStatus.BLOCKED:
        return Outcome(toast=ctx.t("handover.not_blocked"))
    prompt = Reply(ctx.t("handover.ask_reason"), link=("handover", require_id(row)))
    return Outcome(replies=[prompt], toast=ctx.t("handover.ask_reason_toast"))


async def reason_reply(ctx: Context, handover_id: int) -> Outcome | None:
    """A supervisor's reply to a blocked handover's message is the override's reason."""
    row = await handovers.get(ctx.session, handover_id=handover_id, lock=True)
    text = ctx.msg.text.strip()
    if row is None or row.status != HandoverStatus.BLOCKED or not text or not ctx.may(row.site_id, Role.SUPERVISOR):
        return None
    return await allow(ctx, row, text)


async def handover_draft(ctx: Context, draft: Draft) -> Outcome:
    """A 交班 message recorded with one tap: the handover of its author, the text as notes."""
    site = await sites.get(ctx.session, site_id=draft.site_id)
    if site is None:
        return Outcome(toast=ctx.t("button.stale"))
    row, outcome = await begin(ctx, site, (draft.author_id, draft.author_name), draft.text, edit=True)
    if row is not None:
        draft.mark_recorded(ctx.msg.user.id)
        ctx.session.add(draft)
    return outcome


async def takeover_draft(ctx: Context, draft: Draft) -> Outcome:
    """A 接班 message recorded with one tap: its author takes over the waiting handover."""
    row = await handovers.pending(ctx.session, site_id=draft.site_id, lock=True)
    if row is None:
        return Outcome(toast=ctx.t("handover.nothing_to_take"), alert=True)
    taken, outcome = await take(ctx, row, (draft.author_id, draft.author_name), edit=True)
    if taken:
        draft.mark_recorded(ctx.msg.user.id)
        ctx.session.add(draft)
    return outcome


async def handover_card(ctx: Context, draft: Draft) -> DraftCard:
    """A 交班 draft reads as the handover 记录 makes: who hands over, the items counted, the notes."""
    t, notes = ctx.t, notes_of(draft.text)
    lines = [t("handover.draft_card", name=draft.author_name)]
    items = items_line(t, notes)
    if items:
        lines.append(items)
    if notes:
        lines.append(t("handover.draft_notes", text=clip(notes, 120)))
    return DraftCard("\n".join(lines))


async def takeover_card(ctx: Context, draft: Draft) -> DraftCard:
    """A 接班 draft reads as the takeover: whose handover its author takes over, or that none waits."""
    row = await handovers.pending(ctx.session, site_id=draft.site_id)
    if row is None:
        return DraftCard(ctx.t("handover.draft_take_none", name=draft.author_name))
    at = ctx.hhmm(row.handed_at)
    return DraftCard(ctx.t("handover.draft_take", name=draft.author_name, outgoing=row.outgoing_name, at=at))


# -- the not-taken-over timer --------------------------------------------------------------------


async def on_late(ctx: TimerContext) -> datetime | None:
    """Nobody has taken over: the outgoing person may not leave (002 L22; 000 L152; 001 L495); they
    and the supervisors are reminded, and the people expected to take over are pinged, again every
    few minutes until someone takes over. Who is expected is read from the roster as it is now (a
    roster loaded after the handover counts); nothing is said before the handed-over shift ends."""
    session, timer, now = ctx.session, ctx.timer, ctx.now
    row = await handovers.get(session, handover_id=timer.ref_id)
    site = await sites.get(session, site_id=timer.site_id)
    if row is None or site is None or row.status == HandoverStatus.TAKEN_OVER:
        return None
    t, policy = Translator(site.language), Policy.for_site(site.policy)
    grace = timedelta(minutes=policy.takeover_grace_minutes)
    expected = await replan(session, site, row, t)
    if row.shift_end_at is not None and now < row.shift_end_at + grace:  # handed over early: not late yet
        return row.shift_end_at + grace
    who = await names(session, expected, t) if expected else t("handover.anyone")
    stay = "\n".join([t("handover.late_outgoing", expected=who), t("handover.rule_stay")])
    await notices.queue(session, row.outgoing_id, stay, site_id=site.id, purpose="handover")
    at = row.handed_at.astimezone(ZoneInfo(site.timezone)).strftime("%H:%M")
    come = t("handover.late_incoming", site=site.name, name=row.outgoing_name, at=at)
    for telegram_id in expected:
        await notices.queue(session, telegram_id, come, site_id=site.id, purpose="handover")
    ping = t("handover.late_ping", site=site.name, name=row.outgoing_name, expected=who)
    await notices.tell_roles(session, site, (Role.SUPERVISOR,), ping, purpose="handover", urgent=True)
    return now + grace


async def plan_end_checks(session: AsyncSession, now: datetime) -> None:
    """A check after the end of every rostered shift of the coming day (planned ahead, so a restart
    loses none): was it handed over? One timer per moment shifts end (``Instance.end_ref``)."""
    for site in await sites.all_sites(session):
        zone, grace = ZoneInfo(site.timezone), timedelta(minutes=Policy.for_site(site.policy).takeover_grace_minutes)
        defs = await shifts_of(session, site)
        ending = [i for i in around(defs, now, zone) if now < i.end_at <= now + timedelta(days=1)]
        rostered = await shift_repo.on_days(session, site_id=require_id(site), days=sorted({i.day for i in ending}))
        for inst in ending:
            if rostered.get((inst.day, inst.shift.code)):
                await timers.ensure(
                    session, kind=END_CHECK, ref_id=inst.end_ref, site_id=require_id(site), due_at=inst.end_at + grace
                )


async def on_end_check(ctx: TimerContext) -> datetime | None:
    """A rostered shift ended and nobody handed it over: the people on it are told to hand over and
    not to leave before the takeover (002 L22; 000 L152), the supervisors are pinged; again every
    few minutes until a handover is made, at most until the shift that takes it over ends. Only a
    shift that has ended without a handover is chased: one handed over (early or on time) is not,
    nor one whose people are all on the shift that takes it over (they stay on)."""
    session, timer, now = ctx.session, ctx.timer, ctx.now
    site = await sites.get(session, site_id=timer.site_id)
    end = moment_of(timer.ref_id)
    if site is None or end is None:  # a ref of the old form: the planner has made this check anew
        return None
    zone, t, policy = ZoneInfo(site.timezone), Translator(site.language), Policy.for_site(site.policy)
    defs = await shifts_of(session, site)
    again = False
    for inst in at_moment(defs, end, zone, ending=True):
        if await handovers.for_shift(session, site_id=require_id(site), code=inst.shift.code, day=inst.day) is not None:
            continue
        nxt = following(defs, inst, zone)
        people = await on_roster(session, site, inst)
        if now >= nxt.end_at or not people or set(people) <= set(await on_roster(session, site, nxt)):
            continue
        shift_text = label(t, inst, zone)
        stay = "\n".join([t("handover.end_outgoing", shift=shift_text), t("handover.rule_stay")])
        for telegram_id in people:
            await notices.queue(session, telegram_id, stay, site_id=site.id, purpose="handover")
        ping = t("handover.end_ping", site=site.name, shift=shift_text, who=await names(session, people, t))
        await notices.tell_roles(session, site, (Role.SUPERVISOR,), ping, purpose="handover", urgent=True)
        again = True
    return now + timedelta(minutes=policy.takeover_grace_minutes) if again else None


# -- export --------------------------------------------------------------------------------------

HANDOVER_FIELDS = (
    "id",
    "site",
    "shift",
    "shift_date",
    "outgoing_id",
    "outgoing",
    "incoming_id",
    "incoming",
    "handed_at",
    "taken_at",
    "status",
    "report",
    "notes",
    "blocked_reason",
    "override_by",
    "override_reason",
    "override_at",
)


async def handover_rows(session: AsyncSession, window: Window | None = None) -> AsyncIterator[dict[str, Any]]:
    zones = await site_zones(session)
    codes = {require_id(s): s.code for s in await sites.all_sites(session)}
    async for chunk in handovers.all_handovers(session, window):
        for r in chunk:
            yield {
                "id": r.id,
                "site": codes.get(r.site_id),
                "shift": r.shift_code,
                "shift_date": r.shift_day.isoformat() if r.shift_day else None,
                "outgoing_id": r.outgoing_id,
                "outgoing": r.outgoing_name,
                "incoming_id": r.incoming_id,
                "incoming": r.incoming_name,
                "handed_at": iso(r.handed_at, zones.get(r.site_id or 0)),
                "taken_at": iso(r.taken_at, zones.get(r.site_id or 0)),
                "status": r.status,
                "report": r.report,
                "notes": r.notes,
                "blocked_reason": r.blocked_reason,
                "override_by": r.override_by,
                "override_reason": r.override_reason,
                "override_at": iso(r.override_at, zones.get(r.site_id or 0)),
            }


COMMANDS = [
    Command("handover", handover_command, aliases=("jiaoban",)),
    Command("takeover", takeover_command, aliases=("jieban",)),
    Command("allow_handover", allow_command, min_role=Role.SUPERVISOR),
]
BUTTONS: list[ButtonAction[Any]] = [
    ButtonAction(TakeHandoverData, take_button_pressed),
    ButtonAction(AllowHandoverData, allow_button_pressed),
]
PART = Feature(
    "handover",
    commands=COMMANDS,
    buttons=BUTTONS,
    timers={LATE: on_late, END_CHECK: on_end_check},
    planners=[plan_end_checks],
    handover=records_section,
    replies={"handover": reason_reply},
    drafts={"handover": handover_draft, "takeover": takeover_draft},
    draft_cards={"handover": handover_card, "takeover": takeover_card},
    exports={"handovers": ExportKind(HANDOVER_FIELDS, handover_rows, handover_rows)},
)
