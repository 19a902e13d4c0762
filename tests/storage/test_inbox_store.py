"""The inbox stores a getUpdates batch in one go and says which updates are new, so a batch that
Telegram sends again (its confirmation was lost) is not handled twice (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from storage.clock import utcnow
from storage.db import Database
from storage.repos import inbox

LEASE = timedelta(seconds=60)


def batch(ids: range) -> list[tuple[int, str]]:
    return [(i, f'{{"update_id": {i}, "message": {{"text": "/log 漏水 {i}"}}}}') for i in ids]


async def test_a_batch_is_stored_once_and_only_new_updates_are_fresh(any_db: Database) -> None:
    async with any_db.session() as session:
        first = await inbox.store(session, updates=batch(range(1, 151)), now=utcnow(), lease=LEASE, token="a")
    async with any_db.session() as session:  # the last 50 again, 20 new: another process's batch
        again = await inbox.store(session, updates=batch(range(101, 171)), now=utcnow(), lease=LEASE, token="b")
        waiting = await inbox.pending(session)
    assert first == set(range(1, 151))  # 150 rows: more than one INSERT's worth
    assert again == set(range(151, 171))
    assert waiting == 170


async def test_a_handled_update_sent_again_is_not_stored_as_new_while_its_row_waits(any_db: Database) -> None:
    async with any_db.session() as session:
        await inbox.store(session, updates=batch(range(1, 3)), now=utcnow(), lease=LEASE, token="a")
        await inbox.done(session, update_id=1)
    async with any_db.session() as session:
        fresh = await inbox.store(session, updates=batch(range(2, 4)), now=utcnow(), lease=LEASE, token="a")
    assert fresh == {3}  # 2 is still waiting; 1 left the inbox (ProcessedUpdate guards it at handling)
