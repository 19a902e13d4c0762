"""The tick: due business timers, the outbox, and stored updates whose lease ran out (a dead
process's, or one the database was away for). APScheduler 3 drives the tick only; the business
timers are rows in the database (SPEC §7)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.delivery import Delivery
from bot.errors import STORAGE_ERRORS
from bot.intake import Intake
from bot.outage import OutageLog
from storage.liveness import OwnerLock

log = logging.getLogger(__name__)


def start_ticker(tick: Callable[[], Awaitable[None]], seconds: float, timezone: str) -> AsyncIOScheduler:
    """Run ``tick`` every ``seconds`` (never two at once; missed runs coalesce into one)."""
    scheduler = AsyncIOScheduler(timezone=timezone)
    scheduler.add_job(
        tick,
        "interval",
        seconds=seconds,
        id="tick",
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(scheduler.timezone),
        misfire_grace_time=max(1, int(seconds)),
    )
    scheduler.start()
    return scheduler


class Ticker:
    """The tick of one process, from :meth:`start` until :meth:`stop`."""

    def __init__(self, intake: Intake, delivery: Delivery, *, owner: OwnerLock | None, db_outage: OutageLog) -> None:
        self.intake, self.delivery, self.owner, self.db_outage = intake, delivery, owner, db_outage
        self.desk, self.stopping = intake.desk, intake.stopping
        self._lock = asyncio.Lock()  # a stop waits for a running tick (it may hold claimed rows)
        self._scheduler: AsyncIOScheduler | None = None

    def start(self, seconds: float, timezone: str) -> None:
        self._scheduler = start_ticker(self.tick, seconds, timezone)

    async def stop(self) -> None:
        """No new tick starts once the bot is stopping; APScheduler cancels a running job at shutdown,
        so a running tick is let end first (it may hold claimed rows)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._lock.acquire(), timeout=15)
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)

    async def tick(self) -> None:
        if self.stopping.is_set():
            return
        async with self._lock:
            await self._tick()

    async def _tick(self) -> None:
        try:
            if self.owner is not None and not await self.owner.check():
                log.warning("owner lock %s is still held for a lost connection; trying again", self.owner.token)
            await self.intake.refill()
            await self.desk.sweep()
            await self.delivery.flush()
            self.db_outage.ok()
        except STORAGE_ERRORS as exc:
            self.db_outage.failed(exc, "scheduler tick")
        except Exception:
            log.exception("scheduler tick failed; the next tick tries again")
