"""Patrol plans, rounds, checkpoint signatures and findings."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import JSON, BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.clock import utcnow
from storage.codes import Proof, Role
from storage.models.columns import Coded


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
    role: Role = Field(default=Role.STAFF, sa_type=Coded(Role, 16))  # the lowest role that may patrol
    grace_minutes: int | None = None  # None: the site's policy
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class RoundStatus(StrEnum):
    """Where a round is in its life: made ahead and due, started by someone, done, or missed (the
    plan's next round fell due first)."""

    DUE = "due"
    RUNNING = "running"
    DONE = "done"
    MISSED = "missed"


# Done or missed: nothing more is signed, found or finished on the round, and its timer is settled.
CLOSED_ROUND: Final[tuple[RoundStatus, ...]] = (RoundStatus.DONE, RoundStatus.MISSED)


class Recheck(StrEnum):
    """A finding's re-check (001 L551 P15): none (no problem), waiting for its incident to close,
    due (the incident closed, someone must go and look), done."""

    NONE = "none"
    WAITING = "waiting"
    DUE = "due"
    DONE = "done"


class PatrolRound(SQLModel, table=True):
    """One round of a plan, due at one time: made ahead by the planner, one row per (plan, due time),
    so two processes planning at once make it once (:class:`RoundStatus`); late_at
    is set when the group was reminded that it had not started in time."""

    __table_args__ = (
        UniqueConstraint("plan_id", "due_at", name="uq_patrolround_plan_due"),
        Index("ix_patrolround_site_due", "site_id", "due_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="patrolplan.id")
    site_id: int = Field(foreign_key="site.id")
    due_at: datetime
    status: RoundStatus = Field(default=RoundStatus.DUE, sa_type=Coded(RoundStatus, 10))
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
    proof: Proof = Field(sa_type=Coded(Proof, 10))
    done_by: int = Field(sa_type=BigInteger)
    done_name: str = Field(default="", max_length=200)
    done_at: datetime
    photo_file_id: str | None = Field(default=None, max_length=256)
    latitude: float | None = None
    longitude: float | None = None
    distance_m: float | None = None


class PatrolFinding(SQLModel, table=True):
    """What a round found (001 L549 巡楼记录本): a problem opens an incident, and once that incident is
    closed a re-check is due (001 L551 P15, L1357): :class:`Recheck`."""

    __table_args__ = (Index("ix_patrolfinding_site_created", "site_id", "created_at"),)  # reports: a period (0017)
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
    recheck: Recheck = Field(default=Recheck.NONE, sa_type=Coded(Recheck, 10), index=True)
    rechecked_by: int | None = Field(default=None, sa_type=BigInteger)
    rechecked_name: str | None = Field(default=None, max_length=200)
    rechecked_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class WeeklyReview(SQLModel, table=True):
    """A week's patrol records and callback records as sent to the supervisors, and who signed them
    with what opinion: the supervisor checks everyone's patrol records and the problems' completion
    and signs an opinion (001 L553), and reviews the callback records weekly, checking that what
    residents were not satisfied with was followed up (003 L63 §4.4). ``week`` is its first day."""

    __table_args__ = (UniqueConstraint("site_id", "week", name="uq_weeklyreview_site_week"),)
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    week: date
    compiled_at: datetime
    counts: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    signed_by: int | None = Field(default=None, sa_type=BigInteger)
    signed_name: str | None = Field(default=None, max_length=200)
    signed_at: datetime | None = None
    opinion: str | None = Field(default=None, sa_type=Text)  # 签署意见 (001 L553)
