"""Residents' tickets, their conversation, callbacks (回访), and residents."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Final

from sqlalchemy import BigInteger, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.clock import utcnow
from storage.models.columns import Coded


class TicketKind(StrEnum):
    """What the resident asks for (业户事务): the resident intents of the taxonomy."""

    COMPLAINT = "complaint"
    REPAIR = "repair"
    INQUIRY = "inquiry"


class Urgency(StrEnum):
    """How fast a ticket is handled; VIP (特急) is pursued until the resident is satisfied (000 L37)."""

    NORMAL = "normal"
    URGENT = "urgent"
    VIP = "vip"


class Channel(StrEnum):
    """How the ticket came in: the bot, or registered by staff from a call, a visit or a letter."""

    BOT = "bot"
    PHONE = "phone"
    VISIT = "visit"
    LETTER = "letter"


class TicketStatus(StrEnum):
    """new → accepted (受理) → dispatched (派工) → resolved (已处理) → closed (回访 done); reopened."""

    NEW = "new"
    ACCEPTED = "accepted"
    DISPATCHED = "dispatched"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"


# The resident is still waiting: not yet resolved.
OPEN: Final[tuple[TicketStatus, ...]] = (
    TicketStatus.NEW,
    TicketStatus.ACCEPTED,
    TicketStatus.DISPATCHED,
    TicketStatus.REOPENED,
)
# Not yet accepted by anyone: 受理 is offered, and the first staff answer accepts it.
UNACCEPTED: Final[tuple[TicketStatus, ...]] = (TicketStatus.NEW, TicketStatus.REOPENED)
# Handled (resolved, or called back and closed): it may be reopened.
HANDLED: Final[tuple[TicketStatus, ...]] = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


class Satisfaction(StrEnum):
    """The resident's rating at the callback: 满意 / 基本满意 / 不满意 (001 L911)."""

    SATISFIED = "satisfied"
    BASIC = "basic"
    UNSATISFIED = "unsatisfied"


class Direction(StrEnum):
    """Whose a ticket message is: the resident's, the centre's answer, or a staff note kept inside."""

    IN = "in"
    OUT = "out"
    NOTE = "note"


class CallbackState(StrEnum):
    """asked (the resident's rating awaited) → task (phone them) → done; void when reopened first."""

    ASKED = "asked"
    TASK = "task"
    DONE = "done"
    VOID = "void"


# Callbacks not yet made (done and void are not).
WAITING: Final[tuple[CallbackState, ...]] = (CallbackState.ASKED, CallbackState.TASK)


class CallbackHow(StrEnum):
    """How a callback was made: the resident's rating in the bot, by phone or by a visit."""

    BOT = "bot"
    PHONE = "phone"
    VISIT = "visit"


class Awaiting(StrEnum):
    """What the bot waits for from a resident: their unit, a comment on the rating (the callbacks'
    pending answer), or a new matter (the next message opens a new ticket)."""

    UNIT = "unit"
    COMMENT = "comment"
    NEW = "new"


class Ticket(SQLModel, table=True):
    """A resident's complaint, repair request or inquiry (业户事务); the tickets issue builds on it."""

    __table_args__ = (
        UniqueConstraint("site_id", "number"),
        Index("ix_ticket_site_created", "site_id", "created_at"),  # reports: a period (0017)
    )
    id: int | None = Field(default=None, primary_key=True)
    site_id: int | None = Field(default=None, foreign_key="site.id", index=True)
    number: int | None = None
    kind: TicketKind = Field(sa_type=Coded(TicketKind, 12))
    category: str = Field(max_length=20)
    urgency: Urgency = Field(default=Urgency.NORMAL, sa_type=Coded(Urgency, 10))  # 000 L37
    location: str | None = Field(default=None, max_length=200)
    description: str = Field(sa_type=Text)
    resident_id: int = Field(sa_type=BigInteger, index=True)
    resident_name: str = Field(default="", max_length=200)
    channel: Channel = Field(default=Channel.BOT, sa_type=Coded(Channel, 10))
    status: TicketStatus = Field(default=TicketStatus.NEW, sa_type=Coded(TicketStatus, 12))
    classified_by: str = Field(default="rules", max_length=8)
    confidence: float = 0.0
    created_at: datetime = Field(default_factory=utcnow)
    unit: str | None = Field(default=None, max_length=60)
    accepted_by: int | None = Field(default=None, sa_type=BigInteger)
    accepted_name: str | None = Field(default=None, max_length=200)
    accepted_at: datetime | None = None
    dispatched_to: str | None = Field(default=None, max_length=200)  # a person's name or a department
    dispatched_to_id: int | None = Field(default=None, sa_type=BigInteger)  # the person, when one
    dispatched_at: datetime | None = None
    deadline_at: datetime | None = None  # the promised deadline (处理时限, 001 L901)
    on_site_at: datetime | None = None  # urgent repairs: on site within 15 min (001 L1113)
    resolved_by: int | None = Field(default=None, sa_type=BigInteger)
    resolved_name: str | None = Field(default=None, max_length=200)
    resolved_at: datetime | None = None
    reopened: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    satisfaction: Satisfaction | None = Field(default=None, sa_type=Coded(Satisfaction, 12))
    escalated_at: datetime | None = None  # VIP, major or repeated complaint sent up (000 L37, L88)


class TicketMessage(SQLModel, table=True):
    """One message of a ticket's conversation: the resident's (in), the centre's (out) or a staff
    note. ``held`` marks a resident's message over the rate limit, relayed later in one batch."""

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    direction: Direction = Field(sa_type=Coded(Direction, 4))
    author_id: int = Field(sa_type=BigInteger)
    author_name: str = Field(default="", max_length=200)  # staff names stay inside: never sent out
    text: str = Field(default="", sa_type=Text)
    photo_file_id: str | None = Field(default=None, max_length=256)
    held: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class Callback(SQLModel, table=True):
    """A callback (回访) of a resolved ticket: asked by the bot, then by phone or visit when the
    resident does not answer (003 L63; 001 L905-911)."""

    __table_args__ = (
        Index("ix_callback_site_created", "site_id", "created_at"),  # reports: a period (0017)
        Index("ix_callback_site_done", "site_id", "done_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    due_at: datetime
    state: CallbackState = Field(default=CallbackState.ASKED, sa_type=Coded(CallbackState, 8))
    done_at: datetime | None = None
    how: CallbackHow | None = Field(default=None, sa_type=Coded(CallbackHow, 8))
    by_id: int | None = Field(default=None, sa_type=BigInteger)
    by_name: str | None = Field(default=None, max_length=200)
    satisfaction: Satisfaction | None = Field(default=None, sa_type=Coded(Satisfaction, 12))
    note: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow)


class Resident(SQLModel, table=True):
    """A resident's home site and unit, what the bot waits for from them, and their rate window."""

    telegram_id: int = Field(primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False})
    site_id: int | None = Field(default=None, foreign_key="site.id")
    unit: str | None = Field(default=None, max_length=60)
    awaiting: Awaiting | None = Field(default=None, sa_type=Coded(Awaiting, 12))
    awaiting_ref: int | None = None  # the callback a comment belongs to
    window_start: datetime | None = None
    window_count: int = 0
    noticed: bool = False  # the rate-limit notice of this window was sent
    updated_at: datetime = Field(default_factory=utcnow)
