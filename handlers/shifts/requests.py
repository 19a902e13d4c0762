"""Leave and swap requests decided by a supervisor (请假 / 调班审批).

"不能私自调班、顶班,因故不能值班者,必须提前征得上级领导的同意,并安排调班、顶班" (000 L127); "须向客服主管
请假,经批准后,由客服主管安排其他人员顶班,未批准前,不允许私自调班" (002 L17); asked a day ahead and
approved by the supervisor (004 L220 XIV); the CS manager is told (000 L146). A request (made by
:mod:`handlers.shifts.leave` or :mod:`handlers.shifts.swaps`) goes to the supervisors in private with
批准 / 拒绝; nobody decides their own request (nor a swap they are the colleague of); an approval
names who covers and changes the roster, so /duty, the reminders and the handover follow it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core import notices
from handlers.core.context import Context, TimerContext
from handlers.core.i18n import Translator
from handlers.core.messages import Button, Keyboard, Outcome, Reply
from handlers.core.policy import Policy
from handlers.core.render import clip
from handlers.shifts.buttons import ApproveShiftRequest, RefuseShiftRequest
from handlers.shifts.request_days import codes_of, day_table, first_start, labels, person_names, shifts_held
from handlers.shifts.times import ShiftDef, instance, shifts_of
from storage.codes import SUPERVISORS_UP, Register, Role
from storage.models import ShiftRequest, Site, require_id
from storage.models.leave import ShiftRequestKind, ShiftRequestStatus
from storage.repos import shift_requests, sites, timers

COVERS_SHOWN = 6  # cover buttons on a leave request's card; others by /leave_ok N @person
LINK = "shift_request"
UNDECIDED = "shift_request_undecided"  # timer kind: ref_id is the request id
# Who may be named to cover a shift: anyone on the site's staff.
COVER_ROLES = (Role.STAFF, Role.SUPERVISOR, Role.MANAGER)

# -- submitting ---------------------------------------------------------------------------------


async def submit(ctx: Context, site: Site, request: ShiftRequest, defs: Sequence[ShiftDef]) -> Outcome:
    """Store the request and put it before the supervisors (never the requester or the colleague)."""
    t, zone = ctx.t, ctx.zone(site)
    start = first_start(defs, request.day, codes_of(request.shift_codes) + codes_of(request.colleague_codes), zone)
    assert start is not None
    notice = timedelta(hours=ctx.policy(site).leave_notice_hours)
    request.late = start - ctx.now < notice  # 004 L220 XIV: a day ahead
    request.number = await sites.next_number(ctx.session, site_id=require_id(site), register=Register.REQUEST)
    stored = await shift_requests.add(ctx.session, request)
    site_t = Translator(site.language)
    card = await card_text(ctx.session, site_t, site, stored, defs, header=True)
    told = await notices.tell_roles(
        ctx.session,
        site,
        SUPERVISORS_UP,
        card,
        purpose="approval",
        urgent=True,
        link=(LINK, require_id(stored)),
        skip=involved(stored),
        buttons=await decision_buttons(ctx.session, site_t, site, stored, defs),
        admins=ctx.services.admin_ids,
        ladder=True,
    )
    ctx.notified += told
    # Undecided when the shift comes near (the incoming reminder's time, else its start), it lapses:
    # "未批准前,不允许私自调班" (002 L17), so the requester is told to work as rostered.
    policy = ctx.policy(site)
    lead = timedelta(minutes=policy.arrive_early_minutes + policy.incoming_reminder_minutes)
    due = start - lead if start - lead > ctx.now else start
    await timers.schedule(ctx.session, kind=UNDECIDED, ref_id=require_id(stored), site_id=require_id(site), due_at=due)
    if stored.colleague_id is not None:
        await ctx.notify(
            stored.colleague_id,
            "\n".join([site_t("swap.asked_of_you", name=stored.requester_name, number=stored.number), card]),
            site_id=site.id,
            purpose="approval",
        )
    kind = str(stored.kind)
    lines = [
        t(
            f"{kind}.submitted",
            number=stored.number,
            shifts=labels(t, defs, stored.day, codes_of(stored.shift_codes), zone),
        )
    ]
    if stored.late:
        lines.append(t("leave.late", hours=ctx.policy(site).leave_notice_hours))
    lines.append(t("leave.sent_to", count=told) if told else t("leave.nobody_to_decide"))
    lines.append(t("leave.rule"))
    return Outcome(replies=[Reply("\n".join(lines), link=(LINK, require_id(stored)))])


def involved(request: ShiftRequest) -> list[int]:
    """Who may not decide the request: the requester and a swap's colleague."""
    return [request.requester_id] + ([request.colleague_id] if request.colleague_id is not None else [])


