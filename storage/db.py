"""The async engine, the session factory and the schema migrations."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import sqlite_inline

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE = "sqlite+aiosqlite:///"
# `revision: str = '0008'` and `down_revision: str | None = '0007'` (or a tuple, for a merge) in a migration file
_REVISION_LINE = re.compile(r"^(down_revision|revision)\b[^=]*=(.*)$", re.MULTILINE)


def normalise_url(url: str) -> str:
    """Accept the plain URLs operators write and pick the async drivers. A relative SQLite path is made
    absolute here, so the migration child (which runs in another folder) opens the very same file."""
    url = _async_driver(url)
    if url.startswith(SQLITE):
        path, _, query = url.removeprefix(SQLITE).partition("?")
        if _names_a_file(path):
            url = SQLITE + os.path.abspath(path) + (f"?{query}" if query else "")
    return url


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite database URL; None for PostgreSQL, in-memory and ``file:`` URI databases."""
    url = normalise_url(url)
    if not url.startswith(SQLITE):
        return None
    path = url.removeprefix(SQLITE).partition("?")[0]
    return Path(path) if _names_a_file(path) else None


def _names_a_file(path: str) -> bool:
    return bool(path) and path != ":memory:" and not path.startswith("file:")


def missing_folder(url: str) -> Path | None:
    """The folder a SQLite database URL names when it does not exist (a mistyped ``--database``), else None."""
    path = sqlite_file(url)
    return path.parent if path is not None and not path.parent.is_dir() else None


@cache
def head_revision() -> str | None:
    """The newest schema revision, read from the migration files' ``revision``/``down_revision`` lines
    without importing Alembic (~11 MB, ~1 s); None unless exactly one head (then the child decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for name, value in _REVISION_LINE.findall(path.read_text(encoding="utf-8")):
            ids = set(re.findall(r"['\"]([^'\"]+)['\"]", value))
            (revisions if name == "revision" else parents).update(ids)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _async_driver(url: str) -> str:
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        return "postgresql+asyncpg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
    return url


class Database:
    """One engine per process; sessions are short and one per unit of work."""

    def __init__(self, url: str, *, echo: bool = False, read_only: bool = False) -> None:
        """``read_only`` (exports): SQLite transactions begin DEFERRED instead of taking the write
        lock, so a long read never holds up the bot's writes (WAL gives the reader a snapshot)."""
        self.url = normalise_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        if self.is_sqlite:
            self._ensure_sqlite_dir()
        kwargs: dict[str, object] = {"echo": echo}
        if self.is_sqlite:
            # SQLite has one writer: one connection per process queues transactions in the pool
            # (an await); the connection runs in the loop's thread (see storage.sqlite_inline).
            kwargs.update(
                async_creator=sqlite_inline.creator(self._sqlite_path(), read_only=read_only),
                pool_size=1,
                max_overflow=0,
                pool_timeout=300,
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

    async def revision(self) -> list[str]:
        """The schema revision(s) the database is at (Alembic's table), empty when it has none yet."""
        try:
            async with self.engine.connect() as connection:
                rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
                return sorted(str(r) for r in rows.scalars())
        except (DBAPIError, OSError):  # no table yet (a new database), or unreachable: the child will say which
            return []

    async def migrate(self) -> None:
        """Bring the schema to the newest revision, as the bot does at every start. A current schema
        is recognised in-process (one SELECT); only a database that is behind starts the child process
        (``python -m storage.migrate``) that runs Alembic, so Alembic is never kept in this process."""
        head = head_revision()
        if head is not None and await self.revision() == [head]:
            return
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
