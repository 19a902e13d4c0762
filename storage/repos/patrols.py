"""Patrol plans, their rounds, the checkpoints signed on a round and what the rounds found."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, and_, func, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Incident, PatrolCheck, PatrolFinding, PatrolPlan, PatrolRound, WeeklyReview, table_of
from storage.models.patrols import Recheck, RoundStatus
from storage.repos import children, chunks, spans

_ROUND = table_of(PatrolRound)
_CHECK = table_of(PatrolCheck)


def _per_dialect(table: Any, returning: Any) -> dict[str, Any]:
    return {
        "sqlite": sqlite.insert(table).on_conflict_do_nothing().returning(returning),
        "postgresql": postgresql.insert(table).on_conflict_do_nothing().returning(returning),
    }


_ENSURE_ROUND = _per_dialect(_ROUND, _ROUND.c.id)
_SIGN = _per_dialect(_CHECK, _CHECK.c.id)


# Plans


async def plans_for_site(session: AsyncSession, *, site_id: int, active_only: bool = True) -> Sequence[PatrolPlan]:
    stmt = select(PatrolPlan).where(PatrolPlan.site_id == site_id).order_by(col(PatrolPlan.id))
    if active_only:
        stmt = stmt.where(col(PatrolPlan.active).is_(True))
    return (await session.exec(stmt)).all()


async def active_plans(session: AsyncSession) -> Sequence[PatrolPlan]:
    return (await session.exec(select(PatrolPlan).where(col(PatrolPlan.active).is_(True)))).all()


async def plan_by_name(session: AsyncSession, *, site_id: int, name: str) -> PatrolPlan | None:
    stmt = select(PatrolPlan).where(PatrolPlan.site_id == site_id, PatrolPlan.name == name)
    return (await session.exec(stmt)).first()


async def get_plan(session: AsyncSession, *, plan_id: int) -> PatrolPlan | None:
    return await session.get(PatrolPlan, plan_id)


async def save_plan(session: AsyncSession, plan: PatrolPlan) -> PatrolPlan:
    """Insert a new plan, or replace the fields of the site's plan of that name (a re-import)."""
    existing = await plan_by_name(session, site_id=plan.site_id, name=plan.name)
    if existing is not None:
        for field in ("checkpoints", "schedule", "times", "role", "grace_minutes"):
            setattr(existing, field, getattr(plan, field))
        existing.active = True
        plan = existing
    session.add(plan)
    await session.flush()
    return plan


# Rounds


async def ensure_round(
    session: AsyncSession, *, plan: PatrolPlan, due_at: datetime, manual: bool = False
) -> int | None:
    """Make the round of ``plan`` due at ``due_at`` unless it exists; its id when this call made it.
    One row per (plan, due time): two processes planning at once make it once."""
    connection = await session.connection()
    values = {
        "plan_id": plan.id,
        "site_id": plan.site_id,
        "due_at": due_at,
        "status": RoundStatus.DUE,
        "manual": manual,
    }
    made = (await connection.execute(_ENSURE_ROUND[connection.dialect.name], values)).first()
    return int(made[0]) if made else None


