"""Time spans and medians computed by the database (the monthly statistics): one number comes back,
not the rows, so a report's memory does not grow with the records of its month."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ColumnElement, Select


def seconds_between(dialect: str, start: Any, end: Any) -> ColumnElement[float]:
    """``end - start`` in seconds, as a column expression of this dialect."""
    if dialect == "postgresql":
        return cast(func.extract("epoch", end - start), Float)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


async def median(connection: AsyncConnection, values: Select[Any]) -> float | None:
    """The median of the first column of ``values`` (None for no rows): counted, then the middle
    one or two read in order by the database (portable: SQLite has no percentile function)."""
    rows = values.subquery()
    value = rows.c[0]
    count = int((await connection.execute(select(func.count()).select_from(rows))).scalar_one())
    if count == 0:
        return None
    middle = select(value).order_by(value).offset((count - 1) // 2).limit(2 if count % 2 == 0 else 1)
    found = [float(v) for v in (await connection.execute(middle)).scalars().all()]
    return sum(found) / len(found)


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """How many rows meet ``condition`` (an aggregate; 0 for none)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)
