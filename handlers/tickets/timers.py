"""A ticket's timers (database rows, so a restart loses none): the promised deadline, the complaint
follow-up every 2 days with the resident's progress message, and the batch relay of a resident's
held-back messages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

import handlers.tickets.flow as flow
from handlers.core import notices
from handlers.core.context import TimerContext
from handlers.core.feature import TimerHandler
from handlers.core.i18n import Translator
from handlers.core.messages import Button
from handlers.core.policy import Policy
from handlers.tickets.buttons import Photos
from handlers.tickets.render import card, card_buttons, hhmm
from storage.models import Site, Ticket, TicketMessage, require_id
from storage.models.tickets import OPEN, Channel, Direction, TicketStatus
from storage.repos import sites, timers
from storage.repos import tickets as repo


async def on_deadline(ctx: TimerContext) -> datetime | None:
    """Past the deadline and not resolved (a repair: nobody on site, 001 L1113) → the supervisors."""
    session, timer, now = ctx.session, ctx.timer, ctx.now
    ticket = await repo.get(session, ticket_id=timer.ref_id)
    site = await sites.get(session, site_id=timer.site_id)
    if ticket is None or site is None or ticket.status not in OPEN:
        return None
    if ticket.deadline_at is not None and ticket.deadline_at > now:  # moved later meanwhile
        return ticket.deadline_at
    late_on_site = flow.awaits_on_site(ticket)
    await flow.escalate(session, site, ticket, "onsite_late" if late_on_site else "late", now)
    return None


async def on_follow_up(ctx: TimerContext) -> datetime | None:
    """Every 2 days until resolved (001 L905 "不能及时解决的2天回访一次，说明情况，告知处理进程"): the
    group, and the handler in private, are asked for a progress line (what was done, the next step);
    their reply to the reminder reaches the resident. None within the site's wait: the resident gets
    a status message (:func:`on_progress`). A ticket that came by phone, visit or letter: phone them."""
    session, timer, now = ctx.session, ctx.timer, ctx.now
    ticket = await repo.get(session, ticket_id=timer.ref_id)
    site = await sites.get(session, site_id=timer.site_id)
    if ticket is None or site is None or ticket.status not in OPEN:
        return None
    policy = Policy.for_site(site.policy)
    online = ticket.channel == Channel.BOT and bool(ticket.resident_id)
    t = flow.site_t(site)
    head = t(
        "tk.follow_up" if online else "tk.follow_up_phone",
        number=ticket.number,
        since=hhmm(ticket.created_at, site),
        hours=f"{policy.ticket_progress_wait_hours:g}",
        days=f"{policy.ticket_followup_days:g}",
    )
    text = head + "\n" + card(t, ticket, site)
    link = (flow.FOLLOW_LINK, require_id(ticket))
    handler = ticket.dispatched_to_id or ticket.accepted_by
    chats = [site.duty_chat_id, handler]
    for chat_id in dict.fromkeys(chat for chat in chats if chat is not None):
        await notices.queue(session, chat_id, text, card_buttons(t, ticket), link, site_id=site.id, purpose="follow_up")
    if online:
        due = now + timedelta(hours=policy.ticket_progress_wait_hours)
        await timers.arm(session, kind=flow.PROGRESS, ref_id=require_id(ticket), site_id=require_id(site), due_at=due)
    return now + timedelta(days=policy.ticket_followup_days)


def stage(ticket: Ticket) -> str:
    """How far the ticket got, in the resident's words (the "tk.res.stage.<…>" key): no staff names."""
    if ticket.on_site_at is not None and ticket.status != TicketStatus.REOPENED:
        return "on_site"
    return str(ticket.status)


