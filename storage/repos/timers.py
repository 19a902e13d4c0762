"""Business timers (escalations, report reminders): rows with a due time, swept and claimed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.clock import utcnow
from storage.models import Timer, table_of
from storage.models.plumbing import TimerState
from storage.repos import claims

_TIMER = table_of(Timer)
_ENSURE = {
    "sqlite": sqlite.insert(_TIMER).on_conflict_do_nothing().returning(_TIMER.c.id),
    "postgresql": postgresql.insert(_TIMER).on_conflict_do_nothing().returning(_TIMER.c.id),
}


def _arm_statements() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, insert in (("sqlite", sqlite.insert), ("postgresql", postgresql.insert)):
        stmt = insert(_TIMER)
        out[name] = stmt.on_conflict_do_update(
            index_elements=["kind", "site_id", "ref_id"],
            set_={
                "due_at": stmt.excluded.due_at,
                "state": TimerState.PENDING,
                "claimed_by": None,
                "updated_at": stmt.excluded.updated_at,
            },
        )
    return out


_ARM = _arm_statements()


async def schedule(session: AsyncSession, *, kind: str, ref_id: int, site_id: int, due_at: datetime) -> Timer:
    timer = Timer(kind=kind, ref_id=ref_id, site_id=site_id, due_at=due_at)
    session.add(timer)
    await session.flush()
    return timer


async def ensure(session: AsyncSession, *, kind: str, ref_id: int, site_id: int, due_at: datetime) -> bool:
    """Make the timer unless one of this (kind, site, ref) exists, in any state; True when made.
    Safe when two processes plan the same job at once (one insert wins, the other does nothing)."""
    connection = await session.connection()
    values = _new_row(kind=kind, ref_id=ref_id, site_id=site_id, due_at=due_at)
    result = await connection.execute(_ENSURE[connection.dialect.name], values)
    return result.first() is not None


async def arm(session: AsyncSession, *, kind: str, ref_id: int, site_id: int, due_at: datetime) -> None:
    """Set a timer to fire at ``due_at``, reviving the row of an earlier round (a timer is one row
    per kind, site and ref: a reopened ticket arms its deadline again). One upsert, so two
    processes arming the same timer cannot collide."""
    connection = await session.connection()
    values = _new_row(kind=kind, ref_id=ref_id, site_id=site_id, due_at=due_at)
    await connection.execute(_ARM[connection.dialect.name], values)


def _new_row(*, kind: str, ref_id: int, site_id: int, due_at: datetime) -> dict[str, Any]:
    """The columns of a fresh pending timer, for the Core inserts above."""
    return {
        "kind": kind,
        "ref_id": ref_id,
        "site_id": site_id,
        "due_at": due_at,
        "state": TimerState.PENDING,
        "fired": 0,
        "updated_at": utcnow(),
    }


async def state_of(session: AsyncSession, *, kind: str, ref_id: int, site_id: int) -> TimerState | None:
    """The state of the timer of this (kind, site, ref), None when there is none."""
    result = await session.exec(
        select(Timer.state).where(Timer.kind == kind, Timer.site_id == site_id, Timer.ref_id == ref_id)
    )
    state = result.first()
    return None if state is None else TimerState(state)


async def claim(session: AsyncSession, *, now: datetime, token: str, limit: int = 50) -> Sequence[Timer]:
    """Claim due pending timers: they move to ``running`` until :func:`finish` or :func:`reschedule`."""
    return await claims.claim_due(
        session,
        Timer,
        due_column=Timer.due_at,
        now=now,
        token=token,
        limit=limit,
        from_state=TimerState.PENDING,
        to_state=TimerState.RUNNING,
        extra_values={"updated_at": utcnow()},
    )


async def reschedule(session: AsyncSession, *, timer: Timer, due_at: datetime) -> None:
    timer.due_at, timer.state, timer.fired, timer.updated_at = due_at, TimerState.PENDING, timer.fired + 1, utcnow()
    session.add(timer)


async def finish(session: AsyncSession, *, timer: Timer, state: TimerState = TimerState.DONE) -> None:
    timer.state, timer.updated_at = state, utcnow()
    session.add(timer)


async def cancel_for(session: AsyncSession, *, kind: str, ref_id: int, site_id: int | None = None) -> None:
    """Cancel the pending timer of a record. A timer is one row per kind, site and ref: a ref that is
    a date (a duty day, a week) names every site's row, so pass ``site_id`` to cancel only one."""
    where = [col(Timer.kind) == kind, col(Timer.ref_id) == ref_id, col(Timer.state) == TimerState.PENDING]
    if site_id is not None:
        where.append(col(Timer.site_id) == site_id)
    await session.exec(  # type: ignore[call-overload]
        update(Timer).where(*where).values(state=TimerState.CANCELLED, updated_at=utcnow())
    )


async def release_stale(session: AsyncSession, *, older_than: datetime) -> int:
    """Give back timers a crashed process claimed and never finished: at once when its death is
    known (storage.liveness), else once claimed before ``older_than``."""
    return await claims.release_stale(
        session,
        Timer,
        claimed=TimerState.RUNNING,
        claimed_at=Timer.updated_at,
        older_than=older_than,
        to_state=TimerState.PENDING,
    )
