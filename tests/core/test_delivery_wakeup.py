"""Rows held back for a chat's limit are sent when they are due, not at the next scheduler tick
(an escalation ping held 1 s behind another message to the same supervisor waited 5 s)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.delivery import Delivery, Limits
from storage.clock import utcnow
from storage.repos import outbox
from tests.support import DeskHarness, RecordingTransport

SUPERVISOR_CHAT = 5001


async def test_a_row_held_for_its_chat_is_sent_when_due_without_a_tick(harness: DeskHarness) -> None:
    async with harness.desk.db.session() as session:
        await outbox.enqueue(session, chat_id=SUPERVISOR_CHAT, text="排班提醒")
        await outbox.enqueue(session, chat_id=SUPERVISOR_CHAT, text="重大事件 #1", priority=0)
    transport = RecordingTransport()
    delivery = Delivery(harness.desk, transport, limits=Limits(per_second=0, group_per_minute=0, chat_per_second=1))
    assert await delivery.flush() == 1  # one a second in a private chat: the other is put back
    assert transport.texts == ["重大事件 #1"]
    await asyncio.wait_for(transport.wait_for(2), timeout=10)  # no flush() and no tick from here on
    assert transport.texts == ["重大事件 #1", "排班提醒"]
    await delivery.drain()


async def test_claimed_rows_come_back_urgent_first(harness: DeskHarness) -> None:
    async with harness.desk.db.session() as session:
        for i in range(5):
            await outbox.enqueue(session, chat_id=SUPERVISOR_CHAT, text=f"回复 {i}")
        await outbox.enqueue(session, chat_id=SUPERVISOR_CHAT, text="重大事件 #1", priority=0)
    async with harness.desk.db.session() as session:
        rows = await outbox.claim(session, now=utcnow() + timedelta(seconds=1), token="t", limit=10)
    assert [row.text for row in rows] == ["重大事件 #1"] + [f"回复 {i}" for i in range(5)]
