"""Handover and takeover, the logic (交接班, 000 L118-134; 002 L22-25; 004 §7): start (or block
while a major incident is open, 000 L131), take over (the expected person only; both times
stored, 002 L25), a supervisor's override. The commands, buttons and timer: handlers/shifts/handover.py."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core import notices
from handlers.core.context import Context
from handlers.core.i18n import Translator
from handlers.core.messages import Button, Keyboard, Outcome, Reply
from handlers.shifts.buttons import AllowHandoverData, TakeHandoverData
from handlers.shifts.handover_report import compile_report, open_majors
from handlers.shifts.people import label, names, on_roster
from handlers.shifts.times import Instance, around, ending_near, following, instance, shifts_of
from storage.codes import Role
from storage.models import Handover, Incident, Site, require_id
from storage.models.shifts import PENDING_HANDOVER, HandoverStatus
from storage.repos import handovers, sites, timers

LATE = "shift_takeover_late"
Who = tuple[int, str]


async def _shift_plan(
    session: AsyncSession, site: Site, outgoing: int, now: datetime
) -> tuple[Instance, Instance, list[int]]:
    """The shift being handed over (the sender's rostered shift ending nearest now, else any shift
    ending nearest now), the one taking over, and who is rostered on it."""
    zone = ZoneInfo(site.timezone)
    defs = await shifts_of(session, site)
    mine = [i for i in around(defs, now, zone) if outgoing in await on_roster(session, site, i)]
    mine = [i for i in mine if abs((i.end_at - now).total_seconds()) <= 12 * 3600]
    out = ending_near(defs, now, zone, among=mine or None)
    nxt = following(defs, out, zone)
    return out, nxt, await on_roster(session, site, nxt)


def expected_ids(handover: Handover) -> list[int]:
    return [int(x) for x in handover.expected.split(",") if x]


async def replan(session: AsyncSession, site: Site, row: Handover, t: Translator) -> list[int]:
    """Read the roster again for a handover still waiting: the outgoing person's shift, the one
    taking over and who is rostered on it, as of the handover's time. A roster loaded (or changed)
    after the handover was made is picked up, so the rostered person is the one expected, the
    reminders name and reach them, and the report's header says so. Returns who is expected."""
    if row.status not in PENDING_HANDOVER:
        return expected_ids(row)
    out, nxt, people = await _shift_plan(session, site, row.outgoing_id, row.handed_at)
    expected = ",".join(str(i) for i in people if i != row.outgoing_id)
    plan = (out.shift.code, out.day, nxt.shift.code, nxt.day, expected)
    if plan != (row.shift_code, row.shift_day, row.next_code, row.next_day, row.expected):
        row.shift_code, row.shift_day, row.next_code, row.next_day, row.expected = plan
        row.shift_end_at = out.end_at
        top = await header(session, site, row, t)
        row.report = "\n".join([top, *row.report.split("\n")[top.count("\n") + 1 :]])
        session.add(row)
    return expected_ids(row)


async def roster_loaded(session: AsyncSession, site: Site, t: Translator) -> tuple[Handover, list[int]] | None:
    """After a roster import: the waiting handover, when the roster changed whom it expects, with
    the people it expects now (``replan``)."""
    row = await handovers.pending(session, site_id=require_id(site), lock=True)
    if row is None:
        return None
    before = row.expected
    expected = await replan(session, site, row, t)
    return (row, expected) if row.expected != before else None


def completed_at(handover: Handover) -> datetime:
    """When the handover was made: when the outgoing person handed over (again, once a block was
    lifted) or a supervisor allowed it, not when it was first attempted."""
    return max(handover.handed_at, handover.override_at or handover.handed_at)


def card(t: Translator, handover: Handover, zone: ZoneInfo) -> str:
    lines = [handover.report]
    if handover.override_at is not None:
        lines.append(
            t("handover.overridden", name=handover.override_name or "?", reason=handover.override_reason or "")
        )
    if handover.taken_at is not None:
        at = handover.taken_at.astimezone(zone).strftime("%m-%d %H:%M")
        lines.append(t("handover.done", outgoing=handover.outgoing_name, incoming=handover.incoming_name or "?", at=at))
    return "\n".join(lines)


def take_button(t: Translator, handover: Handover) -> Keyboard:
    return [[Button(t("handover.btn_take"), TakeHandoverData(handover=require_id(handover)).pack())]]


