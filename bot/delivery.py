"""Everything the bot says leaves through the outbox: claimed in priority order, sent within
Telegram's limits, marked sent or failed. A row is only ever in one process's hands.

Engines implement :class:`Transport` and translate their library's errors into the three below, so
the retry policy is written once: 429 waits ``retry_after`` (that chat only); 5xx and network
errors back off; a refusal (blocked by the user, bad request) is not retried. Only a refusal that
says the person cannot be reached (403, chat not found) tells the duty group so: a text Telegram
refuses as too long is not "the resident blocked the bot".

Limits (SPEC §7; Telegram's FAQ): about 30 messages a second overall, 20 a minute in one group,
one a second in one chat. A chat over its limit does not hold up the others: its rows are put back
with the time it may send again, all together so that they keep their order.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from aiolimiter import AsyncLimiter
from sqlalchemy.exc import SQLAlchemyError

from bot import faults
from bot.transport import FileRef, FileUpload, Reason, Refused, RetryLater, Transient, Transport
from handlers.core import undeliverable
from handlers.core.desk import DutyDesk
from handlers.core.messages import Inbound, Outcome
from handlers.core.notices import BULK, MEDIA, buttons_from_dicts
from handlers.core.text_limits import CAPTION_LIMIT, MESSAGE_LIMIT, clip
from handlers.tickets import relays
from storage.clock import utcnow
from storage.models import Outbox, require_id
from storage.repos import links, outbox, uploads

log = logging.getLogger(__name__)
T = TypeVar("T")
# Slots of a group's minute that residents' relayed messages (priority BULK) may not take: kept for
# staff replies, cards and urgent notices, so a resident's flood does not make them wait.
# Half: with a quarter kept, five residents flooding at once held a /log 30 s (bench/bench_flood.py).
GROUP_RESERVE = 10


class Window:
    """At most ``count`` sends in any ``period`` seconds, as Telegram counts a group's 20 a minute: a
    burst of 20, then the 21st when the first is a minute old. (A leaky bucket let a 21st out 3 s
    after the burst; Telegram answered 429 and the whole group, staff replies too, waited out the
    rest of the minute.)"""

    MARGIN = 1.01  # Telegram's clock starts when the request arrives, a little after ours

    def __init__(self, rate: float, period: float) -> None:
        self.count = max(1, int(rate))
        self.period = period * max(1.0, self.count / rate) * self.MARGIN  # a rate under 1: one per longer period
        self.sent: deque[float] = deque()

    def take(self, kept: int = 0) -> float:
        """Take a slot now, leaving ``kept`` slots of the window free (0.0), or say in how many
        seconds one is free (nothing taken)."""
        now = time.monotonic()
        while self.sent and now - self.sent[0] >= self.period:
            self.sent.popleft()
        allowed = max(1, self.count - kept)
        if len(self.sent) < allowed:
            self.sent.append(now)
            return 0.0
        return self.sent[len(self.sent) - allowed] + self.period - now


@dataclass(frozen=True, slots=True)
class Limits:
    """Telegram's sending limits; 0 turns one off (the benchmarks, whose fake server has none)."""

    per_second: float = 30.0
    group_per_minute: float = 20.0
    chat_per_second: float = 1.0


@dataclass(slots=True)
class _Result:
    row: Outbox
    message_id: int | None = None
    error: Exception | None = None
    wait: float = 0.0  # the chat may send again in this many seconds (429 or its own limit)


