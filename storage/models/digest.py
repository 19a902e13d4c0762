"""A manager's choice of the shift digest (handlers.digest): on unless they turned it off."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

from storage.clock import utcnow


class DigestChoice(SQLModel, table=True):
    """``/digest on|off`` of one person (for all their sites); no row means on. While on, the
    per-event pings that policy marks digest-only (handlers.core.notices.DIGEST_ONLY) are not sent
    to them as a manager: the digest carries them."""

    telegram_id: int = Field(primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False})
    enabled: bool = True
    changed_at: datetime = Field(default_factory=utcnow)
