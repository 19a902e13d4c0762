"""The staff side of residents' tickets, in the duty group: the card's buttons 受理 / 派工 / 已到场 /
已处理 and replies relayed to the resident signed as the service centre (the commands are in
``handlers.tickets.commands``).

Steps follow 000 L86-97 (受理, 重大投诉报主管, 通知责任部门, 处理, 回访) and 001 L895-911."""

from __future__ import annotations

import handlers.tickets.commands as commands
import handlers.tickets.flow as flow
import handlers.tickets.residents as residents
import handlers.tickets.timers as flow_timers
from handlers.core import notices
from handlers.core.commands import AnyButton, ButtonAction, Command
from handlers.core.context import ROLES, Context
from handlers.core.feature import ExportKind, Feature
from handlers.core.messages import Button, Outcome, Reply
from handlers.core.people import label, labels
from handlers.core.render import with_cancel
from handlers.tickets.buttons import (
    Accept,
    BackToTicket,
    Department,
    Dispatch,
    DispatchTo,
    OnSite,
    Photos,
    Reopen,
    Resolve,
)
from handlers.tickets.exports import CALLBACK_FIELDS, TICKET_FIELDS, callback_rows, ticket_rows
from handlers.tickets.render import card, card_buttons
from storage.codes import Role
from storage.models import Site, Ticket, TicketMessage, require_id
from storage.models.tickets import OPEN, UNACCEPTED, Awaiting, Channel, Direction, TicketKind, TicketStatus
from storage.repos import sites, timers
from storage.repos import tickets as repo

INTERNAL = ("!", "！")  # a reply starting so is an internal note, not relayed


async def staff_ticket(ctx: Context, ticket_id: int) -> tuple[Ticket | None, Site | None, Outcome | None]:
    """The ticket a button names, when the presser is staff at its site; else the answer to give."""
    ticket = await repo.get(ctx.session, ticket_id=ticket_id)
    if ticket is None or ticket.site_id is None:
        return None, None, Outcome(toast=ctx.t("button.stale"))
    if not ctx.may(ticket.site_id, Role.STAFF):
        return None, None, ctx.answer(ctx.t("denied.role", role=ctx.t(f"role.{Role.STAFF}")), alert=True)
    return ticket, await sites.get(ctx.session, site_id=ticket.site_id), None


async def shown(ctx: Context, ticket: Ticket, site: Site, toast: str) -> Outcome:
    """The pressed card edited to the ticket's new state, with a toast; pressed outside the duty
    group (the dispatched person's private copy), the group's card is edited too."""
    if ctx.msg.chat.id != site.duty_chat_id:
        ctx.notified += await flow.refresh_card(ctx.session, site, ticket)
    return Outcome(replies=[Reply(card(ctx.t, ticket, site), card_buttons(ctx.t, ticket), edit=True)], toast=toast)


async def accept(ctx: Context, ticket: Ticket, site: Site) -> None:
    """受理: who took it; the resident hears the promised deadline (001 L901)."""
    ticket.status = TicketStatus.ACCEPTED
    ticket.accepted_by, ticket.accepted_name, ticket.accepted_at = ctx.msg.user.id, ctx.msg.user.name, ctx.now
    ctx.session.add(ticket)
    rt = await flow.resident_t(ctx.session, ticket, site)
    deadline = flow.hhmm(ticket.deadline_at, site)
    key = "tk.res.accepted_repair" if flow.awaits_on_site(ticket) else "tk.res.accepted"  # 001 L1113
    ctx.notified += await flow.to_resident(ctx.session, site, ticket, rt(key, number=ticket.number, at=deadline))


async def accept_button(ctx: Context, data: Accept) -> Outcome:
    ticket, site, problem = await staff_ticket(ctx, data.ticket)
    if problem or ticket is None or site is None:
        return problem or Outcome()
    if ticket.status not in UNACCEPTED:
        return await shown(ctx, ticket, site, ctx.t("tk.already", status=ctx.t(f"tk.status.{ticket.status}")))
    await accept(ctx, ticket, site)
    return await shown(ctx, ticket, site, ctx.t("tk.done.accepted", number=ticket.number))


