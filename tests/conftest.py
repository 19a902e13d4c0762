"""Shared fixtures: databases (SQLite per test; PostgreSQL per session, required when CI=true),
the desk with the real rules classifier, and a harness that talks to it like a chat would."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.classifier.rules import RuleClassifier
from storage.db import Database, upgrade
from tests.support import DeskHarness, FakeClock
from tests.support.desks import make_desk
from tests.support.postgres import IN_CI, database_url, pg_admin
from tests.support.postgres import pg_reachable as _pg_reachable


@pytest.hookimpl(wrapper=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> Generator[None, int, int]:
    """`-n auto`: one worker more than pytest-xdist counts cores. About a third of the suite's time
    is spent waiting, not computing (bot processes starting and being killed, retries' backoff, a
    fake Telegram's rate window): on 2 cores, 3 workers ran it 20-45 s faster than 2 (2:31-3:14
    against 2:52-3:37). PYTEST_XDIST_AUTO_NUM_WORKERS, when set, is taken as it is."""
    count = yield
    return count if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS") else count + 1


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per session; each test gets a copy (migrations run once)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def migrated_file(migrated_sqlite: Path) -> Callable[[Path], str]:
    """``migrated_file(path)`` copies the migrated template to ``path`` and gives its URL: the command
    line or a bot then finds a current schema (one SELECT in-process), not a new file to migrate in a
    child process. (A new database's migration: test_export_safety, test_packaging.)"""

    def place(path: Path) -> str:
        shutil.copy(migrated_sqlite, path)
        return f"sqlite+aiosqlite:///{path}"

    return place


@pytest.fixture
async def sqlite_db(migrated_sqlite: Path, tmp_path: Path) -> AsyncIterator[Database]:
    target = tmp_path / "dutydesk.db"
    shutil.copy(migrated_sqlite, target)
    db = Database(f"sqlite+aiosqlite:///{target}")
    yield db
    await db.dispose()


@pytest.fixture(scope="session")
def pg_url(worker_id: str) -> Iterator[str]:
    """A fresh database on the local PostgreSQL, migrated; dropped after the session. A session is
    one pytest-xdist worker: each has its own database (its id in the name, e.g. dutydesk_test_gw1_…),
    so `-n auto` never shares one between workers (pg_db empties it before each test)."""
    problem = asyncio.run(_pg_reachable())
    if problem:
        if IN_CI:
            pytest.fail(f"{problem}; CI must run the PostgreSQL tests")
        pytest.skip(problem)
    name = f"dutydesk_test_{worker_id}_{uuid.uuid4().hex[:10]}"

    asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
    url = database_url(name)
    upgrade(url)
    yield url
    asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# Tables that reference others first: DELETE in this order empties the database without breaking a
# foreign key. The sequences the tables own restart (as TRUNCATE ... RESTART IDENTITY does).
_PG_REFERENCES = """
SELECT child.relname, parent.relname FROM pg_constraint c
JOIN pg_class child ON child.oid = c.conrelid JOIN pg_class parent ON parent.oid = c.confrelid
WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
"""
_PG_OWNED_SEQUENCES = """
SELECT DISTINCT quote_ident(s.relname) FROM pg_class s
JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.deptype IN ('a', 'i')
JOIN pg_class t ON t.oid = d.refobjid
WHERE s.relkind = 'S' AND s.relnamespace = 'public'::regnamespace AND t.relname <> 'alembic_version'
"""


async def _pg_emptying(url: str) -> list[str]:
    """The statements that empty a migrated database as ``TRUNCATE <every table> RESTART IDENTITY
    CASCADE`` did, at a fraction of its cost (a TRUNCATE makes new files for 30 tables: ~0.3-0.6 s a
    test; a DELETE of the few rows a test wrote: milliseconds)."""
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            tables = (
                await conn.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                    )
                )
            ).scalars()
            remaining = set(tables)
            references = [(str(a), str(b)) for a, b in await conn.execute(text(_PG_REFERENCES)) if a != b]
            sequences = list((await conn.execute(text(_PG_OWNED_SEQUENCES))).scalars())
    finally:
        await db.dispose()
    order: list[str] = []
    while remaining:  # a table no remaining table references goes first
        free = sorted(t for t in remaining if not any(p == t and c in remaining for c, p in references))
        if not free:  # a cycle of references: TRUNCATE copes with it
            everything = ", ".join(f'"{t}"' for t in sorted(remaining | set(order)))
            return [f"TRUNCATE {everything} RESTART IDENTITY CASCADE"]
        order += free
        remaining -= set(free)
    return [f'DELETE FROM "{t}"' for t in order] + [f"ALTER SEQUENCE {s} RESTART" for s in sequences]


@pytest.fixture(scope="session")
def pg_emptying(pg_url: str) -> list[str]:
    return asyncio.run(_pg_emptying(pg_url))


@pytest.fixture
async def pg_db(pg_url: str, pg_emptying: list[str]) -> AsyncIterator[Database]:
    """The worker's database, emptied: no row left by an earlier test, every id counting from 1."""
    db = Database(pg_url)
    async with db.engine.begin() as conn:
        for statement in pg_emptying:
            await conn.execute(text(statement))
    yield db
    await db.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_db(request: pytest.FixtureRequest) -> Database:
    """The same test on SQLite and on PostgreSQL."""
    name = "sqlite_db" if request.param == "sqlite" else "pg_db"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def rules() -> RuleClassifier:
    return RuleClassifier.load()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))  # 10:00 in Asia/Shanghai


@pytest.fixture
async def harness(sqlite_db: Database, rules: RuleClassifier, clock: FakeClock) -> DeskHarness:
    return DeskHarness(make_desk(sqlite_db, rules, clock), clock)


@pytest.fixture
async def any_harness(any_db: Database, rules: RuleClassifier, clock: FakeClock) -> DeskHarness:
    return DeskHarness(make_desk(any_db, rules, clock), clock)


__all__ = ["timedelta"]
