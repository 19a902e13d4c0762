"""The updates on their way to the workers: stored in the inbox first (only then is Telegram told
they were received), then put in a bounded queue. Rows waiting in the inbox (a dead process's, or
leases that ran out while the database was away) are taken again, a batch at a time, as the queue has
room; one being handled that a sweep takes again is looked at once more when its round ends (it is
then a duplicate, and leaves the inbox)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import text

from bot.errors import STORAGE_ERRORS
from bot.outage import OutageLog
from handlers.core.desk import DutyDesk
from storage.clock import utcnow
from storage.repos import inbox

# (update id, payload, taken again: by a sweep, so counted when a worker starts on it)
Item = tuple[int, str, bool]


class Intake:
    def __init__(
        self, desk: DutyDesk, *, lease: timedelta, size: int, stopping: asyncio.Event, db_outage: OutageLog
    ) -> None:
        self.desk, self.db = desk, desk.db
        self.lease, self.stopping, self.db_outage = lease, stopping, db_outage
        self.queue: asyncio.Queue[Item] = asyncio.Queue(maxsize=size)
        self.queued: set[int] = set()
        self.again: dict[int, str] = {}
        # Rows waiting in the inbox are taken while the queue has room; a backlog left over is taken
        # as the workers free room, not a tick later.
        self._refill_lock = asyncio.Lock()
        self._backlog = False
        self._refills: set[asyncio.Task[None]] = set()

    async def store(self, updates: list[tuple[int, str]], what: str) -> set[int] | None:
        """Store a batch in the inbox: the ids that were new, or None when the database is away (the
        outage is logged)."""
        try:
            async with self.db.session() as session:
                fresh = await inbox.store(
                    session, updates=updates, now=utcnow(), lease=self.lease, token=self.desk.token
                )
        except STORAGE_ERRORS as exc:
            self.db_outage.failed(exc, what)
            return None
        self.db_outage.ok()
        return fresh

    async def put(self, update_id: int, payload: str, *, retaken: bool = False) -> None:
        """Queue a stored update for the workers (waiting while the queue is full)."""
        if update_id in self.queued:
            # Being handled now, yet taken again by a sweep: look at it once more when this round
            # ends (it is then a duplicate, and leaves the inbox).
            self.again[update_id] = payload
            return
        self.queued.add(update_id)
        await self.queue.put((update_id, payload, retaken))

    def finished(self, update_id: int) -> None:
        """A worker is done with an update (handled or not): queue it again if a sweep took it
        meanwhile, and take more waiting rows if a backlog waits."""
        self.queued.discard(update_id)
        again = self.again.pop(update_id, None)
        if again is not None and not self.queue.full():
            self.queued.add(update_id)
            self.queue.put_nowait((update_id, again, True))  # else a sweep takes it after its lease
        self.queue.task_done()
        self._refill_soon()

    async def refill(self) -> None:
        """Take waiting inbox rows, a batch at a time, while the queue has room for them (a
        restart's backlog is handled at the workers' pace: a batch per tick took 15 s for 150)."""
        async with self._refill_lock:
            while not self.stopping.is_set():
                room = min(50, self.queue.maxsize - self.queue.qsize())
                self._backlog = room < 1
                if room < 1:
                    return
                async with self.db.session() as session:
                    expired = await inbox.claim_expired(
                        session, now=utcnow(), lease=self.lease, token=self.desk.token, limit=room
                    )
                for row in expired:
                    await self.put(row.update_id, row.payload, retaken=True)
                if len(expired) < room:
                    return
                self._backlog = True

    def _refill_soon(self) -> None:
        """After a worker finished: if a backlog waits and the queue is half empty, take more."""
        if not self._backlog or self._refill_lock.locked() or self.queue.qsize() > self.queue.maxsize // 2:
            return
        self._backlog = False
        task = asyncio.get_running_loop().create_task(self._refill_logged())
        self._refills.add(task)
        task.add_done_callback(self._refills.discard)

    async def _refill_logged(self) -> None:
        try:
            await self.refill()
        except STORAGE_ERRORS as exc:
            self._backlog = True
            self.db_outage.failed(exc, "taking stored updates")

    async def database_answers(self) -> bool:
        """Whether the database answers now (webhook mode's health check; an error while handling
        that is not an outage)."""
        try:
            async with self.db.session() as session:
                await asyncio.wait_for(session.exec(text("SELECT 1")), timeout=5)  # type: ignore[call-overload]
            return True
        except (*STORAGE_ERRORS, TimeoutError):
            return False