async def header(session: AsyncSession, site: Site, handover: Handover, t: Translator) -> str:
    """Who hands over which shift to whom, and when the handover was made (``completed_at``)."""
    zone = ZoneInfo(site.timezone)
    defs = await shifts_of(session, site)

    def shift_label(code: str | None, day: date | None) -> str:
        shift = next((s for s in defs if s.code == code), None)
        return label(t, instance(shift, day, zone), zone) if shift and day else "-"

    expected = expected_ids(handover)
    return t(
        "handover.header",
        site=site.name,
        outgoing=handover.outgoing_name,
        shift=shift_label(handover.shift_code, handover.shift_day),
        next=shift_label(handover.next_code, handover.next_day),
        incoming=await names(session, expected, t) if expected else t("handover.anyone"),
        at=completed_at(handover).astimezone(zone).strftime("%m-%d %H:%M"),
    )


async def _compose(ctx: Context, session: AsyncSession, site: Site, handover: Handover, t: Translator) -> str:
    """The report as stored: the header, then the sections and notes."""
    top = await header(session, site, handover, t)
    return top + "\n" + await compile_report(session, site, handover, ctx.now, t, ctx.features.handover_sections)


async def begin(
    ctx: Context, site: Site, who: Who, notes: str, *, edit: bool = False
) -> tuple[Handover | None, Outcome]:
    """Start a handover for ``who``; (None, the refusal) when one is already waiting."""
    t, session = ctx.t, ctx.session
    waiting = await handovers.pending(session, site_id=require_id(site))
    mine_blocked = waiting is not None and waiting.status == HandoverStatus.BLOCKED and waiting.outgoing_id == who[0]
    if waiting is not None and mine_blocked and not await _still_blocked(ctx, site):
        return waiting, await _reopen(ctx, site, waiting, notes, edit=edit)
    if waiting is not None:
        key = "handover.already_blocked" if waiting.status == HandoverStatus.BLOCKED else "handover.already_open"
        return None, ctx.answer(t(key, name=waiting.outgoing_name, at=ctx.hhmm(waiting.handed_at)))
    out, nxt, expected = await _shift_plan(session, site, who[0], ctx.now)
    row = Handover(
        site_id=require_id(site),
        shift_code=out.shift.code,
        shift_day=out.day,
        next_code=nxt.shift.code,
        next_day=nxt.day,
        shift_end_at=out.end_at,
        expected=",".join(str(i) for i in expected if i != who[0]),
        outgoing_id=who[0],
        outgoing_name=who[1],
        handed_at=ctx.now,
        notes=notes.strip(),
        chat_id=ctx.msg.chat.id,
    )
    policy = ctx.policy(site)
    majors = await open_majors(session, require_id(site)) if policy.handover_block_on_major else []
    numbers = _block(row, majors) if majors else ""
    await handovers.add(session, row)
    row.report = await _compose(ctx, session, site, row, t)
    grace = timedelta(minutes=policy.takeover_grace_minutes)
    due = max(out.end_at + grace, ctx.now + grace)
    await timers.schedule(session, kind=LATE, ref_id=require_id(row), site_id=require_id(site), due_at=due)
    if majors:
        return row, await _blocked(ctx, site, row, majors_text=numbers, edit=edit)
    reply = Reply(card(t, row, ctx.zone(site)), take_button(t, row), edit=edit, link=("handover", require_id(row)))
    return row, Outcome(replies=[reply], toast=t("handover.posted") if ctx.msg.is_button else None)


async def _still_blocked(ctx: Context, site: Site) -> bool:
    return ctx.policy(site).handover_block_on_major and bool(await open_majors(ctx.session, require_id(site)))


def _block(row: Handover, majors: list[Incident]) -> str:
    """Mark the handover blocked by these open major incidents (000 L131); their numbers as text."""
    numbers = " ".join(f"#{m.number}" for m in majors)
    row.status, row.blocked_reason = HandoverStatus.BLOCKED, f"major incident open: {numbers}"
    return numbers


async def _reopen(ctx: Context, site: Site, row: Handover, notes: str, *, edit: bool) -> Outcome:
    """The outgoing person hands over again once the major incidents that blocked it are closed."""
    t = ctx.t
    row.status, row.handed_at = HandoverStatus.OPEN, ctx.now  # handed over now, not at the refused attempt
    row.notes = notes.strip() or row.notes
    await replan(ctx.session, site, row, t)
    row.report = await _compose(ctx, ctx.session, site, row, t)
    ctx.session.add(row)
    grace = timedelta(minutes=ctx.policy(site).takeover_grace_minutes)
    due = max((row.shift_end_at or ctx.now) + grace, ctx.now + grace)
    await timers.arm(ctx.session, kind=LATE, ref_id=require_id(row), site_id=require_id(site), due_at=due)
    return Outcome(
        replies=[
            Reply(card(t, row, ctx.zone(site)), take_button(t, row), edit=edit, link=("handover", require_id(row)))
        ]
    )


