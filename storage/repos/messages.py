"""Drafts, message links (bot message ↔ record), processed update ids and resident tickets."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Draft, MessageLink, ProcessedUpdate, Ticket


async def first_delivery(session: AsyncSession, *, update_id: int) -> bool:
    """True the first time an update id is seen; False for a duplicate (the row is the proof)."""
    try:
        async with session.begin_nested():
            session.add(ProcessedUpdate(update_id=update_id))
            await session.flush()
    except IntegrityError:
        return False
    return True


async def link(session: AsyncSession, *, chat_id: int, message_id: int, ref_kind: str, ref_id: int) -> None:
    existing = await linked(session, chat_id=chat_id, message_id=message_id)
    if existing is None:
        session.add(MessageLink(chat_id=chat_id, message_id=message_id, ref_kind=ref_kind, ref_id=ref_id))


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
