"""The local PostgreSQL the tests (and bench_webhook) make their databases on."""

from __future__ import annotations

import os

import asyncpg

PG_ADMIN = os.environ.get("DUTYDESK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


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
