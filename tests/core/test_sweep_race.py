"""Two processes' sweepers race over the same due rows: every timer runs once, every message is sent once."""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlmodel import select

from bot.delivery import Delivery, Limits
from storage.db import Database
from storage.models import EscalationNotice, Outbox
from storage.repos import outbox
from tests.support import DeskHarness, FakeClock, RecordingTransport
from tests.support.desks import make_desk, second_process


async def test_two_deliveries_send_each_outbox_row_once(any_db: Database, rules, clock: FakeClock) -> None:
    a = make_desk(any_db, rules, clock)
    b = await second_process(any_db, a, clock)
    async with any_db.session() as session:
        for i in range(200):
            await outbox.enqueue(session, chat_id=1000 + i % 7, text=f"notice {i}")
    sent: list[tuple[int, str]] = []
    # Each send takes a round trip long enough that the two sweeps overlap.
    deliveries = [Delivery(desk, RecordingTransport(sent, delay=0.003), limits=Limits(0, 0, 0)) for desk in (a, b)]
    counts = await asyncio.gather(*(d.flush(limit=7) for d in deliveries))
    texts = Counter(text for _, text in sent)
    assert len(texts) == 200 and max(texts.values()) == 1
    assert sum(counts) == 200 and min(counts) > 0  # both took part
    async with any_db.session() as session:
        rows = (await session.exec(select(Outbox))).all()
    assert Counter(row.state for row in rows) == {"sent": 200}
    assert len({row.message_id for row in rows}) == 200 and all(row.sent_at for row in rows)  # what was sent is kept
    await b.db.dispose()


async def test_two_sweepers_run_each_timer_once(any_db: Database, rules, clock: FakeClock) -> None:
    h = DeskHarness(make_desk(any_db, rules, clock), clock)
    await h.setup_site()
    for i in range(30):
        await h.send(f"/log {i}号楼起火，浓烟很大")
        await h.send(f"/major {i + 1}")
    other = await second_process(any_db, h.desk, clock)
    clock.advance(minutes=11)
    ran = list(
        await asyncio.gather(h.desk.sweep(limit=4), other.sweep(limit=4), h.desk.sweep(limit=4), other.sweep(limit=4))
    )
    while sum(ran) < 30:
        more = await asyncio.gather(h.desk.sweep(limit=4), other.sweep(limit=4))
        if not any(more):
            break
        ran = [*ran, *more]
    assert sum(ran) == 30
    async with any_db.session() as session:
        notices = (await session.exec(select(EscalationNotice).where(EscalationNotice.level == 2))).all()
    per_incident = Counter(n.incident_id for n in notices)
    assert len(per_incident) == 30 and set(per_incident.values()) == {3}  # supervisor, manager, global admin
    # Nothing more is due until the next interval.
    assert await h.desk.sweep(clock.advance(minutes=1)) == 0
    assert await other.sweep(clock.advance(minutes=10)) == 30
    await other.db.dispose()
