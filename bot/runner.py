"""`dutydesk run`: the bot with its inbox, workers, outbox delivery and ticker, until SIGINT/SIGTERM.

The path of an update (SPEC §7): the engine fetches it (bot/receiving.py); it is stored in the inbox;
only then is it confirmed to Telegram; it waits in the intake's queue (bot/intake.py) until a worker
converts it and the desk handles it in one transaction that also removes it from the inbox and queues
the replies (bot/workers.py); the delivery sends the outbox (bot/delivery.py), and the tick runs the
business timers and takes what was left waiting (bot/scheduler.py). A process killed at any moment
loses nothing: what was confirmed is in the inbox, what was handled has its replies in the outbox.
This module starts those parts and stops them in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from bot import menus
from bot.app import App
from bot.config import Settings
from bot.delivery import Delivery, Limits
from bot.engines.base import Engine, Unreachable
from bot.errors import StartupError as StartupError  # re-exported: the command line catches it from here
from bot.errors import first_line as first_line
from bot.intake import Intake
from bot.outage import OutageLog
from bot.receiving import Polling, Webhook
from bot.scheduler import Ticker
from bot.workers import Workers
from storage.clock import utcnow
from storage.liveness import OwnerLock
from storage.repos import inbox, outbox, timers

log = logging.getLogger(__name__)


class Runner:
    """The engine-neutral loop: receiving into the inbox, workers out of it, delivery, ticks."""

    def __init__(self, app: App, engine: Engine, settings: Settings) -> None:
        self.app, self.engine, self.settings = app, engine, settings
        self.desk = app.desk
        limits = Limits(settings.send_per_second, settings.group_per_minute, settings.chat_per_second)
        self.delivery = Delivery(self.desk, engine.transport, limits=limits)  # replaceable until run()
        self.lease = timedelta(seconds=settings.inbox_lease_seconds)
        # PostgreSQL: this process's advisory lock, so others see at once when it dies (storage.liveness).
        self.owner: OwnerLock | None = None
        self.db_outage = OutageLog("the database", log)
        self.api_outage = OutageLog("the Bot API", log)
        self.stopping = asyncio.Event()
        self.published_menus: dict[menus.MenuScope, menus.Entries] = {}
        self.menu_seconds = settings.menu_refresh_seconds

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
        await self.refresh_menus()
        log.info("running as @%s (%s engine; reads group messages: %s)", username, self.engine.name, reads_all)

    async def refresh_menus(self) -> None:
        """Publish the command menus (bot.menus) that differ from what was published last."""
        services = self.desk.services
        async with self.app.db.session() as session:
            wanted = await menus.compute(
                session, self.desk.router, language=services.default_language, admins=services.admin_ids
            )
        changed = menus.changes(self.published_menus, wanted)
        if changed:
            await self.engine.publish_menu(changed)
        self.published_menus = wanted

    async def keep_menus(self) -> None:
        """Roles change while the bot runs (invites, /staff, /remove, the command line): the menus follow."""
        while not self.stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), timeout=self.menu_seconds)
            if self.stopping.is_set():
                return
            try:
                await self.refresh_menus()
            except Exception as exc:  # a database or API outage: the next round tries again
                log.warning("could not refresh the command menus: %s", first_line(exc))

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

    async def run(self) -> None:
        await self.introduce()
        await self.recover()
        settings = self.settings
        intake = Intake(
            self.desk,
            lease=self.lease,
            size=settings.concurrent_updates * 4,
            stopping=self.stopping,
            db_outage=self.db_outage,
        )
        work = Workers(intake, self.engine, self.delivery, db_outage=self.db_outage)
        workers = [asyncio.create_task(work.work()) for _ in range(settings.concurrent_updates)]
        ticker = Ticker(intake, self.delivery, owner=self.owner, db_outage=self.db_outage)
        ticker.start(settings.tick_seconds, settings.dutydesk_timezone)
        receiver: Polling | Webhook = (
            Webhook(self.engine, intake, settings)
            if settings.webhook_url
            else Polling(self.engine, intake, timeout=settings.polling_timeout, api_outage=self.api_outage)
        )
        receiving = asyncio.create_task(receiver.run())
        menu_keeper = asyncio.create_task(self.keep_menus())
        stopper = asyncio.create_task(self.stopping.wait())
        try:
            done, _ = await asyncio.wait({receiving, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if receiving in done:
                receiving.result()
        finally:
            self.stopping.set()
            await ticker.stop()
            receiving.cancel()
            stopper.cancel()
            menu_keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await receiving
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await menu_keeper
            await receiver.confirm_stored()
            # Let the workers finish what was taken (whatever is left stays in the inbox), then send.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(intake.queue.join(), timeout=10)
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.delivery.drain(), timeout=10)
            if self.owner is not None:
                with contextlib.suppress(Exception):
                    await self.owner.close()
