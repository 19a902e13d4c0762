"""One-time invite codes for /start deep links."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.codes import Role
from storage.models import Invite


async def create(session: AsyncSession, *, site_id: int, role: Role, created_by: int, expires_at: datetime) -> Invite:
    invite = Invite(
        code=secrets.token_urlsafe(12), site_id=site_id, role=role, created_by=created_by, expires_at=expires_at
    )
    session.add(invite)
    await session.flush()
    return invite


async def redeem(session: AsyncSession, *, code: str, telegram_id: int, now: datetime) -> Invite | None:
    """Use a code once: the UPDATE matches only an unused, unexpired code, so two taps can't both win."""
    result = await session.exec(  # type: ignore[call-overload]
        update(Invite)
        .where(col(Invite.code) == code, col(Invite.used_by).is_(None), col(Invite.expires_at) > now)
        .values(used_by=telegram_id, used_at=now)
        .returning(Invite)
        .execution_options(synchronize_session=False)
    )
    return result.scalars().first()  # type: ignore[no-any-return]


async def peek(session: AsyncSession, *, code: str, now: datetime) -> Invite | None:
    """An unused, unexpired invite, without using it (to check it first)."""
    invite = await session.get(Invite, code[:32])
    if invite is None or invite.used_by is not None:
        return None
    expires = invite.expires_at if invite.expires_at.tzinfo else invite.expires_at.replace(tzinfo=UTC)
    return invite if expires > now else None
