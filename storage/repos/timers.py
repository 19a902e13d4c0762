"""Business timers (escalations, report reminders): rows with a due time, swept and claimed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.clock import utcnow
from storage.models import Timer, table_of
from storage.repos.claims import claim_due, owners_gone

_TIMER = table_of(Timer)
_ENSURE = {
    "sqlite": sqlite.insert(_TIMER).on_conflict_do_nothing().returning(_TIMER.c.id),
    "postgresql": postgresql.insert(_TIMER).on_conflict_do_nothing().returning(_TIMER.c.id),
}


async def schedule(session: AsyncSession, *, kind: str, ref_id: int, site_id: int, due_at: datetime) -> Timer:
    timer = Timer(kind=kind, ref_id=ref_id, site_id=site_id, due_at=due_at)
    session.add(timer)
    await session.flush()
    return timer


async def ensure(session: AsyncSession, *, kind: str, ref_id: int, site_id: int, due_at: datetime) -> bool:
    """Make the timer unless one of this (kind, site, ref) exists, in any state; True when made.
    Safe when two processes plan the same job at once (one insert wins, the other does nothing)."""
    connection = await session.connection()
    values = {
        "kind": kind,
        "ref_id": ref_id,
        "site_id": site_id,
        "due_at": due_at,
        "state": "pending",
        "fired": 0,
        "updated_at": utcnow(),
    }
    result = await connection.execute(_ENSURE[connection.dialect.name], values)
    return result.first() is not None


async def claim(session: AsyncSession, *, now: datetime, token: str, limit: int = 50) -> Sequence[Timer]:
    """Claim due pending timers: they move to ``running`` until :func:`finish` or :func:`reschedule`."""
    return await claim_due(
        session,
        Timer,
        due_column=Timer.due_at,
        now=now,
        token=token,
        limit=limit,
        to_state="running",
        extra_values={"updated_at": utcnow()},
    )


async def reschedule(session: AsyncSession, *, timer: Timer, due_at: datetime) -> None:
    timer.due_at, timer.state, timer.fired, timer.updated_at = due_at, "pending", timer.fired + 1, utcnow()
    session.add(timer)


async def finish(session: AsyncSession, *, timer: Timer, state: str = "done") -> None:
    timer.state, timer.updated_at = state, utcnow()
    session.add(timer)


async def cancel_for(session: AsyncSession, *, kind: str, ref_id: int) -> None:
    await session.exec(  # type: ignore[call-overload]
        update(Timer)
        .where(col(Timer.kind) == kind, col(Timer.ref_id) == ref_id, col(Timer.state) == "pending")
        .values(state="cancelled", updated_at=utcnow())
    )


async def release_stale(session: AsyncSession, *, older_than: datetime) -> int:
    """Give back timers a crashed process claimed and never finished: at once when its death is
    known (storage.liveness), else once claimed before ``older_than``."""
    running = col(Timer.state) == "running"
    dead = await owners_gone(session, Timer, running)
    stale = col(Timer.updated_at) < older_than
    result = await session.exec(  # type: ignore[call-overload]
        update(Timer)
        .where(running, or_(stale, col(Timer.claimed_by).in_(dead)) if dead else stale)
        .values(state="pending", claimed_by=None)
    )
    return int(result.rowcount or 0)
