"""``/swap DATE [shift] @colleague [reason]`` (调班): the requester's shift that day goes to the
colleague, and the colleague's shift that day (if any) to the requester. Never private: a supervisor
approves it first (000 L127 "不能私自调班"; 002 L17; 004 L220 XIV, a day ahead); the colleague is told."""

from __future__ import annotations

from handlers.core.commands import Command
from handlers.core.context import Context
from handlers.core.feature import Feature
from handlers.core.messages import Outcome
from handlers.core.render import clip
from handlers.shifts.request_days import day_table, first_start, parse_day, person_id, person_names, shifts_held
from handlers.shifts.requests import COVER_ROLES, submit
from handlers.shifts.times import display_name, find_shift, shifts_of
from storage.models import ShiftRequest, require_id
from storage.models.leave import ShiftRequestKind
from storage.repos import sites


async def swap_command(ctx: Context, args: str) -> Outcome:
    assert ctx.site is not None
    site, t, zone = ctx.site, ctx.t, ctx.zone()
    words = args.split()
    day = parse_day(words[0], ctx.now.astimezone(zone).date()) if words else None
    mention = next((w for w in words[1:] if w.startswith("@")), None) or next(
        (w for w in words[1:] if w.isascii() and w.isdigit()), None
    )
    if day is None or mention is None:
        return Outcome.say(t("swap.usage"))
    rest = [w for w in words[1:] if w is not mention]
    defs = await shifts_of(ctx.session, site)
    named = find_shift(defs, rest[0]) if rest else None
    if named is not None:
        rest = rest[1:]
    colleague = await person_id(ctx.session, mention)
    staff = {m.telegram_id for m in await sites.members(ctx.session, site_id=require_id(site), roles=COVER_ROLES)}
    if colleague is None or colleague not in staff or colleague == ctx.msg.user.id:
        return Outcome.say(t("leave.cover_not_staff", site=site.name))
    table = await day_table(ctx.session, site, day)
    mine = shifts_held(defs, table, ctx.msg.user.id)
    if named is not None:
        mine = [s for s in mine if s == named]
    if not mine:
        return Outcome.say(t("leave.not_rostered", day=day.isoformat(), shift=display_name(t, named) if named else ""))
    theirs = shifts_held(defs, table, colleague)
    name = (await person_names(ctx.session, [colleague]))[colleague]
    if set(mine) & set(theirs):
        return Outcome.say(t("swap.same_shift", name=name))
    start = first_start(defs, day, [s.code for s in mine + theirs], zone)
    if start is None or start <= ctx.now:
        return Outcome.say(t("leave.too_late_started"))
    request = ShiftRequest(
        site_id=require_id(site),
        number=0,
        kind=ShiftRequestKind.SWAP,
        day=day,
        shift_codes=",".join(s.code for s in mine),
        requester_id=ctx.msg.user.id,
        requester_name=ctx.msg.user.name,
        colleague_id=colleague,
        colleague_name=name,
        colleague_codes=",".join(s.code for s in theirs),
        reason=clip(" ".join(rest), 500),
        requested_at=ctx.now,
        chat_id=ctx.msg.chat.id,
    )
    return await submit(ctx, site, request, defs)


PART = Feature("swaps", commands=[Command("swap", swap_command, aliases=("tiaoban",))])
