"""The failures the bot's loop tells apart, and an error said in one line."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

from handlers.core.desk import StorageUnavailable

# The database is away (or refused a statement): what was being done is tried again later, and
# nothing is lost meanwhile (the update stays in the inbox, the message in the outbox).
STORAGE_ERRORS = (SQLAlchemyError, OSError, StorageUnavailable)


class StartupError(RuntimeError):
    """The bot cannot start; the message says why in one line."""


def first_line(exc: BaseException) -> str:
    """The first line of an error's text, at most 200 characters (for one-line reports)."""
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
