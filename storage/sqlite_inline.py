"""SQLite run in the event loop's own thread, behind SQLAlchemy's aiosqlite dialect.

Why: aiosqlite sends every cursor operation to a worker thread and wakes the loop for the answer,
about four hops per statement; on this 2-core machine that was ~0.5 ms of CPU per statement, while
SQLite itself answers these small statements in microseconds (WAL, synchronous=NORMAL). The
dialect takes any connection with aiosqlite's async API through ``async_creator``; this one's
awaitables complete at once.

The loop must never wait on SQLite's file lock: the sqlite3 module runs in autocommit mode with
``busy_timeout=0``, and this connection begins each transaction itself, before its first
statement, with ``BEGIN IMMEDIATE`` (the write lock is taken up front, so a transaction never has
to upgrade later); a BEGIN that finds the database busy (another process or engine writing) is
retried with ``asyncio.sleep`` until ``lock_wait`` runs out. COMMIT and ROLLBACK end it as usual.
A read-only connection (exports) begins DEFERRED instead: in WAL a reader takes no lock that a writer
waits for, and it reads one snapshot however long it takes.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

BEGIN = "BEGIN IMMEDIATE"
BEGIN_READ = "BEGIN DEFERRED"


def _is_busy(error: sqlite3.OperationalError) -> bool:
    text = str(error).lower()
    return "database is locked" in text or "database is busy" in text


class InlineCursor:
    def __init__(self, connection: InlineConnection) -> None:
        self._connection = connection
        self._cursor = connection._connection.cursor()

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> InlineCursor:
        await self._connection.ensure_transaction(self._cursor, sql)
        self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> InlineCursor:
        await self._connection.ensure_transaction(self._cursor, sql)
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    async def setinputsizes(self, *sizes: Any) -> None:
        return None

    def __aiter__(self) -> InlineCursor:
        return self

    async def __anext__(self) -> Any:
        row = self._cursor.fetchone()
        if row is None:
            raise StopAsyncIteration
        return row


class InlineConnection:
    """The part of aiosqlite.Connection that SQLAlchemy's adapter uses."""

    def __init__(self, connection: sqlite3.Connection, lock_wait: float, begin: str = BEGIN) -> None:
        self._connection = connection  # the adapter checks this attribute before commit/rollback
        self.lock_wait = lock_wait
        self._begin = begin

    async def ensure_transaction(self, cursor: sqlite3.Cursor, sql: str) -> None:
        """Before the first statement of a transaction, take the write lock (as sqlite3's own
        implicit BEGIN would, but IMMEDIATE and waiting without blocking the loop). PRAGMAs run
        outside transactions (journal_mode cannot change inside one)."""
        if not self._connection.in_transaction and sql.lstrip()[:6].upper() != "PRAGMA":
            await self.begin(cursor)

    async def begin(self, cursor: sqlite3.Cursor) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.lock_wait
        pause = 0.0005
        while True:
            try:
                cursor.execute(self._begin)
                return
            except sqlite3.OperationalError as error:
                if not _is_busy(error) or loop.time() >= deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.05)

    @property
    def isolation_level(self) -> str | None:
        return self._connection.isolation_level

    def cursor(self) -> InlineCursor:
        return InlineCursor(self)

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> InlineCursor:
        cursor = self.cursor()
        await cursor.execute(sql, parameters)
        return cursor

    async def commit(self) -> None:
        self._connection.commit()

    async def rollback(self) -> None:
        self._connection.rollback()

    async def close(self) -> None:
        self._connection.close()

    def stop(self) -> None:
        self._connection.close()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._connection.create_function(*args, **kwargs)


def creator(path: str, *, lock_wait: float = 30.0, read_only: bool = False) -> Any:
    """An ``async_creator`` for ``create_async_engine`` that opens ``path`` inline; ``read_only``
    connections begin their transactions DEFERRED (they never take the write lock)."""

    async def connect() -> InlineConnection:
        # A reader in WAL is rarely told "busy" (while another connection resets the WAL index); a
        # read-only connection (a command-line export, alone in its loop) may simply wait for that.
        timeout = lock_wait if read_only else 0
        raw = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
        return InlineConnection(raw, lock_wait, BEGIN_READ if read_only else BEGIN)

    return connect
