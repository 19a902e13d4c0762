"""Helpers of the tickets tests: a wire that plays the delivery (message ids and links), and lookups."""

from __future__ import annotations

from sqlmodel import select

from handlers.core.messages import Reply, User
from storage.models import Outbox, Ticket
from storage.models.plumbing import OutboxState
from tests.support import DeskHarness

NEIGHBOUR = User(id=5002, name="业户黄太", language="zh-hans")
REPAIR = "卫生间的灯坏了，麻烦安排人修一下"
URGENT_REPAIR = "家里水管爆了，水漫出来了，紧急！"
COMPLAINT = "楼上装修太吵了，晚上十点还在打钻，投诉！"


class Wire:
    """Plays the delivery: marks queued rows sent with a message id and links them, as the bot does."""

    def __init__(self, h: DeskHarness) -> None:
        self.h = h
        self.seen = 0
        self.next_id = 9000

    async def take(self) -> list[Outbox]:
        rows = (await self.h.outbox())[self.seen :]
        self.seen += len(rows)
        async with self.h.desk.db.session() as session:
            for row in rows:
                self.next_id += 1
                row.message_id, row.state = self.next_id, OutboxState.SENT
                session.add(await session.merge(row))
        for row in rows:
            if row.ref_kind and row.ref_id is not None:
                await self.h.desk.link_sent(row.chat_id, row.message_id or 0, _linked(row))
        return rows


def _linked(row: Outbox):  # type: ignore[no-untyped-def]

    assert row.ref_kind is not None and row.ref_id is not None
    return Reply("", link=(row.ref_kind, row.ref_id))


def to(rows: list[Outbox], chat_id: int) -> list[Outbox]:
    return [r for r in rows if r.chat_id == chat_id]


def data(row: Outbox, label_part: str) -> str:
    for line in row.buttons:
        for button in line:
            if label_part in button["label"]:
                return button["data"]
    raise AssertionError(f"no {label_part!r} button in {row.text!r}")


async def rows(h: DeskHarness, model: type) -> list:  # type: ignore[type-arg]
    async with h.desk.db.session() as session:
        return list((await session.exec(select(model))).all())


async def ticket(h: DeskHarness) -> Ticket:
    [one] = await rows(h, Ticket)
    return one
