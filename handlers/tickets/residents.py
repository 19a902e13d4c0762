"""The residents' side, in private: a message opens a ticket or joins the open one, photos join it,
the site and unit are asked once when there are several sites, /my and /unit, the 新问题 button,
and a per-minute limit that holds messages back (relayed later in one batch), never drops them.
Past the first few photos of the minute, a photo waits for that minute's batch, so a resident sending
60 photos costs the duty group a few photos and one summary line, not 60 messages.

Standard service language (source 003 L149: 您好, 请稍等, 对不起让您久等了…). Logs never carry a
resident's words."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import handlers.tickets.flow as flow
from handlers.core.commands import AnyButton, ButtonAction, Command
from handlers.core.context import Context
from handlers.core.feature import Feature
from handlers.core.messages import Button, Outcome, Reply
from handlers.core.numbers import ref
from handlers.core.parsing import visible
from handlers.core.policy import Policy
from handlers.core.render import category
from handlers.core.taxonomy import RESIDENT_TICKET_INTENTS
from handlers.tickets.buttons import NewIssue, PickSite
from handlers.tickets.render import hhmm, resident_line
from storage.codes import ANYONE, Register, Severity
from storage.models import Resident, Site, Ticket, TicketMessage, require_id
from storage.models.tickets import Awaiting, Direction, Urgency
from storage.repos import sites, timers
from storage.repos import tickets as repo

GREETING_MAX = 12  # a short 'other' message (你好, hello) is a greeting, not a ticket
UNIT_MAX = 30  # an answer to "which unit?" is short
WINDOW = timedelta(minutes=1)
PHOTOS_AT_ONCE = 3  # a resident's photos a minute that reach the group as photos; the rest are batched
ACK_FOLD = timedelta(minutes=5)  # a resident's follow-ups within this of an acknowledged one are not acknowledged again


# The words and marks of a unit's address (12栋1201, 9座12樓, A座1201室, Flat 12A Block 3, 12-1201):
# what remains once they are taken out is letters and digits only, never a sentence.
_UNIT_WORDS = re.compile(
    r"栋|棟|座|幢|楼|樓|室|号|號|单元|單元|期|区|區|层|層|flat|room|rm|unit|block|blk|tower|[\s,，#/.\-－]", re.I
)


def looks_like_unit(text: str) -> bool:
    """Whether an answer to "which unit?" is one, not the next message about the matter ("补充说明第6条",
    "3楼又漏水了"): short, with a digit, nothing but a unit's words, letters and digits."""
    rest = _UNIT_WORDS.sub("", text)
    return len(text) <= UNIT_MAX and any(c.isdigit() for c in rest) and rest.isascii() and rest.isalnum()


async def duty_sites(ctx: Context) -> list[Site]:
    return [s for s in await sites.all_sites(ctx.session) if s.duty_chat_id is not None]


async def home_site(ctx: Context, resident: Resident) -> Site | None:
    """The resident's chosen site; with one site, that one (nothing is asked)."""
    if resident.site_id is not None:
        return await sites.get(ctx.session, site_id=resident.site_id)
    every = await duty_sites(ctx)
    return every[0] if len(every) == 1 else None


def site_picker(ctx: Context, choices: list[Site]) -> Reply:
    buttons = [[Button(s.name, PickSite(site=require_id(s)).pack())] for s in choices]
    return Reply(ctx.t("tk.res.pick_site"), buttons)


async def over_limit(ctx: Context, resident: Resident) -> bool:
    """Count this message in the resident's one-minute window; True past the policy number (of the
    resident's site, else the default)."""
    if resident.window_start is None or ctx.now - resident.window_start >= WINDOW:
        resident.window_start, resident.window_count, resident.noticed = ctx.now, 0, False
    resident.window_count += 1
    site = await home_site(ctx, resident)
    return resident.window_count > Policy.for_site(site.policy if site else None).resident_messages_per_minute


async def receive(ctx: Context) -> Outcome:
    """A resident's private message (text or photo)."""
    resident = await repo.resident(ctx.session, telegram_id=ctx.msg.user.id)
    limited = await over_limit(ctx, resident)
    await repo.touch(ctx.session, resident)
    return await understood(ctx, resident, limited)