async def dispatch_button(ctx: Context, data: Dispatch) -> Outcome:
    """派工: the card asks whom, listing the site's staff and the departments."""
    ticket, site, problem = await staff_ticket(ctx, data.ticket)
    if problem or ticket is None or site is None:
        return problem or Outcome()
    if ticket.status not in OPEN:
        return await shown(ctx, ticket, site, ctx.t("tk.closed", number=ticket.number))
    people = await sites.members(ctx.session, site_id=require_id(site), roles=ROLES)
    named = await labels(ctx.session, ctx.t, [member.telegram_id for member in people[:12]])
    buttons = [Button(name, DispatchTo.member(data.ticket, telegram_id).pack()) for telegram_id, name in named.items()]
    buttons += [Button(ctx.t(f"tk.dept.{d}"), DispatchTo.department(data.ticket, d).pack()) for d in Department]
    keyboard = with_cancel(
        ctx.t, [buttons[i : i + 3] for i in range(0, len(buttons), 3)], BackToTicket(data.ticket).pack()
    )
    return Outcome(replies=[Reply(card(ctx.t, ticket, site) + "\n" + ctx.t("tk.pick_whom"), keyboard, edit=True)])


async def back_button(ctx: Context, data: BackToTicket) -> Outcome:
    """取消 on the 派工 picker: the card back as it was, nothing changed."""
    ticket, site, problem = await staff_ticket(ctx, data.ticket)
    if problem or ticket is None or site is None:
        return problem or Outcome()
    return await shown(ctx, ticket, site, ctx.t("pickers.cancelled"))


async def dispatch_to_button(ctx: Context, data: DispatchTo) -> Outcome:
    ticket, site, problem = await staff_ticket(ctx, data.ticket)
    if problem or ticket is None or site is None:
        return problem or Outcome()
    whom = data.whom
    name, person_id = None, None
    if isinstance(whom, Department):
        name = flow.site_t(site)(f"tk.dept.{whom}")
    elif whom is not None:
        person_id = whom
        roles = await sites.roles_of(ctx.session, telegram_id=person_id)
        person = await sites.person(ctx.session, telegram_id=person_id)
        name = label(flow.site_t(site), person_id, person) if site.id in roles else None
    if name is None:
        return Outcome(toast=ctx.t("button.stale"))
    if ticket.status not in OPEN:
        return await shown(ctx, ticket, site, ctx.t("tk.closed", number=ticket.number))
    if ticket.status == TicketStatus.DISPATCHED and (ticket.dispatched_to, ticket.dispatched_to_id) == (
        name,
        person_id,
    ):
        # the same person (or department) again: nobody is told twice, the resident least of all
        return await shown(ctx, ticket, site, ctx.t("tk.done.already_dispatched", number=ticket.number, to=name))
    if ticket.accepted_by is None:
        await accept(ctx, ticket, site)
    ticket.status, ticket.dispatched_to, ticket.dispatched_to_id, ticket.dispatched_at = (
        TicketStatus.DISPATCHED,
        name,
        person_id,
        ctx.now,
    )
    ctx.session.add(ticket)
    if person_id is not None and person_id != ctx.msg.user.id:
        st = flow.site_t(site)
        # the message promises only the buttons its card has: 已到场 while a repair awaits someone on site
        key = "tk.dispatched_you" if flow.awaits_on_site(ticket) else "tk.dispatched_you_other"
        text = st(key, number=ticket.number) + "\n" + card(st, ticket, site)
        await ctx.notify(
            person_id,
            text,
            card_buttons(st, ticket),
            ("ticket", require_id(ticket)),
            site_id=site.id,
            purpose="dispatch",
        )
    rt = await flow.resident_t(ctx.session, ticket, site)
    ctx.notified += await flow.to_resident(ctx.session, site, ticket, rt("tk.res.dispatched", number=ticket.number))
    return await shown(ctx, ticket, site, ctx.t("tk.done.dispatched", number=ticket.number, to=name))


