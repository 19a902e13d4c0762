"""Which bot processes are alive, so that a dead one's claimed rows are taken over at once.

On PostgreSQL each running bot holds a session-level advisory lock, on a connection of its own kept
for its whole life, whose key is written in its claim token (``live-<8 hex digits>``). A process
that dies (killed, out of memory, its machine gone) loses the connection, and PostgreSQL frees the
lock; a sweeper asks ``pg_try_advisory_xact_lock`` for each owner of a claimed row: granted means
nobody holds it, so the owner is dead (the probe ends with the sweeper's transaction). Tokens
without that prefix (SQLite, a tool, an older version) are never judged dead this way: their rows
wait for the lease or the stale time, as before. On SQLite the bot is the only process and releases
its rows at start instead.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Iterable

from sqlalchemy import ARRAY, Integer, bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel.ext.asyncio.session import AsyncSession

log = logging.getLogger(__name__)

PREFIX = "live-"
# The first key of the two-key advisory lock form: DutyDesk's own space ("DDsk"), so the locks
# cannot clash with another application's advisory locks in the same database.
NAMESPACE = 0x4444736B
_TAKE = text("SELECT pg_try_advisory_lock(:space, :key)")
_PING = text("SELECT 1")
_PROBE = text("SELECT key FROM unnest(:keys) AS key WHERE pg_try_advisory_xact_lock(:space, key)").bindparams(
    bindparam("keys", type_=ARRAY(Integer))
)


def key_of(token: str) -> int | None:
    """The advisory lock key a live token names (a signed 32-bit integer), or None."""
    digits = token.removeprefix(PREFIX)
    if not token.startswith(PREFIX) or len(digits) != 8:
        return None
    try:
        value = int(digits, 16)
    except ValueError:
        return None
    return value - (1 << 32) if value >= 1 << 31 else value


def token_of(key: int) -> str:
    return f"{PREFIX}{key & 0xFFFFFFFF:08x}"


async def dead_owners(session: AsyncSession, owners: Iterable[str | None]) -> set[str]:
    """Of these claim tokens, those whose process is gone (PostgreSQL only; elsewhere none).
    One statement for all of them; each probe lock is freed when the caller's transaction ends."""
    keys = {key: token for token in owners if token and (key := key_of(token)) is not None}
    if not keys:
        return set()
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        return set()
    free = (await connection.execute(_PROBE, {"keys": list(keys), "space": NAMESPACE})).scalars()
    return {keys[key] for key in free}


class OwnerLock:
    """This process's advisory lock, on a dedicated connection (not the pool's) held for its life.
    :meth:`check` (each scheduler tick) takes it again after the connection was lost (a database
    outage or restart): until then other processes may take this one's rows, as after a death."""

    def __init__(self, url: str) -> None:
        self._engine: AsyncEngine = create_async_engine(url, poolclass=NullPool)
        self._connection: AsyncConnection | None = None
        self.key = secrets.randbits(32) - (1 << 31)
        self.token = token_of(self.key)

    async def acquire(self) -> str:
        """Take the lock (a new key if another live process drew this one); returns the token."""
        for _ in range(5):
            if await self._take():
                return self.token
            self.key = secrets.randbits(32) - (1 << 31)
            self.token = token_of(self.key)
        raise RuntimeError("could not take an owner lock")

    async def _take(self) -> bool:
        await self._drop()
        connection = await self._engine.connect()
        try:
            # Autocommit: an idle open transaction would hold back VACUUM for the process's life.
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            taken = bool((await connection.execute(_TAKE, {"space": NAMESPACE, "key": self.key})).scalar())
        except BaseException:
            await connection.close()
            raise
        if not taken:
            await connection.close()
            return False
        self._connection = connection
        return True

    async def check(self) -> bool:
        """Make sure the lock is held (True). A lost connection is opened again and the lock
        taken again; the database's error is raised when it does not answer (the caller logs the
        outage), and False returned while the server still holds the lock for the old connection."""
        if self._connection is not None:
            try:
                await asyncio.wait_for(self._connection.execute(_PING), timeout=5)
                return True
            except Exception:
                await self._drop()
        if not await self._take():
            return False
        log.info("owner lock %s taken again after its database connection was lost", self.token)
        return True

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.close()
            except Exception:  # already broken: nothing to release (the server freed the lock)
                await connection.invalidate()

    async def close(self) -> None:
        await self._drop()
        await self._engine.dispose()