async def understood(ctx: Context, resident: Resident, limited: bool) -> Outcome:
    """The message, counted: the answer the bot waits for, a further message of the open ticket,
    or a new ticket."""
    t = ctx.t
    text, photo = ctx.msg.text.strip(), ctx.msg.photo_file_id
    if resident.awaiting == Awaiting.UNIT:
        if text and not photo and looks_like_unit(text):
            return await set_unit(ctx, resident, text)
        resident.awaiting = None  # asked once; this message is about something else
    answer = ctx.features.pending_answer(resident.awaiting) if resident.awaiting and text and not photo else None
    if answer is not None:  # e.g. the comment after a rating (declared by the callbacks)
        answered = await answer(ctx, resident, text)
        return answered if answered is not None else await understood(ctx, resident, limited=False)
    open_ticket = (
        None
        if resident.awaiting == Awaiting.NEW
        else await repo.open_of_resident(ctx.session, resident_id=resident.telegram_id)
    )
    if open_ticket is not None:
        return await add_to_ticket(ctx, open_ticket, resident, limited=limited)
    if not visible(text):  # only zero-width spaces is nothing typed
        return Outcome.say(t("resident.text_please"))
    return await new_ticket(ctx, resident, text, photo)


def message_text(ctx: Context) -> str:
    """What a ticket keeps as the message's text: the text or caption, and a file's name (📎), so a
    file counts and is relayed like text (the file itself is not kept: no column for it yet)."""
    text = ctx.msg.text.strip()
    if ctx.msg.document_file_id:
        text = f"📎 {ctx.msg.document_name or '-'} {text}".strip()
    return text


async def photos_this_minute(ctx: Context, ticket: Ticket, resident: Resident) -> int:
    since = resident.window_start or ctx.now
    return await repo.photos_since(
        ctx.session, ticket_id=require_id(ticket), author_id=resident.telegram_id, since=since
    )


async def add_to_ticket(ctx: Context, ticket: Ticket, resident: Resident, *, limited: bool) -> Outcome:
    """A further message joins the open ticket and goes to the group threaded to it; past the limit,
    behind messages already held, or a photo past the minute's first few, it is held and relayed in
    one batch when the minute ends."""
    t = ctx.t
    site = await sites.get(ctx.session, site_id=ticket.site_id) if ticket.site_id else None
    already_held = bool(await repo.held(ctx.session, ticket_id=require_id(ticket)))
    batched = bool(ctx.msg.photo_file_id) and await photos_this_minute(ctx, ticket, resident) >= PHOTOS_AT_ONCE
    hold = site is not None and (limited or already_held or batched)
    text = message_text(ctx)
    await repo.add_message(
        ctx.session,
        TicketMessage(
            ticket_id=require_id(ticket),
            direction=Direction.IN,
            author_id=ctx.msg.user.id,
            author_name=ctx.msg.user.name,
            text=text,
            photo_file_id=ctx.msg.photo_file_id,
            held=hold,
            created_at=ctx.now,
        ),
    )
    resident.awaiting = None if resident.awaiting == Awaiting.NEW else resident.awaiting
    starts_batch = hold and not already_held
    if hold and site is not None:
        if limited or starts_batch:  # behind held ones only: the batch already waits (the planner re-arms a lost one)
            due = (resident.window_start or ctx.now) + WINDOW
            await timers.arm(
                ctx.session, kind=flow.RELAY, ref_id=require_id(ticket), site_id=require_id(site), due_at=due
            )
        if limited and not resident.noticed:
            resident.noticed = True
            return Outcome.say(t("tk.res.slow_down"))
        if limited or not starts_batch:  # a photo starting a batch is answered; the rest, once per batch
            return Outcome()
    elif site is not None:
        st = flow.site_t(site)
        preview = flow.preview(st, ticket, text or (st("tk.photo") if ctx.msg.photo_file_id else ""))
        ctx.notified += await flow.to_group(ctx.session, site, ticket, preview, photo=ctx.msg.photo_file_id, bulk=True)
    choices = await duty_sites(ctx) if site is None else []
    if len(choices) <= 1 and await acknowledged_lately(ctx, ticket):
        return Outcome()  # folded: told "已补充到您的 TN" a moment ago (docs/usage.md "Message economy")
    new_button = [[Button(t("tk.btn.new_issue"), NewIssue(ticket=require_id(ticket)).pack())]]
    key = "tk.res.photo_added" if ctx.msg.photo_file_id else "tk.res.added"
    number = ref(Register.TICKET, ticket.number) if ticket.number else t("tk.res.matter")
    replies = [Reply(t(key, number=number), new_button)]
    if len(choices) > 1:  # still no site picked: ask again, nothing reaches a group until then
        replies.append(site_picker(ctx, choices))
    return Outcome(replies=replies)


