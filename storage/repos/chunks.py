"""Reading a whole table in chunks, for exports: memory stays flat however many rows there are."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeAlias, TypeVar, TypeVarTuple

from sqlalchemy import DateTime, Row, TypeDecorator, select, type_coerce
from sqlalchemy.sql import ColumnElement, Select
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import table_of

T = TypeVar("T")
Ts = TypeVarTuple("Ts")
CHUNK = 1000  # rows per fetch; also the size of the IN (...) lists that fetch each chunk's details
# A row of a model's table as a dict: its columns by name, as the model's fields (``row["site_id"]``).
Record: TypeAlias = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Window:
    """One site's period for an export (``/export KIND 2026-11``, ``dutydesk export --month``): the
    records whose time is in [start, end) (UTC) or whose day is in [first_day, end_day) (the site's
    calendar). The database picks them: an export of a month reads that month, not the history."""

    site_id: int
    start: datetime
    end: datetime
    first_day: date
    end_day: date

    def times(self, site: Any, when: Any) -> tuple[ColumnElement[bool], ...]:
        """The conditions on a site column and a time column."""
        return (site == self.site_id, when >= self.start, when < self.end)

    def days(self, site: Any, day: Any) -> tuple[ColumnElement[bool], ...]:
        """The conditions on a site column and a date column."""
        return (site == self.site_id, day >= self.first_day, day < self.end_day)


async def scalars(session: AsyncSession, statement: Select[T], size: int | None = None) -> AsyncIterator[Sequence[T]]:
    """The statement's records, ``size`` at a time, from a server-side cursor (PostgreSQL) or a stepped
    SQLite cursor: the session may run other queries (a chunk's details) between two chunks."""
    size = size or CHUNK
    result = await session.stream_scalars(statement.execution_options(yield_per=size))
    async for part in result.partitions(size):
        yield part


async def rows(
    session: AsyncSession, statement: Select[*Ts], size: int | None = None
) -> AsyncIterator[Sequence[Row[*Ts]]]:
    """Like :func:`scalars` for a statement of several columns or records (one row each)."""
    size = size or CHUNK
    result = await session.stream(statement.execution_options(yield_per=size))
    async for part in result.partitions(size):
        yield part


async def records(
    session: AsyncSession, model: type[SQLModel], *order_by: str, where: Sequence[ColumnElement[bool]] = ()
) -> AsyncIterator[list[Record]]:
    """Every row of a model's table (those meeting ``where``) in chunks, as dicts rather than model
    instances: for the hundreds of thousands of rows of an export they cost a fifth of the CPU."""
    table = table_of(model)
    names = table.c.keys()
    columns = [raw_time(c) for c in table.c]
    statement = select(*columns).where(*where).order_by(*(table.c[name] for name in order_by))
    async for part in rows(session, statement):
        yield [dict(zip(names, row, strict=True)) for row in part]  # 4x quicker than Row._asdict()


def raw_time(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """A time column read as the driver gives it, without SQLModel's per-value conversion to an aware
    UTC time (a Python call per value): SQLite's times come naive, in UTC, PostgreSQL's aware; the
    export's ``iso`` reads both alike."""
    if isinstance(column.type, TypeDecorator) and isinstance(column.type.impl_instance, DateTime):
        return type_coerce(column, DateTime(timezone=column.type.impl_instance.timezone)).label(column.key)
    return column
