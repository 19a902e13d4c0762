"""The local PostgreSQL the tests (and bench_webhook) make their databases on."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import pytest

from storage.db import upgrade

PG_ADMIN = os.environ.get("DUTYDESK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
# In CI the PostgreSQL tests must run: an unreachable server fails them instead of skipping.
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


async def pg_reachable() -> str | None:
    """None when the server answers; else why not (the reason a test skips, or fails in CI)."""
    try:
        conn = await asyncpg.connect(PG_ADMIN.replace("postgresql+asyncpg", "postgresql"), timeout=3)
    except (OSError, asyncpg.PostgresError) as exc:
        return f"PostgreSQL at {PG_ADMIN} is not reachable ({exc})"
    await conn.close()
    return None


async def pg_admin(sql: str) -> None:
    """Run one statement as the admin (CREATE/DROP/ALTER DATABASE, which cannot run in a transaction)."""
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def database_url(name: str) -> str:
    """The URL of database ``name`` on the same server."""
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


@contextmanager
def database_at(engine: str, revision: str, folder: Path) -> Iterator[str]:
    """The URL of a new database migrated up to ``revision`` (``engine`` "sqlite", a file in ``folder``,
    or "postgres", a database of its own dropped afterwards): the state a migration test starts from.
    PostgreSQL unreachable skips the test, or fails it in CI."""
    if engine == "sqlite":
        url = f"sqlite+aiosqlite:///{folder / 'old.db'}"
        upgrade(url, revision)
        yield url
        return
    problem = asyncio.run(pg_reachable())
    if problem:
        if IN_CI:
            pytest.fail(problem)
        pytest.skip(problem)
    name = f"dutydesk_test_{revision}_{uuid.uuid4().hex[:10]}"
    asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
    url = database_url(name)
    try:
        upgrade(url, revision)
        yield url
    finally:
        asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
