"""A stored record's id, said once: ``require_id(ticket)`` rather than ``ticket.id or 0``, which
silently turns a record not yet written into id 0 (a timer, a link or a query about nothing)."""

from __future__ import annotations

from typing import Protocol


class Identified(Protocol):
    @property
    def id(self) -> int | None: ...


class NotStored(RuntimeError):
    """A record's id was wanted before the record was written (added but not flushed)."""


def require_id(record: Identified) -> int:
    """The id of a record known to be stored; raises :class:`NotStored` when it has none yet."""
    if record.id is None:
        raise NotStored(f"{type(record).__name__} has no id: it was not written yet (flush it first)")
    return record.id
