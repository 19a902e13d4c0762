"""The child rows of many records at once (the notes of each incident, the checks of each round…),
in one query, grouped by their record: what a listing or an export of many records reads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

Row = TypeVar("Row", bound=SQLModel)


async def of(
    session: AsyncSession, model: type[Row], parent: Any, parent_ids: Sequence[int], *, order_by: Any
) -> dict[int, list[Row]]:
    """``model``'s rows whose ``parent`` column is one of ``parent_ids``, by parent id in ``order_by``
    order; every id given has its list, empty when it has no rows."""
    out: dict[int, list[Row]] = {i: [] for i in parent_ids}
    if not parent_ids:
        return out
    rows = await session.exec(select(model).where(col(parent).in_(list(parent_ids))).order_by(col(order_by)))
    for row in rows.all():
        out[getattr(row, parent.key)].append(row)
    return out