async def card_text(
    session: AsyncSession, t: Translator, site: Site, request: ShiftRequest, defs: Sequence[ShiftDef], *, header: bool
) -> str:
    zone = ZoneInfo(site.timezone)
    shifts = labels(t, defs, request.day, codes_of(request.shift_codes), zone)
    lines = [t(f"{request.kind}.card", site=site.name, number=request.number)] if header else []
    if request.kind == ShiftRequestKind.SWAP:
        theirs = labels(t, defs, request.day, codes_of(request.colleague_codes), zone)
        lines.append(
            t("swap.line", name=request.requester_name, shifts=shifts, colleague=request.colleague_name, theirs=theirs)
        )
    else:
        lines.append(t("leave.line", name=request.requester_name, shifts=shifts))
    if request.reason:
        lines.append(t("leave.reason", reason=clip(request.reason, 200)))
    if request.late:
        lines.append(t("leave.late", hours=Policy.for_site(site.policy).leave_notice_hours))
    if header:
        lines.append(t("leave.rule"))
    return "\n".join(lines)


async def cover_candidates(
    session: AsyncSession, site: Site, request: ShiftRequest, defs: Sequence[ShiftDef]
) -> list[int]:
    """Who could cover a leave: the site's staff but the requester and anyone working a shift that
    overlaps the requested ones that day; those free all day first."""
    zone = ZoneInfo(site.timezone)
    table = await day_table(session, site, request.day)
    wanted = [instance(s, request.day, zone) for s in defs if s.code in codes_of(request.shift_codes)]
    free: list[int] = []
    busy: list[int] = []
    for member in await sites.members(session, site_id=require_id(site), roles=COVER_ROLES):
        telegram_id = member.telegram_id
        if telegram_id == request.requester_id:
            continue
        held = [instance(s, request.day, zone) for s in shifts_held(defs, table, telegram_id)]
        if any(h.start_at < w.end_at and w.start_at < h.end_at for h in held for w in wanted):
            continue
        (busy if held else free).append(telegram_id)
    return list(dict.fromkeys(free + busy))


async def decision_buttons(
    session: AsyncSession, t: Translator, site: Site, request: ShiftRequest, defs: Sequence[ShiftDef]
) -> Keyboard:
    """A leave: 批准 with each possible cover named; a swap: 批准 (the colleague covers). 拒绝 last."""
    number = require_id(request)
    refuse = [Button(t("leave.btn_refuse"), RefuseShiftRequest(request=number).pack())]
    if request.kind == ShiftRequestKind.SWAP and request.colleague_id is not None:
        return [
            [Button(t("swap.btn_approve"), ApproveShiftRequest(request=number, cover=request.colleague_id).pack())],
            refuse,
        ]
    covers = (await cover_candidates(session, site, request, defs))[:COVERS_SHOWN]
    names = await person_names(session, covers)
    rows = [
        [Button(t("leave.btn_approve", name=names[c])[:60], ApproveShiftRequest(request=number, cover=c).pack())]
        for c in covers
    ]
    return [*rows, refuse]


