"""Times are aware UTC everywhere below the edges (sqlmodel's UTCDateTime stores them so on both
SQLite and PostgreSQL); they are shown in the site's time zone only when a message is written.

``utcnow`` is real time, except inside :func:`movable`, where the caller may move it forward: the
offline console (``dutydesk chat``, ``:wait``) does, so that every time it stores or shows (a
record's default ``created_at``, the outbox's, a lease's) follows its clock, not the wall's."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

_ahead = timedelta()  # how far the clock was moved forward (zero but inside ``movable``)


def utcnow() -> datetime:
    return datetime.now(UTC) + _ahead


@contextmanager
def movable() -> Iterator[Callable[[timedelta], None]]:
    """A clock the block may move forward with the function it yields; real time again after it.
    One process, one clock: meant for the console, which runs alone in its process."""
    global _ahead

    def forward(step: timedelta) -> None:
        global _ahead
        if step < timedelta():
            raise ValueError("the clock only moves forward")
        _ahead += step

    try:
        yield forward
    finally:
        _ahead = timedelta()
