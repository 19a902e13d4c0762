"""A ticket's life-cycle steps shared by the residents' side, the staff side and the timers:
opening (number, deadline, card, timers, escalation), telling the resident, resolving, reopening.

Every function takes the session and returns how many messages it queued, so a timer can use it
as well as a handler (which adds the count to ``ctx.notified``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from sqlmodel.ext.asyncio.session import AsyncSession

import handlers.tickets.relays as relays
from handlers.core import notices
from handlers.core.classification import Classification
from handlers.core.i18n import Translator, pick_language
from handlers.core.messages import Keyboard
from handlers.core.policy import Policy
from handlers.core.render import category
from handlers.tickets.render import card, card_buttons, hhmm, rating_buttons, signed
from storage.codes import Register, Role, Severity
from storage.models import Callback, Site, Ticket, require_id
from storage.models.plumbing import Purpose
from storage.models.tickets import CallbackState, Channel, TicketKind, TicketStatus, Urgency
from storage.repos import outbox, sites, timers
from storage.repos import tickets as repo

SLA = "tk.sla"  # the promised deadline (001 L901) or, for a repair not yet attended, on site (001 L1113, L1123)
FOLLOW = "tk.follow"  # a complaint followed up every 2 days until resolved (001 L905)
CALLBACK = "tk.callback"  # no rating from the resident: a phone-callback task (003 L63)
RELAY = "tk.relay"  # the resident's held-back messages relayed in one batch
PROGRESS = "tk.progress"  # no progress line from staff after the follow-up: the resident gets a status (001 L905)
FOLLOW_LINK = "tk.followup"  # a follow-up reminder: a staff reply to it is the resident's progress line (001 L905)
CHAIN = (Role.SUPERVISOR, Role.MANAGER)
_KINDS = {kind.value: kind for kind in TicketKind}  # the resident intents (taxonomy.RESIDENT_TICKET_INTENTS)

# Why the supervisors and managers are pinged (the "tk.esc.<why>" line).
Escalation = Literal["vip", "major", "repeat", "late", "onsite_late", "unsatisfied", "vip_basic", "callback_late"]
# Sent to the managers at once, whatever their digest choice (000 L37 VIP; L88-90 major or repeated
# complaint); the other reasons, of a ticket that is not VIP, reach a manager who takes the shift
# digest only there (handlers.core.notices.DIGEST_ONLY, "follow_up").
AT_ONCE: tuple[Escalation, ...] = ("vip", "major", "repeat")


class ReopenReason(StrEnum):
    """Who reopened a ticket (the "tk.reopened.<why>" header of the new card)."""

    STAFF = "staff"  # the 重新打开 button
    UNSATISFIED = "unsatisfied"  # the resident's rating at the callback
    VIP_BASIC = "vip_basic"  # 基本满意 on a VIP ticket: pursued until satisfied (000 L37), yet not 不满意


def site_t(site: Site) -> Translator:
    return Translator(site.language)


async def resident_t(session: AsyncSession, ticket: Ticket, site: Site) -> Translator:
    """The resident's language (their Telegram setting), else the site's."""
    person = await sites.person(session, telegram_id=ticket.resident_id)
    return Translator(pick_language(person.language if person else None, site.language))


def from_reading(
    reading: Classification,
    text: str,
    now: datetime,
    *,
    resident_id: int,
    resident_name: str = "",
    unit: str | None = None,
    channel: Channel = Channel.BOT,
    accepted_by: tuple[int, str] | None = None,
) -> Ticket:
    """A new ticket as the classifier read its text: the intent is its kind (another intent: an
    inquiry), an urgent or major severity makes it urgent; the residents' side and ``/ticket``
    alike. ``accepted_by`` (id, name): registered by staff (a call, a visit), so accepted by them at
    once. Not yet stored."""
    ticket = Ticket(
        kind=_KINDS.get(reading.intent, TicketKind.INQUIRY),
        category=reading.category,
        urgency=Urgency.URGENT if reading.severity in (Severity.URGENT, Severity.MAJOR) else Urgency.NORMAL,
        location=reading.location,
        unit=unit,
        description=text,
        resident_id=resident_id,
        resident_name=resident_name,
        channel=channel,
        classified_by=reading.source,
        confidence=reading.confidence,
        created_at=now,
    )
    if accepted_by is not None:
        ticket.status, ticket.accepted_at = TicketStatus.ACCEPTED, now
        ticket.accepted_by, ticket.accepted_name = accepted_by
    return ticket


def urgent_repair(ticket: Ticket) -> bool:
    return ticket.kind == TicketKind.REPAIR and ticket.urgency in (Urgency.URGENT, Urgency.VIP)


def awaits_on_site(ticket: Ticket) -> bool:
    """A repair nobody has attended yet: every repair notice is attended within the site's
    on-site minutes (15 by default), urgent or not (001 L1113 "15分钟内到达维修地点", L1123)."""
    return ticket.kind == TicketKind.REPAIR and ticket.on_site_at is None


def hours_to_resolve(policy: Policy, ticket: Ticket) -> float:
    """The promised deadline's hours (处理时限, 001 L901) by urgency, else by kind."""
    return {
        Urgency.VIP: policy.ticket_hours_vip,
        Urgency.URGENT: policy.ticket_hours_urgent,
    }.get(ticket.urgency) or {
        TicketKind.COMPLAINT: policy.ticket_hours_complaint,
        TicketKind.REPAIR: policy.ticket_hours_repair,
    }.get(ticket.kind, policy.ticket_hours_inquiry)


