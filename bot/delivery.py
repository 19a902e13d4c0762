"""Sending what handlers return, with retries and a rate limit, and the outbox sweep.

Engines implement :class:`Transport` and translate their library's errors into the three below, so
the retry policy is written once: 429 waits ``retry_after``; 5xx and network errors back off
exponentially; a refusal (blocked by the user, bad request) is not retried.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from aiolimiter import AsyncLimiter

from handlers.desk import DutyDesk
from handlers.messages import Inbound, Keyboard, Outcome, Reply
from handlers.notices import buttons_from_dicts
from storage.clock import utcnow
from storage.models import Outbox
from storage.repos import outbox

log = logging.getLogger(__name__)
T = TypeVar("T")
TELEGRAM_LIMIT = 4096


class RetryLater(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"retry after {retry_after}s")
        self.retry_after = retry_after


class Transient(Exception):
    """A 5xx or a network failure: worth trying again shortly."""


class Refused(Exception):
    """The API refused for good (blocked by the user, chat not found, bad request)."""


class Transport(Protocol):
    async def send(self, chat_id: int, text: str, buttons: Keyboard, reply_to: int | None) -> int: ...

    async def edit(self, chat_id: int, message_id: int, text: str, buttons: Keyboard) -> None: ...

    async def answer(self, callback_id: str, text: str | None, alert: bool) -> None: ...


def fit(text: str) -> str:
    """Telegram takes at most 4096 characters in a message."""
    return text if len(text) <= TELEGRAM_LIMIT else text[: TELEGRAM_LIMIT - 1] + "…"


class Delivery:
    def __init__(
        self,
        desk: DutyDesk,
        transport: Transport,
        *,
        per_second: float = 30.0,
        attempts: int = 5,
        base_delay: float = 0.5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.desk = desk
        self.transport = transport
        # Telegram allows about 30 messages a second per bot; 0 turns the limiter off.
        self.limiter = AsyncLimiter(per_second, 1) if per_second > 0 else None
        self.attempts = attempts
        self.base_delay = base_delay
        self.sleep = sleep
        self._flush_lock = asyncio.Lock()

    async def retrying(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        """Run one API call; retries 429 (after retry_after) and transient faults (backoff)."""
        for attempt in range(1, self.attempts + 1):
            try:
                if self.limiter is not None:
                    async with self.limiter:
                        return await call()
                return await call()
            except RetryLater as exc:
                if attempt == self.attempts:
                    raise
                log.warning("%s: rate limited, waiting %.1fs (attempt %d)", what, exc.retry_after, attempt)
                await self.sleep(exc.retry_after)
            except Transient as exc:
                if attempt == self.attempts:
                    raise
                delay = self.base_delay * 2 ** (attempt - 1) * (1 + random.random() / 4)
                log.warning("%s: %s; retrying in %.1fs (attempt %d)", what, exc, delay, attempt)
                await self.sleep(delay)
        raise AssertionError("unreachable")

    async def deliver(self, msg: Inbound, outcome: Outcome) -> None:
        """Send one outcome back to the chat it came from; then wake the outbox if it queued any."""
        if msg.callback_id is not None:
            await self._answer(msg.callback_id, outcome)
        for reply in outcome.replies:
            await self._send_reply(msg, reply)
        if outcome.notified:
            try:
                await self.flush()
            except Exception:  # the rows are safe in the outbox; the next tick sends them
                log.exception("outbox flush after update %s failed; the scheduler tick retries", msg.update_id)

    async def _answer(self, callback_id: str, outcome: Outcome) -> None:
        try:
            await self.retrying(
                "answerCallbackQuery", lambda: self.transport.answer(callback_id, outcome.toast, outcome.alert)
            )
        except (Refused, Transient, RetryLater) as exc:  # an old button press: the reply still goes out
            log.info("could not answer callback %s: %s", callback_id, exc)

    async def _send_reply(self, msg: Inbound, reply: Reply) -> None:
        chat_id, text = msg.chat.id, fit(reply.text)
        try:
            if reply.edit and msg.message_id is not None:
                await self.retrying(
                    "editMessageText", lambda: self.transport.edit(chat_id, msg.message_id or 0, text, reply.buttons)
                )
                message_id = msg.message_id
            else:
                reply_to = msg.message_id if reply.quote else None
                message_id = await self.retrying(
                    "sendMessage", lambda: self.transport.send(chat_id, text, reply.buttons, reply_to)
                )
        except (Refused, Transient, RetryLater) as exc:
            log.error("could not reply in chat %s to update %s: %s", chat_id, msg.update_id, exc)
            return
        await self.desk.link_sent(chat_id, message_id, reply)

    async def flush(self, *, limit: int = 30) -> int:
        """Send due outbox rows, claimed atomically so that two processes never send one twice."""
        sent = 0
        async with self._flush_lock:
            while True:
                async with self.desk.db.session() as session:
                    rows = list(await outbox.claim(session, now=utcnow(), token=self.desk.token, limit=limit))
                if not rows:
                    return sent
                for row in rows:
                    sent += await self._send_row(row)

    async def _send_row(self, row: Outbox) -> int:
        buttons = buttons_from_dicts(row.buttons)
        try:
            message_id = await self.retrying(
                "sendMessage(outbox)", lambda: self.transport.send(row.chat_id, fit(row.text), buttons, None)
            )
        except (Refused, Transient, RetryLater) as exc:
            log.warning("outbox %s to chat %s failed: %s", row.id, row.chat_id, exc)
            async with self.desk.db.session() as session:
                await outbox.mark_failed(session, row=row, error=str(exc), permanent=isinstance(exc, Refused))
            return 0
        async with self.desk.db.session() as session:
            await outbox.mark_sent(session, row_id=row.id or 0, message_id=message_id)
        if row.ref_kind and row.ref_id is not None:
            await self.desk.link_sent(row.chat_id, message_id, Reply("", link=(row.ref_kind, row.ref_id)))
        return 1

    async def tick(self) -> None:
        """One scheduler tick: run due timers, then send what they queued."""
        try:
            await self.desk.sweep()
            await self.flush()
        except Exception:
            log.exception("scheduler tick failed; the next tick tries again")
