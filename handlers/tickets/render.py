"""How a ticket looks: the duty group's card with its status line, list lines, the history, and the
resident's view (never a staff member's name: the resident hears from the service centre)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.core.i18n import Translator
from handlers.core.messages import Button, Keyboard
from handlers.core.numbers import ref
from handlers.core.render import category, clip
from handlers.tickets.buttons import Accept, Dispatch, OnSite, Rate, Reopen, Resolve
from storage.codes import Register
from storage.models import Callback, Site, Ticket, TicketMessage, require_id
from storage.models.tickets import HANDLED, OPEN, UNACCEPTED, CallbackHow, CallbackState, Satisfaction, TicketKind


def hhmm(moment: datetime | None, site: Site | None) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(ZoneInfo(site.timezone if site else "Asia/Shanghai")).strftime("%m-%d %H:%M")


def overdue(ticket: Ticket, now: datetime) -> bool:
    return ticket.status in OPEN and ticket.deadline_at is not None and ticket.deadline_at <= now


def status_line(t: Translator, ticket: Ticket, site: Site | None) -> str:
    parts = [t(f"tk.status.{ticket.status}")]
    if ticket.accepted_name:
        parts.append(t("tk.line.accepted", name=ticket.accepted_name))
    if ticket.dispatched_to:
        parts.append(t("tk.line.dispatched", to=ticket.dispatched_to))
    if ticket.on_site_at:
        parts.append(t("tk.line.on_site", at=hhmm(ticket.on_site_at, site)))
    if ticket.resolved_name and ticket.status in HANDLED:
        parts.append(t("tk.line.resolved", name=ticket.resolved_name))
    if ticket.deadline_at and ticket.status in OPEN:
        key = "tk.line.on_site_by" if ticket.kind == TicketKind.REPAIR and not ticket.on_site_at else "tk.line.deadline"
        parts.append(t(key, at=hhmm(ticket.deadline_at, site)))
    if ticket.satisfaction:
        parts.append(t(f"tk.rating.{ticket.satisfaction}"))
    if ticket.reopened:
        parts.append(t("tk.line.reopened", count=ticket.reopened))
    return t("tk.line.status", text=" · ".join(parts))


def capitalised(word: str) -> str:
    """A word that starts a line, capitalised (English; Chinese has no case)."""
    return word[:1].upper() + word[1:]


def card(t: Translator, ticket: Ticket, site: Site | None, *, text: str | None = None) -> str:
    """The duty group's card: what, who, where, the resident's words and the status line."""
    lines = [
        t(
            "tk.card.head",
            kind=capitalised(t(f"kind.{ticket.kind}")),  # the card's first word: "Complaint", not "complaint"
            number=ticket.number,
            category=category(t, ticket.category),
            urgency=t(f"urgency.{ticket.urgency}"),
        ),
        t(
            "tk.card.who",
            name=ticket.resident_name or "-",
            unit=ticket.unit or "-",
            location=ticket.location or "-",
            channel=t(f"tk.channel.{ticket.channel}"),
        ),
        clip(text if text is not None else ticket.description, 300),
        status_line(t, ticket, site),
    ]
    return "\n".join(lines)


def card_buttons(t: Translator, ticket: Ticket) -> Keyboard:
    """受理 / 派工 / 已处理, and 已到场 once someone is dispatched to a repair; closed: none."""
    if ticket.status not in OPEN:
        if ticket.status in HANDLED:
            return [[Button(t("tk.btn.reopen"), Reopen(ticket=require_id(ticket)).pack())]]
        return []
    ticket_id = require_id(ticket)
    row = []
    if ticket.status in UNACCEPTED:
        row.append(Button(t("tk.btn.accept"), Accept(ticket=ticket_id).pack()))
    row.append(Button(t("tk.btn.dispatch"), Dispatch(ticket=ticket_id).pack()))
    if ticket.kind == TicketKind.REPAIR and ticket.dispatched_to and ticket.on_site_at is None:
        row.append(Button(t("tk.btn.on_site"), OnSite(ticket=ticket_id).pack()))
    row.append(Button(t("tk.btn.resolve"), Resolve(ticket=ticket_id).pack()))
    return [row]


def list_line(t: Translator, ticket: Ticket, site: Site | None, now: datetime) -> str:
    mark = "⏰" if overdue(ticket, now) else "•"
    unit = ticket.unit or ticket.location
    return t(
        "tk.list.line" if unit else "tk.list.line_no_unit",  # no "报修·一般 - 待受理"
        mark=mark,
        number=ticket.number,
        kind=t(f"kind.{ticket.kind}"),
        urgency=t(f"urgency.{ticket.urgency}"),
        unit=unit or "",
        status=t(f"tk.status.{ticket.status}"),
        deadline=hhmm(ticket.deadline_at, site),
        text=clip(ticket.description, 40),
    )


def history_line(t: Translator, message: TicketMessage, site: Site | None) -> str:
    what = message.text or ""
    if message.photo_file_id:
        what = (t("tk.photo") + " " + what).strip()
    return t(
        f"tk.hist.{message.direction}",
        at=hhmm(message.created_at, site),
        name=message.author_name,
        text=clip(what, 200),
    )


def callback_line(t: Translator, callback: Callback, site: Site | None) -> str:
    """A callback in a ticket's history: when, how, by whom, the rating and the note."""
    if callback.state != CallbackState.DONE:
        return t("tk.hist.callback_due", due=hhmm(callback.due_at, site), state=t(f"cb.state.{callback.state}"))
    return t(
        "tk.hist.callback",
        at=hhmm(callback.done_at, site),
        how=t(f"cb.how.{callback.how or CallbackHow.PHONE}"),
        name=callback.by_name or "-",
        rating=t(f"tk.rating.{callback.satisfaction or Satisfaction.BASIC}"),
        note=clip(callback.note or "", 100),
    )


def resident_line(t: Translator, ticket: Ticket) -> str:
    """A line of /my: the resident's own ticket, its number, kind and status; no staff names."""
    return t(
        "tk.my.line",
        number=ref(Register.TICKET, ticket.number),
        kind=t(f"kind.{ticket.kind}"),
        status=t(f"tk.status.{ticket.status}"),
        text=clip(ticket.description, 40),
    )


def rating_buttons(t: Translator, callback: Callback) -> Keyboard:
    """满意 / 基本满意 / 不满意, for the resident."""
    return [
        [
            Button(t(f"tk.rating.{rating}"), Rate(callback=require_id(callback), rating=rating).pack())
            for rating in Satisfaction
        ]
    ]


def signed(t: Translator, site: Site, text: str) -> str:
    """A message to the resident, signed by the service centre (never by the staff member)."""
    return t("tk.signed", text=text, centre=t("tk.centre", site=site.name))