def deadline(policy: Policy, ticket: Ticket, now: datetime) -> datetime:
    """The promised deadline by kind and urgency (001 L901); a repair not yet attended: on site
    within the site's on-site minutes (001 L1113, L1123), then the hours once someone is there."""
    if awaits_on_site(ticket):
        return now + timedelta(minutes=policy.ticket_onsite_minutes)
    return now + timedelta(hours=hours_to_resolve(policy, ticket))


async def arm_deadline(session: AsyncSession, site: Site, ticket: Ticket, now: datetime) -> None:
    policy = Policy.for_site(site.policy)
    ticket.deadline_at = deadline(policy, ticket, now)
    session.add(ticket)
    await timers.arm(session, kind=SLA, ref_id=require_id(ticket), site_id=require_id(site), due_at=ticket.deadline_at)
    if ticket.kind == TicketKind.COMPLAINT or ticket.urgency == Urgency.VIP:
        due = now + timedelta(days=policy.ticket_followup_days)
        await timers.arm(session, kind=FOLLOW, ref_id=require_id(ticket), site_id=require_id(site), due_at=due)


async def post_card(session: AsyncSession, site: Site, ticket: Ticket, *, header: str | None = None) -> int:
    """The ticket's card in the duty group, linked so that a reply to it reaches the resident."""
    if site.duty_chat_id is None:
        return 0
    t = site_t(site)
    text = card(t, ticket, site)
    if header:
        text = header + "\n" + text
    await notices.queue(
        session, site.duty_chat_id, text, card_buttons(t, ticket), ("ticket", require_id(ticket)), purpose="card"
    )
    return 1


async def refresh_card(session: AsyncSession, site: Site, ticket: Ticket) -> int:
    """Edit the ticket's latest card in the duty group to its present state (a change made
    elsewhere: a reply, the resident's rating, /vip, a button in a private chat)."""
    if site.duty_chat_id is None:
        return 0
    message_id = await outbox.last_message(
        session, chat_id=site.duty_chat_id, ref_kind="ticket", ref_id=require_id(ticket), purpose="card"
    )
    if message_id is None:
        return 0
    t = site_t(site)
    await outbox.enqueue(
        session,
        chat_id=site.duty_chat_id,
        text=card(t, ticket, site),
        buttons=notices.button_dicts(card_buttons(t, ticket)),
        method="edit",
        edit_message_id=message_id,
        purpose="card_edit",
    )
    return 1