async def on_site_button(ctx: Context, data: OnSite) -> Outcome:
    """已到场: the repairer is on site (every repair within the on-site minutes, 001 L1113, L1123); the
    deadline becomes the promised hours from now."""
    ticket, site, problem = await staff_ticket(ctx, data.ticket)
    if problem or ticket is None or site is None:
        return problem or Outcome()
    if ticket.on_site_at is not None or ticket.status not in OPEN:
        return await shown(ctx, ticket, site, ctx.t("tk.already", status=ctx.t(f"tk.status.{ticket.status}")))
    ticket.on_site_at = ctx.now
    ctx.session.add(ticket)
    if ticket.kind == TicketKind.REPAIR:
        ticket.deadline_at = flow.deadline(ctx.policy(site), ticket, ctx.now)
        await timers.arm(
            ctx.session, kind=flow.SLA, ref_id=require_id(ticket), site_id=require_id(site), due_at=ticket.deadline_at
        )
    if site.duty_chat_id is not None and ctx.msg.chat.id != site.duty_chat_id:
        st = flow.site_t(site)
        await ctx.notify(
            site.duty_chat_id,
            st("tk.on_site_group", number=ticket.number, name=ctx.msg.user.name),
            link=("ticket", require_id(ticket)),
        )
    return await shown(ctx, ticket, site, ctx.t("tk.done.on_site", number=ticket.number))


async def resolve_button(ctx: Context, data: Resolve) -> Outcome:
    ticket, site, problem = await staff_ticket(ctx, data.ticket)
    if problem or ticket is None or site is None:
        return problem or Outcome()
    if ticket.status not in OPEN:
        return await shown(ctx, ticket, site, ctx.t("tk.already", status=ctx.t(f"tk.status.{ticket.status}")))
    if ticket.accepted_by is None:
        ticket.accepted_by, ticket.accepted_name, ticket.accepted_at = ctx.msg.user.id, ctx.msg.user.name, ctx.now
    ctx.notified += await flow.resolve(ctx.session, site, ticket, ctx.msg.user.id, ctx.msg.user.name, ctx.now)
    return await shown(ctx, ticket, site, ctx.t("tk.done.resolved", number=ticket.number))


async def photos_button(ctx: Context, data: Photos) -> Outcome:
    """看照片 on a batch summary: every photo the resident sent on the ticket, to the presser in
    private (one a second there) rather than to the duty group, whose 20 a minute staff need."""
    ticket, site, problem = await staff_ticket(ctx, data.ticket)
    if problem or ticket is None or site is None:
        return problem or Outcome()
    history = await repo.history(ctx.session, ticket_id=require_id(ticket))
    photos = [m.photo_file_id for m in history if m.direction == Direction.IN and m.photo_file_id]
    if not photos:
        return Outcome(toast=ctx.t("tk.pics.none", number=ticket.number))
    for index, photo in enumerate(photos, 1):
        caption = ctx.t("tk.pics.caption", number=ticket.number, index=index, count=len(photos))
        await notices.queue(
            ctx.session, ctx.msg.user.id, caption, site_id=site.id, purpose="photos", photo=photo, bulk=True
        )
    ctx.notified += len(photos)
    return Outcome(toast=ctx.t("tk.pics.sent", number=ticket.number, count=len(photos)))


async def reopen_button(ctx: Context, data: Reopen) -> Outcome:
    ticket, site, problem = await staff_ticket(ctx, data.ticket)
    if problem or ticket is None or site is None:
        return problem or Outcome()
    if ticket.status in OPEN:
        return await shown(ctx, ticket, site, ctx.t("tk.already", status=ctx.t(f"tk.status.{ticket.status}")))
    pending = await repo.pending_callback(ctx.session, ticket_id=require_id(ticket))
    if pending is not None:
        from handlers.tickets.callbacks import drop_callback

        await drop_callback(ctx.session, pending)
    ctx.notified += await flow.reopen(ctx.session, site, ticket, ctx.now, why=flow.ReopenReason.STAFF)
    return Outcome(replies=[Reply(ctx.t("tk.reopened.staff", number=ticket.number), edit=True)])


async def on_progress_reply(ctx: Context, ticket_id: int) -> Outcome | None:
    """A reply to a follow-up reminder: the progress line the resident is told every 2 days (001 L905)."""
    return await on_reply(ctx, ticket_id, progress=True)


