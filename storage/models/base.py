"""What every model module shares: a model's Core table."""

from __future__ import annotations

from sqlalchemy import Table
from sqlmodel import SQLModel


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a model, for statements on hot paths that skip the ORM."""
    return model.__table__  # type: ignore[attr-defined, no-any-return]
