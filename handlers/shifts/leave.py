"""``/leave DATE [shift] reason`` (请假): a rostered person asks to be off a shift. Not private: it goes
to a supervisor for 批准 / 拒绝 (000 L127; 002 L17), a day ahead (004 L220 XIV), and the supervisor
names the cover when approving (:mod:`handlers.shifts.requests`)."""

from __future__ import annotations

from handlers.core.commands import Command
from handlers.core.context import Context
from handlers.core.feature import Feature
from handlers.core.messages import Outcome
from handlers.core.render import clip
from handlers.shifts.request_days import day_table, first_start, parse_day, shifts_held
from handlers.shifts.requests import submit
from handlers.shifts.times import display_name, find_shift, shifts_of
from storage.models import ShiftRequest, require_id
from storage.models.leave import ShiftRequestKind


async def leave_command(ctx: Context, args: str) -> Outcome:
    assert ctx.site is not None
    site, t, zone = ctx.site, ctx.t, ctx.zone()
    words = args.split()
    day = parse_day(words[0], ctx.now.astimezone(zone).date()) if words else None
    if day is None:
        return Outcome.say(t("leave.usage"))
    defs = await shifts_of(ctx.session, site)
    rest = words[1:]
    named = find_shift(defs, rest[0]) if rest else None
    if named is not None:
        rest = rest[1:]
    reason = " ".join(rest).strip()
    if not reason:
        return Outcome.say(t("leave.usage"))
    held = shifts_held(defs, await day_table(ctx.session, site, day), ctx.msg.user.id)
    if named is not None:
        held = [s for s in held if s == named]
    if not held:
        shift = display_name(t, named) if named is not None else ""
        return Outcome.say(t("leave.not_rostered", day=day.isoformat(), shift=shift))
    codes = [s.code for s in held]
    start = first_start(defs, day, codes, zone)
    if start is None or start <= ctx.now:
        return Outcome.say(t("leave.too_late_started"))
    request = ShiftRequest(
        site_id=require_id(site),
        number=0,
        kind=ShiftRequestKind.LEAVE,
        day=day,
        shift_codes=",".join(codes),
        requester_id=ctx.msg.user.id,
        requester_name=ctx.msg.user.name,
        reason=clip(reason, 500),
        requested_at=ctx.now,
        chat_id=ctx.msg.chat.id,
    )
    return await submit(ctx, site, request, defs)


PART = Feature("leave", commands=[Command("leave", leave_command, aliases=("qingjia",))])
