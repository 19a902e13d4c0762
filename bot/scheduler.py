"""APScheduler 3 drives the tick only; the business timers are rows in the database (SPEC §7)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler


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