# -- deciding -----------------------------------------------------------------------------------


async def _load(ctx: Context, request_id: int) -> tuple[ShiftRequest, Site] | Outcome:
    request = await shift_requests.get(ctx.session, request_id=request_id)
    site = await sites.get(ctx.session, site_id=request.site_id) if request is not None else None
    if request is None or site is None:
        return ctx.answer(ctx.t("button.stale"))
    if not ctx.may(site.id, Role.SUPERVISOR):
        return ctx.answer(ctx.t("denied.role", role=ctx.t("role.supervisor")) + "\n" + ctx.t("leave.rule"), alert=True)
    if ctx.msg.user.id in involved(request):
        # 000 L127; 002 L17: the superior's consent, not one's own.
        return ctx.answer(ctx.t("leave.not_your_own") + "\n" + ctx.t("leave.rule"), alert=True)
    if request.status != ShiftRequestStatus.PENDING:
        return ctx.answer(
            ctx.t(
                "leave.decided",
                number=request.number,
                status=ctx.t(f"leave.status.{request.status}"),
                name=request.decided_name or "-",
            )
        )
    return request, site


async def approve(ctx: Context, request_id: int, cover_id: int | None) -> Outcome:
    """批准: check the cover and that the roster still holds the shifts, then move them."""
    loaded = await _load(ctx, request_id)
    if isinstance(loaded, Outcome):
        return loaded
    request, site = loaded
    t, zone = ctx.t, ctx.zone(site)
    defs = await shifts_of(ctx.session, site)
    codes, theirs = codes_of(request.shift_codes), codes_of(request.colleague_codes)
    if request.kind == ShiftRequestKind.SWAP:
        cover_id = request.colleague_id
    if cover_id is None:  # /leave_ok N without a cover: offer the choice
        return Outcome(
            replies=[
                Reply(
                    "\n".join(
                        [
                            await card_text(ctx.session, t, site, request, defs, header=True),
                            t("leave.name_cover", number=request.number),
                        ]
                    ),
                    await decision_buttons(ctx.session, t, site, request, defs),
                )
            ]
        )
    start = first_start(defs, request.day, codes + theirs, zone)
    if start is None or start <= ctx.now:
        return ctx.answer(t("leave.started", number=request.number), alert=True)
    table = await day_table(ctx.session, site, request.day)
    held = {s.code for s in shifts_held(defs, table, request.requester_id)}
    if not set(codes) <= held or any(cover_id not in table.get(code, []) for code in theirs):
        return ctx.answer(t("leave.roster_changed", number=request.number), alert=True)
    staff = {m.telegram_id for m in await sites.members(ctx.session, site_id=require_id(site), roles=COVER_ROLES)}
    if cover_id == request.requester_id or cover_id not in staff:
        return ctx.answer(t("leave.cover_not_staff", site=site.name), alert=True)
    if request.kind == ShiftRequestKind.LEAVE and cover_id not in await cover_candidates(
        ctx.session, site, request, defs
    ):
        names = await person_names(ctx.session, [cover_id])
        return ctx.answer(t("leave.cover_busy", name=names[cover_id]), alert=True)
    cover_name = (await person_names(ctx.session, [cover_id]))[cover_id]
    user = ctx.msg.user
    decided = await shift_requests.decide(
        ctx.session,
        request,
        status=ShiftRequestStatus.APPROVED,
        by=user.id,
        name=user.name,
        at=ctx.now,
        cover_id=cover_id,
        cover_name=cover_name,
    )
    if not decided:
        return await _already(ctx, request)
    site_id = require_id(site)
    await shift_requests.move_entries(
        ctx.session,
        site_id=site_id,
        day=request.day,
        codes=codes,
        from_id=request.requester_id,
        to_id=cover_id,
        by=user.id,
    )
    await shift_requests.move_entries(
        ctx.session,
        site_id=site_id,
        day=request.day,
        codes=theirs,
        from_id=cover_id,
        to_id=request.requester_id,
        by=user.id,
    )
    await _tell_decision(ctx, site, request, defs)
    done = t(f"{request.kind}.you_approved", number=request.number, cover=cover_name)
    return Outcome(replies=[Reply(done, edit=ctx.msg.is_button)], toast=done if ctx.msg.is_button else None)


