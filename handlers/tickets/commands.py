"""The duty group's ticket commands: ``/ticket`` registers one from a phone call, visit or letter
(channel stored) or shows one with its history, ``/tickets`` lists the open ones overdue first,
``/vip`` marks one 特急 (000 L37); and the open tickets' section of the handover report."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

import handlers.tickets.flow as flow
from handlers.core.context import Context
from handlers.core.i18n import Translator
from handlers.core.messages import Outcome, Reply
from handlers.core.numbers import not_found, numbered, record_ref, wrong_kind
from handlers.core.parsing import malformed_number
from handlers.core.render import clip
from handlers.tickets.render import callback_line, card, card_buttons, history_line, list_line, overdue
from storage.codes import Register
from storage.models import Site, require_id
from storage.models.tickets import OPEN, Channel, Urgency
from storage.repos import sites
from storage.repos import tickets as repo

PHONE, VISIT, LETTER = Channel.PHONE, Channel.VISIT, Channel.LETTER
CHANNELS = {
    "电话": PHONE, "電話": PHONE, "phone": PHONE,
    "来访": VISIT, "來訪": VISIT, "visit": VISIT,
    "来函": LETTER, "來函": LETTER, "letter": LETTER,
}  # fmt: skip


async def ticket_command(ctx: Context, args: str) -> Outcome:
    """/ticket TN (or N, #N) shows one with its history; /ticket [电话|来访|来函] text registers one."""
    found, rest = record_ref(args)
    if found is not None and not rest:
        if found.register not in (None, Register.TICKET):
            return Outcome.say(wrong_kind(ctx.t, found, Register.TICKET))
        return await show(ctx, found.number)
    if malformed_number(args):
        return Outcome.say(ctx.t("tk.usage.ticket"))
    head, _, tail = args.strip().partition(" ")
    channel = CHANNELS.get(head.lower())
    text = tail.strip() if channel else args.strip()
    if not text:
        return Outcome.say(ctx.t("tk.usage.ticket"))
    assert ctx.site is not None
    site = await sites.get(ctx.session, site_id=require_id(ctx.site))
    assert site is not None
    reading = await ctx.classify(text, speaker="resident", private=True)
    user = ctx.msg.user
    ticket = await repo.add(
        ctx.session,
        flow.from_reading(
            reading,
            text,
            ctx.now,
            resident_id=0,
            unit=reading.location,
            channel=channel or Channel.PHONE,
            accepted_by=(user.id, user.name),
        ),
    )
    ctx.notified += await flow.open_ticket(ctx.session, site, ticket, ctx.now, severity=reading.severity)
    if ctx.msg.chat.id == site.duty_chat_id:
        return Outcome()  # the card in the group is the answer (docs/usage.md "Message economy")
    return Outcome.say(ctx.t("tk.registered", number=ticket.number))


async def show(ctx: Context, number: int) -> Outcome:
    assert ctx.site is not None
    ticket = await repo.by_number(ctx.session, site_id=require_id(ctx.site), number=number)
    if ticket is None:
        return await not_found(ctx, Register.TICKET, number, "tk.not_found")
    lines = [card(ctx.t, ticket, ctx.site)]
    for message in await repo.history(ctx.session, ticket_id=require_id(ticket)):
        lines.append(history_line(ctx.t, message, ctx.site))
    for callback in await repo.callbacks_of(ctx.session, ticket_id=require_id(ticket)):
        lines.append(callback_line(ctx.t, callback, ctx.site))
    return Outcome(replies=[Reply("\n".join(lines), card_buttons(ctx.t, ticket), link=("ticket", require_id(ticket)))])


async def tickets_command(ctx: Context, args: str) -> Outcome:
    """Open tickets of this site, overdue first."""
    assert ctx.site is not None
    rows = list(await repo.open_for_site(ctx.session, site_id=require_id(ctx.site)))
    if not rows:
        return Outcome.say(ctx.t("tk.list.none"))
    rows.sort(key=lambda x: (not overdue(x, ctx.now), x.deadline_at or ctx.now, require_id(x)))
    lines = [ctx.t("tk.list.header", count=len(rows))]
    lines += [list_line(ctx.t, x, ctx.site, ctx.now) for x in rows]
    return Outcome.say("\n".join(lines))


async def vip_command(ctx: Context, args: str) -> Outcome:
    """/vip TN: 特急, pursued until the resident is satisfied; supervisors and managers pinged (000 L37)."""
    number, _, problem = await numbered(ctx, args, Register.TICKET, "tk.usage.vip")
    if number is None:
        return problem or Outcome.say(ctx.t("tk.usage.vip"))
    assert ctx.site is not None
    ticket = await repo.by_number(ctx.session, site_id=require_id(ctx.site), number=number)
    if ticket is None:
        return await not_found(ctx, Register.TICKET, number, "tk.not_found")
    if ticket.urgency == Urgency.VIP:
        return Outcome.say(ctx.t("tk.vip.already", number=number))
    site = await sites.get(ctx.session, site_id=require_id(ctx.site))
    assert site is not None
    ticket.urgency = Urgency.VIP
    if ticket.status in OPEN:
        await flow.arm_deadline(ctx.session, site, ticket, ctx.now)
    told, said = await flow.ping_chain(ctx.session, site, ticket, "vip", ctx.now)
    ctx.notified += told + await flow.refresh_card(ctx.session, site, ticket)
    # one group message: marked VIP, and whom it reached (docs/usage.md "Message economy")
    done = ctx.t("tk.vip.done", number=number, text=clip(ticket.description, 60))
    return Outcome(replies=[Reply(done + "\n" + said, link=("ticket", require_id(ticket)))])


async def handover(session: AsyncSession, site: Site, now: datetime, t: Translator) -> list[str]:
    """The handover report's section: the site's open tickets, overdue first; none, no section."""
    rows = sorted(
        await repo.open_for_site(session, site_id=require_id(site)),
        key=lambda x: (not overdue(x, now), x.deadline_at or now, require_id(x)),
    )
    if not rows:
        return []
    return [t("tk.handover", count=len(rows)), *(list_line(t, x, site, now) for x in rows)]
