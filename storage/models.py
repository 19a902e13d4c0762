"""The tables (SPEC §2). Telegram ids are BIGINT; times are naive UTC (see storage.clock)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Table, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.clock import utcnow


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a model, for statements on hot paths that skip the ORM."""
    return model.__table__  # type: ignore[attr-defined, no-any-return]


class Site(SQLModel, table=True):
    """A property site with its duty group chat and its policy overrides."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=32)
    name: str = Field(max_length=200)
    language: str = Field(default="zh-Hans", max_length=8)
    timezone: str = Field(default="Asia/Shanghai", max_length=64)
    duty_chat_id: int | None = Field(default=None, unique=True, sa_type=BigInteger)
    next_number: int = 1  # the per-site counter behind #N of incidents and tickets
    policy: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class Person(SQLModel, table=True):
    """Anyone who has written to the bot; ``reachable`` once they opened a private chat with it."""

    telegram_id: int = Field(primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False})
    name: str = Field(default="", max_length=200)
    username: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, max_length=8)
    reachable: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class Member(SQLModel, table=True):
    """A role of a person at a site (SPEC §1: roles are per site)."""

    __table_args__ = (UniqueConstraint("telegram_id", "site_id"),)
    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int = Field(sa_type=BigInteger, index=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    role: str = Field(max_length=16)  # staff | supervisor | manager | admin
    added_by: int | None = Field(default=None, sa_type=BigInteger)
    created_at: datetime = Field(default_factory=utcnow)


class Invite(SQLModel, table=True):
    """A one-time deep link code that binds a role at a site when used with /start."""

    code: str = Field(primary_key=True, max_length=32)
    site_id: int = Field(foreign_key="site.id")
    role: str = Field(max_length=16)
    created_by: int = Field(sa_type=BigInteger)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_by: int | None = Field(default=None, sa_type=BigInteger)
    used_at: datetime | None = None


class Incident(SQLModel, table=True):
    """A duty-log entry (值班日志条目), fields from source 000 第2篇 L101-116."""

    __table_args__ = (UniqueConstraint("site_id", "number"),)
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
    severity: str = Field(max_length=10)
    situation: str = Field(sa_type=Text)  # 事情情况
    result: str | None = Field(default=None, sa_type=Text)  # 善后处理
    status: str = Field(default="open", max_length=10, index=True)  # open | closed
    closed_by: int | None = Field(default=None, sa_type=BigInteger)
    closed_at: datetime | None = None
    chat_id: int | None = Field(default=None, sa_type=BigInteger)
    # Escalation of a major event (source 000 L151): none | pending | acknowledged
    escalation: str = Field(default="none", max_length=12)
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
    severity: str = Field(max_length=10)
    location: str | None = Field(default=None, max_length=200)
    alternatives: str = Field(default="", max_length=100)  # other likely categories, comma-separated
    occurred_at: datetime
    status: str = Field(default="pending", max_length=10)  # pending | recorded | ignored
    incident_id: int | None = Field(default=None, foreign_key="incident.id")
    decided_by: int | None = Field(default=None, sa_type=BigInteger)
    created_at: datetime = Field(default_factory=utcnow)


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
    state: str = Field(default="pending", max_length=10)  # pending | running | done | cancelled
    fired: int = 0
    claimed_by: str | None = Field(default=None, max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)


class Outbox(SQLModel, table=True):
    """Everything the bot says: a reply, a card edit, a button's answer or a message to another chat,
    written in the same transaction as the change that caused it and sent by the delivery loop, so a
    stored record always gets its reply (after a crash too) and two processes send it once."""

    __table_args__ = (Index("ix_outbox_due", "state", "priority", "next_try_at"),)
    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=BigInteger)
    method: str = Field(default="send", max_length=8)  # send | photo | edit | answer (a button's toast)
    priority: int = Field(default=5)  # lower first: 0 escalations and approvals, 5 routine
    reply_to: int | None = None  # send: quote this message
    edit_message_id: int | None = None  # edit: the message to change
    callback_id: str | None = Field(default=None, max_length=128)  # answer: the button press
    alert: bool = False  # answer: a dialog rather than a toast
    update_id: int | None = Field(default=None, sa_type=BigInteger)  # the update it answers, if any
    site_id: int | None = None  # whose duty group hears of a ping that cannot be delivered
    purpose: str | None = Field(default=None, max_length=20)  # e.g. escalation, reminder
    text: str = Field(sa_type=Text)
    photo_file_id: str | None = Field(default=None, max_length=256)  # method photo: the photo, text its caption
    buttons: list[list[dict[str, str]]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    ref_kind: str | None = Field(default=None, max_length=20)
    ref_id: int | None = None
    state: str = Field(default="pending", max_length=10)  # pending | sending | sent | failed
    attempts: int = 0
    next_try_at: datetime = Field(default_factory=utcnow)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    message_id: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


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
    out (its process died) is handled again by whoever sweeps it; ProcessedUpdate keeps it once-only."""

    __table_args__ = (Index("ix_inbox_lease", "lease_until"),)
    update_id: int = Field(primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False})
    payload: str = Field(sa_type=Text)  # the update as Telegram sent it (JSON)
    received_at: datetime = Field(default_factory=utcnow)
    lease_until: datetime | None = None
    claimed_by: str | None = Field(default=None, max_length=64)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)


