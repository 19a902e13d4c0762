"""Dead owners are seen at once: on PostgreSQL a process holds an advisory lock while it
lives; once its connection is gone, the inbox rows, outbox claims and timer claims it held are taken
by the next sweep, not after the lease or the stale time. A live owner's rows are left alone, also
after its lock's connection was cut and taken again. On SQLite there is no other process to judge."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import text, update
from sqlmodel import col, select

from storage.clock import utcnow
from storage.db import Database
from storage.liveness import OwnerLock, dead_owners
from storage.models import Outbox, Timer
from storage.repos import inbox, outbox, sites, timers

LONG = timedelta(minutes=10)  # neither a lease nor a stale time runs out in these tests


async def hold_rows(db: Database, token: str) -> None:
    """An inbox row leased, an outbox row being sent and a timer running, all by ``token``."""
    now = utcnow()
    async with db.session() as session:
        await inbox.store(session, updates=[(1, "{}")], now=now, lease=LONG, token=token)
        await outbox.enqueue(session, chat_id=5, text="回复")
        site = await sites.create(session, code="HG", name="华庭", language="zh-Hans", timezone="Asia/Shanghai")
        await timers.schedule(session, kind="escalate", ref_id=1, site_id=site.id or 0, due_at=now)
    async with db.session() as session:
        assert len(await outbox.claim(session, now=utcnow(), token=token)) == 1
        assert len(await timers.claim(session, now=utcnow(), token=token)) == 1


async def lock_pid(db: Database, lock: OwnerLock) -> int:
    """The server process that holds the owner lock."""
    query = text(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = :space AND objid = :key"
    ).bindparams(space=0x4444736B, key=lock.key & 0xFFFFFFFF)
    async with db.session() as session:
        return int((await session.exec(query)).one()[0])  # type: ignore[call-overload]


async def wait_gone(db: Database, pid: int) -> None:
    """Until the server process has ended: a closed or cut connection's backend exits (and frees
    its locks) a moment after the client is told, as after a real death."""
    for _ in range(100):
        async with db.session() as session:
            query = text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid").bindparams(pid=pid)
            if not (await session.exec(query)).one()[0]:  # type: ignore[call-overload]
                return
        await asyncio.sleep(0.05)
    raise AssertionError(f"backend {pid} did not end")


async def sweep(db: Database) -> tuple[int, int, int]:
    """What another process's sweep takes over now: (inbox rows, outbox rows, timers)."""
    past = utcnow() - LONG
    async with db.session() as session:
        taken = await inbox.claim_expired(session, now=utcnow(), lease=LONG, token="other")
        sent_again = await outbox.release_stale(session, older_than=past)
        fired_again = await timers.release_stale(session, older_than=past)
    return len(taken), sent_again, fired_again


@pytest.mark.postgres
async def test_a_dead_owners_rows_are_taken_at_once_and_a_live_ones_are_not(pg_db: Database) -> None:
    lock = OwnerLock(pg_db.url)
    token = await lock.acquire()
    await hold_rows(pg_db, token)
    assert await sweep(pg_db) == (0, 0, 0)  # alive: nothing taken
    pid = await lock_pid(pg_db, lock)
    await lock.close()  # as when the process dies: its connection goes, the lock with it
    await wait_gone(pg_db, pid)
    assert await sweep(pg_db) == (1, 1, 1)
    async with pg_db.session() as session:
        assert (await session.exec(select(Outbox.state))).one() == "pending"
        assert (await session.exec(select(Timer.state))).one() == "pending"


@pytest.mark.postgres
async def test_the_lock_is_taken_again_after_its_connection_was_cut(pg_db: Database) -> None:
    lock = OwnerLock(pg_db.url)
    token = await lock.acquire()
    try:
        async with pg_db.session() as session:
            assert await dead_owners(session, [token]) == set()
        pid = await lock_pid(pg_db, lock)
        async with pg_db.session() as session:  # a database restart or an admin cuts the connection
            await session.exec(text("SELECT pg_terminate_backend(:pid)").bindparams(pid=pid))  # type: ignore[call-overload]
        await wait_gone(pg_db, pid)
        async with pg_db.session() as session:
            assert await dead_owners(session, [token]) == {token}  # meanwhile it looks dead
        assert await lock.check() is True
        assert lock.token == token  # the same token: its rows are its own again
        async with pg_db.session() as session:
            assert await dead_owners(session, [token]) == set()
    finally:
        await lock.close()


async def test_sqlite_judges_no_owner_dead_the_lease_and_stale_time_rule(sqlite_db: Database) -> None:
    """SQLite has one process, which releases its rows at start (bot.runner.recover): a sweep never
    takes a live-looking token's rows early."""
    await hold_rows(sqlite_db, "live-0000abcd")
    assert await sweep(sqlite_db) == (0, 0, 0)
    async with sqlite_db.session() as session:
        await session.exec(update(Outbox).values(claimed_at=utcnow() - 2 * LONG))  # type: ignore[call-overload]
        await session.exec(update(Timer).where(col(Timer.state) == "running").values(updated_at=utcnow() - 2 * LONG))  # type: ignore[call-overload]
    assert await sweep(sqlite_db) == (0, 1, 1)  # the stale time still applies
