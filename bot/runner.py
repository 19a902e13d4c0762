"""`dutydesk run`: the bot with its inbox, workers, outbox delivery and ticker, until SIGINT/SIGTERM.

The path of an update (SPEC §7): the engine fetches it; it is stored in the inbox; only then is it
confirmed to Telegram (the next getUpdates carries the new offset); a worker converts it and the desk
handles it in one transaction that also removes it from the inbox and queues the replies; the
delivery sends the outbox. A process killed at any moment loses nothing: what was confirmed is in
the inbox, what was handled has its replies in the outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from aiorwlock import RWLock
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot import faults
from bot.app import App
from bot.config import Settings
from bot.delivery import Delivery, Limits, Refused, RetryLater, Transient
from bot.engines.base import Engine, TokenRefused, Unreachable
from bot.outage import OutageLog
from bot.scheduler import start_ticker
from bot.webhook import WebhookServer
from handlers.core import retakes
from handlers.core.desk import StorageUnavailable
from handlers.core.messages import Inbound, Outcome
from storage.clock import utcnow
from storage.liveness import OwnerLock
from storage.repos import inbox, outbox, timers

log = logging.getLogger(__name__)
STORAGE_ERRORS = (SQLAlchemyError, OSError, StorageUnavailable)


class StartupError(RuntimeError):
    """The bot cannot start; the message says why in one line."""


class Runner:
    """The engine-neutral loop: polling into the inbox, workers out of it, delivery, ticks."""

    def __init__(self, app: App, engine: Engine, settings: Settings) -> None:
        self.app, self.engine, self.settings = app, engine, settings
        self.desk = app.desk
        limits = Limits(settings.send_per_second, settings.group_per_minute, settings.chat_per_second)
        self.delivery = Delivery(self.desk, engine.transport, limits=limits)
        self.lease = timedelta(seconds=settings.inbox_lease_seconds)
        # (update id, payload, taken again: by a sweep, so counted when a worker starts on it)
        self.queue: asyncio.Queue[tuple[int, str, bool]] = asyncio.Queue(maxsize=settings.concurrent_updates * 4)
        self.queued: set[int] = set()
        self.again: dict[int, str] = {}
        # Updates whose last attempt only met a database outage: not counted against them.
        self.uncounted: set[int] = set()
        # Updates are handled together (read side); one on its last chance alone (write side).
        self.gate = RWLock(fast=True)
        # PostgreSQL: this process's advisory lock, so others see at once when it dies (storage.liveness).
        self.owner: OwnerLock | None = None
        self.chat_locks: dict[int, asyncio.Lock] = {}
        self.db_outage = OutageLog("the database", log)
        self.api_outage = OutageLog("the Bot API", log)
        self.stopping = asyncio.Event()
        self.offset: int | None = None  # the next getUpdates confirms every update before it
        self._tick_lock = asyncio.Lock()  # a stop waits for a running tick (it may hold claimed rows)
        # Rows waiting in the inbox (a dead process's, expired leases) are taken while the queue
        # has room; a backlog left over is taken as the workers free room, not a tick later.
        self._refill_lock = asyncio.Lock()
        self._backlog = False
        self._refills: set[asyncio.Task[None]] = set()

    # -- start ------------------------------------------------------------------------------------

    async def introduce(self) -> None:
        """Who the bot is (for invite links and the privacy-mode warning), and its command menu.
        A refused token ends at once; an unreachable API is tried a few times."""
        for attempt in range(1, 4):
            try:
                username, reads_all = await self.engine.introduce()
                break
            except Unreachable as exc:
                if attempt == 3:
                    raise StartupError(
                        f"cannot reach the Bot API at {self.settings.telegram_api_url} ({first_line(exc)}); "
                        "check TELEGRAM_API_URL and the network"
                    ) from None
                await asyncio.sleep(attempt)
        self.desk.services.bot_username = username
        self.desk.services.can_read_group_messages = reads_all
        self.desk.services.files = self.engine.files
        language = self.desk.services.default_language
        await self.engine.publish_menu({private: self.desk.router.menu(private, language) for private in (False, True)})
        log.info("running as @%s (%s engine; reads group messages: %s)", username, self.engine.name, reads_all)

    async def recover(self) -> None:
        """On SQLite the bot is the only process: what an earlier run leased or claimed is due now.
        On PostgreSQL it takes its owner lock: rows of a process that died are taken by the first
        tick (storage.liveness), and the other processes take this one's at once if it dies."""
        if not self.app.db.is_sqlite:
            self.owner = OwnerLock(self.app.db.url)
            self.desk.token = await self.owner.acquire()
            return
        async with self.app.db.session() as session:
            waiting = await inbox.release_all(session)
            await outbox.release_stale(session, older_than=utcnow() + timedelta(days=1))
            await timers.release_stale(session, older_than=utcnow() + timedelta(days=1))
        if waiting:
            log.info("%d stored update(s) from an earlier run will be handled now", waiting)

    # -- polling into the inbox ---------------------------------------------------------------------

    async def poll(self) -> None:
        await self.engine.delete_webhook()
        while not self.stopping.is_set():
            offset = self.offset
            try:
                updates = await self.engine.get_updates(offset, self.settings.polling_timeout)
                self.api_outage.ok()
            except TokenRefused:
                raise
            except (Transient, RetryLater, Refused, Unreachable) as exc:
                self.api_outage.failed(exc, "getUpdates")
                await self._pause(2.0)
                continue
            if not updates:
                continue
            fresh = await self._store(updates)
            if fresh is None:
                return  # stopping while the database is away: nothing was confirmed
            faults.point("stored")
            self.offset = max(update_id for update_id, _ in updates) + 1  # confirmed with the next call
            for update_id, payload in updates:
                if update_id in fresh:
                    await self._enqueue(update_id, payload)

    async def _confirm_stored(self) -> None:
        """At a clean stop, tell Telegram that what is stored was received (what comes back with
        this call is not confirmed by it, and is fetched again at the next start)."""
        if self.offset is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.engine.get_updates(self.offset, 0), timeout=5)

    async def _store(self, updates: list[tuple[int, str]]) -> set[int] | None:
        """Store the batch, retrying while the database is away (Telegram keeps the updates meanwhile)."""
        delay = 0.5
        while not self.stopping.is_set():
            fresh = await self._store_once(updates, f"storing {len(updates)} update(s)")
            if fresh is not None:
                return fresh
            await self._pause(delay)
            delay = min(delay * 2, 10.0)
        return None

    async def _store_once(self, updates: list[tuple[int, str]], what: str) -> set[int] | None:
        """The ids that were new, or None when the database is away (the outage is logged)."""
        try:
            async with self.app.db.session() as session:
                fresh = await inbox.store(
                    session, updates=updates, now=utcnow(), lease=self.lease, token=self.desk.token
                )
        except STORAGE_ERRORS as exc:
            self.db_outage.failed(exc, what)
            return None
        self.db_outage.ok()
        return fresh

    async def _enqueue(self, update_id: int, payload: str, *, retaken: bool = False) -> None:
        if update_id in self.queued:
            # Being handled now, yet taken again by a sweep: look at it once more when this round
            # ends (it is then a duplicate, and leaves the inbox).
            self.again[update_id] = payload
            return
        self.queued.add(update_id)
        await self.queue.put((update_id, payload, retaken))

    # -- webhook into the inbox --------------------------------------------------------------------

    async def serve_webhook(self) -> None:
        """Webhook mode: Telegram POSTs updates; each is stored in the inbox before it is answered
        200 (bot/webhook.py), so a process that dies loses nothing and several can share the work."""
        host, port = self.settings.webhook_address
        secret = self.settings.webhook_secret.get_secret_value() if self.settings.webhook_secret else ""
        server = WebhookServer(
            host=host, port=port, path=self.settings.webhook_path, secret=secret,
            accept=self._accept, healthy=self._healthy,
        )  # fmt: skip
        try:
            await server.start()
        except OSError as exc:
            raise StartupError(
                f"cannot listen on {self.settings.webhook_listen} ({exc}); check WEBHOOK_LISTEN"
            ) from None
        try:
            await self._set_webhook(secret)
            await self.stopping.wait()
        finally:
            await server.stop()

    async def _set_webhook(self, secret: str) -> None:
        for attempt in range(1, 4):
            try:
                await self.engine.set_webhook(self.settings.webhook_url, secret)
                return
            except (Transient, RetryLater, Unreachable) as exc:
                if attempt == 3:
                    raise StartupError(f"setWebhook failed ({first_line(exc)}); check WEBHOOK_URL") from None
                await self._pause(attempt)
            except Refused as exc:
                raise StartupError(f"setWebhook was refused ({first_line(exc)}); check WEBHOOK_URL") from None

    async def _accept(self, update_id: int, payload: str) -> bool:
        """One pushed update: stored (True; a fresh one is queued for the workers) or not (False:
        the webhook answers 5xx and Telegram delivers it again)."""
        fresh = await self._store_once([(update_id, payload)], f"storing update {update_id}")
        if fresh is None:
            return False
        faults.point("stored")
        if fresh:  # shielded: a dropped connection must not leave it marked queued but not in the queue
            await asyncio.shield(self._enqueue(update_id, payload))
        return True

    async def _healthy(self) -> bool:
        try:
            async with self.app.db.session() as session:
                await asyncio.wait_for(session.exec(text("SELECT 1")), timeout=5)  # type: ignore[call-overload]
            return True
        except (*STORAGE_ERRORS, TimeoutError):
            return False

    # -- workers ----------------------------------------------------------------------------------

    async def work(self) -> None:
        while True:
            update_id, payload, retaken = await self.queue.get()
            try:
                await self._take(update_id, payload, retaken=retaken)
            except Exception as exc:
                log.exception("update %s could not be handled; it is tried again shortly", update_id)
                await self._failed(update_id, exc)
            finally:
                self.queued.discard(update_id)
                again = self.again.pop(update_id, None)
                if again is not None and not self.queue.full():
                    self.queued.add(update_id)
                    self.queue.put_nowait((update_id, again, True))  # else a sweep takes it after its lease
                self.queue.task_done()
                self._refill_soon()

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
                async with self.app.db.session() as session:
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
        if await self._healthy():
            log.warning("update %s in chat %s failed in the database: %s", update_id, inbound.chat.id, first_line(exc))
            await self._failed(update_id, exc)
            return
        self.uncounted.add(update_id)
        self.db_outage.failed(exc, f"update {update_id} in chat {inbound.chat.id}")

    async def _failed(self, update_id: int, exc: BaseException) -> None:
        """Keep why an attempt failed, and let a sweep take the row again shortly (counted then)."""
        retry_at = utcnow() + min(self.lease, timedelta(seconds=5))
        try:
            async with self.app.db.session() as session:
                await inbox.failed(session, update_id=update_id, error=first_line(exc), retry_at=retry_at)
        except STORAGE_ERRORS as error:
            self.db_outage.failed(error, f"recording the failure of update {update_id}")

    async def _set_aside_unread(self, update_id: int, exc: BaseException) -> None:
        try:
            async with self.app.db.session() as session:
                reason = f"unreadable: {first_line(exc)}"
                await inbox.set_aside(session, update_id=update_id, now=utcnow(), error=reason)
        except STORAGE_ERRORS as error:
            self.db_outage.failed(error, f"setting update {update_id} aside")

    # -- ticks ------------------------------------------------------------------------------------

    async def tick(self) -> None:
        """Timers, the outbox, and stored updates whose lease ran out (a dead process's, or one the
        database was away for)."""
        if self.stopping.is_set():
            return
        async with self._tick_lock:
            await self._tick()

    async def _tick(self) -> None:
        try:
            if self.owner is not None and not await self.owner.check():
                log.warning("owner lock %s is still held for a lost connection; trying again", self.owner.token)
            await self._refill()
            await self.desk.sweep()
            await self.delivery.flush()
            self.db_outage.ok()
        except STORAGE_ERRORS as exc:
            self.db_outage.failed(exc, "scheduler tick")
        except Exception:
            log.exception("scheduler tick failed; the next tick tries again")

    async def _refill(self) -> None:
        """Take waiting inbox rows, a batch at a time, while the queue has room for them (a
        restart's backlog is handled at the workers' pace: a batch per tick took 15 s for 150)."""
        async with self._refill_lock:
            while not self.stopping.is_set():
                room = min(50, self.queue.maxsize - self.queue.qsize())
                self._backlog = room < 1
                if room < 1:
                    return
                async with self.app.db.session() as session:
                    expired = await inbox.claim_expired(
                        session, now=utcnow(), lease=self.lease, token=self.desk.token, limit=room
                    )
                for row in expired:
                    await self._enqueue(row.update_id, row.payload, retaken=True)
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
            await self._refill()
        except STORAGE_ERRORS as exc:
            self._backlog = True
            self.db_outage.failed(exc, "taking stored updates")

    # -- lifecycle --------------------------------------------------------------------------------

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), timeout=seconds)

    async def run(self) -> None:
        await self.introduce()
        await self.recover()
        workers = [asyncio.create_task(self.work()) for _ in range(self.settings.concurrent_updates)]
        ticker = start_ticker(self.tick, self.settings.tick_seconds, self.settings.dutydesk_timezone)
        polling = asyncio.create_task(self.serve_webhook() if self.settings.webhook_url else self.poll())
        stopper = asyncio.create_task(self.stopping.wait())
        try:
            done, _ = await asyncio.wait({polling, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if polling in done:
                polling.result()
        finally:
            self.stopping.set()
            # APScheduler cancels a running job at shutdown: let a running tick end first (it may
            # hold claimed rows); no new tick starts once stopping is set.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._tick_lock.acquire(), timeout=15)
            ticker.shutdown(wait=False)
            polling.cancel()
            stopper.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await polling
            await self._confirm_stored()
            # Let the workers finish what was taken (whatever is left stays in the inbox), then send.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.queue.join(), timeout=10)
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.delivery.drain(), timeout=10)
            if self.owner is not None:
                with contextlib.suppress(Exception):
                    await self.owner.close()


def first_line(exc: BaseException) -> str:
    """The first line of an error's text, at most 200 characters (for one-line reports)."""
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
