"""The key register, loans and witnesses."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.clock import utcnow
from storage.models.columns import Coded


class KeyKind(StrEnum):
    """What a key opens (000 第13/15篇, SPEC §2); a sealed key needs approvals and witnesses."""

    UNIT = "unit"
    VACANT = "vacant"  # 空置房
    PLANT = "plant"  # 机房
    COMMON = "common"  # 公共区域
    SEALED = "sealed"  # 封存托管


class KeyStatus(StrEnum):
    OK = "ok"
    LOST = "lost"  # reported lost or damaged


class LoanStatus(StrEnum):
    """A loan waits (``pending``) for approvals and witnesses, is ``out``, then ends ``returned``,
    ``refused`` (refused or withdrawn: never handed out) or ``lost``."""

    PENDING = "pending"
    OUT = "out"
    RETURNED = "returned"
    REFUSED = "refused"
    LOST = "lost"


class WitnessKind(StrEnum):
    """Who a sealed key's witness is (000 L506: two customer-service assistants and a guard), as the
    witness states it by the button they press."""

    STAFF = "staff"  # 客服助理
    GUARD = "guard"  # 保安员


# The statuses of a loan that holds its key (uq_keyloan_active below names the same two).
ACTIVE_LOAN: tuple[LoanStatus, ...] = (LoanStatus.PENDING, LoanStatus.OUT)


class Key(SQLModel, table=True):
    """A key in the register (钥匙): source 000 第13/15篇 L501-574, 001 L1031-1047, L1317-1335."""

    __table_args__ = (UniqueConstraint("site_id", "code", name="uq_key_site_code"),)
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    code: str = Field(max_length=32)  # what staff type, e.g. 3-JF (kept as typed, matched case-blind)
    label: str = Field(max_length=200)  # 3栋机房
    kind: KeyKind = Field(sa_type=Coded(KeyKind, 10))
    location: str | None = Field(default=None, max_length=200)  # where it is kept
    copies: int = 1
    status: KeyStatus = Field(default=KeyStatus.OK, sa_type=Coded(KeyStatus, 10))
    created_at: datetime = Field(default_factory=utcnow)


class KeyLoan(SQLModel, table=True):
    """One line of the key-borrowing register (钥匙借用登记表, 001 L1041-1043). At most one active
    loan (pending or out) per key, enforced by a partial unique index: two processes lending one
    key at once cannot both win."""

    __table_args__ = (
        Index(
            "uq_keyloan_active",
            "key_id",
            unique=True,
            sqlite_where=text("status IN ('pending', 'out')"),
            postgresql_where=text("status IN ('pending', 'out')"),
        ),
        Index("ix_keyloan_site_status", "site_id", "status"),
        Index("ix_keyloan_site_out", "site_id", "out_at"),  # reports: a period (0017)
    )
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id")
    key_id: int = Field(foreign_key="key.id", index=True)
    # The kind the key had when the loan was asked for: a pending loan keeps its rules when the
    # register is changed mid-request (issue 18 point 7).
    key_kind: KeyKind = Field(sa_type=Coded(KeyKind, 10))
    quantity: int = 1  # copies of the key taken (001 L1041: 确定数量)
    # The staff member who borrows, and answers for the key: for an outsider the one who signs for
    # them (000 L516, L573; 001 L295: contractors never borrow directly). None only in old rows.
    borrower_id: int | None = Field(default=None, sa_type=BigInteger)
    borrower_name: str = Field(default="", max_length=200)
    external: bool = False
    outsider_name: str | None = Field(default=None, max_length=200)  # the outsider who uses the key
    phone: str | None = Field(default=None, max_length=40)  # the outsider's phone
    purpose: str | None = Field(default=None, max_length=500)
    lent_by: int = Field(sa_type=BigInteger)  # the staff member who wrote the loan
    lent_by_name: str = Field(default="", max_length=200)
    chat_id: int | None = Field(default=None, sa_type=BigInteger)
    requested_at: datetime = Field(default_factory=utcnow)
    out_at: datetime | None = None  # handed out: after approvals and witnesses where needed
    due_at: datetime | None = None
    approved_by: int | None = Field(default=None, sa_type=BigInteger)
    approved_name: str | None = Field(default=None, max_length=200)
    approved_at: datetime | None = None
    gm_approved_by: int | None = Field(default=None, sa_type=BigInteger)  # sealed keys, where the site says so
    gm_approved_name: str | None = Field(default=None, max_length=200)
    # No general manager at the site when asked: the manager's approval stands alone (000 L506), and
    # the record says so.
    gm_fallback: bool = False
    refused_by: int | None = Field(default=None, sa_type=BigInteger)
    returned_at: datetime | None = None
    returned_to: int | None = Field(default=None, sa_type=BigInteger)
    returned_to_name: str | None = Field(default=None, max_length=200)
    condition: str | None = Field(default=None, max_length=500)
    # Why a key is not back by its due time (000 L514, L571: 查明原因并做好记录), and who said so when.
    late_reason: str | None = Field(default=None, max_length=500)
    late_reason_by: str | None = Field(default=None, max_length=200)
    late_reason_at: datetime | None = None
    status: LoanStatus = Field(default=LoanStatus.PENDING, sa_type=Coded(LoanStatus, 10))


class KeyWitness(SQLModel, table=True):
    """A witness of a sealed key's use (000 L506: two customer-service staff and a guard present); once per
    person, as the kind they state."""

    __table_args__ = (UniqueConstraint("loan_id", "telegram_id", name="uq_keywitness_loan_person"),)
    id: int | None = Field(default=None, primary_key=True)
    loan_id: int = Field(foreign_key="keyloan.id", index=True)
    telegram_id: int = Field(sa_type=BigInteger)
    name: str = Field(default="", max_length=200)
    kind: WitnessKind = Field(default=WitnessKind.STAFF, sa_type=Coded(WitnessKind, 10))
    at: datetime = Field(default_factory=utcnow)