async def acknowledged_lately(ctx: Context, ticket: Ticket) -> bool:
    """Whether the resident's previous follow-ups on the ticket got "已补充到您的 #N" within
    ``ACK_FOLD``: the first of a run is acknowledged, then the first after each ``ACK_FOLD``."""
    since = ctx.now - 2 * ACK_FOLD  # an acknowledgement before this cannot fold this one
    earlier = [
        m.created_at
        for m in await repo.history(ctx.session, ticket_id=require_id(ticket))
        if m.direction == Direction.IN and m.author_id == ctx.msg.user.id and since <= m.created_at
    ][:-1]  # the last is this message
    acknowledged: datetime | None = None
    for at in earlier:
        if acknowledged is None or at - acknowledged >= ACK_FOLD:
            acknowledged = at
    return acknowledged is not None and ctx.now - acknowledged < ACK_FOLD


async def new_ticket(ctx: Context, resident: Resident, text: str, photo: str | None) -> Outcome:
    t = ctx.t
    reading = await ctx.classify(text, speaker="resident", private=True)
    if reading.intent not in RESIDENT_TICKET_INTENTS and len(text) <= GREETING_MAX and not photo:
        return Outcome.say(t("resident.greeting", name=ctx.msg.user.name))
    resident.awaiting = None
    site = await home_site(ctx, resident)
    user = ctx.msg.user
    ticket = await repo.add(
        ctx.session,
        flow.from_reading(reading, text, ctx.now, resident_id=user.id, resident_name=user.name, unit=resident.unit),
    )
    if photo:
        await repo.add_message(
            ctx.session,
            TicketMessage(
                ticket_id=require_id(ticket),
                direction=Direction.IN,
                author_id=ctx.msg.user.id,
                photo_file_id=photo,
                created_at=ctx.now,
            ),
        )
    received = t("resident.received", kind=t(f"kind.{ticket.kind}"), category=category(t, ticket.category), number="")
    if site is None:
        choices = await duty_sites(ctx)
        if len(choices) > 1:
            return Outcome(replies=[Reply(received), site_picker(ctx, choices)])
        return Outcome.say(received + "\n" + t("resident.normal"))  # no site yet: kept until one exists
    ctx.notified += await flow.open_ticket(ctx.session, site, ticket, ctx.now, severity=reading.severity)
    if photo:
        st = flow.site_t(site)
        ctx.notified += await flow.to_group(
            ctx.session, site, ticket, flow.preview(st, ticket, st("tk.photo")), photo=photo, bulk=True
        )
    answer = acknowledgement(ctx, site, ticket)
    if resident.site_id is None:  # the only site, taken as the resident's: their unit is asked once, as after a pick
        resident.site_id = site.id
        if not resident.unit:
            resident.awaiting = Awaiting.UNIT
            answer += "\n" + t("tk.res.ask_unit", unit="-")
    return Outcome.say(answer)


def acknowledgement(ctx: Context, site: Site, ticket: Ticket) -> str:
    """您好, 已收到 TN; how it is handled and the promised deadline (001 L901)."""
    t = ctx.t
    lines = [
        t(
            "resident.received",
            kind=t(f"kind.{ticket.kind}"),
            category=category(t, ticket.category),
            number=ref(Register.TICKET, ticket.number),
        ),
        t("resident.urgent" if ticket.urgency != Urgency.NORMAL else "resident.normal"),
        # a repair: on site within the site's minutes (001 L1113), the deadline that matters first
        t("tk.res.on_site_by" if flow.awaits_on_site(ticket) else "tk.res.deadline", at=hhmm(ticket.deadline_at, site)),
    ]
    return "\n".join(lines)