async def to_group(
    session: AsyncSession,
    site: Site,
    ticket: Ticket,
    text: str,
    buttons: Keyboard | None = None,
    *,
    urgent: bool = False,
    photo: str | None = None,
    bulk: bool = False,
) -> int:
    """A line (or a photo with it as caption) about the ticket in the duty group, linked to it
    (staff may reply to it). ``bulk``: the resident's own words, sent after staff replies and notices."""
    if site.duty_chat_id is None:
        return 0
    await notices.queue(
        session, site.duty_chat_id, text, buttons, ("ticket", require_id(ticket)), urgent=urgent, photo=photo, bulk=bulk
    )
    return 1


async def to_resident(
    session: AsyncSession,
    site: Site,
    ticket: Ticket,
    text: str,
    buttons: Keyboard | None = None,
    *,
    photo: str | None = None,
    document: str | None = None,
    update_id: int | None = None,
) -> int:
    """A message (or a photo or file with it as caption) to the resident signed as the service
    centre. ``purpose="relay"`` with the site lets the delivery tell the duty group when it cannot
    be delivered (the resident blocked the bot); ``update_id`` ties it to a held confirmation
    (handlers.tickets.relays)."""
    if ticket.channel != Channel.BOT or not ticket.resident_id:
        return 0
    rt = await resident_t(session, ticket, site)
    await notices.queue(
        session,
        ticket.resident_id,
        signed(rt, site, text),
        buttons,
        ("ticket", require_id(ticket)),
        site_id=site.id,
        purpose=relays.PURPOSE,
        photo=photo,
        document=document,
        update_id=update_id,
    )
    return 1


async def ping_chain(
    session: AsyncSession, site: Site, ticket: Ticket, reason: Escalation, now: datetime
) -> tuple[int, str]:
    """Ping the supervisors and managers (VIP 000 L37; major or repeated complaint 000 L88; a missed
    deadline); returns how many were told and the group's line naming whom it reached, for the
    caller to put in the action's one group message (docs/usage.md "Message economy")."""
    t = site_t(site)
    minutes = f"{Policy.for_site(site.policy).ticket_onsite_minutes:g}"  # quoted by "onsite_late"
    head = t(f"tk.esc.{reason}", number=ticket.number, site=site.name, minutes=minutes)
    text = "\n".join([head, card(t, ticket, site)])
    link = ("ticket", require_id(ticket))
    at_once = reason in AT_ONCE or ticket.urgency == Urgency.VIP
    purpose: Purpose = "escalation" if at_once else "follow_up"
    people = await notices.recipients(session, site, CHAIN, purpose=purpose)
    told = await notices.tell(
        session, site, [p.telegram_id for p in people], text, purpose=purpose, urgent=True, link=link
    )
    ticket.escalated_at = ticket.escalated_at or now
    session.add(ticket)
    key = "tk.esc.group" if told else "tk.esc.nobody"
    return told, t(key, number=ticket.number, who=notices.told(t, people))  # the roles reached, named as they are


async def escalate(session: AsyncSession, site: Site, ticket: Ticket, reason: Escalation, now: datetime) -> int:
    """Ping the supervisors and managers; the group hears who was pinged (a timer's one message)."""
    told, said = await ping_chain(session, site, ticket, reason, now)
    return told + await to_group(session, site, ticket, said, urgent=True)


async def open_ticket(session: AsyncSession, site: Site, ticket: Ticket, now: datetime, *, severity: str) -> int:
    """A new ticket at a site: its number, deadline and timers, the card, and escalation of a major
    or repeated complaint (000 L88)."""
    ticket.site_id = site.id
    if ticket.number is None:
        ticket.number = await sites.next_number(session, site_id=require_id(site), register=Register.TICKET)
    session.add(ticket)
    await session.flush()
    await arm_deadline(session, site, ticket, now)
    reason: Escalation | None = None
    if ticket.kind == TicketKind.COMPLAINT:
        policy = Policy.for_site(site.policy)
        since = now - timedelta(days=policy.repeat_complaint_days)
        earlier = None
        if ticket.resident_id:
            earlier = await repo.earlier_complaint(
                session,
                resident_id=ticket.resident_id,
                category=ticket.category,
                since=since,
                before_id=require_id(ticket),
            )
        if severity == Severity.MAJOR:
            reason = "major"
        elif earlier is not None:
            reason = "repeat"
    if reason is None:
        return await post_card(session, site, ticket)
    # one group message: the card, headed by whom the escalation reached
    told, said = await ping_chain(session, site, ticket, reason, now)
    return told + await post_card(session, site, ticket, header=said)


