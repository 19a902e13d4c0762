"""A ticket's timers (database rows, so a restart loses none): the promised deadline, the complaint
follow-up every 2 days, and the batch relay of a resident's held-back messages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

import handlers.tickets.flow as flow
from handlers.core.context import TimerContext
from handlers.core.feature import TimerHandler
from handlers.core.i18n import Translator
from handlers.core.messages import Button
from handlers.core.policy import Policy
from handlers.tickets.buttons import Photos
from handlers.tickets.render import card, card_buttons, hhmm
from storage.models import Site, TicketMessage, require_id
from storage.models.tickets import OPEN
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
    """Every 2 days until resolved, the group sees the complaint again (001 L905)."""
    session, timer, now = ctx.session, ctx.timer, ctx.now
    ticket = await repo.get(session, ticket_id=timer.ref_id)
    site = await sites.get(session, site_id=timer.site_id)
    if ticket is None or site is None or ticket.status not in OPEN:
        return None
    t = flow.site_t(site)
    text = t("tk.follow_up", number=ticket.number, since=hhmm(ticket.created_at, site)) + "\n" + card(t, ticket, site)
    if site.duty_chat_id is not None:
        from handlers.core import notices

        await notices.queue(
            session, site.duty_chat_id, text, card_buttons(t, ticket), ("ticket", require_id(ticket)), purpose="card"
        )
    return now + timedelta(days=Policy.for_site(site.policy).ticket_followup_days)


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


TIMERS: dict[str, TimerHandler] = {flow.SLA: on_deadline, flow.FOLLOW: on_follow_up, flow.RELAY: on_relay}
