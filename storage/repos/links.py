"""Message links: which record a bot message in a chat shows (bot message ↔ record)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import MessageLink, table_of

_TABLE = table_of(MessageLink)
_LINK = {
    "sqlite": sqlite.insert(_TABLE).on_conflict_do_nothing(),
    "postgresql": postgresql.insert(_TABLE).on_conflict_do_nothing(),
}


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


async def newest_message(session: AsyncSession, *, chat_id: int, ref_kind: str, ref_id: int) -> int | None:
    """The newest message in a chat that shows the record (its card), if its link is stored."""
    stmt = select(func.max(MessageLink.message_id)).where(
        MessageLink.chat_id == chat_id, MessageLink.ref_kind == ref_kind, MessageLink.ref_id == ref_id
    )
    return (await session.exec(stmt)).first()
