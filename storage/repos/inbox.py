"""The inbox: updates stored before Telegram is told they were received, removed when handled.

A row carries a lease: the process that stored (or swept) it handles it; a row whose lease ran out
(its process died, or the database was away) is taken by the next sweep. Handling is once-only
because the handling transaction inserts ProcessedUpdate and deletes the row together.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Inbox, table_of

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
            "attempts": 0,
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
    """Take rows whose lease ran out (or that have none), oldest first, for this process."""
    expired = or_(col(Inbox.lease_until).is_(None), col(Inbox.lease_until) < now)
    due = (
        select(Inbox.update_id)
        .where(expired)
        .order_by(col(Inbox.update_id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list((await session.exec(due)).all())
    if not ids:
        return []
    result = await session.exec(  # type: ignore[call-overload]
        update(Inbox)
        .where(col(Inbox.update_id).in_(ids), expired)
        .values(lease_until=now + lease, claimed_by=token, attempts=col(Inbox.attempts) + 1)
        .returning(Inbox)
        .execution_options(synchronize_session=False)
    )
    return list(result.scalars().all())


async def release_all(session: AsyncSession) -> int:
    """At start of a single-process (SQLite) bot: whatever an earlier run leased is due now."""
    result = await session.exec(update(Inbox).values(lease_until=None, claimed_by=None))  # type: ignore[call-overload]
    return int(result.rowcount or 0)


async def pending(session: AsyncSession) -> int:
    from sqlalchemy import func

    return int((await session.exec(select(func.count()).select_from(Inbox))).one())