class Delivery:
    def __init__(
        self,
        desk: DutyDesk,
        transport: Transport,
        *,
        per_second: float = 30.0,
        limits: Limits | None = None,
        attempts: int = 3,
        base_delay: float = 0.5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        batch: int = 20,
    ) -> None:
        self.desk = desk
        self.transport = transport
        self.limits = limits or Limits(per_second=per_second)
        self.limiter = AsyncLimiter(self.limits.per_second, 1) if self.limits.per_second > 0 else None
        self._chats: dict[int, Window] = {}
        self._blocked: dict[int, float] = {}  # chat → monotonic time a 429 lets it send again
        self.attempts = attempts
        self.base_delay = base_delay
        self.sleep = sleep
        self.batch = batch
        self._flush_lock = asyncio.Lock()
        self._again = False
        # Results of sends whose recording failed (the database went away after the send): kept to
        # be written first thing at the next flush, so the rows are not sent a second time.
        self._unrecorded: list[_Result] = []
        self._wake: asyncio.TimerHandle | None = None  # a flush when rows put back for a chat are due
        self._wake_at = 0.0
        self._woken_tasks: set[asyncio.Task[None]] = set()
        self._stopped = False

    # -- retries ---------------------------------------------------------------------------------

    async def retrying(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        """Run one API call; transient faults back off and try again a few times. A 429 is not
        waited out here: the caller puts the row back for that chat (others go on)."""
        for attempt in range(1, self.attempts + 1):
            try:
                if self.limiter is not None:
                    async with self.limiter:
                        return await call()
                return await call()
            except Transient as exc:
                if attempt == self.attempts:
                    raise
                delay = self.base_delay * 2 ** (attempt - 1) * (1 + random.random() / 4)
                log.warning("%s: %s; retrying in %.1fs (attempt %d)", what, exc, delay, attempt)
                await self.sleep(delay)
        raise AssertionError("unreachable")

    # -- limits ----------------------------------------------------------------------------------

    def _chat_window(self, chat_id: int) -> Window | None:
        group = chat_id < 0
        rate, period = (self.limits.group_per_minute, 60.0) if group else (self.limits.chat_per_second, 1.0)
        if rate <= 0:
            return None
        window = self._chats.get(chat_id)
        if window is None:
            if len(self._chats) > 10_000:
                self._chats.clear()
            window = self._chats[chat_id] = Window(rate, period)
        return window

    def _wait_for(self, chat_id: int, priority: int) -> float:
        """Seconds before this chat may be sent to; 0 when now (and the slot is taken). In a group, a
        resident's relayed message (BULK) leaves the last GROUP_RESERVE slots to everything else."""
        blocked = self._blocked.get(chat_id, 0.0) - time.monotonic()
        if blocked > 0:
            return blocked
        window = self._chat_window(chat_id)
        if window is None:
            return 0.0
        return window.take(GROUP_RESERVE if chat_id < 0 and priority >= BULK else 0)

    # -- the outbox ------------------------------------------------------------------------------

    async def deliver(self, msg: Inbound, outcome: Outcome) -> None:
        """After an update was handled: its replies are in the outbox; send them (and the rest)."""
        if outcome.notified:
            await self._flush_logged(f"after update {msg.update_id}")

    async def flush(self, *, limit: int | None = None) -> int:
        """Send due outbox rows, a batch at a time (urgent first), until none is due. One flush runs
        at a time in a process; a call while one runs makes it look again before it ends."""
        if self._flush_lock.locked():
            self._again = True
            return 0
        sent = 0
        async with self._flush_lock:
            if self._unrecorded:
                leftovers, self._unrecorded = self._unrecorded, []
                await self._record(leftovers)
            while True:
                self._again = False
                async with self.desk.db.session() as session:
                    rows = list(
                        await outbox.claim(session, now=utcnow(), token=self.desk.token, limit=limit or self.batch)
                    )
                if not rows:
                    if self._again:
                        continue
                    return sent
                results = await self._send_batch(rows)
                await self._record(results)
                sent += sum(1 for r in results if r.error is None and r.wait == 0)
                waits = [r.wait for r in results if r.wait > 0]
                if waits:
                    self._wake_in(min(waits))

    def _wake_in(self, seconds: float) -> None:
        """Flush again when rows put back for a chat's limit (or a 429) are due, not at the next tick:
        an escalation ping held 1 s because its chat just got a message waited up to TICK_SECONDS
        (5 s) for the tick (bench/bench_ping.py)."""
        if self._stopped:
            return
        loop = asyncio.get_running_loop()
        at = loop.time() + seconds + 0.05  # after the rows' next_try_at (written before this)
        if self._wake is not None and loop.time() < self._wake_at <= at:
            return  # an earlier wake-up is set; it sets the next one if rows still wait
        if self._wake is not None:
            self._wake.cancel()
        self._wake_at = at
        self._wake = loop.call_at(at, self._woken)

    def _woken(self) -> None:
        self._wake = None
        if not self._stopped:
            task = asyncio.get_running_loop().create_task(self._flush_logged())
            self._woken_tasks.add(task)
            task.add_done_callback(self._woken_tasks.discard)

    async def _flush_logged(self, when: str = "for rows that waited") -> None:
        """A flush whose failure is only logged: the rows are safe in the outbox; the next tick sends them."""
        try:
            await self.flush()
        except (SQLAlchemyError, OSError) as exc:  # the database is away: the runner logs the outage
            log.debug("outbox flush %s failed (%s); the scheduler tick retries", when, exc)
        except Exception:
            log.exception("outbox flush %s failed; the scheduler tick retries", when)

    async def drain(self) -> int:
        """At a stop: let a running flush finish recording what it sent, then send what is due."""
        self._stopped = True
        if self._wake is not None:
            self._wake.cancel()
            self._wake = None
        async with self._flush_lock:
            pass
        return await self.flush()

    async def _send_batch(self, rows: list[Outbox]) -> list[_Result]:
        """Chats in parallel; one chat's rows in order, and once one must wait the rest wait too."""
        by_chat: dict[int, list[Outbox]] = {}
        for row in rows:
            by_chat.setdefault(row.chat_id, []).append(row)

        async def one_chat(chat_rows: list[Outbox]) -> list[_Result]:
            results: list[_Result] = []
            waiting = 0.0
            for row in chat_rows:
                if waiting > 0:
                    results.append(_Result(row, wait=waiting))
                    continue
                result = await self._send_row(row)
                waiting = result.wait
                results.append(result)
            return results

        done = await asyncio.gather(*(one_chat(chat_rows) for chat_rows in by_chat.values()))
        return [result for chat_results in done for result in chat_results]

    async def _send_row(self, row: Outbox) -> _Result:
        if row.method != "answer":  # answering a button press does not count against the chat
            wait = self._wait_for(row.chat_id, row.priority)
            if wait > 0:
                return _Result(row, wait=wait)
        try:
            message_id = await self.retrying(f"{row.method}(outbox {row.id})", lambda: self._call(row))
        except RetryLater as exc:
            self._blocked[row.chat_id] = time.monotonic() + exc.retry_after
            log.warning("chat %s is rate limited for %.1fs; its messages wait", row.chat_id, exc.retry_after)
            return _Result(row, wait=exc.retry_after)
        except (Refused, Transient) as exc:
            return _Result(row, error=exc)
        faults.point("sent")
        return _Result(row, message_id=message_id)

    async def _call(self, row: Outbox) -> int | None:
        buttons = buttons_from_dicts(row.buttons)
        if row.method == "answer":
            try:
                await self.transport.answer(row.callback_id or "", row.text or None, row.alert)
            except Refused as exc:  # an old press (Telegram forgets them after a while): nothing to do
                log.info("could not answer button press %s: %s", row.callback_id, exc)
            return None
        # Texts were split to fit when queued (handlers.notices.enqueue_split); clipping is the last
        # guard, for an edit (one message stays one) and rows queued before the split existed.
        if row.method in MEDIA and row.photo_file_id:
            send_file = self.transport.send_photo if row.method == "photo" else self.transport.send_document
            return await send_file(
                row.chat_id, await self._file(row.photo_file_id), clip(row.text, CAPTION_LIMIT), buttons
            )
        if row.method == "edit" and row.edit_message_id is not None:
            await self.transport.edit(row.chat_id, row.edit_message_id, clip(row.text, MESSAGE_LIMIT), buttons)
            return row.edit_message_id
        return await self.transport.send(row.chat_id, clip(row.text, MESSAGE_LIMIT), buttons, row.reply_to)

    async def _file(self, reference: str) -> FileRef:
        """A Telegram file id as it is; a file the bot made (``upload:<id>``) read for uploading."""
        upload_id = uploads.upload_id(reference)
        if upload_id is None:
            return reference
        async with self.desk.db.session() as session:
            found = await uploads.get(session, upload_id=upload_id)
        if found is None:
            raise Refused(f"the file {reference} is no longer kept")
        return FileUpload(*found)

    async def _record(self, results: list[_Result]) -> None:
        """Write what happened to a batch in one transaction. If the database is away, the results
        are kept and written at the next flush."""
        try:
            await self._write(results)
        except Exception:
            self._unrecorded.extend(results)
            raise

    async def _write(self, results: list[_Result]) -> None:
        """Rows sent are marked sent together with their message → record links (a reply to the
        message finds its record as soon as the row is sent, in every process, after a crash
        too); rows refused for good are marked failed, with, for a private message to someone who
        cannot be reached, the duty group's notice; a relay's held confirmation is settled."""
        now = utcnow()
        async with self.desk.db.session() as session:
            sent = [r for r in results if r.wait <= 0 and r.error is None]
            await outbox.mark_sent_many(session, sent=[(require_id(r.row), r.message_id) for r in sent], at=now)
            await links.link_many(
                session,
                links=[
                    (r.row.chat_id, r.message_id, r.row.ref_kind, r.row.ref_id)
                    for r in sent
                    if r.message_id is not None and r.row.ref_kind and r.row.ref_id
                ],
            )
            settled: dict[int, Reason | None] = {r.row.update_id or 0: None for r in sent if relays.is_relay(r.row)}
            for result in results:
                row = result.row
                if result.wait > 0:
                    await outbox.postpone_chat(
                        session,
                        chat_id=row.chat_id,
                        until=now + timedelta(seconds=result.wait),
                        row_id=require_id(row),
                        priority=row.priority,
                    )
                elif result.error is not None:
                    permanent = isinstance(result.error, Refused)
                    log.warning("outbox %s to chat %s failed: %s", row.id, row.chat_id, result.error)
                    await outbox.mark_failed(session, row=row, error=str(result.error), permanent=permanent)
                    if isinstance(result.error, Refused) and result.error.unreachable:
                        await undeliverable.refused(session, row)
                    if relays.is_relay(row) and (permanent or row.attempts + 1 >= outbox.MAX_ATTEMPTS):
                        reason = result.error.reason if isinstance(result.error, Refused) else "refused"
                        settled[row.update_id or 0] = reason
            for update_id, failed in settled.items():
                await relays.settled(session, update_id=update_id, failed=failed)
