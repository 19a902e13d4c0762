"""Processed update ids: the proof that an update was handled once."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.clock import utcnow
from storage.models import ProcessedUpdate, table_of

_TABLE = table_of(ProcessedUpdate)
_FIRST_DELIVERY = {
    "sqlite": sqlite.insert(_TABLE).on_conflict_do_nothing().returning(_TABLE.c.update_id),
    "postgresql": postgresql.insert(_TABLE).on_conflict_do_nothing().returning(_TABLE.c.update_id),
}


async def first_delivery(session: AsyncSession, *, update_id: int) -> bool:
    """True the first time an update id is seen; False for a duplicate (the row is the proof).
    One statement, so two processes given the same update cannot both proceed."""
    connection = await session.connection()
    result = await connection.execute(
        _FIRST_DELIVERY[connection.dialect.name], {"update_id": update_id, "processed_at": utcnow()}
    )
    return result.first() is not None
