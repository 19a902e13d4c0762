"""Callbacks (回访): the resident's rating 满意 / 基本满意 / 不满意 with an optional comment, the
phone-callback task when they do not answer, ``/callback N`` for a callback made by phone or visit,
and the open callbacks in the handover report.

Rules: complaints called back within 3 days of resolution, emergency repairs at once (003 L63);
callback rate 100% (001 L907); the record keeps who, how and the satisfaction (001 L911).
不满意 reopens the ticket and the supervisors hear of it; so does a VIP's 基本满意, reported as 基本满意
(000 L37: pursued until satisfied)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

import handlers.tickets.flow as flow
from handlers.core.commands import ButtonAction, Command
from handlers.core.context import Context, TimerContext
from handlers.core.feature import Feature
from handlers.core.i18n import Translator
from handlers.core.messages import Outcome, Reply
from handlers.core.numbers import not_found, numbered
from handlers.core.policy import Policy
from handlers.core.render import clip
from handlers.tickets.buttons import Rate
from handlers.tickets.render import hhmm
from storage.codes import Register
from storage.models import Callback, Resident, Site, Ticket, require_id
from storage.models.tickets import (
    OPEN,
    WAITING,
    Awaiting,
    CallbackHow,
    CallbackState,
    Satisfaction,
    TicketStatus,
    Urgency,
)
from storage.repos import sites, timers
from storage.repos import tickets as repo

SATISFIED, BASIC, UNSATISFIED = Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.UNSATISFIED
RATING_WORDS = {
    "满意": SATISFIED, "滿意": SATISFIED, "satisfied": SATISFIED,
    "基本满意": BASIC, "基本滿意": BASIC, "basic": BASIC,
    "不满意": UNSATISFIED, "不滿意": UNSATISFIED, "unsatisfied": UNSATISFIED,
}  # fmt: skip
COMMENT_WINDOW = timedelta(hours=24)  # a message this long after the rating is not its comment
PHONE, VISIT = CallbackHow.PHONE, CallbackHow.VISIT
HOW_WORDS = {"电话": PHONE, "電話": PHONE, "phone": PHONE, "上门": VISIT, "上門": VISIT, "visit": VISIT}


def vip_short_of_satisfied(ticket: Ticket, rating: Satisfaction) -> bool:
    """基本满意 on a VIP ticket: not 不满意, but short of the satisfaction 000 L37 pursues."""
    return ticket.urgency == Urgency.VIP and rating == Satisfaction.BASIC


async def record(
    session: AsyncSession,
    site: Site,
    ticket: Ticket,
    callback: Callback,
    *,
    how: CallbackHow,
    by_id: int,
    by_name: str,
    rating: Satisfaction,
    note: str | None,
    now: datetime,
) -> tuple[int, str | None]:
    """The callback is made: satisfied closes the ticket (its card edited), 不满意 reopens it (one
    new card saying so). Returns the messages queued and, unless the new card said it already, the
    group's line of the callback for the caller's one group message (docs/usage.md "Message economy")."""
    callback.state, callback.done_at, callback.how = CallbackState.DONE, now, how
    callback.by_id, callback.by_name, callback.satisfaction, callback.note = by_id, by_name, rating, note
    session.add(callback)
    await timers.cancel_for(session, kind=flow.CALLBACK, ref_id=require_id(callback))
    t = flow.site_t(site)
    line = t("cb.group", number=ticket.number, rating=t(f"tk.rating.{rating}"), how=t(f"cb.how.{how}"), name=by_name)
    if rating == Satisfaction.UNSATISFIED:
        return await flow.reopen(session, site, ticket, now, why=flow.ReopenReason.UNSATISFIED, lead=[line]), None
    if vip_short_of_satisfied(ticket, rating):
        # 特急: pursued until the resident is satisfied (000 L37), so 基本满意 reopens it too, told as 基本满意
        return await flow.reopen(session, site, ticket, now, why=flow.ReopenReason.VIP_BASIC, lead=[line]), None
    ticket.status, ticket.satisfaction = TicketStatus.CLOSED, rating
    session.add(ticket)
    return await flow.refresh_card(session, site, ticket), line


async def rate_button(ctx: Context, data: Rate) -> Outcome:
    """The resident's rating; only the ticket's own resident, in private, may give it."""
    t = ctx.t
    rating = data.rating
    callback = await repo.get_callback(ctx.session, callback_id=data.callback)
    ticket = await repo.get(ctx.session, ticket_id=callback.ticket_id) if callback else None
    if callback is None or ticket is None:
        return Outcome(toast=t("button.stale"))
    if not ctx.msg.chat.private or ticket.resident_id != ctx.msg.user.id:
        return Outcome(toast=t("cb.not_yours"), alert=True)
    if callback.state not in WAITING:
        return Outcome(toast=t("cb.already"))
    site = await sites.get(ctx.session, site_id=callback.site_id)
    assert site is not None
    sent, line = await record(
        ctx.session, site, ticket, callback, how=CallbackHow.BOT, by_id=ctx.msg.user.id, by_name=ctx.msg.user.name,
        rating=rating, note=None, now=ctx.now,
    )  # fmt: skip
    ctx.notified += sent + (await flow.to_group(ctx.session, site, ticket, line) if line else 0)
    resident = await repo.resident(ctx.session, telegram_id=ctx.msg.user.id)
    resident.awaiting, resident.awaiting_ref = Awaiting.COMMENT, callback.id
    await repo.touch(ctx.session, resident)
    key = "cb.thanks_unsatisfied" if rating == Satisfaction.UNSATISFIED else "cb.thanks"
    if vip_short_of_satisfied(ticket, rating):
        key = "cb.thanks_vip_basic"  # reopened: the resident hears it is pursued until satisfied (000 L37)
    text = t(key, number=ticket.number, rating=t(f"tk.rating.{rating}"))
    return Outcome(replies=[Reply(text, edit=True)], toast=t(f"tk.rating.{rating}"))


async def record_comment(ctx: Context, resident: Resident, text: str) -> Outcome | None:
    """The optional comment after a rating: kept on the callback and shown to the group; None when
    the text is no comment (an ordinary message, handled as such by the residents' side)."""
    resident.awaiting, ref = None, resident.awaiting_ref
    resident.awaiting_ref = None
    await repo.touch(ctx.session, resident)
    callback = await repo.get_callback(ctx.session, callback_id=ref) if ref is not None else None
    ticket = await repo.get(ctx.session, ticket_id=callback.ticket_id) if callback else None
    stale = callback is not None and callback.done_at is not None and ctx.now - callback.done_at > COMMENT_WINDOW
    if callback is None or ticket is None or ticket.resident_id != ctx.msg.user.id or stale:
        return None
    callback.note = ((callback.note or "") + "\n" + text).strip()
    ctx.session.add(callback)
    site = await sites.get(ctx.session, site_id=callback.site_id)
    if site is not None:
        st = flow.site_t(site)
        ctx.notified += await flow.to_group(
            ctx.session, site, ticket, st("cb.comment", number=ticket.number, text=clip(text, 1000))
        )
    return Outcome.say(ctx.t("cb.comment_thanks"))


async def callback_command(ctx: Context, args: str) -> Outcome:
    """/callback N [电话|上门] 满意|基本满意|不满意 [note]: a callback made by phone or visit."""
    t = ctx.t
    number, rest, problem = await numbered(ctx, args, Register.TICKET, "cb.usage")
    if number is None:
        return problem or Outcome.say(t("cb.usage"))
    words = rest.split(maxsplit=1)
    how = HOW_WORDS.get(words[0].lower()) if words else None
    if how is not None:
        rest = words[1] if len(words) > 1 else ""
    words = rest.split(maxsplit=1)
    rating = RATING_WORDS.get(words[0].lower()) if words else None
    if rating is None:
        return Outcome.say(t("cb.usage"))
    note = words[1].strip() if len(words) > 1 else None
    assert ctx.site is not None
    site = await sites.get(ctx.session, site_id=require_id(ctx.site))
    ticket = await repo.by_number(ctx.session, site_id=require_id(ctx.site), number=number)
    if ticket is None or site is None:
        return await not_found(ctx, Register.TICKET, number, "tk.not_found")
    if ticket.status in OPEN:
        return Outcome.say(t("cb.not_resolved", number=number))
    callback = await repo.pending_callback(ctx.session, ticket_id=require_id(ticket))
    made = await _made_since_resolved(ctx.session, ticket) if callback is None else None
    if made is not None and made.satisfaction == rating:  # the same result again: told what is on record
        return Outcome.say(
            t(
                "cb.duplicate",
                number=number,
                rating=t(f"tk.rating.{rating}"),
                how=t(f"cb.how.{made.how or PHONE}"),
                name=made.by_name or "-",
                at=hhmm(made.done_at, site),
            )
        )
    if callback is None:
        callback = await repo.add_callback(
            ctx.session, Callback(ticket_id=require_id(ticket), site_id=require_id(site), due_at=ctx.now)
        )
    sent, line = await record(
        ctx.session, site, ticket, callback, how=how or PHONE, by_id=ctx.msg.user.id, by_name=ctx.msg.user.name,
        rating=rating, note=note, now=ctx.now,
    )  # fmt: skip
    ctx.notified += sent
    if ctx.msg.chat.id != site.duty_chat_id:
        ctx.notified += await flow.to_group(ctx.session, site, ticket, line) if line else 0
        return Outcome.say(t("cb.recorded", number=number, rating=t(f"tk.rating.{rating}")))
    if line is None:  # reopened: the new card in the group says it all
        return Outcome()
    # in the duty group the reply is the group's one message, linked so a reply to it reaches the resident
    return Outcome(replies=[Reply(line, link=("ticket", require_id(ticket)))])


async def _made_since_resolved(session: AsyncSession, ticket: Ticket) -> Callback | None:
    """The last callback made since the ticket was last resolved (one made before a reopening is not this
    resolution's), or None."""
    made = [c for c in await repo.callbacks_of(session, ticket_id=require_id(ticket)) if c.state == CallbackState.DONE]
    if not made or made[-1].done_at is None:
        return None
    last = made[-1]
    resolved = ticket.resolved_at
    if resolved is not None and last.done_at is not None and last.done_at < resolved:
        return None
    return last


async def drop_callback(session: AsyncSession, callback: Callback) -> None:
    """A ticket reopened by staff before the callback: this callback will not be made."""
    callback.state = CallbackState.VOID
    session.add(callback)
    await timers.cancel_for(session, kind=flow.CALLBACK, ref_id=require_id(callback))


async def on_callback_due(ctx: TimerContext) -> datetime | None:
    """No rating from the resident in time: the group gets a phone-callback task; still not made
    when it is due (3 days for a complaint, 003 L63), the supervisors hear of it (rate 100%, 001 L907)."""
    session, timer, now = ctx.session, ctx.timer, ctx.now
    callback = await repo.get_callback(session, callback_id=timer.ref_id)
    if callback is None or callback.state not in WAITING:
        return None
    ticket = await repo.get(session, ticket_id=callback.ticket_id)
    site = await sites.get(session, site_id=timer.site_id)
    if ticket is None or site is None:
        return None
    t = flow.site_t(site)
    if callback.state == CallbackState.TASK:
        await flow.escalate(session, site, ticket, "callback_late", now)
        return None
    callback.state = CallbackState.TASK
    session.add(callback)
    text = "\n".join(
        [t("cb.task", number=ticket.number, due=hhmm(callback.due_at, site)), flow.describe(t, ticket, site)]
    )
    await flow.to_group(session, site, ticket, text)
    if callback.due_at > now:
        return callback.due_at
    return now + timedelta(hours=Policy.for_site(site.policy).callback_answer_hours)


async def handover(session: AsyncSession, site: Site, now: datetime, t: Translator) -> list[str]:
    """The open callbacks of the site, due first; nothing when there are none."""
    rows = await repo.open_callbacks(session, site_id=require_id(site))
    if not rows:
        return []
    lines = [t("cb.handover.header", count=len(rows))]
    for callback, ticket in rows:
        late = "⏰" if callback.due_at <= now else "•"
        state = t(f"cb.state.{callback.state}")
        lines.append(
            t(
                "cb.handover.line" if ticket.unit else "cb.handover.line_no_unit",  # no "房号 -"
                mark=late,
                number=ticket.number,
                due=hhmm(callback.due_at, site),
                state=state,
                unit=ticket.unit or "",
            )
        )
    return lines


COMMANDS = [Command("callback", callback_command)]
BUTTONS = [ButtonAction(Rate, rate_button)]
PART = Feature(
    "callbacks",
    commands=COMMANDS,
    buttons=BUTTONS,
    timers={flow.CALLBACK: on_callback_due},
    handover=handover,
    answers={Awaiting.COMMENT: record_comment},
)
