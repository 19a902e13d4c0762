"""Drafts: free-text group messages the classifier read as a record, waiting for one tap."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Draft


async def add(session: AsyncSession, draft: Draft) -> Draft:
    session.add(draft)
    await session.flush()
    return draft


async def get(session: AsyncSession, *, draft_id: int) -> Draft | None:
    return await session.get(Draft, draft_id)
