"""Reading a whole table in chunks, for exports: memory stays flat however many rows there are."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import TypeVar, TypeVarTuple, Unpack

from sqlalchemy import Row
from sqlalchemy.sql import Select
from sqlmodel.ext.asyncio.session import AsyncSession

T = TypeVar("T")
Ts = TypeVarTuple("Ts")
CHUNK = 1000  # rows per fetch; also the size of the IN (...) lists that fetch each chunk's details


async def scalars(session: AsyncSession, statement: Select[T], size: int = CHUNK) -> AsyncIterator[Sequence[T]]:
    """The statement's records, ``size`` at a time, from a server-side cursor (PostgreSQL) or a stepped
    SQLite cursor: the session may run other queries (a chunk's details) between two chunks."""
    result = await session.stream_scalars(statement.execution_options(yield_per=size))
    async for part in result.partitions(size):
        yield part


async def rows(
    session: AsyncSession, statement: Select[Unpack[Ts]], size: int = CHUNK
) -> AsyncIterator[Sequence[Row[Unpack[Ts]]]]:
    """Like :func:`scalars` for a statement of several columns or records (one row each)."""
    result = await session.stream(statement.execution_options(yield_per=size))
    async for part in result.partitions(size):
        yield part