async def refuse(ctx: Context, request_id: int, note: str | None) -> Outcome:
    loaded = await _load(ctx, request_id)
    if isinstance(loaded, Outcome):
        return loaded
    request, site = loaded
    user = ctx.msg.user
    decided = await shift_requests.decide(
        ctx.session,
        request,
        status=ShiftRequestStatus.REFUSED,
        by=user.id,
        name=user.name,
        at=ctx.now,
        note=note or None,
    )
    if not decided:
        return await _already(ctx, request)
    await _tell_decision(ctx, site, request, await shifts_of(ctx.session, site))
    done = ctx.t("leave.you_refused", number=request.number)
    return Outcome(replies=[Reply(done, edit=ctx.msg.is_button)], toast=done if ctx.msg.is_button else None)


async def _already(ctx: Context, request: ShiftRequest) -> Outcome:
    """Someone decided it between the load and the update: say who."""
    await ctx.session.refresh(request)
    status = ctx.t(f"leave.status.{request.status}")
    return ctx.answer(ctx.t("leave.decided", number=request.number, status=status, name=request.decided_name or "-"))


async def _tell_decision(ctx: Context, site: Site, request: ShiftRequest, defs: Sequence[ShiftDef]) -> None:
    """The requester, a swap's colleague and the cover in private; the duty group (the roster it
    sees changed, or stands); on approval the managers as well (000 L146 "并报客服部经理")."""
    t = Translator(site.language)
    body = await card_text(ctx.session, t, site, request, defs, header=False)
    if request.status == ShiftRequestStatus.APPROVED:
        head = t(f"{request.kind}.approved", number=request.number, name=request.decided_name, cover=request.cover_name)
    else:
        note = t("leave.note", note=clip(request.decision_note, 200)) if request.decision_note else ""
        head = t(f"{request.kind}.refused", number=request.number, name=request.decided_name) + note
    text = "\n".join([head, body])
    told = {ctx.msg.user.id}
    for person in (request.requester_id, request.colleague_id, request.cover_id):
        if person is not None and person not in told:
            await ctx.notify(person, text, site_id=site.id, purpose="approval")
            told.add(person)
    if site.duty_chat_id is not None and site.duty_chat_id != ctx.msg.chat.id:
        await ctx.notify(site.duty_chat_id, text)
    if request.status == ShiftRequestStatus.APPROVED:
        ctx.notified += await notices.tell_roles(
            ctx.session, site, (Role.MANAGER,), text, purpose="approval", skip=told
        )


async def on_undecided(ctx: TimerContext) -> datetime | None:
    """A request nobody decided before its shift lapses: the requester (and a swap's colleague)
    and the duty group are told the roster stands (000 L127; 002 L17)."""
    session = ctx.session
    request = await shift_requests.get(session, request_id=ctx.timer.ref_id)
    if request is None or request.status != ShiftRequestStatus.PENDING:
        return None
    site = await sites.get(session, site_id=request.site_id)
    if site is None or not await shift_requests.lapse(session, request, at=ctx.now):
        return None
    t = Translator(site.language)
    defs = await shifts_of(session, site)
    text = "\n".join(
        [t("leave.lapsed", number=request.number), await card_text(session, t, site, request, defs, header=False)]
    )
    for person in involved(request):
        await notices.queue(session, person, text, site_id=site.id, purpose="reminder")
    if site.duty_chat_id is not None:
        await notices.queue(session, site.duty_chat_id, text, site_id=site.id, purpose="reminder")
    return None
