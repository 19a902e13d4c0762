"""The inbox: updates stored before Telegram is told they were received, removed when handled.

A row carries a lease: the process that stored (or swept) it handles it; a row whose lease ran out
(the database was away, handling failed) or whose process died (storage.liveness) is taken by the
next sweep. Handling is once-only because the handling transaction inserts ProcessedUpdate and
deletes the row together. Each take is counted before handling (:func:`store` counts the first, a
worker :func:`count_attempt` every later one), so a row that kills its process counts too; one
taken too often is set aside (:func:`set_aside`), kept, and shown by ``dutydesk inbox --dead``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, func, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Inbox, table_of
from storage.repos.claims import owners_gone

_TABLE = table_of(Inbox)
_CHUNK = 100  # rows per INSERT: 600 parameters, under every SQLite's limit (999 before 3.32)
# Built once: an ORM delete built per update cost ~0.2 ms of each update's handling (bench/bench_log.py).
_DONE = delete(_TABLE).where(_TABLE.c.update_id == bindparam("done_id"))


async def store(
    session: AsyncSession, *, updates: Sequence[tuple[int, str]], now: datetime, lease: timedelta, token: str
) -> set[int]:
    """Store a batch of (update_id, payload); returns the ids that were new (the caller handles
    those; a redelivered one is already here, leased by whoever stored it first)."""
    if not updates:
        return set()
    connection = await session.connection()
    rows = [
        {
            "update_id": update_id,
            "payload": payload,
            "received_at": now,
            "lease_until": now + lease,
            "claimed_by": token,
            "attempts": 1,  # taken by the process that stores it: a death before handling counts
        }
        for update_id, payload in updates
    ]
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    fresh: set[int] = set()
    # One multi-row INSERT per chunk (a getUpdates batch is at most 100): its RETURNING names the
    # rows that were new. A statement per update cost ~7% of the bot's CPU (bench/bench_log.py).
    for start in range(0, len(rows), _CHUNK):
        stmt = insert(_TABLE).values(rows[start : start + _CHUNK]).on_conflict_do_nothing()
        result = await connection.execute(stmt.returning(_TABLE.c.update_id))
        fresh.update(int(update_id) for update_id in result.scalars())
    return fresh


async def done(session: AsyncSession, *, update_id: int | None) -> None:
    """In the handling transaction: the update is handled (ProcessedUpdate is the proof)."""
    if update_id is not None:
        connection = await session.connection()
        await connection.execute(_DONE, {"done_id": update_id})


async def claim_expired(
    session: AsyncSession, *, now: datetime, lease: timedelta, token: str, limit: int = 50
) -> list[Inbox]:
    """Take rows whose lease ran out, that have none, or whose process died, oldest first, for this
    process. Not counted here: a worker counts each when it starts on it (:func:`count_attempt`),
    so rows that merely waited in a queue when their process died are not blamed for it."""
    live = col(Inbox.dead_at).is_(None)
    dead = await owners_gone(session, Inbox, live)
    expired = or_(col(Inbox.lease_until).is_(None), col(Inbox.lease_until) < now, col(Inbox.claimed_by).in_(dead))
    due = (
        select(Inbox.update_id)
        .where(live, expired)
        .order_by(col(Inbox.update_id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list((await session.exec(due)).all())
    if not ids:
        return []
    result = await session.exec(  # type: ignore[call-overload]
        update(Inbox)
        .where(col(Inbox.update_id).in_(ids), live, expired)
        .values(lease_until=now + lease, claimed_by=token)
        .returning(Inbox)
        .execution_options(synchronize_session=False)
    )
    return sorted(result.scalars().all(), key=lambda row: row.update_id)


async def attempts_of(session: AsyncSession, *, update_id: int, lock: bool = True) -> int | None:
    """How often a waiting row was taken (with ``lock``, locked until the transaction ends); None
    when it is gone or set aside."""
    query = select(Inbox.attempts).where(col(Inbox.update_id) == update_id, col(Inbox.dead_at).is_(None))
    return (await session.exec(query.with_for_update() if lock else query)).first()


async def count_attempt(
    session: AsyncSession, *, update_id: int, now: datetime, lease: timedelta, token: str, uncounted: bool = False
) -> Inbox | None:
    """A worker starts on a row it took again: count the attempt (committed before handling, so a
    death while handling counts) and renew the lease. None when the row is gone or set aside.
    ``uncounted``: the last attempt only met a database outage, which is not the row's fault."""
    increment = 0 if uncounted else 1
    result = await session.exec(  # type: ignore[call-overload]
        update(Inbox)
        .where(col(Inbox.update_id) == update_id, col(Inbox.dead_at).is_(None))
        .values(attempts=col(Inbox.attempts) + increment, lease_until=now + lease, claimed_by=token)
        .returning(Inbox)
        .execution_options(synchronize_session=False)
    )
    return result.scalars().first()  # type: ignore[no-any-return]


async def failed(session: AsyncSession, *, update_id: int, error: str, retry_at: datetime) -> None:
    """An attempt failed in the process: keep why, and let a sweep take the row at ``retry_at``."""
    await session.exec(  # type: ignore[call-overload]
        update(Inbox)
        .where(col(Inbox.update_id) == update_id, col(Inbox.dead_at).is_(None))
        .values(last_error=error[:500], lease_until=retry_at)
    )


async def set_aside(session: AsyncSession, *, update_id: int, now: datetime, error: str) -> bool:
    """Set a row aside as dead (kept, never taken again); False when it already was, or is gone
    (so the caller tells its sender once)."""
    result = await session.exec(  # type: ignore[call-overload]
        update(Inbox)
        .where(col(Inbox.update_id) == update_id, col(Inbox.dead_at).is_(None))
        .values(dead_at=now, claimed_by=None, lease_until=None, last_error=func.coalesce(Inbox.last_error, error[:500]))
    )
    return bool(result.rowcount)


async def release_all(session: AsyncSession) -> int:
    """At start of a single-process (SQLite) bot: whatever an earlier run leased is due now."""
    result = await session.exec(  # type: ignore[call-overload]
        update(Inbox).where(col(Inbox.dead_at).is_(None)).values(lease_until=None, claimed_by=None)
    )
    return int(result.rowcount or 0)


async def pending(session: AsyncSession) -> int:
    """Rows waiting to be handled (not those set aside)."""
    query = select(func.count()).select_from(Inbox).where(col(Inbox.dead_at).is_(None))
    return int((await session.exec(query)).one())


async def listing(session: AsyncSession, *, dead: bool, limit: int) -> Sequence[Inbox]:
    """Rows waiting, or (``dead``) those set aside, oldest first."""
    state = col(Inbox.dead_at).is_not(None) if dead else col(Inbox.dead_at).is_(None)
    return (await session.exec(select(Inbox).where(state).order_by(col(Inbox.update_id)).limit(limit))).all()


async def requeue(session: AsyncSession, *, update_id: int | None) -> int:
    """Put a row set aside (or every one) back in the inbox, with a fresh count of attempts."""
    query = update(Inbox).where(col(Inbox.dead_at).is_not(None))
    if update_id is not None:
        query = query.where(col(Inbox.update_id) == update_id)
    result = await session.exec(  # type: ignore[call-overload]
        query.values(dead_at=None, attempts=0, lease_until=None, claimed_by=None)
    )
    return int(result.rowcount or 0)
