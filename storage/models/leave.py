"""Leave and shift swaps asked of a supervisor (请假 / 调班): "不能私自调班、顶班,因故不能值班者,必须
提前征得上级领导的同意,并安排调班、顶班" (000 L127; 002 L17; 004 L220 XIV)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.columns import Coded


class ShiftRequestKind(StrEnum):
    LEAVE = "leave"  # 请假: the requester's shift goes to a cover the supervisor names (002 L17)
    SWAP = "swap"  # 调班: the requester and a named colleague exchange their shifts of the day


class ShiftRequestStatus(StrEnum):
    """A request waits (``pending``) for a supervisor, then is ``approved`` (the roster changed),
    ``refused`` or ``lapsed`` (undecided when its shift came near): the roster stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    LAPSED = "lapsed"


class ShiftRequest(SQLModel, table=True):
    """One leave or swap request: whose shifts on which day, the colleague of a swap, the cover a
    supervisor named, and who decided when (the approval the clauses ask for, on record)."""

    __tablename__ = "shift_request"
    __table_args__ = (UniqueConstraint("site_id", "number", name="uq_shift_request_site_number"),)
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    number: int
    kind: ShiftRequestKind = Field(sa_type=Coded(ShiftRequestKind, 8))
    status: ShiftRequestStatus = Field(
        default=ShiftRequestStatus.PENDING, index=True, sa_type=Coded(ShiftRequestStatus, 10)
    )
    day: date
    shift_codes: str = Field(max_length=200)  # the requester's shifts that day, comma-separated
    requester_id: int = Field(sa_type=BigInteger)
    requester_name: str = Field(default="", max_length=200)
    colleague_id: int | None = Field(default=None, sa_type=BigInteger)  # a swap's other person
    colleague_name: str | None = Field(default=None, max_length=200)
    colleague_codes: str = Field(default="", max_length=200)  # their shifts that day (may be none)
    reason: str = Field(default="", sa_type=Text)
    late: bool = False  # asked less than the policy's notice before the shift (004 L220 XIV)
    requested_at: datetime
    cover_id: int | None = Field(default=None, sa_type=BigInteger)  # who works the shift instead
    cover_name: str | None = Field(default=None, max_length=200)
    decided_by: int | None = Field(default=None, sa_type=BigInteger)
    decided_name: str | None = Field(default=None, max_length=200)
    decided_at: datetime | None = None
    decision_note: str | None = Field(default=None, sa_type=Text)
    chat_id: int | None = Field(default=None, sa_type=BigInteger)
