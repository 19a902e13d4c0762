"""Times are aware UTC everywhere below the edges (sqlmodel's UTCDateTime stores them so on both
SQLite and PostgreSQL); they are shown in the site's time zone only when a message is written."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
