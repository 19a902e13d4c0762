"""Atomic claiming of due rows, shared by the timer sweep and the outbox delivery.

One statement: ``UPDATE … SET claimed_by=:me WHERE id IN (SELECT id … FOR UPDATE SKIP LOCKED)
RETURNING …``. On PostgreSQL the row locks make two sweepers take disjoint rows; SQLite runs the
statement under its single writer lock (FOR UPDATE is not emitted there), which is as strong.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlmodel.ext.asyncio.session import AsyncSession


async def claim_due(
    session: AsyncSession,
    model: Any,
    *,
    due_column: Any,
    now: datetime,
    token: str,
    limit: int,
    from_state: str = "pending",
    to_state: str | None = None,
    extra_values: dict[str, Any] | None = None,
) -> Sequence[Any]:
    """Take up to ``limit`` rows in ``from_state`` due by ``now``; returns them as model objects."""
    due = (
        select(model.id)
        .where(model.state == from_state, due_column <= now)
        .order_by(due_column, model.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    values: dict[str, Any] = {"claimed_by": token, **(extra_values or {})}
    if to_state:
        values["state"] = to_state
    stmt = (
        update(model)
        .where(model.id.in_(due.scalar_subquery()), model.state == from_state)
        .values(**values)
        .returning(model)
        .execution_options(synchronize_session=False)
    )
    result = await session.exec(stmt)  # type: ignore[call-overload]
    return list(result.scalars().all())
