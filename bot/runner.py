"""`dutydesk run`: the bot in long polling, with the ticker, until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from bot.app import build_app
from bot.config import Settings
from bot.delivery import Delivery
from bot.engines.aiogram_engine import AiogramEngine, AiogramTransport, make_bot
from bot.scheduler import start_ticker

log = logging.getLogger(__name__)


async def run_bot(settings: Settings, *, polling_timeout: int = 30, stop: asyncio.Event | None = None) -> None:
    """Run until ``stop`` is set (or a signal arrives). Restart-safe: all state is in the database."""
    assert settings.bot_token is not None
    app = await build_app(settings)
    bot = make_bot(settings.bot_token.get_secret_value().strip(), settings.telegram_api_url)
    delivery = Delivery(app.desk, AiogramTransport(bot))
    engine = AiogramEngine(bot, app.desk, delivery)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    ticker = None
    polling = None
    try:
        await engine.introduce()
        ticker = start_ticker(delivery.tick, settings.tick_seconds, settings.dutydesk_timezone)
        polling = asyncio.create_task(engine.poll(polling_timeout=polling_timeout))
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({polling, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if polling in done:
            stopper.cancel()
            polling.result()
    finally:
        if ticker is not None:
            ticker.shutdown(wait=False)
        if polling is not None and not polling.done():
            await engine.stop()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(polling, timeout=10)
        await bot.session.close()
        await app.close()
        log.info("stopped")
