"""Issue 6 at the desk and the delivery: replies through the outbox, urgent pings before routine
replies, Telegram's per-chat limits, undeliverable pings told to the group, and the LLM never asked
inside a transaction."""

from __future__ import annotations

import asyncio
import re
from collections import Counter

from sqlmodel import select

from bot.classifier.cascade import CascadeClassifier
from bot.classifier.llm import LLMAnswer
from bot.classifier.rules import RuleClassifier
from bot.delivery import Delivery, Limits
from handlers.core.classification import Speaker
from handlers.core.messages import User
from storage.db import Database
from storage.models import Outbox, Person, Ticket
from storage.repos import outbox
from tests.support import (
    GROUP,
    MANAGER,
    STAFF,
    SUPERVISOR,
    DeskHarness,
    FakeClock,
    RecordingTransport,
    Refusing,
    text_of,
)
from tests.support.desks import make_desk


async def test_replies_wait_in_the_outbox_until_sent_once(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    await h.send("/log 3栋大堂漏水")
    [reply] = [r for r in await h.outbox(replies=True) if r.purpose == "reply" and "#1" in r.text]
    assert reply.state == "pending" and reply.chat_id == GROUP.id
    sent: list[tuple[int, str]] = []
    delivery = Delivery(h.desk, RecordingTransport(sent, delay=0.003), limits=Limits(0, 0, 0))
    await delivery.flush()
    await delivery.flush()  # nothing twice
    assert Counter(text for _, text in sent)[reply.text] == 1


async def test_an_urgent_ping_goes_before_600_waiting_replies(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    async with h.desk.db.session() as session:
        for i in range(600):
            await outbox.enqueue(session, chat_id=-1000 - i % 30, text=f"routine {i}", priority=4, purpose="reply")
    await h.send("/log 5栋12楼起火，浓烟很大，有住户被困")  # major: the chain is pinged
    sent: list[tuple[int, str]] = []
    delivery = Delivery(h.desk, RecordingTransport(sent, delay=0.003), limits=Limits(0, 0, 0), batch=20)
    await delivery.flush(limit=20)
    first = [chat for chat, _ in sent[:20]]
    assert SUPERVISOR.id in first and MANAGER.id in first  # in the first batch, before any routine reply
    assert sent.index(next(s for s in sent if s[0] == SUPERVISOR.id)) < 3


async def test_a_group_over_its_limit_waits_alone_and_in_order(harness: DeskHarness) -> None:
    """20 a minute in a group: the 21st waits with its successors, in order; another chat goes on."""
    h = harness
    async with h.desk.db.session() as session:
        for i in range(25):
            await outbox.enqueue(session, chat_id=-500, text=f"group {i:02d}")
        await outbox.enqueue(session, chat_id=4242, text="private one")
    sent: list[tuple[int, str]] = []
    delivery = Delivery(h.desk, RecordingTransport(sent, delay=0.003), limits=Limits(0, 20, 1))
    await delivery.flush()
    to_group = [text for chat, text in sent if chat == -500]
    assert to_group == [f"group {i:02d}" for i in range(20)] and (4242, "private one") in sent
    async with h.desk.db.session() as session:
        waiting = (await session.exec(select(Outbox).where(Outbox.state == "pending"))).all()
    assert sorted(r.text for r in waiting) == [f"group {i:02d}" for i in range(20, 25)]
    assert len({r.next_try_at for r in waiting}) == 1  # they stay together, so they keep their order


async def test_a_ping_nobody_can_receive_is_told_to_the_group_once(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    await h.send("/log 5栋12楼起火，浓烟很大，有住户被困")
    sent: list[tuple[int, str]] = []
    delivery = Delivery(h.desk, Refusing(sent, {SUPERVISOR.id}), limits=Limits(0, 0, 0))
    await delivery.flush()
    told = [text for chat, text in sent if chat == GROUP.id and "无法私信" in text]
    assert len(told) == 1 and "主管陈姐" in told[0] and "Start" in told[0] and "重大事件上报" in told[0]
    assert any(chat == MANAGER.id for chat, _ in sent)  # the manager was reached
    h.clock.advance(minutes=11)  # the repeat fails again: not told twice
    await h.desk.sweep()
    await delivery.flush()
    assert len([text for chat, text in sent if chat == GROUP.id and "无法私信" in text]) == 1
    async with h.desk.db.session() as session:
        person = await session.get(Person, SUPERVISOR.id)
    assert person is not None and not person.reachable
    # Once they open the bot and it fails again, that is news.
    await h.dm("/start", SUPERVISOR)
    h.clock.advance(minutes=11)
    await h.desk.sweep()
    await delivery.flush()
    assert len([text for chat, text in sent if chat == GROUP.id and "无法私信" in text]) == 2


class BlockingLLM:
    """An LLM step that answers only when the test lets it: a slow model, made deterministic."""

    def __init__(self, expected: int) -> None:
        self.release = asyncio.Event()
        self.all_asked = asyncio.Event()
        self.asked, self.expected = 0, expected

    async def classify(self, text: str, *, speaker: Speaker, private: bool) -> LLMAnswer | None:
        self.asked += 1
        if self.asked >= self.expected:
            self.all_asked.set()
        await self.release.wait()
        return LLMAnswer(intent="repair", category="water", severity="normal", location=None, confidence=0.9)


async def test_a_slow_llm_holds_no_transaction(sqlite_db: Database, rules: RuleClassifier, clock: FakeClock) -> None:
    """Residents' messages wait for the LLM outside any transaction: meanwhile staff commands are
    answered at once on SQLite's single writer, and every message is stored once the LLM answers."""
    llm = BlockingLLM(expected=5)
    h = DeskHarness(make_desk(sqlite_db, rules, clock), clock)
    await h.setup_site()
    h.desk.services.classifier = CascadeClassifier(rules, llm, threshold=1.01)  # asks about everything
    waiting = [
        asyncio.create_task(h.dm(f"家里有点问题，麻烦看看 {i}", User(id=7000 + i, name=f"业户{i}"))) for i in range(5)
    ]
    await asyncio.wait_for(llm.all_asked.wait(), timeout=10)
    whoami = await asyncio.wait_for(h.send("/whoami", STAFF), timeout=5)  # not behind the LLM
    assert "值班员" in text_of(whoami)
    assert not any(task.done() for task in waiting)
    llm.release.set()
    answers = await asyncio.gather(*waiting)
    assert all(re.search(r"T\d", text_of(a)) for a in answers)
    async with sqlite_db.session() as session:
        tickets = (await session.exec(select(Ticket))).all()
    assert len(tickets) == 5 and {t.classified_by for t in tickets} == {"llm"}
