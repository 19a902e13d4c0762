"""Shifts, the roster, handovers, standing orders and duty days."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.clock import utcnow
from storage.models.columns import Coded


class Shift(SQLModel, table=True):
    """A named shift of a site with its local start and end (002 L9-11; 004 §4). A site without rows
    uses the default three shifts (000 L474; handlers.shifts.times.DEFAULT_SHIFTS)."""

    __table_args__ = (UniqueConstraint("site_id", "code", name="uq_shift_site_code"),)
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    code: str = Field(max_length=16)
    name: str = Field(max_length=40)
    start: str = Field(max_length=5)  # HH:MM in the site's timezone
    end: str = Field(max_length=5)  # HH:MM; earlier than start means the next morning


class RosterEntry(SQLModel, table=True):
    """Who is on which shift on which date (值班表, 002 L10)."""

    __table_args__ = (UniqueConstraint("site_id", "day", "shift_code", "telegram_id", name="uq_roster_entry"),)
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    day: date = Field(index=True)
    shift_code: str = Field(max_length=16)
    telegram_id: int = Field(sa_type=BigInteger)
    loaded_by: int | None = Field(default=None, sa_type=BigInteger)
    loaded_at: datetime = Field(default_factory=utcnow)


class HandoverStatus(StrEnum):
    """Where a handover stands: waiting for the incoming person, refused while a major incident is
    open (000 L131) until a supervisor overrides it, or taken over (both signatures, 002 L25)."""

    OPEN = "open"
    BLOCKED = "blocked"
    TAKEN_OVER = "taken_over"


# A handover still waiting for someone: a takeover (open) or an override (blocked).
PENDING_HANDOVER = (HandoverStatus.OPEN, HandoverStatus.BLOCKED)


class Handover(SQLModel, table=True):
    """A handover (交接班记录, 000 L118-134; 002 L22-25): the report compiled from the records, both
    confirmations with their times (the two signatures, 002 L25), and a supervisor's override."""

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    status: HandoverStatus = Field(default=HandoverStatus.OPEN, index=True, sa_type=Coded(HandoverStatus, 12))
    shift_code: str | None = Field(default=None, max_length=16)  # the outgoing shift
    shift_day: date | None = None
    next_code: str | None = Field(default=None, max_length=16)  # the incoming shift
    next_day: date | None = None
    shift_end_at: datetime | None = None
    expected: str = Field(default="", max_length=500)  # the rostered incoming ids, comma-separated
    outgoing_id: int = Field(sa_type=BigInteger)
    outgoing_name: str = Field(default="", max_length=200)
    handed_at: datetime
    incoming_id: int | None = Field(default=None, sa_type=BigInteger)
    incoming_name: str | None = Field(default=None, max_length=200)
    taken_at: datetime | None = None
    notes: str = Field(default="", sa_type=Text)
    report: str = Field(default="", sa_type=Text)
    blocked_reason: str | None = Field(default=None, max_length=500)
    override_by: int | None = Field(default=None, sa_type=BigInteger)
    override_name: str | None = Field(default=None, max_length=200)
    override_reason: str | None = Field(default=None, sa_type=Text)
    override_at: datetime | None = None
    chat_id: int | None = Field(default=None, sa_type=BigInteger)


class StandingOrder(SQLModel, table=True):
    """A superior's standing order (上级指令): handed over in every report until cleared (000 L123)."""

    __table_args__ = (UniqueConstraint("site_id", "number", name="uq_order_site_number"),)
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    number: int
    text: str = Field(sa_type=Text)
    issued_by: int = Field(sa_type=BigInteger)
    issued_name: str = Field(default="", max_length=200)
    issued_at: datetime
    done_by: int | None = Field(default=None, sa_type=BigInteger)
    done_name: str | None = Field(default=None, max_length=200)
    done_at: datetime | None = None


class DutyDay(SQLModel, table=True):
    """A duty day's log as sent to the managers, and who signed it (000 L116)."""

    __table_args__ = (UniqueConstraint("site_id", "day", name="uq_duty_day_site_day"),)
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    day: date
    compiled_at: datetime
    counts: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    signed_by: int | None = Field(default=None, sa_type=BigInteger)
    signed_name: str | None = Field(default=None, max_length=200)
    signed_at: datetime | None = None