async def set_unit(ctx: Context, resident: Resident, unit: str) -> Outcome:
    """Remember the unit (e.g. 12栋1201) and put it on the resident's open tickets without one."""
    resident.unit, resident.awaiting = unit[:60], None
    await repo.touch(ctx.session, resident)
    open_ticket = await repo.open_of_resident(ctx.session, resident_id=resident.telegram_id)
    if open_ticket is not None and not open_ticket.unit:
        open_ticket.unit = resident.unit
        ctx.session.add(open_ticket)
    return Outcome.say(ctx.t("tk.res.unit_set", unit=resident.unit))


async def unit_command(ctx: Context, args: str) -> Outcome:
    """/unit 12栋1201 sets the unit; /unit alone asks for the site (several sites) and the unit."""
    resident = await repo.resident(ctx.session, telegram_id=ctx.msg.user.id)
    if args.strip():
        return await set_unit(ctx, resident, args.strip())
    resident.awaiting = Awaiting.UNIT
    await repo.touch(ctx.session, resident)
    replies = [Reply(ctx.t("tk.res.ask_unit", unit=resident.unit or "-"))]
    choices = await duty_sites(ctx)
    if len(choices) > 1:
        replies.insert(0, site_picker(ctx, choices))
    return Outcome(replies=replies)


async def site_button(ctx: Context, data: PickSite) -> Outcome:
    """The resident picked a site: their waiting tickets get a number and reach its duty group."""
    site = await sites.get(ctx.session, site_id=data.site)
    if site is None or site.duty_chat_id is None or not ctx.msg.chat.private:
        return Outcome(toast=ctx.t("button.stale"))
    resident = await repo.resident(ctx.session, telegram_id=ctx.msg.user.id)
    resident.site_id = site.id
    lines = [ctx.t("tk.res.site_set", site=site.name)]
    for ticket in await repo.siteless_of_resident(ctx.session, resident_id=resident.telegram_id):
        ticket.unit = ticket.unit or resident.unit
        ctx.notified += await flow.open_ticket(ctx.session, site, ticket, ctx.now, severity=Severity.NORMAL)
        lines.append(acknowledgement(ctx, site, ticket))
        await hold_for_batch(ctx, site, ticket)
    if not resident.unit:
        resident.awaiting = Awaiting.UNIT
        lines.append(ctx.t("tk.res.ask_unit", unit="-"))
    await repo.touch(ctx.session, resident)
    return Outcome(replies=[Reply("\n".join(lines), edit=True)])


async def hold_for_batch(ctx: Context, site: Site, ticket: Ticket) -> None:
    """What the resident added before the site was known goes to the group in the next batch."""
    waiting = [m for m in await repo.history(ctx.session, ticket_id=require_id(ticket)) if m.direction == Direction.IN]
    for message in waiting:
        message.held = True
        ctx.session.add(message)
    if waiting:
        await timers.arm(
            ctx.session, kind=flow.RELAY, ref_id=require_id(ticket), site_id=require_id(site), due_at=ctx.now
        )


async def new_issue_button(ctx: Context, data: NewIssue) -> Outcome:
    """新问题: the resident's next message opens a new ticket instead of joining the open one."""
    if not ctx.msg.chat.private:
        return Outcome(toast=ctx.t("button.stale"))
    resident = await repo.resident(ctx.session, telegram_id=ctx.msg.user.id)
    resident.awaiting = Awaiting.NEW
    await repo.touch(ctx.session, resident)
    return Outcome(toast=ctx.t("tk.res.new_issue"), replies=[Reply(ctx.t("tk.res.new_issue"))])


async def my_command(ctx: Context, args: str) -> Outcome:
    """The resident's own tickets with their status; nobody else's."""
    mine = await repo.of_resident(ctx.session, resident_id=ctx.msg.user.id)
    if not mine:
        return Outcome.say(ctx.t("tk.my.none"))
    return Outcome.say("\n".join([ctx.t("tk.my.header"), *(resident_line(ctx.t, x) for x in mine)]))


COMMANDS = [
    Command("my", my_command, min_role=ANYONE, where="private", needs_site=False),
    Command("unit", unit_command, min_role=ANYONE, where="private", needs_site=False),
]
BUTTONS: list[AnyButton] = [ButtonAction(PickSite, site_button), ButtonAction(NewIssue, new_issue_button)]
PART = Feature("residents", commands=COMMANDS, buttons=BUTTONS, on_private_text=receive)