async def move(
    session: AsyncSession, patrol_round: PatrolRound, *, from_status: RoundStatus, to: RoundStatus, **values: Any
) -> bool:
    """Move a round from ``from_status`` to ``to`` (with the other ``values``) only if it is still in
    ``from_status`` (one UPDATE): of two people starting or finishing it at once, one does; the object
    is reloaded either way."""
    result = await session.exec(  # type: ignore[call-overload]
        update(PatrolRound)
        .where(col(PatrolRound.id) == patrol_round.id, col(PatrolRound.status) == from_status)
        .values(status=to, **values)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(patrol_round)
    return bool(result.rowcount)


async def round_at(session: AsyncSession, *, plan_id: int, due_at: datetime) -> PatrolRound | None:
    stmt = select(PatrolRound).where(PatrolRound.plan_id == plan_id, PatrolRound.due_at == due_at)
    return (await session.exec(stmt)).first()


async def existing_due_times(session: AsyncSession, *, since: datetime) -> set[tuple[int, datetime]]:
    """(plan id, due time) of the rounds due from ``since``: what the planner need not make again."""
    rows = await session.exec(select(PatrolRound.plan_id, PatrolRound.due_at).where(PatrolRound.due_at >= since))
    return {(plan_id, due_at) for plan_id, due_at in rows.all()}


async def get_round(session: AsyncSession, *, round_id: int) -> PatrolRound | None:
    return await session.get(PatrolRound, round_id)


async def rounds_between(
    session: AsyncSession, *, site_id: int, start: datetime, end: datetime
) -> Sequence[PatrolRound]:
    stmt = (
        select(PatrolRound)
        .where(PatrolRound.site_id == site_id, PatrolRound.due_at >= start, PatrolRound.due_at < end)
        .order_by(col(PatrolRound.due_at), col(PatrolRound.id))
    )
    return (await session.exec(stmt)).all()


async def running_rounds(session: AsyncSession, *, site_id: int) -> Sequence[PatrolRound]:
    stmt = (
        select(PatrolRound)
        .where(PatrolRound.site_id == site_id, PatrolRound.status == RoundStatus.RUNNING)
        .order_by(col(PatrolRound.started_at).desc(), col(PatrolRound.id).desc())
    )
    return (await session.exec(stmt)).all()


def all_rounds(session: AsyncSession, window: chunks.Window | None = None) -> AsyncIterator[Sequence[PatrolRound]]:
    """Every round (or a site's due in ``window``), by site and due time, in chunks."""
    stmt = select(PatrolRound).order_by(col(PatrolRound.site_id), col(PatrolRound.due_at), col(PatrolRound.id))
    if window:
        stmt = stmt.where(*window.times(col(PatrolRound.site_id), col(PatrolRound.due_at)))
    return chunks.scalars(session, stmt)


async def all_plans(session: AsyncSession) -> Sequence[PatrolPlan]:
    return (await session.exec(select(PatrolPlan).order_by(col(PatrolPlan.id)))).all()


# Checkpoints


async def sign(session: AsyncSession, check: PatrolCheck) -> bool:
    """Sign one checkpoint of a round; False when it was already signed (two taps at once: one wins)."""
    connection = await session.connection()
    values = {c.name: getattr(check, c.name) for c in _CHECK.columns if c.name != "id"}
    return (await connection.execute(_SIGN[connection.dialect.name], values)).first() is not None


async def checks(session: AsyncSession, *, round_ids: Sequence[int]) -> dict[int, list[PatrolCheck]]:
    return await children.of(session, PatrolCheck, PatrolCheck.round_id, round_ids, order_by=PatrolCheck.position)


# Findings


async def add_finding(session: AsyncSession, finding: PatrolFinding) -> PatrolFinding:
    session.add(finding)
    await session.flush()
    return finding


async def get_finding(session: AsyncSession, *, finding_id: int) -> PatrolFinding | None:
    return await session.get(PatrolFinding, finding_id)


async def findings(session: AsyncSession, *, round_ids: Sequence[int]) -> dict[int, list[PatrolFinding]]:
    return await children.of(session, PatrolFinding, PatrolFinding.round_id, round_ids, order_by=PatrolFinding.id)


async def findings_fixed(session: AsyncSession) -> Sequence[PatrolFinding]:
    """Findings waiting for their incident to close whose incident is now closed: a re-check is due."""
    stmt = (
        select(PatrolFinding)
        .join(Incident, col(Incident.id) == col(PatrolFinding.incident_id))
        .where(PatrolFinding.recheck == Recheck.WAITING, Incident.status == "closed")
    )
    return (await session.exec(stmt)).all()


# Weekly reviews (001 L553; 003 L63 §4.4)


async def review(session: AsyncSession, *, site_id: int, week: date) -> WeeklyReview | None:
    rows = await session.exec(select(WeeklyReview).where(WeeklyReview.site_id == site_id, WeeklyReview.week == week))
    return rows.first()


async def get_review(session: AsyncSession, *, review_id: int) -> WeeklyReview | None:
    return await session.get(WeeklyReview, review_id)


async def put_review(
    session: AsyncSession, *, site_id: int, week: date, counts: dict[str, int], at: datetime
) -> WeeklyReview:
    """The week's review as compiled now (made once; compiled again, its counts are replaced)."""
    row = await review(session, site_id=site_id, week=week)
    if row is None:
        row = WeeklyReview(site_id=site_id, week=week, compiled_at=at, counts=counts)
    else:
        row.counts, row.compiled_at = dict(counts), at
    session.add(row)
    await session.flush()
    return row


async def last_unsigned_review(session: AsyncSession, *, site_ids: Sequence[int]) -> WeeklyReview | None:
    rows = await session.exec(
        select(WeeklyReview)
        .where(col(WeeklyReview.site_id).in_(list(site_ids)), col(WeeklyReview.signed_at).is_(None))
        .order_by(col(WeeklyReview.week).desc())
    )
    return rows.first()


def all_reviews(session: AsyncSession, window: chunks.Window | None = None) -> AsyncIterator[Sequence[WeeklyReview]]:
    """Every weekly review (or a site's whose week begins in ``window``), by site and week, in chunks."""
    stmt = select(WeeklyReview).order_by(col(WeeklyReview.site_id), col(WeeklyReview.week))
    if window:
        stmt = stmt.where(*window.days(col(WeeklyReview.site_id), col(WeeklyReview.week)))
    return chunks.scalars(session, stmt)


# Monthly statistics (handlers.reports): aggregates computed by the database.


async def round_figures_between(
    session: AsyncSession, *, site_id: int, start: datetime, end: datetime
) -> list[tuple[str, int, int, int, int]]:
    """Per plan (by name), the scheduled rounds due in [start, end) whose outcome is known: (plan,
    rounds, on time = done and never reminded late, late = reminded late, missed). A round still
    due or running and not yet late is left out (it may still be on time)."""
    plans = table_of(PatrolPlan)
    r, p = _ROUND.c, plans.c
    settled = or_(r.status.in_(("done", "missed")), r.late_at.is_not(None))
    stmt = (
        sa_select(
            p.name,
            func.count(),
            spans.count_if(and_(r.status == "done", r.late_at.is_(None))),
            spans.count_if(r.late_at.is_not(None)),
            spans.count_if(r.status == "missed"),
        )
        .join(plans, p.id == r.plan_id)
        .where(r.site_id == site_id, r.due_at >= start, r.due_at < end, r.manual.is_(False), settled)
        .group_by(p.name)
        .order_by(p.name)
    )
    connection = await session.connection()
    rows = (await connection.execute(stmt)).all()
    return [(str(name), int(n), int(ok), int(late), int(missed)) for name, n, ok, late, missed in rows]


async def finding_figures_between(
    session: AsyncSession, *, site_id: int, start: datetime, end: datetime
) -> tuple[int, int]:
    """(problems found by rounds in [start, end), of those re-checked on site): the non-conformities
    counted monthly and checked again (003 L39; 001 L551)."""
    f = table_of(PatrolFinding).c
    stmt = sa_select(func.count(), spans.count_if(f.recheck == "done")).where(
        f.site_id == site_id, f.problem.is_(True), f.created_at >= start, f.created_at < end
    )
    connection = await session.connection()
    problems, rechecked = (await connection.execute(stmt)).one()
    return int(problems), int(rechecked or 0)


def rounds_in_period(
    session: AsyncSession, *, site_id: int, start: datetime, end: datetime
) -> AsyncIterator[Sequence[Row[Any]]]:
    """A site's rounds due in [start, end), by due time, each with its plan's name."""
    plans = table_of(PatrolPlan)
    r = _ROUND.c
    stmt = (
        sa_select(*(chunks.raw_time(column) for column in _ROUND.c), plans.c.name.label("plan"))
        .join(plans, plans.c.id == r.plan_id)
        .where(r.site_id == site_id, r.due_at >= start, r.due_at < end)
        .order_by(r.due_at, r.id)
    )
    return chunks.rows(session, stmt)
