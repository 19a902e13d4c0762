"""Residents' tickets, their conversation, callbacks (回访), and residents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.clock import utcnow


class Ticket(SQLModel, table=True):
    """A resident's complaint, repair request or inquiry (业户事务); the tickets issue builds on it."""

    __table_args__ = (UniqueConstraint("site_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    site_id: int | None = Field(default=None, foreign_key="site.id", index=True)
    number: int | None = None
    kind: str = Field(max_length=12)  # complaint | repair | inquiry
    category: str = Field(max_length=20)
    urgency: str = Field(default="normal", max_length=10)  # normal | urgent | vip (000 L37)
    location: str | None = Field(default=None, max_length=200)
    description: str = Field(sa_type=Text)
    resident_id: int = Field(sa_type=BigInteger, index=True)
    resident_name: str = Field(default="", max_length=200)
    channel: str = Field(default="bot", max_length=10)  # bot | phone | visit | letter
    # new → accepted (受理) → dispatched (派工) → resolved (已处理) → closed (回访 done); reopened
    status: str = Field(default="new", max_length=12)
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
    satisfaction: str | None = Field(default=None, max_length=12)  # satisfied | basic | unsatisfied
    escalated_at: datetime | None = None  # VIP, major or repeated complaint sent up (000 L37, L88)


class TicketMessage(SQLModel, table=True):
    """One message of a ticket's conversation: the resident's (in), the centre's (out) or a staff
    note. ``held`` marks a resident's message over the rate limit, relayed later in one batch."""

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    direction: str = Field(max_length=4)  # in | out | note
    author_id: int = Field(sa_type=BigInteger)
    author_name: str = Field(default="", max_length=200)  # staff names stay inside: never sent out
    text: str = Field(default="", sa_type=Text)
    photo_file_id: str | None = Field(default=None, max_length=256)
    held: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class Callback(SQLModel, table=True):
    """A callback (回访) of a resolved ticket: asked by the bot, then by phone or visit when the
    resident does not answer (003 L63; 001 L905-911)."""

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    due_at: datetime
    state: str = Field(default="asked", max_length=8)  # asked | task (phone it) | done | void
    done_at: datetime | None = None
    how: str | None = Field(default=None, max_length=8)  # bot | phone | visit
    by_id: int | None = Field(default=None, sa_type=BigInteger)
    by_name: str | None = Field(default=None, max_length=200)
    satisfaction: str | None = Field(default=None, max_length=12)
    note: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow)


class Resident(SQLModel, table=True):
    """A resident's home site and unit, what the bot waits for from them, and their rate window."""

    telegram_id: int = Field(primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False})
    site_id: int | None = Field(default=None, foreign_key="site.id")
    unit: str | None = Field(default=None, max_length=60)
    awaiting: str | None = Field(default=None, max_length=12)  # unit | comment | new
    awaiting_ref: int | None = None  # the callback a comment belongs to
    window_start: datetime | None = None
    window_count: int = 0
    noticed: bool = False  # the rate-limit notice of this window was sent
    updated_at: datetime = Field(default_factory=utcnow)
