"""Deciding leave and swap requests by command and button (``/leave_ok``, ``/leave_no``, ``/leaves``,
批准 / 拒绝; 000 L127, 002 L17), the lapse timer and the ``shift_requests`` export. The rules live in
:mod:`handlers.shifts.requests`."""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.commands import ButtonAction, Command
from handlers.core.context import Context
from handlers.core.exports import iso, site_codes, site_zones
from handlers.core.feature import ExportKind, Feature
from handlers.core.messages import Outcome
from handlers.core.numbers import not_found, numbered, ref
from handlers.core.render import clip
from handlers.shifts.buttons import ApproveShiftRequest, RefuseShiftRequest
from handlers.shifts.request_days import codes_of, first_start, person_id
from handlers.shifts.requests import UNDECIDED, approve, card_text, on_undecided, refuse
from handlers.shifts.times import shifts_of
from storage.codes import Register, Role
from storage.models import ShiftRequest, require_id
from storage.repos import shift_requests

# -- commands and buttons -----------------------------------------------------------------------


async def _by_number(ctx: Context, args: str, usage: str) -> tuple[ShiftRequest | None, str, Outcome | None]:
    assert ctx.site is not None
    number, rest, problem = await numbered(ctx, unicodedata.normalize("NFKC", args), Register.REQUEST, usage)
    if number is None:
        return None, "", problem
    request = await shift_requests.by_number(ctx.session, site_id=require_id(ctx.site), number=number)
    if request is None:
        return None, "", await not_found(ctx, Register.REQUEST, number, "leave.not_found")
    return request, rest, None


async def leave_ok_command(ctx: Context, args: str) -> Outcome:
    """``/leave_ok N [@cover]``: approve a leave (naming who covers) or a swap."""
    request, rest, problem = await _by_number(ctx, args, "leave.usage_ok")
    if request is None:
        return problem or Outcome.say(ctx.t("leave.usage_ok"))
    cover = None
    if rest:
        cover = await person_id(ctx.session, rest.split()[0])
        if cover is None:
            return Outcome.say(ctx.t("leave.unknown_person", name=clip(rest.split()[0], 40)))
    return await approve(ctx, require_id(request), cover)


async def leave_no_command(ctx: Context, args: str) -> Outcome:
    """``/leave_no N [reason]``: refuse; the roster stands."""
    request, rest, problem = await _by_number(ctx, args, "leave.usage_no")
    if request is None:
        return problem or Outcome.say(ctx.t("leave.usage_no"))
    return await refuse(ctx, require_id(request), rest)


async def leaves_command(ctx: Context, args: str) -> Outcome:
    """``/leaves``: the requests waiting for a supervisor whose shifts have not started (a request
    left undecided past its shift is moot: the roster was worked as it stood)."""
    assert ctx.site is not None
    defs, zone = await shifts_of(ctx.session, ctx.site), ctx.zone()

    def open_yet(request: ShiftRequest) -> bool:
        codes = codes_of(request.shift_codes) + codes_of(request.colleague_codes)
        start = first_start(defs, request.day, codes, zone)
        return start is not None and start > ctx.now

    waiting = [r for r in await shift_requests.pending(ctx.session, site_id=require_id(ctx.site)) if open_yet(r)]
    if not waiting:
        return Outcome.say(ctx.t("leave.none_pending"))
    lines = [ctx.t("leave.pending_header", count=len(waiting))]
    for request in waiting:
        lines.append(ctx.t(f"{request.kind}.card", site=ctx.site.name, number=request.number))
        lines.append(await card_text(ctx.session, ctx.t, ctx.site, request, defs, header=False))
    lines.append(ctx.t("leave.how_to_decide"))
    return Outcome.say("\n".join(lines))


async def approve_button(ctx: Context, data: ApproveShiftRequest) -> Outcome:
    return await approve(ctx, data.request, data.cover)


async def refuse_button(ctx: Context, data: RefuseShiftRequest) -> Outcome:
    return await refuse(ctx, data.request, None)


# Export keys (docs/exports.md): the record of each request and its decision.
REQUEST_FIELDS = (
    "number",
    "site",
    "kind",
    "status",
    "date",
    "shifts",
    "requester_id",
    "requester",
    "colleague_id",
    "colleague",
    "colleague_shifts",
    "reason",
    "late",
    "requested_at",
    "cover_id",
    "cover",
    "decided_by",
    "decided_name",
    "decided_at",
    "decision_note",
)


async def request_rows(session: AsyncSession) -> AsyncIterator[dict[str, Any]]:
    zones, codes = await site_zones(session), await site_codes(session)
    async for chunk in shift_requests.all_requests(session):
        for r in chunk:
            zone = zones.get(r.site_id)
            yield {
                "number": ref(Register.REQUEST, r.number),
                "site": codes.get(r.site_id),
                "kind": str(r.kind),
                "status": str(r.status),
                "date": r.day.isoformat(),
                "shifts": r.shift_codes,
                "requester_id": r.requester_id,
                "requester": r.requester_name,
                "colleague_id": r.colleague_id,
                "colleague": r.colleague_name,
                "colleague_shifts": r.colleague_codes or None,
                "reason": r.reason,
                "late": r.late,
                "requested_at": iso(r.requested_at, zone),
                "cover_id": r.cover_id,
                "cover": r.cover_name,
                "decided_by": r.decided_by,
                "decided_name": r.decided_name,
                "decided_at": iso(r.decided_at, zone),
                "decision_note": r.decision_note,
            }


PART = Feature(
    "shift_requests",
    commands=[
        Command("leave_ok", leave_ok_command, min_role=Role.SUPERVISOR),
        Command("leave_no", leave_no_command, min_role=Role.SUPERVISOR),
        Command("leaves", leaves_command),
    ],
    buttons=[ButtonAction(ApproveShiftRequest, approve_button), ButtonAction(RefuseShiftRequest, refuse_button)],
    timers={UNDECIDED: on_undecided},
    exports={"shift_requests": ExportKind(REQUEST_FIELDS, request_rows)},
)
