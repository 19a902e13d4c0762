"""Drafts, message links (bot message ↔ record), processed update ids and resident tickets."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.clock import utcnow
from storage.models import Draft, MessageLink, ProcessedUpdate, Ticket, table_of
from storage.repos import chunks


def _per_dialect(build: Any) -> dict[str, Any]:
    return {"sqlite": build(sqlite.insert), "postgresql": build(postgresql.insert)}


_FIRST_DELIVERY = _per_dialect(
    lambda insert: (
        insert(table_of(ProcessedUpdate)).on_conflict_do_nothing().returning(table_of(ProcessedUpdate).c.update_id)
    )
)
_LINK = _per_dialect(lambda insert: insert(table_of(MessageLink)).on_conflict_do_nothing())


async def first_delivery(session: AsyncSession, *, update_id: int) -> bool:
    """True the first time an update id is seen; False for a duplicate (the row is the proof).
    One statement, so two processes given the same update cannot both proceed."""
    connection = await session.connection()
    result = await connection.execute(
        _FIRST_DELIVERY[connection.dialect.name], {"update_id": update_id, "processed_at": utcnow()}
    )
    return result.first() is not None


async def link_many(session: AsyncSession, *, links: Sequence[tuple[int, int, str, int]]) -> None:
    """Remember which record each (chat, message) shows; a repeated pair is ignored."""
    if not links:
        return
    connection = await session.connection()
    rows = [{"chat_id": c, "message_id": m, "ref_kind": k, "ref_id": r} for c, m, k, r in links]
    await connection.execute(_LINK[connection.dialect.name], rows[0] if len(rows) == 1 else rows)


async def linked(session: AsyncSession, *, chat_id: int, message_id: int) -> MessageLink | None:
    result = await session.exec(
        select(MessageLink).where(MessageLink.chat_id == chat_id, MessageLink.message_id == message_id)
    )
    return result.first()


async def add_draft(session: AsyncSession, draft: Draft) -> Draft:
    session.add(draft)
    await session.flush()
    return draft


async def get_draft(session: AsyncSession, *, draft_id: int) -> Draft | None:
    return await session.get(Draft, draft_id)


async def add_ticket(session: AsyncSession, ticket: Ticket) -> Ticket:
    session.add(ticket)
    await session.flush()
    return ticket


def all_tickets(session: AsyncSession) -> AsyncIterator[list[chunks.Record]]:
    """Every ticket, oldest first, in chunks of dicts."""
    return chunks.records(session, Ticket, "id")
