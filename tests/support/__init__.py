"""Test helpers: a settable clock and a harness that plays chats against the desk."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.features import registry
from bot.transport import FileRef, Refused
from handlers.core.desk import DutyDesk
from handlers.core.messages import Chat, Inbound, Keyboard, Outcome, User
from handlers.core.replies import REPLY_PURPOSES
from storage.models import Outbox

GROUP = Chat(id=-100500, private=False, title="华庭花园值班群")
ADMIN = User(id=1, name="管理员老王", language="zh-hans")
STAFF = User(id=101, name="值班员小李", language="zh-hans")
SUPERVISOR = User(id=201, name="主管陈姐", language="zh-hans")
MANAGER = User(id=301, name="经理张生", language="zh-hans")
STRANGER = User(id=999, name="路人", language="zh-hans")
RESIDENT = User(id=5001, name="业户刘先生", language="zh-hans")


@dataclass
class FakeClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class DeskHarness:
    """Sends messages and button presses to the desk as a chat would, and reads the outbox."""

    desk: DutyDesk
    clock: FakeClock
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def send(self, text: str, user: User = STAFF, chat: Chat = GROUP, **extra: Any) -> Outcome:
        msg = Inbound(
            chat=chat,
            user=user,
            text=text,
            update_id=next(self.ids),
            message_id=next(self.ids),
            at=self.clock(),
            **extra,
        )
        return await self.desk.handle(msg)

    async def dm(self, text: str, user: User) -> Outcome:
        return await self.send(text, user, Chat(id=user.id, private=True))

    async def press(self, data: str | None, user: User = STAFF, chat: Chat = GROUP, message_id: int = 1) -> Outcome:
        msg = Inbound(
            chat=chat,
            user=user,
            update_id=next(self.ids),
            message_id=message_id,
            callback_id=f"cb{next(self.ids)}",
            callback_data=data,
            at=self.clock(),
        )
        return await self.desk.handle(msg)

    async def setup_site(self) -> None:
        """A site 'HG' with its duty group, one staff member, a supervisor and a manager."""
        out = await self.send("/setup HG 华庭花园", ADMIN)
        assert "华庭花园" in out.replies[0].text
        for user, role in ((STAFF, "staff"), (SUPERVISOR, "supervisor"), (MANAGER, "manager")):
            await self.join(user, role)

    async def join(self, user: User, role: str) -> None:
        out = await self.send(f"/invite {role}", ADMIN)
        code = out.replies[0].text.rsplit("start=", 1)[1].strip()
        joined = await self.dm(f"/start {code}", user)
        assert "✅" in joined.replies[0].text, joined

    async def outbox(self, *, replies: bool = False) -> list[Outbox]:
        """Messages queued for other chats (notices, pings); with ``replies`` also the replies and
        button answers the desk queued for the chats the updates came from."""
        async with self.desk.db.session() as session:
            rows = list((await session.exec(select(Outbox).order_by(Outbox.id))).all())  # type: ignore[arg-type]
        return rows if replies else [r for r in rows if r.purpose not in REPLY_PURPOSES]


def text_of(outcome: Outcome) -> str:
    return "\n".join(reply.text for reply in outcome.replies)


def button_data(outcome: Outcome, label_part: str) -> str:
    for reply in outcome.replies:
        for row in reply.buttons:
            for button in row:
                if label_part in button.label and button.data:
                    return button.data
    raise AssertionError(f"no button with {label_part!r} in {outcome}")


class RecordingTransport:
    """A :class:`bot.delivery.Transport` that records each (chat, text) it sends, in ``sent`` (a list
    two deliveries may share), optionally taking ``delay`` seconds like a network round trip;
    ``wait_for(n)`` returns once n messages were sent."""

    def __init__(self, sent: list[tuple[int, str]] | None = None, *, delay: float = 0.0) -> None:
        self.sent: list[tuple[int, str]] = [] if sent is None else sent
        self.delay = delay
        self._changed = asyncio.Event()

    @property
    def texts(self) -> list[str]:
        return [text for _, text in self.sent]

    async def send(self, chat_id: int, text: str, buttons: Keyboard, reply_to: int | None) -> int:
        if self.delay:
            await asyncio.sleep(self.delay)
        self.sent.append((chat_id, text))
        self._changed.set()
        return len(self.sent)

    async def send_photo(self, chat_id: int, file_id: FileRef, caption: str, buttons: Keyboard) -> int:
        return await self.send(chat_id, caption, buttons, None)

    async def send_document(self, chat_id: int, file_id: FileRef, caption: str, buttons: Keyboard) -> int:
        return await self.send(chat_id, caption, buttons, None)

    async def edit(self, chat_id: int, message_id: int, text: str, buttons: Keyboard) -> None:
        return None

    async def answer(self, callback_id: str, text: str | None, alert: bool) -> None:
        return None

    async def wait_for(self, count: int) -> None:
        while len(self.sent) < count:
            self._changed.clear()
            await self._changed.wait()


class Refusing(RecordingTransport):
    """Telegram as it answers a bot that a person never opened (or blocked): 403 for that chat."""

    def __init__(self, sent: list[tuple[int, str]], blocked: set[int]) -> None:
        super().__init__(sent, delay=0.003)
        self.blocked = blocked

    async def send(self, chat_id: int, text: str, buttons: Keyboard, reply_to: int | None) -> int:
        if chat_id in self.blocked:
            raise Refused("Forbidden: bot was blocked by the user")
        return await super().send(chat_id, text, buttons, reply_to)


async def rows_for(session: AsyncSession, kind: str) -> list[dict[str, Any]]:
    """Every exported row of one kind (``dutydesk export KIND``) in a list."""
    return [row async for row in registry().exports[kind].rows(session)]