async def on_reply(ctx: Context, ticket_id: int, *, progress: bool = False) -> Outcome | None:
    """A reply to a message linked to a ticket: from its resident (private) it joins the ticket;
    from staff in its site's duty group it reaches the resident, signed as the service centre
    (``progress``: as the ticket's progress, answering a follow-up reminder)."""
    ticket = await repo.get(ctx.session, ticket_id=ticket_id)
    if ticket is None:
        return None
    if ctx.msg.chat.private and ctx.msg.user.id == ticket.resident_id and not ctx.roles:
        resident = await repo.resident(ctx.session, telegram_id=ctx.msg.user.id)
        limited = await residents.over_limit(ctx, resident)
        await repo.touch(ctx.session, resident)
        if ticket.status not in OPEN or resident.awaiting in (Awaiting.UNIT, Awaiting.COMMENT):
            return await residents.understood(ctx, resident, limited)  # as if it replied to nothing
        return await residents.add_to_ticket(ctx, ticket, resident, limited=limited)
    if not ctx.may(ticket.site_id, Role.STAFF) or (ctx.site is not None and ctx.site.id != ticket.site_id):
        return None  # a stranger, or another site's group; staff may also reply from private
    if not ctx.msg.text.strip() and not ctx.msg.photo_file_id and not ctx.msg.document_file_id:
        return None
    return await relay_to_resident(ctx, ticket, progress=progress)


async def relay_to_resident(ctx: Context, ticket: Ticket, *, progress: bool = False) -> Outcome:
    t = ctx.t
    site = await sites.get(ctx.session, site_id=ticket.site_id or 0)
    assert site is not None
    if ticket.status not in OPEN:
        buttons = [[Button(t("tk.btn.reopen"), Reopen(ticket=require_id(ticket)).pack())]]
        return Outcome(replies=[Reply(t("tk.reply_closed", number=ticket.number), buttons, quote=True)])
    text = ctx.msg.text.strip()
    internal = text[:1] in INTERNAL
    if internal:  # "!…": a note for colleagues, kept in the history, not sent to the resident
        text = text[1:].strip()
    document = ctx.msg.document_file_id
    kept = text
    if document:  # the history names the file (a PDF quote); the resident gets the file itself
        kept = "\n".join(filter(None, [text, t("tk.file", name=ctx.msg.document_name or "-")]))
    await repo.add_message(
        ctx.session,
        TicketMessage(
            ticket_id=require_id(ticket),
            direction=Direction.OUT if ticket.channel == Channel.BOT and not internal else Direction.NOTE,
            author_id=ctx.msg.user.id,
            author_name=ctx.msg.user.name,
            text=kept,
            photo_file_id=ctx.msg.photo_file_id,
        ),
    )
    if internal:
        return Outcome.say(t("tk.noted", number=ticket.number), quote=True)
    if ticket.channel != Channel.BOT:
        return Outcome.say(t("tk.note_only", number=ticket.number), quote=True)
    if ticket.status in UNACCEPTED:  # the first answer accepts it
        await accept(ctx, ticket, site)
        ctx.notified += await flow.refresh_card(ctx.session, site, ticket)
    rt = await flow.resident_t(ctx.session, ticket, site)
    key = (
        "tk.res.relay_file"
        if document and not text
        else "tk.res.progress_line"
        if progress and text
        else "tk.res.relay"
    )
    relay = rt(key, number=ticket.number, text=text, kind=rt(f"kind.{ticket.kind}"))
    queued = await flow.to_resident(
        ctx.session,
        site,
        ticket,
        relay,
        photo=None if document else ctx.msg.photo_file_id,
        document=document,
        update_id=ctx.msg.update_id,
    )
    ctx.notified += queued
    # Told once the resident got it (handlers.tickets.relays): a refusal turns it into a notice saying why.
    return Outcome(replies=[Reply(t("tk.relayed", number=ticket.number), quote=True, held=queued > 0)])


COMMANDS = [
    Command("ticket", commands.ticket_command),
    Command("tickets", commands.tickets_command),
    Command("vip", commands.vip_command),
]
BUTTONS: list[AnyButton] = [
    ButtonAction(Accept, accept_button),
    ButtonAction(Dispatch, dispatch_button),
    ButtonAction(DispatchTo, dispatch_to_button),
    ButtonAction(BackToTicket, back_button),
    ButtonAction(OnSite, on_site_button),
    ButtonAction(Resolve, resolve_button),
    ButtonAction(Reopen, reopen_button),
    ButtonAction(Photos, photos_button),
]
PART = Feature(
    "tickets",
    commands=COMMANDS,
    buttons=BUTTONS,
    timers=flow_timers.TIMERS,
    planners=[flow_timers.plan_relays],
    handover=commands.handover,
    replies={"ticket": on_reply, flow.FOLLOW_LINK: on_progress_reply},
    exports={
        "tickets": ExportKind(TICKET_FIELDS, ticket_rows, ticket_rows),
        "callbacks": ExportKind(CALLBACK_FIELDS, callback_rows, callback_rows),
    },
)
