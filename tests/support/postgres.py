"""The local PostgreSQL the tests (and bench_webhook) make their databases on."""

from __future__ import annotations

import os

import asyncpg

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