class ProcessedUpdate(SQLModel, table=True):
    """Update ids already handled: a duplicate delivery is ignored, in one process or many."""

    update_id: int = Field(primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False})
    processed_at: datetime = Field(default_factory=utcnow)


class EscalationNotice(SQLModel, table=True):
    """Who was pinged about a major incident, at which level and when (SPEC §2 Escalation)."""

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    level: int
    telegram_id: int = Field(sa_type=BigInteger)
    role: str = Field(max_length=16)
    notified_at: datetime = Field(default_factory=utcnow)


class Shift(SQLModel, table=True):
    """A named shift of a site with its local start and end (002 L9-11; 004 §4). A site without rows
    uses the default two 12-hour shifts (handlers.shifts.DEFAULT_SHIFTS)."""

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


class Handover(SQLModel, table=True):
    """A handover (交接班记录, 000 L118-134; 002 L22-25): the report compiled from the records, both
    confirmations with their times (the two signatures, 002 L25), and a supervisor's override."""

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    status: str = Field(default="open", max_length=12, index=True)  # open | blocked | taken_over
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


class Key(SQLModel, table=True):
    """A key in the register (钥匙): source 000 第13/15篇 L501-574, 001 L1031-1047, L1317-1335."""

    __table_args__ = (UniqueConstraint("site_id", "code", name="uq_key_site_code"),)
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    code: str = Field(max_length=32)  # what staff type, e.g. 3-JF (kept as typed, matched case-blind)
    label: str = Field(max_length=200)  # 3栋机房
    kind: str = Field(max_length=10)  # unit | vacant | plant | common | sealed
    location: str | None = Field(default=None, max_length=200)  # where it is kept
    copies: int = 1
    status: str = Field(default="ok", max_length=10)  # ok | lost (reported lost or damaged)
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
    )
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id")
    key_id: int = Field(foreign_key="key.id", index=True)
    borrower_id: int | None = Field(default=None, sa_type=BigInteger)  # None for an outside borrower
    borrower_name: str = Field(default="", max_length=200)
    external: bool = False
    phone: str | None = Field(default=None, max_length=40)
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
    refused_by: int | None = Field(default=None, sa_type=BigInteger)
    returned_at: datetime | None = None
    returned_to: int | None = Field(default=None, sa_type=BigInteger)
    returned_to_name: str | None = Field(default=None, max_length=200)
    condition: str | None = Field(default=None, max_length=500)
    status: str = Field(default="pending", max_length=10)  # pending | out | returned | refused | lost


