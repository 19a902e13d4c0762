"""Files the bot made and sends through the outbox (report charts, workbooks): the outbox row names
one as ``upload:<id>`` in ``photo_file_id``; the delivery reads the bytes and uploads them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Upload, table_of

PREFIX = "upload:"
_TABLE = table_of(Upload)


async def add(session: AsyncSession, *, name: str, data: bytes) -> str:
    """Store a file in the caller's transaction; returns the reference an outbox row carries."""
    connection = await session.connection()
    result = await connection.execute(insert(_TABLE).values(name=name[:200], data=data).returning(_TABLE.c.id))
    return f"{PREFIX}{result.scalar_one()}"


def upload_id(reference: str | None) -> int | None:
    """The upload a file reference names, or None for a Telegram file id."""
    if reference is None or not reference.startswith(PREFIX):
        return None
    number = reference.removeprefix(PREFIX)
    return int(number) if number.isdigit() else None


async def get(session: AsyncSession, *, upload_id: int) -> tuple[str, bytes] | None:
    """(file name, bytes) of a stored file, or None once purged."""
    connection = await session.connection()
    row = (await connection.execute(select(_TABLE.c.name, _TABLE.c.data).where(_TABLE.c.id == upload_id))).first()
    return None if row is None else (row.name, bytes(row.data))


async def purge(session: AsyncSession, *, before: datetime) -> int:
    """Delete the files made before ``before`` (their messages were sent or given up on long ago)."""
    connection = await session.connection()
    result = await connection.execute(delete(_TABLE).where(_TABLE.c.created_at < before))
    return int(getattr(result, "rowcount", 0) or 0)