async def _blocked(ctx: Context, site: Site, row: Handover, *, majors_text: str, edit: bool) -> Outcome:
    """The refusal, naming the rule and the open major incidents; the supervisors are told."""
    t = ctx.t
    text = "\n".join([t("handover.blocked", majors=majors_text), t("handover.rule_major"), t("handover.blocked_how")])
    allow = [[Button(t("handover.btn_allow"), AllowHandoverData(handover=require_id(row)).pack())]]
    ping = t("handover.blocked_ping", site=site.name, name=row.outgoing_name, majors=majors_text)
    ctx.notified += await notices.tell_roles(
        ctx.session, site, (Role.SUPERVISOR, Role.MANAGER), ping, purpose="handover"
    )
    return Outcome(replies=[Reply(text, allow, edit=edit, link=("handover", require_id(row)))])


async def take(ctx: Context, row: Handover, who: Who, *, edit: bool = False) -> tuple[bool, Outcome]:
    """``who`` takes over ``row``; (False, the refusal) when they may not."""
    t = ctx.t
    if row.status == HandoverStatus.TAKEN_OVER:
        return False, ctx.answer(t("handover.already_taken", name=row.incoming_name or "?"))
    site = await sites.get(ctx.session, site_id=row.site_id)
    assert site is not None
    expected = await replan(ctx.session, site, row, t)  # the roster as it is now, not as it was
    expected_text = await names(ctx.session, expected, t) if expected else t("handover.anyone")
    if not ctx.may(row.site_id, Role.STAFF) and ctx.msg.user.id == who[0]:
        return False, ctx.answer(t("handover.not_expected", expected=expected_text), alert=True)
    if who[0] == row.outgoing_id:
        return False, ctx.answer(t("handover.not_yourself"), alert=True)
    if expected and who[0] not in expected:
        return False, ctx.answer(t("handover.not_expected", expected=expected_text), alert=True)
    if row.override_at is None and ctx.policy(site).handover_block_on_major:
        majors = await open_majors(ctx.session, require_id(site))
        if majors and row.status == HandoverStatus.BLOCKED:
            text = t("handover.blocked", majors=" ".join(f"#{m.number}" for m in majors))
            return False, ctx.answer(text + "\n" + t("handover.rule_major"), alert=True)
        if majors:
            numbers = _block(row, majors)
            ctx.session.add(row)
            return False, await _blocked(ctx, site, row, majors_text=numbers, edit=False)
    row.status, row.incoming_id, row.incoming_name, row.taken_at = HandoverStatus.TAKEN_OVER, who[0], who[1], ctx.now
    ctx.session.add(row)
    await timers.cancel_for(ctx.session, kind=LATE, ref_id=require_id(row))
    done = t("handover.done", outgoing=row.outgoing_name, incoming=who[1], at=ctx.hhmm(ctx.now))
    if edit:
        return True, Outcome(replies=[Reply(card(t, row, ctx.zone(site)), edit=True)], toast=done)
    return True, Outcome.say(done)


async def allow(ctx: Context, row: Handover, reason: str) -> Outcome:
    """A supervisor's override of a blocked handover, who and why stored on it; the report is
    compiled again and posted with the 接班 button."""
    t = ctx.t
    if not ctx.may(row.site_id, Role.SUPERVISOR):
        return ctx.answer(t("denied.role", role=t("role.supervisor")), alert=True)
    if row.status != HandoverStatus.BLOCKED:
        return ctx.answer(t("handover.not_blocked"))
    if not reason.strip():
        return ctx.answer(t("handover.usage_allow"))
    site = await sites.get(ctx.session, site_id=row.site_id)
    assert site is not None
    row.status, row.override_by, row.override_name = HandoverStatus.OPEN, ctx.msg.user.id, ctx.msg.user.name
    row.override_reason, row.override_at = reason.strip(), ctx.now
    await replan(ctx.session, site, row, t)
    row.report = await _compose(ctx, ctx.session, site, row, t)
    ctx.session.add(row)
    reply = Reply(card(t, row, ctx.zone(site)), take_button(t, row), link=("handover", require_id(row)))
    if site.duty_chat_id is not None and site.duty_chat_id != ctx.msg.chat.id:
        text = card(t, row, ctx.zone(site))
        await ctx.notify(site.duty_chat_id, text, take_button(t, row), ("handover", require_id(row)), site_id=site.id)
        return Outcome.say(t("handover.allowed_private"))
    return Outcome(replies=[reply])
