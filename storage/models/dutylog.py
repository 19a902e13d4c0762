"""The duty log: incidents, their handling notes and photos, drafts, escalation notices."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.clock import utcnow
from storage.codes import Role, Severity
from storage.models.columns import Coded


class IncidentStatus(StrEnum):
    """Whether a duty-log entry is still being handled; a closed one has its result (善后处理)."""

    OPEN = "open"
    CLOSED = "closed"


class EscalationState(StrEnum):
    """Where the escalation of a major event stands (source 000 L151): never escalated, waiting for
    someone up the chain to acknowledge, acknowledged, or stopped (closed or lowered before that)."""

    NONE = "none"
    PENDING = "pending"
    ACKNOWLEDGED = "acknowledged"
    STOPPED = "stopped"


class DraftStatus(StrEnum):
    """A draft card waits for one tap (SPEC §5); recorded or ignored, it is decided."""

    PENDING = "pending"
    RECORDED = "recorded"
    IGNORED = "ignored"


class Incident(SQLModel, table=True):
    """A duty-log entry (值班日志条目), fields from source 000 第2篇 L101-116."""

    __table_args__ = (
        UniqueConstraint("site_id", "number"),
        Index("ix_incident_site_occurred", "site_id", "occurred_at"),  # reports: a period (0017)
    )
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    number: int
    kind: str = Field(default="incident", max_length=20)  # the intent it was recorded from
    occurred_at: datetime
    logged_at: datetime = Field(default_factory=utcnow)
    reporter_id: int = Field(sa_type=BigInteger)
    reporter_name: str = Field(default="", max_length=200)
    location: str | None = Field(default=None, max_length=200)
    category: str = Field(max_length=20)
    severity: Severity = Field(sa_type=Coded(Severity, 10))
    situation: str = Field(sa_type=Text)  # 事情情况
    result: str | None = Field(default=None, sa_type=Text)  # 善后处理
    status: IncidentStatus = Field(default=IncidentStatus.OPEN, sa_type=Coded(IncidentStatus, 10), index=True)
    closed_by: int | None = Field(default=None, sa_type=BigInteger)
    closed_at: datetime | None = None
    chat_id: int | None = Field(default=None, sa_type=BigInteger)
    # Escalation of a major event (source 000 L151)
    escalation: EscalationState = Field(default=EscalationState.NONE, sa_type=Coded(EscalationState, 12))
    escalated_at: datetime | None = None
    escalation_level: int = 0
    acknowledged_by: int | None = Field(default=None, sa_type=BigInteger)
    acknowledged_name: str | None = Field(default=None, max_length=200)
    acknowledged_at: datetime | None = None
    report_filed_at: datetime | None = None  # the written report due next day (000 L144)
    report_filed_by: int | None = Field(default=None, sa_type=BigInteger)


class IncidentNote(SQLModel, table=True):
    """One line of 处理 (handling); the handling is appendable, so it is a list."""

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    author_id: int = Field(sa_type=BigInteger)
    author_name: str = Field(default="", max_length=200)
    text: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow)


class IncidentPhoto(SQLModel, table=True):
    """A photo attached to an incident (major events need photos, source 000 L100)."""

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    file_id: str = Field(max_length=256)
    added_by: int = Field(sa_type=BigInteger)
    added_at: datetime = Field(default_factory=utcnow)


class WrittenReport(SQLModel, table=True):
    """The written report of a major event (书面报告): the next day to the customer-service manager
    (000 L144) and the GM (001 L479), within 24 hours with photos and the losses counted (001 L819).
    One per incident, written by its reporter or a supervisor once the event was acknowledged."""

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", unique=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    author_id: int = Field(sa_type=BigInteger)
    author_name: str = Field(default="", max_length=200)
    text: str = Field(sa_type=Text)  # what happened and what was done
    losses: str = Field(sa_type=Text)  # 统计损失情况 (001 L819); "无" when there were none
    filed_at: datetime = Field(default_factory=utcnow)


class WrittenReportPhoto(SQLModel, table=True):
    """A photo of the scene attached to a written report (对事故现场进行拍照, 001 L819)."""

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="writtenreport.id", index=True)
    file_id: str = Field(max_length=256)
    added_by: int = Field(sa_type=BigInteger)
    added_at: datetime = Field(default_factory=utcnow)


class Draft(SQLModel, table=True):
    """A free-text group message the classifier read as a record, waiting for one tap."""

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id")
    chat_id: int = Field(sa_type=BigInteger)
    author_id: int = Field(sa_type=BigInteger)
    author_name: str = Field(default="", max_length=200)
    text: str = Field(sa_type=Text)
    intent: str = Field(max_length=20)
    category: str = Field(max_length=20)
    severity: Severity = Field(sa_type=Coded(Severity, 10))
    location: str | None = Field(default=None, max_length=200)
    alternatives: str = Field(default="", max_length=100)  # other likely categories, comma-separated
    occurred_at: datetime
    status: DraftStatus = Field(default=DraftStatus.PENDING, sa_type=Coded(DraftStatus, 10))
    incident_id: int | None = Field(default=None, foreign_key="incident.id")
    decided_by: int | None = Field(default=None, sa_type=BigInteger)
    created_at: datetime = Field(default_factory=utcnow)

    def mark_recorded(self, by: int) -> None:
        """Decided: recorded with one tap on 记录 by ``by`` (whichever feature recorded it)."""
        self.status, self.decided_by = DraftStatus.RECORDED, by


class EscalationNotice(SQLModel, table=True):
    """Who was pinged about a major incident, at which level and when (SPEC §2 Escalation)."""

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    level: int
    telegram_id: int = Field(sa_type=BigInteger)
    role: Role = Field(sa_type=Coded(Role, 16))
    notified_at: datetime = Field(default_factory=utcnow)
