"""A column type for domain codes: stored as plain VARCHAR (as before), read back as the enum."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy import String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

E = TypeVar("E", bound=StrEnum)


class Coded(TypeDecorator[E], Generic[E]):
    """A ``StrEnum`` kept in a ``VARCHAR(length)``: no database enum type, so no migration and the
    exports read the same strings; a value the enum does not know fails on write, and on read (a
    row written by hand) comes back as the bare string rather than crashing a listing."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return str(self.enum(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        try:
            return self.enum(value)
        except ValueError:
            return value

    def coerce_compared_value(self, op: Any, value: Any) -> Any:
        return self
