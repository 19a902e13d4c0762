"""The delivery's order: claimed rows come back urgent first."""

from __future__ import annotations

from datetime import timedelta

from storage.clock import utcnow
from storage.repos import outbox
from tests.support import DeskHarness

SUPERVISOR_CHAT = 5001


async def test_claimed_rows_come_back_urgent_first(harness: DeskHarness) -> None:
    async with harness.desk.db.session() as session:
        for i in range(5):
            await outbox.enqueue(session, chat_id=SUPERVISOR_CHAT, text=f"回复 {i}")
        await outbox.enqueue(session, chat_id=SUPERVISOR_CHAT, text="重大事件 #1", priority=0)
    async with harness.desk.db.session() as session:
        rows = await outbox.claim(session, now=utcnow() + timedelta(seconds=1), token="t", limit=10)
    assert [row.text for row in rows] == ["重大事件 #1"] + [f"回复 {i}" for i in range(5)]