async def on_progress(ctx: TimerContext) -> datetime | None:
    """The follow-up's wait is over and nobody sent the resident a progress line: they get a polite
    status message (what was done, the next step, 001 L905), kept in the ticket's history; the group
    hears it was sent."""
    session, timer, now = ctx.session, ctx.timer, ctx.now
    ticket = await repo.get(session, ticket_id=timer.ref_id)
    site = await sites.get(session, site_id=timer.site_id)
    if ticket is None or site is None or ticket.status not in OPEN or ticket.channel != Channel.BOT:
        return None
    policy = Policy.for_site(site.policy)
    asked_at = timer.due_at - timedelta(hours=policy.ticket_progress_wait_hours)
    if await repo.told_since(session, ticket_id=require_id(ticket), since=asked_at):
        return None  # a colleague's line already reached the resident
    rt = await flow.resident_t(session, ticket, site)
    text = rt(
        "tk.res.progress",
        kind=rt(f"kind.{ticket.kind}"),
        number=ticket.number,
        done=rt(f"tk.res.stage.{stage(ticket)}"),
    )
    t = flow.site_t(site)
    await repo.add_message(
        session,
        TicketMessage(
            ticket_id=require_id(ticket),
            direction=Direction.OUT,
            author_id=0,
            author_name=t("tk.auto"),
            text=text,
            created_at=now,
        ),
    )
    sent = await flow.to_resident(session, site, ticket, text)
    if sent:
        hours = f"{policy.ticket_progress_wait_hours:g}"
        await flow.to_group(session, site, ticket, t("tk.progress_sent", number=ticket.number, hours=hours))
    return None


def batch_lines(t: Translator, site: Site, held: Sequence[TicketMessage]) -> list[str]:
    """One line per held message, in order; a run of photos without words is one line with their
    count, "[10:02] [照片] ×59" (the group sees a flood as one line; the ticket keeps every photo)."""
    lines: list[str] = []
    run, run_stamp = 0, ""  # photos without words in a row (the last line is theirs), and when it began
    for message in held:
        stamp = f"[{hhmm(message.created_at, site)}]"
        if message.photo_file_id and not message.text:
            if run:
                lines.pop()
            else:
                run_stamp = stamp
            run += 1
            lines.append(f"{run_stamp} {t('tk.photo')}" + (f" ×{run}" if run > 1 else ""))
            continue
        run = 0
        text = f"{t('tk.photo')} {message.text}" if message.photo_file_id else message.text
        lines.append(f"{stamp} {text}")
    return lines


async def on_relay(ctx: TimerContext) -> datetime | None:
    """The resident's held-back messages go to the group in as few messages as fit, in order, after
    staff replies and notices (bulk); their photos are shown privately to whoever asks (the button)."""
    session, timer = ctx.session, ctx.timer
    ticket = await repo.get(session, ticket_id=timer.ref_id)
    site = await sites.get(session, site_id=timer.site_id)
    if ticket is None or site is None:
        return None
    t = flow.site_t(site)
    held = await repo.held(session, ticket_id=require_id(ticket))
    lines = batch_lines(t, site, held)
    for message in held:
        message.held = False
        session.add(message)
    head = t("tk.grp.batch", number=ticket.number, unit=ticket.unit or "-")
    photos = any(message.photo_file_id for message in held)
    show = [[Button(t("tk.btn.photos"), Photos(ticket=require_id(ticket)).pack())]] if photos else None
    # One text: the outbox splits it at line boundaries in UTF-16 units (handlers.core.text_limits), never cut.
    await flow.to_group(session, site, ticket, "\n".join([head, *lines]), show, bulk=True)
    return None


async def plan_relays(session: AsyncSession, now: datetime) -> None:
    """Safety net: held messages whose relay timer already ran (a message held while the batch
    was being sent by another process) get relayed by the next sweep."""
    for ticket_id in await repo.held_tickets(session):
        ticket = await repo.get(session, ticket_id=ticket_id)
        if ticket is None or ticket.site_id is None:
            continue
        state = await timers.state_of(session, kind=flow.RELAY, ref_id=ticket_id, site_id=ticket.site_id)
        if state not in ("pending", "running"):
            await timers.arm(session, kind=flow.RELAY, ref_id=ticket_id, site_id=ticket.site_id, due_at=now)


TIMERS: dict[str, TimerHandler] = {
    flow.SLA: on_deadline,
    flow.FOLLOW: on_follow_up,
    flow.PROGRESS: on_progress,
    flow.RELAY: on_relay,
}
