"""Counting messages per action (docs/usage.md "Message economy"): the outbox rows an action queued,
and among them the new messages to the duty group — sends of a message, photo or file, not edits and
not a button's answer."""

from __future__ import annotations

from storage.models import Outbox
from tests.support import GROUP, DeskHarness

NEW = ("send", "photo", "document")


class Meter:
    """Counts what an action queued: new messages to the duty group, edits there, and the rest."""

    def __init__(self, h: DeskHarness) -> None:
        self.h = h
        self.seen = 0

    async def mark(self) -> None:
        self.seen = len(await self.h.outbox(replies=True))

    async def since(self) -> list[Outbox]:
        rows = (await self.h.outbox(replies=True))[self.seen :]
        self.seen += len(rows)
        return rows

    async def group_sends(self) -> list[Outbox]:
        return [r for r in await self.since() if r.chat_id == GROUP.id and r.method in NEW]