class KeyWitness(SQLModel, table=True):
    """A witness of a sealed key's use (000 L506: two staff and a guard present); once per person."""

    __table_args__ = (UniqueConstraint("loan_id", "telegram_id", name="uq_keywitness_loan_person"),)
    id: int | None = Field(default=None, primary_key=True)
    loan_id: int = Field(foreign_key="keyloan.id", index=True)
    telegram_id: int = Field(sa_type=BigInteger)
    name: str = Field(default="", max_length=200)
    at: datetime = Field(default_factory=utcnow)


class PatrolPlan(SQLModel, table=True):
    """A patrol plan (巡查计划): checkpoints in order, a schedule in the site's timezone, who patrols
    (000 L451 fire patrol every 2 h; 001 L543, L811, L875 daily patrols; 001 L813 route + sign-in)."""

    __table_args__ = (UniqueConstraint("site_id", "name", name="uq_patrolplan_site_name"),)
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    name: str = Field(max_length=100)
    # [{"name", "proof": tap|photo|location, "lat", "lon", "radius"}] in route order
    checkpoints: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    schedule: str = Field(max_length=100)  # as typed, normalised: "every 2h from 00:00", "at 08:00,20:00", …
    times: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # minutes of the local day
    role: str = Field(default="staff", max_length=16)  # the lowest role that may patrol
    grace_minutes: int | None = None  # None: the site's policy
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class PatrolRound(SQLModel, table=True):
    """One round of a plan, due at one time: made ahead by the planner, one row per (plan, due time),
    so two processes planning at once make it once. Status due | running | done | missed; late_at
    is set when the group was reminded that it had not started in time."""

    __table_args__ = (
        UniqueConstraint("plan_id", "due_at", name="uq_patrolround_plan_due"),
        Index("ix_patrolround_site_due", "site_id", "due_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="patrolplan.id")
    site_id: int = Field(foreign_key="site.id")
    due_at: datetime
    status: str = Field(default="due", max_length=10)
    manual: bool = False  # started by hand with /patrol, not from the schedule
    pinged_at: datetime | None = None
    started_by: int | None = Field(default=None, sa_type=BigInteger)
    started_name: str | None = Field(default=None, max_length=200)
    started_at: datetime | None = None
    done_by: int | None = Field(default=None, sa_type=BigInteger)
    done_name: str | None = Field(default=None, max_length=200)
    done_at: datetime | None = None
    late_at: datetime | None = None
    escalated_at: datetime | None = None
    missed_at: datetime | None = None


class PatrolCheck(SQLModel, table=True):
    """A checkpoint signed at on a round (the sign-in sheet, 001 L813): by whom, when, with what proof."""

    __table_args__ = (UniqueConstraint("round_id", "position", name="uq_patrolcheck_round_position"),)
    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="patrolround.id", index=True)
    position: int  # index of the checkpoint in the plan
    name: str = Field(max_length=100)
    proof: str = Field(max_length=10)  # tap | photo | location
    done_by: int = Field(sa_type=BigInteger)
    done_name: str = Field(default="", max_length=200)
    done_at: datetime
    photo_file_id: str | None = Field(default=None, max_length=256)
    latitude: float | None = None
    longitude: float | None = None
    distance_m: float | None = None


class PatrolFinding(SQLModel, table=True):
    """What a round found (001 L549 巡楼记录本): a problem opens an incident, and once that incident is
    closed a re-check is due (001 L551 P15, L1357). recheck: none | waiting | due | done."""

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="patrolround.id", index=True)
    site_id: int = Field(foreign_key="site.id")
    checkpoint: str | None = Field(default=None, max_length=100)
    text: str = Field(default="", sa_type=Text)
    photo_file_id: str | None = Field(default=None, max_length=256)
    reporter_id: int = Field(sa_type=BigInteger)
    reporter_name: str = Field(default="", max_length=200)
    problem: bool = False
    incident_id: int | None = Field(default=None, foreign_key="incident.id")
    recheck: str = Field(default="none", max_length=10, index=True)
    rechecked_by: int | None = Field(default=None, sa_type=BigInteger)
    rechecked_name: str | None = Field(default=None, max_length=200)
    rechecked_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