async def cancel_timers(session: AsyncSession, ticket: Ticket) -> None:
    for kind in (SLA, FOLLOW, PROGRESS):
        await timers.cancel_for(session, kind=kind, ref_id=require_id(ticket))


async def resolve(session: AsyncSession, site: Site, ticket: Ticket, by_id: int, by_name: str, now: datetime) -> int:
    """已处理: the resident is told and asked to rate (回访); the callback is due at once for an
    emergency repair, within 3 days otherwise (003 L63); no rating in time → a phone task."""
    policy = Policy.for_site(site.policy)
    ticket.status, ticket.resolved_by, ticket.resolved_name, ticket.resolved_at = (
        TicketStatus.RESOLVED,
        by_id,
        by_name,
        now,
    )
    session.add(ticket)
    await cancel_timers(session, ticket)
    if urgent_repair(ticket):
        due = now + timedelta(minutes=policy.callback_urgent_minutes)
        ask_until = due
    else:
        due = now + timedelta(days=policy.callback_due_days)
        ask_until = min(due, now + timedelta(hours=policy.callback_answer_hours))
    if ticket.channel != Channel.BOT:  # came by phone, visit or letter: the callback is a phone task at once
        ask_until = now
    callback = await repo.add_callback(
        session, Callback(ticket_id=require_id(ticket), site_id=require_id(site), due_at=due, state=CallbackState.ASKED)
    )
    await timers.arm(session, kind=CALLBACK, ref_id=require_id(callback), site_id=require_id(site), due_at=ask_until)
    rt = await resident_t(session, ticket, site)
    late = ticket.deadline_at is not None and now > ticket.deadline_at
    # The apology only when the resident was kept waiting past the promised deadline (001 L901).
    text = rt(
        "tk.res.resolved_late" if late else "tk.res.resolved", number=ticket.number, kind=rt(f"kind.{ticket.kind}")
    )
    return await to_resident(session, site, ticket, text, rating_buttons(rt, callback))


async def reopen(
    session: AsyncSession, site: Site, ticket: Ticket, now: datetime, *, why: ReopenReason, lead: Sequence[str] = ()
) -> int:
    """Back to work: a new deadline, the old card edited to show it, and one new card headed by
    ``lead`` (e.g. the callback's line), why it was reopened and, for 不满意 or a VIP's 基本满意,
    whom the escalation reached — one new group message (docs/usage.md "Message economy")."""
    ticket.status, ticket.reopened, ticket.satisfaction = TicketStatus.REOPENED, ticket.reopened + 1, None
    ticket.resolved_by = ticket.resolved_name = ticket.resolved_at = None
    session.add(ticket)
    await arm_deadline(session, site, ticket, now)
    t = site_t(site)
    sent = await refresh_card(session, site, ticket)  # the old card shows it reopened
    header = [*lead, t(f"tk.reopened.{why}", number=ticket.number)]
    if why != ReopenReason.STAFF:
        # 基本满意 of a VIP is reported as what it is, short of satisfied (000 L37)
        reason: Escalation = "unsatisfied" if why == ReopenReason.UNSATISFIED else "vip_basic"
        told, said = await ping_chain(session, site, ticket, reason, now)
        sent += told
        header.append(said)
    return sent + await post_card(session, site, ticket, header="\n".join(header))


def preview(t: Translator, ticket: Ticket, text: str) -> str:
    return t(
        "tk.grp.resident_says", number=ticket.number, unit=ticket.unit or "-", text=text
    )  # whole: the outbox splits a long one, never cuts it


def describe(t: Translator, ticket: Ticket, site: Site) -> str:
    """One line naming the ticket for reminders and pings."""
    return t(
        "tk.short",
        number=ticket.number,
        kind=t(f"kind.{ticket.kind}"),
        category=category(t, ticket.category),
        unit=ticket.unit or ticket.location or "-",
        deadline=hhmm(ticket.deadline_at, site),
    )
