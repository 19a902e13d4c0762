"""Atomic claiming of due rows, shared by the timer sweep, the outbox delivery and the inbox.

Two statements in one transaction: ``SELECT id … ORDER BY due LIMIT n FOR UPDATE SKIP LOCKED``,
then ``UPDATE … SET claimed_by=:me WHERE id IN (:ids) AND state=:from RETURNING …``. On PostgreSQL
the row locks (held until commit) make two sweepers take disjoint rows. The two steps are kept
apart on purpose: written as ``UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)``,
PostgreSQL may plan the subquery as a semi-join that is evaluated again per row and ignores the
LIMIT, so one process could claim every due row. SQLite runs both under its single writer lock
(FOR UPDATE is not emitted there), which is as strong.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.liveness import PREFIX, dead_owners


async def claim_due(
    session: AsyncSession,
    model: Any,
    *,
    due_column: Any,
    now: datetime,
    token: str,
    limit: int,
    from_state: StrEnum,
    to_state: StrEnum | None = None,
    extra_values: dict[str, Any] | None = None,
    order_by: Sequence[Any] = (),
) -> Sequence[Any]:
    """Take up to ``limit`` rows in ``from_state`` due by ``now``; returns them as model objects.
    ``order_by`` comes before the due time (the outbox sends urgent rows first)."""
    due = (
        select(model.id)
        .where(model.state == from_state, due_column <= now)
        .order_by(*order_by, due_column, model.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list((await session.exec(due)).all())
    if not ids:
        return []
    values: dict[str, Any] = {"claimed_by": token, **(extra_values or {})}
    if to_state:
        values["state"] = to_state
    stmt = (
        update(model)
        .where(model.id.in_(ids), model.state == from_state)
        .values(**values)
        .returning(model)
        .execution_options(synchronize_session=False)
    )
    result = await session.exec(stmt)  # type: ignore[call-overload]
    rank = {row_id: k for k, row_id in enumerate(ids)}
    # RETURNING gives no order: put the rows back in the order asked for (urgent first)
    return sorted(result.scalars().all(), key=lambda row: rank[row.id])


async def owners_gone(session: AsyncSession, model: Any, claimed: ColumnElement[bool]) -> list[str]:
    """The tokens of dead processes (storage.liveness) that still hold rows matching ``claimed``:
    their rows are taken over at once rather than after the lease or the stale time. PostgreSQL
    only: on SQLite the one process released its rows at start."""
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        return []
    owned = select(model.claimed_by).where(claimed, col(model.claimed_by).startswith(PREFIX)).distinct()
    return sorted(await dead_owners(session, (await session.exec(owned)).all()))


async def release_stale(
    session: AsyncSession, model: Any, *, claimed: StrEnum, claimed_at: Any, older_than: datetime, to_state: StrEnum
) -> int:
    """Give back rows a process claimed (in state ``claimed``) and never finished, to ``to_state``: at
    once when its death is known (storage.liveness), else once ``claimed_at`` is before ``older_than``.
    Returns how many."""
    held = col(model.state) == claimed
    dead = await owners_gone(session, model, held)
    stale = col(claimed_at) < older_than
    result = await session.exec(  # type: ignore[call-overload]
        update(model)
        .where(held, or_(stale, col(model.claimed_by).in_(dead)) if dead else stale)
        .values(state=to_state, claimed_by=None)
    )
    return int(result.rowcount or 0)
