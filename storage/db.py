"""The async engine, the session factory and the schema migrations."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import sqlite_inline

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def normalise_url(url: str) -> str:
    """Accept the plain URLs operators write and pick the async drivers."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        return "postgresql+asyncpg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
    return url


class Database:
    """One engine per process; sessions are short and one per unit of work."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = normalise_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        if self.is_sqlite:
            self._ensure_sqlite_dir()
        kwargs: dict[str, object] = {"echo": echo}
        if self.is_sqlite:
            # SQLite has one writer: one connection per process queues transactions in the pool
            # (an await); the connection runs in the loop's thread (see storage.sqlite_inline).
            kwargs.update(
                async_creator=sqlite_inline.creator(self._sqlite_path()), pool_size=1, max_overflow=0, pool_timeout=300
            )
        else:
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)

    def _sqlite_path(self) -> str:
        return self.url.split(":///", 1)[1].split("?", 1)[0] or ":memory:"

    def _ensure_sqlite_dir(self) -> None:
        """The folder and the file, made readable by the owner only: they hold residents' messages
        and unused invite codes (SQLite gives its -wal and -shm files the database file's mode)."""
        path = self._sqlite_path()
        if path == ":memory:" or path.startswith("file:"):
            return
        folder = Path(path).parent
        if not folder.exists():
            folder.mkdir(parents=True, mode=0o700)
        if not Path(path).exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session whose transaction commits when the block ends without error."""
        async with self.sessions() as session, session.begin():
            yield session

    async def migrate(self) -> None:
        """Bring the schema to the newest revision, as the bot does at every start: in a child
        process (``python -m storage.migrate``), so Alembic is not kept in the bot's memory."""
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "storage.migrate",
            self.url,
            cwd=str(MIGRATIONS.parent.parent),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await child.communicate()
        if child.returncode != 0:
            raise RuntimeError(f"database migration failed:\n{output.decode(errors='replace')[-2000:]}")

    async def dispose(self) -> None:
        await self.engine.dispose()


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Run Alembic's upgrade; its env runs its own event loop, so under a running loop use a thread."""
    from alembic import command

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        command.upgrade(alembic_config(url), revision)
        return
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(command.upgrade, alembic_config(url), revision).result()


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
