"""The workers: each takes a stored update from the intake, reads it with the engine, and has the desk
handle it in one transaction that also removes it from the inbox and queues the replies, which the
delivery then sends. A failure is kept with the row for a sweep to take it again; an update taken
too often is set aside (handlers.core.retakes), and one on its last chance is handled alone."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from aiorwlock import RWLock

from bot import faults
from bot.delivery import Delivery
from bot.engines.base import Engine
from bot.errors import STORAGE_ERRORS, first_line
from bot.intake import Intake
from bot.outage import OutageLog
from handlers.core import retakes
from handlers.core.desk import StorageUnavailable
from handlers.core.messages import Inbound, Outcome
from storage.clock import utcnow
from storage.repos import inbox

log = logging.getLogger(__name__)


class Workers:
    def __init__(self, intake: Intake, engine: Engine, delivery: Delivery, *, db_outage: OutageLog) -> None:
        self.intake, self.engine, self.delivery, self.db_outage = intake, engine, delivery, db_outage
        self.desk, self.db, self.lease = intake.desk, intake.db, intake.lease
        # Updates whose last attempt only met a database outage: not counted against them.
        self.uncounted: set[int] = set()
        # Updates are handled together (read side); one on its last chance alone (write side).
        self.gate = RWLock(fast=True)
        self.chat_locks: dict[int, asyncio.Lock] = {}

    async def work(self) -> None:
        """One worker: until cancelled, the next update of the queue."""
        queue = self.intake.queue
        while True:
            update_id, payload, retaken = await queue.get()
            try:
                await self._take(update_id, payload, retaken=retaken)
            except Exception as exc:
                log.exception("update %s could not be handled; it is tried again shortly", update_id)
                await self._failed(update_id, exc)
            finally:
                self.intake.finished(update_id)

    async def _take(self, update_id: int, payload: str, *, retaken: bool) -> None:
        """Read the update; one taken again is counted first (or set aside when its attempts are
        spent: handlers.core.retakes); then handle it, alone on its last chance."""
        try:
            inbound = self.engine.to_inbound(payload)
        except Exception as exc:  # kept, not dropped: `dutydesk inbox --dead` shows it
            log.exception("update %s cannot be read; set aside", update_id)
            await self._set_aside_unread(update_id, exc)
            return
        if inbound is None:  # nothing DutyDesk reads (a service message, an edit)
            try:
                async with self.db.session() as session:
                    await inbox.done(session, update_id=update_id)
            except STORAGE_ERRORS as exc:
                self.db_outage.failed(exc)
            return
        alone = retaken and await retakes.last_chance(self.desk, inbound, update_id=update_id)
        async with self.gate.writer if alone else self.gate.reader:
            if retaken:
                uncounted = update_id in self.uncounted
                take = await retakes.take_again(
                    self.desk, inbound, update_id=update_id, lease=self.lease, uncounted=uncounted
                )
                self.uncounted.discard(update_id)
                if not take.handle:
                    await self.delivery.deliver(inbound, Outcome(notified=take.notified))
                    return
            faults.poison(payload)
            await self._handle(update_id, inbound)

    async def _handle(self, update_id: int, inbound: Inbound) -> None:
        lock = self.chat_locks.setdefault(inbound.chat.id, asyncio.Lock())
        async with lock:  # one chat's updates are handled in the order they came
            try:
                outcome = await self.desk.handle(inbound)
            except StorageUnavailable as exc:
                await self._storage_failed(update_id, inbound, exc)
                return  # its lease runs out and a sweep handles it again
            finally:
                if not lock._waiters:  # type: ignore[attr-defined]
                    self.chat_locks.pop(inbound.chat.id, None)
        self.db_outage.ok()
        await self.delivery.deliver(inbound, outcome)

    async def _storage_failed(self, update_id: int, inbound: Inbound, exc: StorageUnavailable) -> None:
        """A database error while handling: an outage is not the update's fault (not counted); an
        error while the database answers (a value it refuses, say) is, like any other failure."""
        if await self.intake.database_answers():
            log.warning("update %s in chat %s failed in the database: %s", update_id, inbound.chat.id, first_line(exc))
            await self._failed(update_id, exc)
            return
        self.uncounted.add(update_id)
        self.db_outage.failed(exc, f"update {update_id} in chat {inbound.chat.id}")

    async def _failed(self, update_id: int, exc: BaseException) -> None:
        """Keep why an attempt failed, and let a sweep take the row again shortly (counted then)."""
        retry_at = utcnow() + min(self.lease, timedelta(seconds=5))
        try:
            async with self.db.session() as session:
                await inbox.failed(session, update_id=update_id, error=first_line(exc), retry_at=retry_at)
        except STORAGE_ERRORS as error:
            self.db_outage.failed(error, f"recording the failure of update {update_id}")

    async def _set_aside_unread(self, update_id: int, exc: BaseException) -> None:
        try:
            async with self.db.session() as session:
                reason = f"unreadable: {first_line(exc)}"
                await inbox.set_aside(session, update_id=update_id, now=utcnow(), error=reason)
        except STORAGE_ERRORS as error:
            self.db_outage.failed(error, f"setting update {update_id} aside")
