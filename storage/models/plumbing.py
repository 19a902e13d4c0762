"""The inbox, the outbox (and the files it uploads), business timers, message links and processed update ids
(SPEC §7)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from sqlalchemy import JSON, BigInteger, Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import AutoString, Field, SQLModel

from storage.clock import utcnow
from storage.models.columns import Coded


class TimerState(StrEnum):
    """Where a business timer is: due at ``due_at``, taken by a sweep, fired, or called off."""

    PENDING = "pending"
    RUNNING = "running"  # claimed by a process's sweep (``claimed_by``) until it finishes
    DONE = "done"
    CANCELLED = "cancelled"


class Timer(SQLModel, table=True):
    """A business timer: a due row swept by the scheduler tick and claimed atomically (SPEC §7).
    One row per (kind, site, ref): recurring jobs use a ref such as the date (20261130), so two
    processes planning the same job insert it once (``timers.ensure``)."""

    __table_args__ = (
        Index("ix_timer_due", "state", "due_at"),
        UniqueConstraint("kind", "site_id", "ref_id", name="uq_timer_kind_site_ref"),
    )
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=24)  # escalate | report_reminder
    ref_id: int
    site_id: int = Field(foreign_key="site.id")
    due_at: datetime
    state: TimerState = Field(default=TimerState.PENDING, sa_type=Coded(TimerState, 10))
    fired: int = 0
    claimed_by: str | None = Field(default=None, max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)


class OutboxState(StrEnum):
    """Where a message of the outbox is."""

    PENDING = "pending"  # to be sent at ``next_try_at`` (the first time, or again after a failure)
    SENDING = "sending"  # claimed by a process's delivery
    SENT = "sent"
    FAILED = "failed"  # given up on: kept for ``dutydesk outbox``, sent again by ``--retry``
    HELD = "held"  # waits for another row's fate (a relay's confirmation, handlers.tickets.relays)


# How a message is sent: a message, a photo or a file (its text the caption), a new text for a
# message already sent, or the answer to a button press (a toast or a dialog).
Method = Literal["send", "photo", "document", "edit", "answer"]

# What a message is for: the delivery tells a site's duty group of a private one that cannot be
# delivered (handlers.core.undeliverable names it), a relay's fate settles its held confirmation,
# a ticket's latest card is found to be edited. Literals, so the callers' words are checked.
Purpose = Literal[
    "answer",  # a button's answer (handlers.core.replies)
    "reply",  # a reply to an update
    "approval",
    "card",  # a ticket's card in the duty group
    "card_edit",
    "daylog",
    "digest",  # the shift digest to a manager (handlers.digest)
    "dispatch",
    "escalation",
    "follow_up",  # a ticket's missed deadline or unsatisfied resident, chased up the chain
    "handover",
    "key_lost",
    "patrol",
    "photos",  # a ticket's photos shown on request
    "relay",  # a staff reply relayed to a resident
    "reminder",
    "export",  # /export: a register as an XLSX file
    "stats",  # /stats: this month so far as a chart
    "report",  # a written incident report sent to its readers (000 L144)
]


class Outbox(SQLModel, table=True):
    """Everything the bot says: a reply, a card edit, a button's answer or a message to another chat,
    written in the same transaction as the change that caused it and sent by the delivery loop, so a
    stored record always gets its reply (after a crash too) and two processes send it once."""

    __table_args__ = (Index("ix_outbox_due", "state", "priority", "next_try_at"),)
    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=BigInteger)
    method: Method = Field(default="send", sa_type=AutoString(8))
    priority: int = Field(default=5)  # lower first: 0 escalations and approvals, 5 routine, 8 residents' relays
    reply_to: int | None = None  # send: quote this message
    edit_message_id: int | None = None  # edit: the message to change
    callback_id: str | None = Field(default=None, max_length=128)  # answer: the button press
    alert: bool = False  # answer: a dialog rather than a toast
    update_id: int | None = Field(default=None, sa_type=BigInteger)  # the update it answers, if any
    site_id: int | None = None  # whose duty group hears of a ping that cannot be delivered
    purpose: Purpose | None = Field(default=None, sa_type=AutoString(20))
    text: str = Field(sa_type=Text)
    # method photo or document: the file's id, text its caption (the column keeps its first name)
    photo_file_id: str | None = Field(default=None, max_length=256)
    buttons: list[list[dict[str, str]]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    ref_kind: str | None = Field(default=None, max_length=20)
    ref_id: int | None = None
    state: OutboxState = Field(default=OutboxState.PENDING, sa_type=Coded(OutboxState, 10))
    attempts: int = 0
    next_try_at: datetime = Field(default_factory=utcnow)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    message_id: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


class Upload(SQLModel, table=True):
    """A file the bot made (a report's chart or workbook), written with the outbox rows that send it:
    their ``photo_file_id`` is ``upload:<id>`` and the delivery uploads the bytes (multipart). One
    file may go to several people; it is deleted some days later (``storage.repos.uploads.purge``)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)  # the file name the recipient sees
    data: bytes = Field(sa_type=LargeBinary)
    created_at: datetime = Field(default_factory=utcnow, index=True)


class MessageLink(SQLModel, table=True):
    """Which record a bot message shows, so a reply or a photo to it finds the record."""

    __table_args__ = (UniqueConstraint("chat_id", "message_id"),)
    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=BigInteger)
    message_id: int
    ref_kind: str = Field(max_length=20)
    ref_id: int


class Inbox(SQLModel, table=True):
    """A Telegram update stored before Telegram is told it was received (the polling offset moves
    on, a webhook answers 200); deleted in the transaction that handles it. A row whose lease ran
    out or whose process died is handled again by whoever sweeps it; ProcessedUpdate keeps it
    once-only. ``attempts`` counts the times a process took it (before handling, so a process killed
    by it counts too); past the policy's ``inbox_max_attempts`` it is set aside (``dead_at``), kept
    for ``dutydesk inbox --dead``, and no sweep takes it again."""

    __table_args__ = (Index("ix_inbox_lease", "lease_until"),)
    update_id: int = Field(primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False})
    payload: str = Field(sa_type=Text)  # the update as Telegram sent it (JSON)
    received_at: datetime = Field(default_factory=utcnow)
    lease_until: datetime | None = None
    claimed_by: str | None = Field(default=None, max_length=64)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)
    dead_at: datetime | None = None  # set aside: it failed or ended its process too often


class ProcessedUpdate(SQLModel, table=True):
    """Update ids already handled: a duplicate delivery is ignored, in one process or many."""

    update_id: int = Field(primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False})
    processed_at: datetime = Field(default_factory=utcnow)
