"""A duty group's 20 messages a minute, counted as Telegram counts them and shared: residents' relayed
messages may not take the last half, so a staff member's reply or an urgent notice queued behind a
resident's flood goes at once."""

from __future__ import annotations

import asyncio

from bot.delivery import GROUP_RESERVE, Delivery, Limits
from handlers.core.notices import BULK, URGENT
from handlers.core.replies import REPLY
from storage.repos import outbox
from tests.support import DeskHarness, RecordingTransport

GROUP = -100777


async def test_a_resident_flood_leaves_the_group_room_for_staff_replies(harness: DeskHarness) -> None:
    async with harness.desk.db.session() as session:
        for i in range(30):
            await outbox.enqueue(session, chat_id=GROUP, text=f"业户消息 {i}", priority=BULK)
    transport = RecordingTransport()
    delivery = Delivery(harness.desk, transport, limits=Limits(per_second=0, group_per_minute=20, chat_per_second=0))
    await delivery.flush()
    assert transport.texts == [f"业户消息 {i}" for i in range(20 - GROUP_RESERVE)]  # the rest wait their turn

    async with harness.desk.db.session() as session:
        await outbox.enqueue(session, chat_id=GROUP, text="已记录 #1", priority=REPLY)
        await outbox.enqueue(session, chat_id=GROUP, text="重大事件 #2", priority=URGENT)
    await delivery.flush()  # no waiting: the group's budget kept room for them
    assert transport.texts[20 - GROUP_RESERVE :] == ["重大事件 #2", "已记录 #1"]
    await delivery.drain()


async def test_a_group_never_gets_more_than_20_in_any_minute(harness: DeskHarness) -> None:
    """Telegram counts 20 a minute in a group (the fake 429s the 21st within 60 s, and a 429 stops the
    whole group for the rest of the minute, staff replies too): after a burst of 20, the next waits
    for the first to be a minute old, not a leaky bucket's 3 s."""
    async with harness.desk.db.session() as session:
        for i in range(25):
            await outbox.enqueue(session, chat_id=GROUP, text=f"已记录 #{i}", priority=REPLY)
    transport = RecordingTransport()
    delivery = Delivery(harness.desk, transport, limits=Limits(per_second=0, group_per_minute=20, chat_per_second=0))
    await delivery.flush()
    assert len(transport.texts) == 20
    await asyncio.sleep(3.5)  # a leaky bucket of 20 a minute has room for one more by now
    await delivery.flush()
    assert len(transport.texts) == 20
    await delivery.drain()
